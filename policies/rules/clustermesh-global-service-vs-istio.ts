/**
 * `clustermesh-global-service-vs-istio` (mandatory) — docs/cluster-mesh.md#global-services.
 *
 * Both can route one Service across clusters: Cilium's global services (`service.cilium.io/global: "true"` on the
 * Service of the same name and namespace in each cluster; `shared`, `affinity`: Documentation/network/clustermesh/
 * services.rst, affinity.rst), and Istio's endpoint discovery through remote secrets (a Service of the same name and
 * namespace is one service across clusters: istio.io IST0170). Which wins depends on the client: a sidecar (or
 * ztunnel) resolves the Service to endpoints istiod knows and connects to a pod address, so Cilium's load balancing of
 * the Service address never sees the connection (socket load balancing is kept out of pod namespaces for Istio,
 * docs/failure-modes.md#f1); a client outside the mesh is balanced by Cilium. So for mesh clients Istio's view wins:
 *  - without a remote secret for the other clusters, Cilium's remote backends are invisible to sidecars, which find
 *    only local endpoints or none ("no healthy upstream": cilium/cilium#21815);
 *  - with one, `service.cilium.io/shared: "false"` and `service.cilium.io/affinity` do not apply to sidecars, which
 *    reach every cluster's endpoints istiod discovers.
 * Both are the ambiguous case the rule rejects: the Service's annotations promise what the mesh clients do not do.
 */
import { Finding, meshRule, unchecked, violation } from "../kit/findings";
import { SERVICE_AFFINITY_ANNOTATION, SHARED_SERVICE_ANNOTATION } from "../model/cluster-mesh-facts";
import { GlobalService, globalServiceOf } from "../model/clustermesh";
import { ClusterMember, MeshOfClusters } from "../model/mesh-of-clusters";
import { ServiceInfo, readServices } from "../model/services";

function meshClients(member: ClusterMember): string | undefined {
    const model = member.model;
    const reasons = [...model.sidecarInjectionBecause, ...model.ambientBecause];
    return reasons.length > 0 ? reasons[0] : undefined;
}

export function evaluate(mesh: MeshOfClusters): Finding[] {
    const findings: Finding[] = [];
    if (mesh.members.length < 2) {
        return findings;
    }
    const services = new Map(mesh.members.map((m) => [m, readServices(m.resources)]));
    const istioOf = new Map(mesh.istio.map((i) => [i.member, i]));
    for (const member of mesh.members) {
        const clients = meshClients(member);
        if (clients === undefined) {
            continue;
        }
        for (const service of services.get(member)!) {
            const annotations: GlobalService = globalServiceOf(service.annotations);
            if (annotations.global.state === "unreadable") {
                findings.push(
                    unchecked(
                        service.source,
                        "`service.cilium.io/global`",
                        `${annotations.global.path} ${annotations.global.reason}`,
                    ),
                );
                continue;
            }
            if (annotations.global.state !== "known" || !annotations.global.value) {
                continue;
            }
            const elsewhere = mesh.members.filter(
                (other) =>
                    other !== member &&
                    services
                        .get(other)!
                        .some((s: ServiceInfo) => s.namespace === service.namespace && s.name === service.name),
            );
            if (elsewhere.length === 0) {
                continue;
            }
            const istio = istioOf.get(member)?.istio;
            const istioNames = new Map(mesh.istio.map((i) => [i.member, i.istio.clusterName.value]));
            const read = new Set(
                (istio?.remoteSecrets ?? []).flatMap((s) => (s.cluster.state === "known" ? [s.cluster.value] : [])),
            );
            const unseen = elsewhere.filter((other) => !read.has(istioNames.get(other) ?? other.name));
            const what = `Service ${service.namespace}/${service.name} in cluster "${member.name}"`;
            if (unseen.length > 0) {
                findings.push(
                    violation(
                        service.source,
                        `${what} is a Cilium global service, with backends in ${unseen.map((o) => `"${o.name}"`).join(", ")}, ` +
                            `but the cluster's mesh clients (${clients}) route by istiod, which has no remote secret for ` +
                            `${unseen.length > 1 ? "those clusters" : "that cluster"}: sidecars never use Cilium's remote backends ` +
                            "and find only local endpoints, or none (cilium/cilium#21815). Fix: give istiod a remote secret " +
                            "for every cluster holding the Service (the ClusterMesh component writes them), or keep the Service local.",
                    ),
                );
                continue;
            }
            const promises = [
                annotations.shared.state === "known" && !annotations.shared.value
                    ? `${SHARED_SERVICE_ANNOTATION}: "false"`
                    : undefined,
                annotations.affinity.state === "known" && annotations.affinity.value !== "none"
                    ? `${SERVICE_AFFINITY_ANNOTATION}: "${annotations.affinity.value}"`
                    : undefined,
            ].filter((p): p is string => p !== undefined);
            if (promises.length > 0) {
                findings.push(
                    violation(
                        service.source,
                        `${what} sets ${promises.join(" and ")}, which only Cilium's load balancing honours; the cluster's mesh ` +
                            `clients (${clients}) are balanced by Istio across every cluster istiod discovers, so the annotation ` +
                            "does not hold for them. Fix: express the locality in Istio (MeshConfig serviceSettings clusterLocal, " +
                            "DestinationRule locality load balancing) and drop the Cilium annotation, or keep the Service out of Istio's discovery.",
                    ),
                );
            }
        }
    }
    return findings;
}

export const clustermeshGlobalServiceVsIstio = meshRule({
    name: "clustermesh-global-service-vs-istio",
    level: "mandatory",
    description:
        "A Cilium global service in a cluster with mesh clients must be one Istio discovers across the clusters too, without Cilium-only locality annotations.",
    trigger:
        'a Service with `service.cilium.io/global: "true"` held by several clusters, in a cluster with sidecars or ambient, where istiod has no remote secret for the other clusters, or the Service sets `service.cilium.io/shared: "false"` or an affinity',
    breaks: "mesh clients route by Istio: Cilium's remote backends or its locality promises do not apply to them",
    fix: "remote secrets for every cluster holding the Service; locality in Istio, not Cilium annotations",
    sources: [
        "cilium/cilium#21815",
        "https://docs.cilium.io/en/stable/network/clustermesh/services/",
        "https://istio.io/latest/docs/ops/configuration/traffic-management/multicluster/",
        "docs/cluster-mesh.md#global-services",
    ],
    evaluate,
});
