/**
 * Requests in a mesh of clusters (policies/model/mesh-of-clusters.ts): a probe names its client's cluster
 * (`<cluster>:<namespace>/<workload> <METHOD> <URL>`), the URL is resolved there, and the request may be served by
 * another cluster holding a Service of the same name and namespace (docs/cluster-mesh.md#global-services):
 *
 *  - a sidecar client is routed by Istio, which sees another cluster's endpoints only when its cluster's istiod has a
 *    remote secret for that cluster (and, on another network, only through east-west gateways, not modelled here);
 *  - a client without sidecar is routed by Cilium, which adds another cluster's backends only to a global Service
 *    (`service.cilium.io/global: "true"` in both clusters, the other's not `shared: "false"`) of clusters ClusterMesh
 *    joins, honouring `service.cilium.io/affinity`;
 *  - an ambient client across clusters is not modelled (ambient multicluster needs east-west gateways).
 *
 * A backend in the client's cluster is predicted as in one cluster. One in another cluster is predicted as if the
 * client ran in that cluster (its workload and namespace added to that cluster's resources); when a network or
 * authorization policy takes part in that answer it is `???`: how a policy treats a client of another cluster
 * (cluster labels, Cilium 1.19's policyDefaultLocalCluster, Istio identities from another cluster) is not modelled.
 * Answers that differ between the clusters that may serve are `???` too. Pure: a mesh and probes in, answers out.
 */
import { globalServiceOf } from "../model/clustermesh";
import { ClusterMember, MeshOfClusters, clusterMeshConnects } from "../model/mesh-of-clusters";
import { StackResource, isKubernetes } from "../model/resources";
import { ServiceInfo } from "../model/services";
import { Workload } from "../model/workloads";
import type { ProbeAnswer } from "./connectivity";
import { UNKNOWN_CODE } from "./predict";
import { Probe, ProbeError } from "./probe";
import { resolveClient } from "./targets";
import { buildTrafficModel } from "./traffic-model";

/** Kinds whose part in an answer cannot be carried across clusters (module comment). */
const POLICY_KINDS = ["CiliumNetworkPolicy", "CiliumClusterwideNetworkPolicy", "NetworkPolicy", "AuthorizationPolicy"];

/** How a request reaches another cluster, or why it does not. */
type Reach = { via: string } | { not: string };

/** Predicts one probe on one set of resources, as in one cluster. */
export type PredictOne = (resources: readonly StackResource[], probe: Probe) => ProbeAnswer;

function clientMember(mesh: MeshOfClusters, probe: Probe): ClusterMember {
    const names = mesh.members.map((m) => m.name).join(", ");
    if (probe.cluster !== undefined) {
        const member = mesh.member(probe.cluster);
        if (member === undefined) {
            throw new ProbeError(
                `probe "${probe.text}": there is no cluster "${probe.cluster}" (the clusters: ${names})`,
            );
        }
        return member;
    }
    const holding = mesh.members.filter((m) => {
        try {
            resolveClient(buildTrafficModel(m.resources), probe);
            return true;
        } catch {
            return false;
        }
    });
    if (holding.length === 1) {
        return holding[0];
    }
    throw new ProbeError(
        holding.length === 0
            ? `probe "${probe.text}": no cluster runs the client ${probe.from.namespace}/${probe.from.name} (the clusters: ${names})`
            : `probe "${probe.text}": clusters ${holding.map((m) => m.name).join(", ")} all run the client; name one as <cluster>:<namespace>/<workload>`,
    );
}

function serviceIn(member: ClusterMember, probe: Probe): ServiceInfo | undefined {
    return buildTrafficModel(member.resources).service(probe.namespace, probe.service);
}

/** Whether a request of `client` in `from` may be served by `to`'s Service (module comment). */
function reach(
    mesh: MeshOfClusters,
    client: Workload,
    from: ClusterMember,
    fromService: ServiceInfo | undefined,
    to: ClusterMember,
    toService: ServiceInfo,
): Reach {
    if (client.enrolment.mode === "sidecar") {
        const istiod = mesh.istio.find((m) => m.member === from);
        const remoteName = mesh.istio.find((m) => m.member === to)?.istio.clusterName.value ?? to.name;
        if (istiod === undefined) {
            return { not: `cluster ${from.name} runs no istiod` };
        }
        const secret = istiod.istio.remoteSecrets.find(
            (s) => s.cluster.state === "known" && s.cluster.value === remoteName,
        );
        if (secret === undefined) {
            return { not: `istiod of cluster ${from.name} has no remote secret for cluster ${remoteName}` };
        }
        const network = (m: ClusterMember) => mesh.istio.find((i) => i.member === m)?.istio.network.value ?? "";
        if (network(from) !== network(to)) {
            return {
                not: `clusters ${from.name} and ${to.name} are on different Istio networks (east-west gateways are not modelled)`,
            };
        }
        return { via: `Istio's endpoints of cluster ${to.name} (remote secret ${secret.source.name})` };
    }
    if (client.enrolment.mode !== "none") {
        return { not: `a ${client.enrolment.mode} client across clusters is not modelled` };
    }
    const local = fromService === undefined ? undefined : globalServiceOf(fromService.annotations);
    const remote = globalServiceOf(toService.annotations);
    if (
        local?.global.state !== "known" ||
        !local.global.value ||
        remote.global.state !== "known" ||
        !remote.global.value
    ) {
        return { not: `Service ${toService.namespace}/${toService.name} is not global for Cilium in both clusters` };
    }
    if (remote.shared.state === "known" && !remote.shared.value) {
        return { not: `cluster ${to.name} does not share its backends (service.cilium.io/shared: "false")` };
    }
    if (!clusterMeshConnects(mesh, from, to)) {
        return { not: `Cilium ClusterMesh does not join clusters ${from.name} and ${to.name}` };
    }
    return { via: `Cilium's global service (ClusterMesh ${from.name}–${to.name})` };
}

