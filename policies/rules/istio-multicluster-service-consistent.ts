/**
 * `istio-multicluster-service-consistent` (advisory) — docs/cluster-mesh.md#global-services.
 *
 * "Istio merges services with the same name and namespace from all clusters into one service. If the definitions are
 * different, the behavior is not defined"; istioctl compares the type, the ports and headlessness (istio.io, IST0170
 * MultiClusterInconsistentService).
 */
import { Finding, advisory, meshRule } from "../kit/findings";
import { MeshOfClusters } from "../model/mesh-of-clusters";
import { ServiceInfo, readServices } from "../model/services";

function shape(service: ServiceInfo): string | undefined {
    if (service.ports.state !== "known") {
        return undefined;
    }
    const ports = service.ports.value.map((p) => `${p.port}/${p.protocol}`).sort();
    return `${service.headless ? "headless" : "ClusterIP"} ${ports.join(",")}`;
}

export function evaluate(mesh: MeshOfClusters): Finding[] {
    const meshed = mesh.istio.filter((m) => m.inMeshBecause.length > 0);
    if (meshed.length < 2) {
        return [];
    }
    const byKey = new Map<string, { cluster: string; service: ServiceInfo; shape: string }[]>();
    for (const entry of meshed) {
        for (const service of readServices(entry.member.resources)) {
            const form = shape(service);
            if (form !== undefined) {
                const key = `${service.namespace}/${service.name}`;
                byKey.set(key, [...(byKey.get(key) ?? []), { cluster: entry.member.name, service, shape: form }]);
            }
        }
    }
    const findings: Finding[] = [];
    for (const [key, copies] of byKey) {
        if (new Set(copies.map((c) => c.shape)).size > 1) {
            findings.push(
                advisory(
                    copies[copies.length - 1].service.source,
                    `Service ${key} differs across the clusters (${copies.map((c) => `"${c.cluster}": ${c.shape}`).join("; ")}); ` +
                        "Istio merges same-named Services of all clusters into one and its behaviour is undefined when they differ " +
                        "(IST0170). Fix: the same type and ports in every cluster.",
                ),
            );
        }
    }
    return findings;
}

export const istioMulticlusterServiceConsistent = meshRule({
    name: "istio-multicluster-service-consistent",
    level: "advisory",
    description:
        "A Service of the same name and namespace has the same ports and type in every cluster of an Istio mesh.",
    trigger:
        "clusters of a multicluster Istio mesh holding one Service name with different ports, protocol or headlessness",
    breaks: "Istio merges them into one service: behaviour is undefined",
    fix: "identical Service definitions across clusters",
    sources: [
        "https://istio.io/latest/docs/reference/config/analysis/ist0170/",
        "docs/cluster-mesh.md#global-services",
    ],
    evaluate,
});
