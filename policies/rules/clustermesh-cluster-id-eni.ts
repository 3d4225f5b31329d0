/**
 * `clustermesh-cluster-id-eni` (mandatory) — docs/cluster-mesh.md#cluster-identity.
 *
 * cilium/cilium#21330 (open): with ENI IPAM or AWS VPC CNI chaining, a cluster ID with its seventh bit set (128–255,
 * and 384–511 with maxConnectedClusters 511) makes the datapath overwrite security identities and drop traffic that
 * policies match — in a single cluster too. Cilium added a guardrail in Helm and in the agent
 * (cilium/cilium#35349, `ValidateBuggyClusterID` in pkg/clustermesh/types/option.go), so such an install fails
 * where the guardrail exists and misbehaves where it does not.
 */
import { Finding, stackRule, unchecked, violation } from "../kit/findings";
import { describeInstall, describeSetting } from "../model/cilium-settings";
import { MeshModel } from "../model/mesh-model";

/** The bit `ValidateBuggyClusterID` tests (`c.ID & 0x80`). */
const BUGGY_BIT = 0x80;

export function evaluate(model: MeshModel): Finding[] {
    const findings: Finding[] = [];
    for (const install of model.cilium) {
        const { clusterId, ipamMode, chainingMode } = install.settings;
        const affected =
            ipamMode.value === "eni" ? "ENI IPAM" : chainingMode.value === "aws-cni" ? "aws-cni chaining" : undefined;
        if (affected === undefined || clusterId.value === 0) {
            continue;
        }
        if (clusterId.value === undefined) {
            findings.push(
                unchecked(
                    install.source,
                    "`cluster.id`",
                    `${describeSetting(clusterId)}; with ${affected} IDs 128–255 are broken`,
                ),
            );
            continue;
        }
        if ((clusterId.value & BUGGY_BIT) !== 0) {
            findings.push(
                violation(
                    install.source,
                    `${describeInstall(install)}: ${describeSetting(clusterId)} with ${affected}. Cilium overwrites security ` +
                        "identities and drops policy-matched traffic when the cluster ID has its 128 bit set under ENI or " +
                        "aws-cni chaining (cilium/cilium#21330); newer charts and agents refuse it. " +
                        "Fix: a `cluster.id` from 1 to 127 (or 256–383 with maxConnectedClusters 511).",
                ),
            );
        }
    }
    return findings;
}

export const clustermeshClusterIdEni = stackRule({
    name: "clustermesh-cluster-id-eni",
    level: "mandatory",
    description:
        "With ENI IPAM or aws-cni chaining, Cilium's cluster.id must not have its 128 bit set (128–255, 384–511).",
    trigger: "a Cilium with ENI IPAM or `cni.chainingMode: aws-cni` whose `cluster.id` is 128–255 or 384–511",
    breaks: "identities are overwritten and policy-matched traffic is dropped; newer charts and agents refuse the value",
    fix: "`cluster.id` 1–127",
    sources: ["cilium/cilium#21330", "cilium/cilium#35349", "docs/cluster-mesh.md#cluster-identity"],
    evaluate,
});
