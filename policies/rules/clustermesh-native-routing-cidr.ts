/**
 * `clustermesh-native-routing-cidr` (mandatory) — docs/cluster-mesh.md#native-routing-cidr.
 *
 * In native routing, "Cilium in each cluster must be configured with a native routing CIDR that covers all the
 * PodCIDR ranges across all connected clusters" (Documentation/network/clustermesh/setup.rst). Cilium masquerades
 * traffic to destinations outside that CIDR; left unset in ENI mode it is the VPC's CIDR
 * (docs.cilium.io masquerading, "Setting the routable CIDR"), so with masquerading on — this package's ENI default,
 * docs/cilium-datapath.md#masquerading-default-choice — a pod's traffic to another cluster's pods leaves with its
 * node's address and the other cluster sees a node, not the pod's identity (inferred from both). Without masquerading
 * nothing is rewritten and the rule has nothing to check.
 */
import { Finding, meshRule, unchecked, violation } from "../kit/findings";
import { PodCidrs, podCidrsOf } from "../model/clustermesh";
import { Ipv4Range, coveringCidr, parseIpv4Cidr, rangeCovers } from "../model/ipv4-cidrs";
import { CiliumMember, MeshOfClusters } from "../model/mesh-of-clusters";
import { describeSource } from "../model/resources";

export function evaluate(mesh: MeshOfClusters): Finding[] {
    const findings: Finding[] = [];
    const meshed = mesh.cilium.filter((e) => e.inMeshBecause.length > 0);
    const pods = new Map<CiliumMember, PodCidrs>();
    for (const entry of meshed) {
        const read = podCidrsOf(entry.install, entry.member.resources);
        if (read.state === "known") {
            pods.set(entry, read.value);
        }
    }
    for (const entry of meshed) {
        const { routingMode, ipv4Masquerade, nativeRoutingCidr } = entry.install.settings;
        if (routingMode.value !== "native" || ipv4Masquerade.value === false) {
            continue;
        }
        const others = meshed.filter((e) => e.member !== entry.member);
        if (ipv4Masquerade.value === undefined || nativeRoutingCidr.value === undefined) {
            const setting = ipv4Masquerade.value === undefined ? ipv4Masquerade : nativeRoutingCidr;
            findings.push(unchecked(entry.install.source, `\`${setting.helmPath}\``, setting.detail));
            continue;
        }
        let routable: Ipv4Range[];
        let how: string;
        if (nativeRoutingCidr.value !== "") {
            const range = parseIpv4Cidr(nativeRoutingCidr.value);
            if (range === undefined) {
                findings.push(
                    unchecked(
                        entry.install.source,
                        "`ipv4NativeRoutingCIDR`",
                        `"${nativeRoutingCidr.value}" is not an IPv4 CIDR`,
                    ),
                );
                continue;
            }
            routable = [range];
            how = `\`ipv4NativeRoutingCIDR\` ${nativeRoutingCidr.value}`;
        } else if (entry.install.settings.ipamMode.value === "eni" && pods.has(entry)) {
            routable = [...pods.get(entry)!.ranges];
            how = "`ipv4NativeRoutingCIDR` unset, so the VPC's CIDR (ENI mode)";
        } else {
            routable = [];
            how = "`ipv4NativeRoutingCIDR` unset";
        }
        const missing: string[] = [];
        const all: Ipv4Range[] = [...routable];
        for (const other of others) {
            const theirs = pods.get(other);
            if (theirs === undefined) {
                continue;
            }
            all.push(...theirs.ranges);
            const outside = theirs.ranges.filter((r) => !routable.some((mine) => rangeCovers(mine, r)));
            if (outside.length > 0) {
                missing.push(`${outside.map((r) => r.text).join(", ")} of cluster "${other.member.name}"`);
            }
        }
        if (missing.length > 0) {
            findings.push(
                violation(
                    entry.install.source,
                    `${describeSource(entry.install.source)} in cluster "${entry.member.name}" routes natively and masquerades ` +
                        `IPv4 (${ipv4Masquerade.detail}), with ${how}, which does not cover the pods of ${missing.join(" and ")}: ` +
                        "its pods' traffic to them leaves with the node's address, so the other cluster sees the node, not the " +
                        `pod's identity. Fix: \`ipv4NativeRoutingCIDR\` covering every cluster's pods, e.g. ${coveringCidr(all)}.`,
                ),
            );
        }
    }
    return findings;
}

export const clustermeshNativeRoutingCidr = meshRule({
    name: "clustermesh-native-routing-cidr",
    level: "mandatory",
    description:
        "A natively routing, masquerading Cilium in a ClusterMesh has an ipv4NativeRoutingCIDR covering every cluster's pods.",
    trigger:
        "a Cilium in a ClusterMesh with `routingMode: native`, IPv4 masquerading on, and a native routing CIDR (unset: the VPC's, in ENI mode) that leaves out another cluster's pod CIDRs",
    breaks: "cross-cluster pod traffic is masqueraded: the other cluster sees the node, policies on pod identity do not match",
    fix: "`ipv4NativeRoutingCIDR` covering all clusters' pod CIDRs",
    sources: [
        "https://docs.cilium.io/en/stable/network/clustermesh/clustermesh/",
        "https://docs.cilium.io/en/stable/network/concepts/masquerading/",
        "docs/cluster-mesh.md#native-routing-cidr",
    ],
    evaluate,
});
