/**
 * `clustermesh-pod-cidrs-disjoint` (mandatory) — docs/cluster-mesh.md#pod-cidrs.
 *
 * "PodCIDR ranges in all clusters and all nodes must be non-conflicting and unique IP addresses"
 * (Documentation/network/clustermesh/setup.rst, "Cluster Addressing Requirements"): Cilium routes and applies
 * identities by pod address across the mesh, so an address two clusters hand out reaches the wrong pod. Cluster-pool
 * IPAM hands out `ipam.operator.clusterPoolIPv4PodCIDRList` (10.0.0.0/8 in every carried chart, so two clusters left
 * at the default collide); ENI IPAM and aws-cni chaining give pods the VPC's addresses, so the VPCs' CIDR blocks must
 * not overlap (which VPC peering requires anyway).
 */
import { Finding, meshRule, unchecked, violation } from "../kit/findings";
import { PodCidrs, podCidrsOf } from "../model/clustermesh";
import { rangesOverlap } from "../model/ipv4-cidrs";
import { CiliumMember, MeshOfClusters } from "../model/mesh-of-clusters";
import { describeSource } from "../model/resources";

export function evaluate(mesh: MeshOfClusters): Finding[] {
    const findings: Finding[] = [];
    const read: { entry: CiliumMember; cidrs: PodCidrs }[] = [];
    for (const entry of mesh.cilium.filter((e) => e.inMeshBecause.length > 0)) {
        const cidrs = podCidrsOf(entry.install, entry.member.resources);
        if (cidrs.state === "known") {
            read.push({ entry, cidrs: cidrs.value });
        } else if (cidrs.state === "unreadable") {
            findings.push(
                unchecked(
                    entry.install.source,
                    `the pod CIDRs of cluster "${entry.member.name}"`,
                    `${cidrs.path} ${cidrs.reason}`,
                ),
            );
        }
    }
    for (let i = 0; i < read.length; i++) {
        for (let j = i + 1; j < read.length; j++) {
            const [a, b] = [read[i], read[j]];
            if (a.entry.member === b.entry.member) {
                continue;
            }
            const overlap = a.cidrs.ranges.flatMap((x) =>
                b.cidrs.ranges.filter((y) => rangesOverlap(x, y)).map((y) => `${x.text} and ${y.text}`),
            );
            if (overlap.length > 0) {
                findings.push(
                    violation(
                        b.entry.install.source,
                        `The pod CIDRs of cluster "${a.entry.member.name}" (${a.cidrs.detail}) and cluster "${b.entry.member.name}" ` +
                            `(${b.cidrs.detail}) overlap: ${overlap.join("; ")}. A ClusterMesh needs pod addresses unique across ` +
                            "its clusters, or packets and identities reach the wrong pod. Fix: distinct `ipam.operator.clusterPoolIPv4PodCIDRList` " +
                            `per cluster (overlay), or VPCs with disjoint CIDR blocks (ENI, aws-cni chaining) — ${describeSource(b.entry.install.source)}.`,
                    ),
                );
            }
        }
    }
    return findings;
}

export const clustermeshPodCidrsDisjoint = meshRule({
    name: "clustermesh-pod-cidrs-disjoint",
    level: "mandatory",
    description: "The clusters of a ClusterMesh hand out pod addresses from disjoint CIDRs.",
    trigger:
        "two clusters in a ClusterMesh whose cluster-pool CIDRs (overlay) or VPC CIDR blocks (ENI, aws-cni chaining) overlap",
    breaks: "a pod address exists in two clusters: routes and identities reach the wrong pod",
    fix: "distinct `ipam.operator.clusterPoolIPv4PodCIDRList`, or VPCs with disjoint CIDRs",
    sources: ["https://docs.cilium.io/en/stable/network/clustermesh/clustermesh/", "docs/cluster-mesh.md#pod-cidrs"],
    evaluate,
});
