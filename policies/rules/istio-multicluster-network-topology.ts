/**
 * `istio-multicluster-network-topology` (mandatory) — docs/cluster-mesh.md#istio-networks.
 *
 * Istio decides from network names whether a sidecar sends to a remote pod's address or through that cluster's
 * east-west gateway (istio.io, "Install Multi-Primary on different networks"): clusters on one network must reach
 * each other's pods directly; clusters on different networks each need an east-west gateway for their network (the
 * `gateway` chart with `networkGateway`) and a Gateway passing port 15443 through (AUTO_PASSTHROUGH,
 * samples/multicluster/expose-services.yaml@1.30.3). The Istio namespace carries the network as the label
 * `topology.istio.io/network`, which must agree with istiod's `global.network`. Cilium's ClusterMesh gives the clusters
 * it joins direct pod reachability (docs/cluster-mesh.md#datapath), so they belong on one network. Ambient mode
 * supports multi-network multicluster only ("Multicluster single-network configurations are untested, and may be
 * broken", istio.io/latest/docs/ambient/install/multicluster): reported as advisory.
 */
import { Finding, advisory, meshRule, unchecked, violation } from "../kit/findings";
import { NETWORK_LABEL } from "../model/cluster-mesh-facts";
import { describeIstiod } from "../model/istio-multicluster";
import { MeshOfClusters, clusterMeshConnects } from "../model/mesh-of-clusters";

export function evaluate(mesh: MeshOfClusters): Finding[] {
    const findings: Finding[] = [];
    const meshed = mesh.istio.filter((m) => m.inMeshBecause.length > 0);
    for (const entry of meshed) {
        const { network, namespaceNetwork, namespaceName } = entry.istio;
        const source = entry.istio.istiod!.helm.source;
        if (network.value === undefined) {
            findings.push(unchecked(source, "`global.network`", network.detail));
            continue;
        }
        if (namespaceNetwork.state === "unreadable") {
            findings.push(unchecked(source, `the ${NETWORK_LABEL} label of ${namespaceName}`, namespaceNetwork.reason));
        } else if ((namespaceNetwork.state === "known" ? namespaceNetwork.value : "") !== network.value) {
            findings.push(
                violation(
                    source,
                    `In cluster "${entry.member.name}", ${describeIstiod(entry.istio)} has \`global.network\` ${network.detail}, ` +
                        `but namespace ${namespaceName} ${
                            namespaceNetwork.state === "known"
                                ? `is labelled ${NETWORK_LABEL}=${namespaceNetwork.value}`
                                : `has no ${NETWORK_LABEL} label`
                        }; Istio takes the cluster's network from that label, so its endpoints are filed under another network. ` +
                        `Fix: label ${namespaceName} ${NETWORK_LABEL}=${network.value || "<network>"}.`,
                ),
            );
        }
    }
    const known = meshed.filter((m) => m.istio.network.value !== undefined);
    for (let i = 0; i < known.length; i++) {
        for (let j = i + 1; j < known.length; j++) {
            const [a, b] = [known[i], known[j]];
            const same = a.istio.network.value === b.istio.network.value;
            const direct = clusterMeshConnects(mesh, a.member, b.member);
            const pair = `clusters "${a.member.name}" and "${b.member.name}"`;
            if (
                same &&
                direct &&
                (a.member.model.ambientBecause.length > 0 || b.member.model.ambientBecause.length > 0)
            ) {
                findings.push(
                    advisory(
                        a.istio.istiod!.helm.source,
                        `${pair} run ambient mode on one network ("${a.istio.network.value}"); Istio supports ambient ` +
                            "multicluster on different networks only (single-network is untested upstream).",
                    ),
                );
            } else if (same && !direct) {
                findings.push(
                    advisory(
                        b.istio.istiod!.helm.source,
                        `${pair} are on one Istio network ("${a.istio.network.value}"), so sidecars send to each other's pod ` +
                            "addresses, but no Cilium ClusterMesh joins them here: unless the pods route between the clusters " +
                            "some other way, give each cluster its own network and an east-west gateway.",
                    ),
                );
            } else if (!same && direct) {
                findings.push(
                    violation(
                        b.istio.istiod!.helm.source,
                        `${pair} are joined by Cilium's ClusterMesh, so their pods reach each other directly, but Istio puts ` +
                            `them on different networks ("${a.istio.network.value}", "${b.istio.network.value}") and sends their ` +
                            "traffic through east-west gateways instead. Fix: one `global.network` (and namespace label) for both.",
                    ),
                );
            }
            if (!same) {
                for (const [side, peer] of [
                    [a, b],
                    [b, a],
                ] as const) {
                    const network = side.istio.network.value!;
                    const gateway = side.istio.eastWestGateways.some((g) => g.network === network);
                    if (!gateway || side.istio.crossNetworkGateways.length === 0) {
                        findings.push(
                            violation(
                                side.istio.istiod!.helm.source,
                                `Cluster "${side.member.name}" is on Istio network "${network || "(none)"}", not that of ` +
                                    `"${peer.member.name}", but ${
                                        gateway
                                            ? "no Gateway passes port 15443 through"
                                            : `runs no east-west gateway for "${network}"`
                                    }: requests from the other network have no way in. Fix: the gateway chart with ` +
                                    `\`networkGateway: ${network}\` and the cross-network Gateway (port 15443, AUTO_PASSTHROUGH).`,
                            ),
                        );
                    }
                }
            }
        }
    }
    return findings;
}

export const istioMulticlusterNetworkTopology = meshRule({
    name: "istio-multicluster-network-topology",
    level: "mandatory",
    description:
        "Istio network names match how the clusters reach each other: one network where pods route directly (Cilium ClusterMesh), east-west gateways between different networks.",
    trigger:
        "an istiod whose namespace's network label differs from `global.network`; clusters joined by ClusterMesh on different networks; clusters on different networks without an east-west gateway and cross-network Gateway",
    breaks: "Istio files endpoints under the wrong network, or routes cross-cluster traffic through gateways that do not exist",
    fix: "one network for ClusterMesh-joined clusters; otherwise a network each, with east-west gateways",
    sources: [
        "https://istio.io/latest/docs/setup/install/multicluster/multi-primary_multi-network/",
        "istio/istio samples/multicluster/expose-services.yaml@1.30.3",
        "https://istio.io/latest/docs/ambient/install/multicluster/",
        "docs/cluster-mesh.md#istio-networks",
    ],
    evaluate,
});
