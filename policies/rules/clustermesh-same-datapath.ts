/**
 * `clustermesh-same-datapath` (mandatory) — docs/cluster-mesh.md#datapath.
 *
 * "All clusters must be configured with the same datapath mode" (Documentation/network/clustermesh/setup.rst,
 * "Cluster Addressing Requirements"): a tunnelling cluster encapsulates traffic to the other clusters' pods towards
 * their nodes, which a native-routing cluster does not decapsulate, and two tunnelling clusters must speak the same
 * encapsulation (VXLAN on UDP 8472, Geneve on UDP 6081; Documentation/operations/system_requirements.rst).
 */
import { Finding, meshRule, unchecked, violation } from "../kit/findings";
import { describeSetting } from "../model/cilium-settings";
import { MeshOfClusters } from "../model/mesh-of-clusters";

export function evaluate(mesh: MeshOfClusters): Finding[] {
    const findings: Finding[] = [];
    const modes = new Map<string, string[]>();
    const protocols = new Map<string, string[]>();
    const meshed = mesh.cilium.filter((e) => e.inMeshBecause.length > 0);
    for (const entry of meshed) {
        const { routingMode, tunnelProtocol } = entry.install.settings;
        const name = `"${entry.member.name}"`;
        if (routingMode.value === undefined) {
            findings.push(unchecked(entry.install.source, "`routingMode`", describeSetting(routingMode)));
            continue;
        }
        modes.set(routingMode.value, [...(modes.get(routingMode.value) ?? []), name]);
        if (routingMode.value === "tunnel") {
            if (tunnelProtocol.value === undefined) {
                findings.push(unchecked(entry.install.source, "`tunnelProtocol`", describeSetting(tunnelProtocol)));
            } else {
                protocols.set(tunnelProtocol.value, [...(protocols.get(tunnelProtocol.value) ?? []), name]);
            }
        }
    }
    const list = (groups: Map<string, string[]>) =>
        [...groups].map(([v, names]) => `${v} in ${names.join(", ")}`).join("; ");
    if (modes.size > 1) {
        findings.push(
            violation(
                meshed[meshed.length - 1].install.source,
                `The clusters of the ClusterMesh route pods differently (${list(modes)}); Cilium requires one datapath mode in ` +
                    "every cluster, or traffic between them is encapsulated on one side and not understood on the other. " +
                    "Fix: the same `routingMode` (and the datapath of the ClusterMesh component's members) everywhere.",
            ),
        );
    }
    if (protocols.size > 1) {
        findings.push(
            violation(
                meshed[meshed.length - 1].install.source,
                `The tunnelling clusters of the ClusterMesh use different encapsulations (${list(protocols)}). ` +
                    "Fix: the same `tunnelProtocol` in every cluster.",
            ),
        );
    }
    return findings;
}

export const clustermeshSameDatapath = meshRule({
    name: "clustermesh-same-datapath",
    level: "mandatory",
    description: "Every cluster of a ClusterMesh uses the same routing mode (and tunnel protocol).",
    trigger: "clusters in a ClusterMesh with different `routingMode`, or tunnelling with different `tunnelProtocol`",
    breaks: "cross-cluster pod traffic is encapsulated on one side and dropped on the other",
    fix: "one `routingMode` and `tunnelProtocol` for all clusters",
    sources: [
        "https://docs.cilium.io/en/stable/network/clustermesh/clustermesh/",
        "https://docs.cilium.io/en/stable/operations/system_requirements/#firewall-rules",
        "docs/cluster-mesh.md#datapath",
    ],
    evaluate,
});
