/**
 * `clustermesh-peers-configured` (mandatory) — docs/cluster-mesh.md#peers.
 *
 * Declared through the chart (values.yaml `clustermesh.useAPIServer`, `clustermesh.config`), each cluster runs a
 * clustermesh-apiserver and lists the others under `clustermesh.config.clusters`, by the name each gave Cilium
 * (`cluster.name`): the chart writes one connection per entry to `https://<address>:<port>`, or to
 * `<name>.<domain>` with `ips`, and fails to render an entry with neither (`required "missing
 * clustermesh.apiserver.config.clusters.address"`, templates/clustermesh-config/_helpers.tpl). A cluster missing from
 * another's list is not connected from there; an entry naming the cluster itself, or a cluster not judged, is
 * reported too (the latter as advisory: it may be deployed from elsewhere).
 */
import { Finding, advisory, meshRule, unchecked, violation } from "../kit/findings";
import { MeshOfClusters } from "../model/mesh-of-clusters";
import { describeSource } from "../model/resources";

export function evaluate(mesh: MeshOfClusters): Finding[] {
    const findings: Finding[] = [];
    const meshed = mesh.cilium.filter((e) => e.inMeshBecause.length > 0);
    if (new Set(meshed.map((e) => e.member)).size < 2) {
        return findings;
    }
    const names = new Map(meshed.map((e) => [e, e.install.settings.clusterName.value]));
    for (const entry of meshed) {
        const where = `${describeSource(entry.install.source)} in cluster "${entry.member.name}"`;
        const { apiServer, configEnabled, peers } = entry.mesh;
        for (const [read, path] of [
            [apiServer, "clustermesh.useAPIServer"],
            [configEnabled, "clustermesh.config.enabled"],
        ] as const) {
            if (read.state === "unreadable") {
                findings.push(unchecked(entry.install.source, `\`${path}\``, `${read.path} ${read.reason}`));
            } else if (read.state === "known" && !read.value) {
                findings.push(
                    violation(
                        entry.install.source,
                        `${where}: \`${path}\` is false, so ${
                            path === "clustermesh.useAPIServer"
                                ? "it runs no clustermesh-apiserver for the other clusters to connect to"
                                : "its chart writes no connection to the other clusters"
                        }. Fix: \`${path}: true\` in every cluster of the mesh.`,
                    ),
                );
            }
        }
        if (peers.state === "unreadable") {
            findings.push(
                unchecked(entry.install.source, "`clustermesh.config.clusters`", `${peers.path} ${peers.reason}`),
            );
            continue;
        }
        if (peers.state !== "known") {
            continue;
        }
        const own = names.get(entry);
        const listed = new Set(peers.value.map((p) => p.name));
        for (const peer of peers.value) {
            if (peer.name === own) {
                findings.push(
                    violation(
                        entry.install.source,
                        `${where} lists itself ("${peer.name}") as a peer. Fix: list only the other clusters.`,
                    ),
                );
            } else if (!meshed.some((o) => names.get(o) === peer.name)) {
                findings.push(
                    advisory(
                        entry.install.source,
                        `${where} lists peer "${peer.name}", which is not among the clusters judged here (${meshed
                            .filter((o) => o !== entry)
                            .map((o) => `"${names.get(o) ?? o.member.name}"`)
                            .join(", ")}); a peer deployed elsewhere must carry that cluster.name.`,
                    ),
                );
            }
            if (peer.addressUnreadable !== undefined && peer.ips.length === 0) {
                findings.push(
                    unchecked(entry.install.source, `the address of peer "${peer.name}"`, peer.addressUnreadable),
                );
            } else if (peer.address === undefined && peer.ips.length === 0) {
                findings.push(
                    violation(
                        entry.install.source,
                        `${where}: peer "${peer.name}" has neither \`address\` nor \`ips\`; the chart refuses to render it. ` +
                            "Fix: the address of that cluster's clustermesh-apiserver.",
                    ),
                );
            }
        }
        for (const other of meshed) {
            const name = names.get(other);
            if (other.member === entry.member || name === undefined || listed.has(name)) {
                continue;
            }
            findings.push(
                violation(
                    entry.install.source,
                    `${where} does not list cluster "${name}" under \`clustermesh.config.clusters\`, so it never connects to ` +
                        `that cluster's clustermesh-apiserver. Fix: an entry named "${name}" with the address and port of its ` +
                        "clustermesh-apiserver (the ClusterMesh component writes them).",
                ),
            );
        }
    }
    return findings;
}

export const clustermeshPeersConfigured = meshRule({
    name: "clustermesh-peers-configured",
    level: "mandatory",
    description:
        "Each Cilium of a ClusterMesh runs a clustermesh-apiserver and lists every other cluster, by its cluster.name, in clustermesh.config.",
    trigger:
        "clusters judged together with Cilium where one has `clustermesh.useAPIServer` or `clustermesh.config.enabled` false, misses another cluster's name in `clustermesh.config.clusters`, lists itself, or lists a peer without address",
    breaks: "the clusters are not connected (or the chart does not render)",
    fix: "`clustermesh.useAPIServer: true`, `clustermesh.config.enabled: true`, an entry per other cluster",
    sources: [
        "cilium/cilium install/kubernetes/cilium/templates/clustermesh-config/_helpers.tpl",
        "https://docs.cilium.io/en/stable/network/clustermesh/clustermesh/",
        "docs/cluster-mesh.md#peers",
    ],
    evaluate,
});
