/**
 * `clustermesh-max-connected-clusters` (mandatory) — docs/cluster-mesh.md#cluster-identity.
 *
 * `clustermesh.maxConnectedClusters` takes 255 or 511 only (the agent's `InitClusterIDMax`, cilium/cilium
 * pkg/clustermesh/types/option.go); "all clusters in a ClusterMesh must be configured with the same value" and it
 * "cannot be changed on running clusters" (values.yaml of every carried chart; Documentation/network/clustermesh/
 * setup.rst, "Scaling Limitations"). The agent refuses a remote whose value differs when extended
 * (`ValidateRemoteConfig`), and the value splits the identity bits between cluster ID and local identities.
 */
import { Finding, meshRule, unchecked, violation } from "../kit/findings";
import { describeSetting } from "../model/cilium-settings";
import { MeshOfClusters } from "../model/mesh-of-clusters";
import { describeSource } from "../model/resources";

export const SUPPORTED_MAX_CONNECTED_CLUSTERS = [255, 511] as const;

export function evaluate(mesh: MeshOfClusters): Finding[] {
    const findings: Finding[] = [];
    const values = new Map<number, string[]>();
    for (const entry of mesh.cilium.filter((e) => e.inMeshBecause.length > 0)) {
        const setting = entry.install.settings.maxConnectedClusters;
        const where = `${describeSource(entry.install.source)} in cluster "${entry.member.name}"`;
        if (setting.value === undefined) {
            findings.push(
                unchecked(entry.install.source, "`clustermesh.maxConnectedClusters`", describeSetting(setting)),
            );
            continue;
        }
        if (!(SUPPORTED_MAX_CONNECTED_CLUSTERS as readonly number[]).includes(setting.value)) {
            findings.push(
                violation(
                    entry.install.source,
                    `${where}: ${describeSetting(setting)}; the agent accepts only 255 or 511 and does not start otherwise. ` +
                        "Fix: `clustermesh.maxConnectedClusters: 255` (or 511) in every cluster of the mesh.",
                ),
            );
            continue;
        }
        values.set(setting.value, [...(values.get(setting.value) ?? []), where]);
    }
    if (values.size > 1) {
        const [first] = mesh.cilium;
        findings.push(
            violation(
                first.install.source,
                `The clusters of the ClusterMesh disagree on \`clustermesh.maxConnectedClusters\`: ` +
                    [...values].map(([value, where]) => `${value} in ${where.join(", ")}`).join("; ") +
                    ". The value splits the security identity between cluster ID and local identities, so it must be the same " +
                    "everywhere, and it cannot be changed on a running cluster. Fix: one value (255 unless more than 255 " +
                    "clusters are meshed) in every cluster, set at installation.",
            ),
        );
    }
    return findings;
}

export const clustermeshMaxConnectedClusters = meshRule({
    name: "clustermesh-max-connected-clusters",
    level: "mandatory",
    description: "clustermesh.maxConnectedClusters is 255 or 511, and the same in every cluster of a ClusterMesh.",
    trigger: "a Cilium in a ClusterMesh with another value, or two clusters with different values",
    breaks: "the agent does not start, or cluster IDs and identities are read differently by the clusters",
    fix: "`clustermesh.maxConnectedClusters` 255 (or 511) everywhere, set at installation",
    sources: [
        "cilium/cilium pkg/clustermesh/types/option.go",
        "https://docs.cilium.io/en/stable/network/clustermesh/clustermesh/",
        "docs/cluster-mesh.md#cluster-identity",
    ],
    evaluate,
});
