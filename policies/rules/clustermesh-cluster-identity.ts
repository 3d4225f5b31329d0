/**
 * `clustermesh-cluster-identity` (mandatory) — docs/cluster-mesh.md#cluster-identity.
 *
 * Decided from what each Cilium release really gets (`cluster.id` and `cluster.name` of its values, else its chart's
 * defaults 0 and "default"), never from the ClusterMesh component's arguments. The agent reserves cluster ID 0
 * (`ValidateClusterID`, cilium/cilium pkg/clustermesh/types/types.go) and refuses a remote whose ID is 0
 * (`ValidateRemoteConfig`, pkg/clustermesh/types/option.go); IDs run 1–255, or 1–511 with
 * `clustermesh.maxConnectedClusters: 511`; names are at most 32 lower-case alphanumerics and dashes, begin and end
 * alphanumeric, and "default" is refused with an ID other than 0 (`validateName`). The ID is part of every security
 * identity, so two clusters with one ID (or one name) collide in each other's identity and policy maps
 * (Documentation/network/clustermesh/setup.rst, "Specify the Cluster Name and ID": unique per cluster).
 */
import { Finding, meshRule, unchecked, violation } from "../kit/findings";
import { describeSetting } from "../model/cilium-settings";
import { CLUSTER_NAME, CLUSTER_NAME_MAX, MAX_CLUSTER_ID } from "../model/cluster-mesh-facts";
import { CiliumMember, MeshOfClusters } from "../model/mesh-of-clusters";
import { describeSource } from "../model/resources";

function where(entry: CiliumMember): string {
    return `${describeSource(entry.install.source)} in cluster "${entry.member.name}"`;
}

export function evaluate(mesh: MeshOfClusters): Finding[] {
    const findings: Finding[] = [];
    const meshed = mesh.cilium.filter((entry) => entry.inMeshBecause.length > 0);
    const ids = new Map<number, CiliumMember[]>();
    const names = new Map<string, CiliumMember[]>();
    for (const entry of meshed) {
        const { clusterId, clusterName, maxConnectedClusters } = entry.install.settings;
        const because = entry.inMeshBecause.join("; ");
        const source = entry.install.source;
        if (clusterId.value === undefined) {
            findings.push(
                unchecked(
                    source,
                    "`cluster.id`",
                    `${describeSetting(clusterId)}; the cluster is in a ClusterMesh (${because})`,
                ),
            );
        } else {
            const max = MAX_CLUSTER_ID[maxConnectedClusters.value ?? 255] ?? 255;
            if (clusterId.value === 0) {
                findings.push(
                    violation(
                        source,
                        `${where(entry)}: ${describeSetting(clusterId)}, but the cluster is in a ClusterMesh (${because}). ` +
                            "Cilium reserves cluster ID 0 for clusters outside a mesh: the agent refuses a remote cluster whose ID is 0. " +
                            `Fix: give every cluster of the mesh its own \`cluster.id\` from 1 to ${max}.`,
                    ),
                );
            } else if (clusterId.value < 0 || clusterId.value > max) {
                findings.push(
                    violation(
                        source,
                        `${where(entry)}: ${describeSetting(clusterId)}, outside 1–${max} (` +
                            `\`clustermesh.maxConnectedClusters\` ${maxConnectedClusters.value ?? "unknown"}). ` +
                            `Fix: a \`cluster.id\` from 1 to ${max}${max === 255 ? " (up to 511 with clustermesh.maxConnectedClusters: 511 in every cluster)" : ""}.`,
                    ),
                );
            } else {
                ids.set(clusterId.value, [...(ids.get(clusterId.value) ?? []), entry]);
            }
        }
        if (clusterName.value === undefined) {
            findings.push(
                unchecked(
                    source,
                    "`cluster.name`",
                    `${describeSetting(clusterName)}; the cluster is in a ClusterMesh (${because})`,
                ),
            );
            continue;
        }
        const name = clusterName.value;
        if (name === "default" && clusterId.value !== 0) {
            findings.push(
                violation(
                    source,
                    `${where(entry)}: ${describeSetting(clusterName)}, which the agent refuses with a cluster ID other than 0. ` +
                        "Fix: give every cluster of the mesh its own `cluster.name`.",
                ),
            );
        } else if (name.length > CLUSTER_NAME_MAX || !CLUSTER_NAME.test(name)) {
            findings.push(
                violation(
                    source,
                    `${where(entry)}: ${describeSetting(clusterName)}, which the agent refuses: a cluster name is at most ` +
                        `${CLUSTER_NAME_MAX} lower-case letters, digits and dashes, beginning and ending with a letter or digit. ` +
                        "Fix: such a `cluster.name`.",
                ),
            );
        } else if (name !== "default") {
            names.set(name, [...(names.get(name) ?? []), entry]);
        }
    }
    for (const [id, holders] of ids) {
        if (holders.length > 1) {
            findings.push(clash(holders, `cluster ID ${id}`, "`cluster.id`"));
        }
    }
    for (const [name, holders] of names) {
        if (holders.length > 1) {
            findings.push(clash(holders, `cluster name "${name}"`, "`cluster.name`"));
        }
    }
    return findings;
}

function clash(holders: readonly CiliumMember[], what: string, value: string): Finding {
    return violation(
        holders[1].install.source,
        `${holders.map(where).join(" and ")} share ${what}. Cilium puts the cluster ID and name into every security ` +
            "identity it shares through the ClusterMesh, so the clusters' identities and policies collide. " +
            `Fix: a ${value} unique across the mesh.`,
    );
}

export const clustermeshClusterIdentity = meshRule({
    name: "clustermesh-cluster-identity",
    level: "mandatory",
    description:
        "Every Cilium of a ClusterMesh has its own cluster.id (1–255, 1–511 with maxConnectedClusters 511) and a valid, unique cluster.name.",
    trigger:
        'a Cilium release in a ClusterMesh (clusters judged together, or its API server or peers configured) whose `cluster.id` is 0, unset or out of range, whose `cluster.name` is invalid or "default" with an ID, or whose ID or name another cluster has',
    breaks: "the agent refuses a remote with ID 0; clusters sharing an ID or name collide in each other's identities and policies",
    fix: "`cluster.id` 1–255 and `cluster.name` unique in each cluster",
    sources: [
        "cilium/cilium pkg/clustermesh/types/types.go",
        "cilium/cilium pkg/clustermesh/types/option.go",
        "https://docs.cilium.io/en/stable/network/clustermesh/clustermesh/",
        "docs/cluster-mesh.md#cluster-identity",
    ],
    evaluate,
});