/** The client's workload and namespace, added to another cluster's resources (module comment). */
function withVisitor(server: ClusterMember, from: ClusterMember, client: Workload): StackResource[] {
    const visitor = from.resources.filter(
        (r) =>
            r.urn === client.source?.urn ||
            (isKubernetes(r.type, "core", "Namespace") && r.props?.metadata?.name === client.namespace),
    );
    const hasNamespace = server.resources.some(
        (r) => isKubernetes(r.type, "core", "Namespace") && r.props?.metadata?.name === client.namespace,
    );
    return [
        ...server.resources,
        ...visitor.filter((r) => !(hasNamespace && isKubernetes(r.type, "core", "Namespace"))),
    ];
}

function unknown(probe: Probe, client: string, reason: string, decidedBy: readonly string[] = []): ProbeAnswer {
    return {
        probe: probe.text,
        from: client,
        to: `${probe.podHostname ? `${probe.podHostname}.` : ""}${probe.service}.${probe.namespace}`,
        port: probe.port,
        method: probe.method,
        path: probe.path,
        code: UNKNOWN_CODE,
        reason: `unknown: ${reason}`,
        decidedBy,
        steps: [{ step: "result", detail: `unknown: ${reason}`, decidedBy: [] }],
    };
}

/** Answers probes in a mesh of clusters (module comment). */
export function predictAcrossClusters(
    mesh: MeshOfClusters,
    probes: readonly Probe[],
    predictOne: PredictOne,
): ProbeAnswer[] {
    return probes.map((probe) => {
        const from = clientMember(mesh, probe);
        const client = resolveClient(buildTrafficModel(from.resources), probe);
        const clientName = `${from.name}:${client.namespace}/${client.kind.toLowerCase()}/${client.name}`;
        const fromService = serviceIn(from, probe);
        const serving: { member: ClusterMember; answer: ProbeAnswer; via?: string }[] = [];
        const notServing: string[] = [];
        for (const member of mesh.members) {
            const service = serviceIn(member, probe);
            if (service === undefined) {
                continue;
            }
            if (member === from) {
                serving.push({ member, answer: predictOne(from.resources, probe) });
                continue;
            }
            const how = reach(mesh, client, from, fromService, member, service);
            if ("not" in how) {
                notServing.push(`${member.name}: ${how.not}`);
                continue;
            }
            serving.push({ member, answer: predictOne(withVisitor(member, from, client), probe), via: how.via });
        }
        if (fromService === undefined && serving.length === 0) {
            throw new ProbeError(
                `probe "${probe.text}": cluster ${from.name} has no Service ${probe.service} in namespace ${probe.namespace}, ` +
                    "so the name does not resolve there",
            );
        }
        // Cilium's affinity: local or remote backends first, when there are any (affinity.rst).
        const affinity = fromService === undefined ? undefined : globalServiceOf(fromService.annotations).affinity;
        const withBackends = serving.filter((s) => s.answer.code !== "000");
        let chosen = withBackends.length > 0 ? withBackends : serving;
        if (client.enrolment.mode === "none" && affinity?.state === "known" && chosen.length > 1) {
            const local = chosen.filter((s) => s.member === from);
            const remote = chosen.filter((s) => s.member !== from);
            chosen =
                affinity.value === "local" && local.length > 0
                    ? local
                    : affinity.value === "remote" && remote.length > 0
                      ? remote
                      : chosen;
        }
        const notes = notServing.length > 0 ? ` (not served by ${notServing.join("; ")})` : "";
        for (const remote of chosen.filter((s) => s.via !== undefined)) {
            const policies = remote.answer.decidedBy.filter((urn) =>
                POLICY_KINDS.some((kind) => urn.includes(`:${kind}::`)),
            );
            if (policies.length > 0) {
                return unknown(
                    probe,
                    clientName,
                    `in cluster ${remote.member.name} (through ${remote.via}) policies take part (${policies
                        .map((u) => u.split("::").pop())
                        .join(", ")}); how they treat a client of cluster ${from.name} is not modelled`,
                    policies,
                );
            }
        }
        const codes = new Set(chosen.map((s) => s.answer.code));
        if (chosen.length === 0) {
            return {
                ...unknown(probe, clientName, "no cluster serves it"),
                code: "000",
                reason: `no HTTP answer${notes}`,
            };
        }
        if (codes.size > 1) {
            return unknown(
                probe,
                clientName,
                `the answer depends on which cluster serves it (${chosen.map((s) => `${s.member.name} ${s.answer.code}`).join(", ")})`,
                [...new Set(chosen.flatMap((s) => s.answer.decidedBy))],
            );
        }
        const first = chosen[0].answer;
        const where = chosen
            .map((s) =>
                s.via === undefined ? `cluster ${s.member.name}` : `cluster ${s.member.name} through ${s.via}`,
            )
            .join(" and ");
        return {
            ...first,
            probe: probe.text,
            from: clientName,
            reason: `${first.reason}; served by ${where}${notes}`,
            decidedBy: [...new Set(chosen.flatMap((s) => s.answer.decidedBy))],
        };
    });
}
