/**
 * `clustermesh-cilium-versions` (advisory) — docs/cluster-mesh.md#versions.
 *
 * Clusters of one ClusterMesh exchange state through their clustermesh-apiservers and must understand each other:
 * cilium/cilium#33393 reports replies lost between a 1.14 cluster and 1.15+ clusters. The advice is to keep the
 * clusters' Cilium minors at most one apart, as an upgrade moves one minor at a time (inferred from that report).
 */
import { Finding, advisory, meshRule } from "../kit/findings";
import { MeshOfClusters } from "../model/mesh-of-clusters";

function minorOf(text: string | undefined): number | undefined {
    const match = text === undefined ? null : /^v?1\.(\d+)/.exec(text);
    return match ? Number(match[1]) : undefined;
}

export function evaluate(mesh: MeshOfClusters): Finding[] {
    const meshed = mesh.cilium.filter(
        (e) => e.inMeshBecause.length > 0 && minorOf(e.install.chartVersion?.requested) !== undefined,
    );
    if (new Set(meshed.map((e) => e.member)).size < 2) {
        return [];
    }
    const minors = meshed.map((e) => minorOf(e.install.chartVersion!.requested)!);
    const [low, high] = [Math.min(...minors), Math.max(...minors)];
    if (high - low <= 1) {
        return [];
    }
    const list = meshed.map((e) => `"${e.member.name}" ${e.install.chartVersion!.requested}`).join(", ");
    return [
        advisory(
            meshed[minors.indexOf(low)].install.source,
            `The clusters of the ClusterMesh run Cilium minors more than one apart (${list}); mixed versions have lost ` +
                "traffic between clusters (cilium/cilium#33393). Fix: bring them within one minor of each other.",
        ),
    ];
}

export const clustermeshCiliumVersions = meshRule({
    name: "clustermesh-cilium-versions",
    level: "advisory",
    description: "The Cilium charts of a ClusterMesh's clusters are within one minor version of each other.",
    trigger: "clusters in a ClusterMesh whose Cilium chart versions are two or more minors apart",
    breaks: "state the clusters exchange may be misread: cross-cluster traffic has been lost between such versions",
    fix: "Cilium minors at most one apart",
    sources: ["cilium/cilium#33393", "docs/cluster-mesh.md#versions"],
    evaluate,
});
