/**
 * `istiod-host-network-on-overlay` (mandatory) — docs/failure-modes.md#f7.
 *
 * Evidence: the EKS control plane lives in an AWS-managed VPC and cannot route to an overlay pod
 * CIDR: "The EKS API Server is unable to route packets to the overlay network ... any webhook which needs to be
 * accessed must be host networked" (Cilium EKS install docs, docs/cilium-istio-facts.md#cilium-on-eks, #eks). Cilium's
 * Istio docs: with sidecar injection and Cilium overlay mode (VXLAN or Geneve) "istiod pods must be running with
 * hostNetwork: true" (docs/cilium-istio-facts.md#cilium-istio-docs-1-15, #cilium-istio-docs). Otherwise the API server
 * times out calling istiod's injection webhook on 15017 and pods are not created or not injected (istio/istio#30139,
 * istio/istio#45738).
 *
 * Tunnel routing is the chart default (`routingMode: ""` renders "tunnel") in every carried chart, except that 1.19.6
 * renders "native" with `eni.enabled` (docs/cilium-istio-facts.md#cilium-values-to-config). In aws-cni chaining the VPC
 * CNI assigns VPC addresses (docs/cilium-istio-facts.md#cilium-on-eks), so the API server can reach pods whatever
 * Cilium's routing. The istiod chart has no hostNetwork value (docs/cilium-istio-facts.md#istiod-host-network), so
 * stacks set it on the rendered Deployment or with a DeploymentPatch; both are read.
 *
 * Once istiod is on the host network (docs/istio-install.md#istiod-host-ports, #compatibility-version):
 *  - its container ports are host ports, so one fits per node: an HPA bound (`autoscaleMax`, or `replicaCount`) above
 *    the node groups' combined maxSize leaves replicas Pending, and a `rollingMaxUnavailable` that rounds down to 0 at
 *    the fewest replicas lets a rollout stall with its surge pod unplaced (advisories);
 *  - istio-cni's agent on the host network too (ambient before Istio 1.26, `ambient.shareHostNetworkNamespace`, or a
 *    cni `compatibilityVersion` of 1.25 or lower) binds the same port 15014 (istio/istio#35917): a violation.
 */
import { describeInstall, describeSetting } from "../model/cilium-settings";
import { cniHostNetwork, istiodScaling } from "../model/istio-chart-values";
import { unavailableAllowed } from "../model/istio-node-placement";
import { MeshModel } from "../model/mesh-model";
import { describeSource } from "../model/resources";
import { Finding, advisory, listShort, stackRule, unchecked, violation } from "../kit/findings";

export function evaluate(model: MeshModel): Finding[] {
    const placements = model.istio.istiodPlacements;
    const onNode = placements.filter((p) => p.hostNetwork.state === "known" && p.hostNetwork.value);
    if (onNode.length > 0) {
        return onHostNetwork(model, describeSource(onNode[0].source));
    }
    if (model.onEksBecause.length === 0 || model.sidecarInjectionBecause.length === 0) {
        return [];
    }
    const unknownPlacement = placements.find((p) => p.hostNetwork.state === "unreadable");
    const eks = listShort(model.onEksBecause, 1);
    const injection = listShort(model.sidecarInjectionBecause, 1);
    const findings: Finding[] = [];
    for (const install of model.cilium) {
        const { routingMode, chainingMode } = install.settings;
        if (chainingMode.value !== undefined && chainingMode.value !== "none") {
            continue;
        }
        if (routingMode.value === "native") {
            continue;
        }
        if (routingMode.origin === "unchecked" || chainingMode.origin === "unchecked") {
            const setting = routingMode.origin === "unchecked" ? routingMode : chainingMode;
            findings.push(
                unchecked(
                    install.source,
                    `\`${setting.helmPath}\` (cilium-config \`${setting.configKey}\`)`,
                    `${setting.detail}; in tunnel mode on EKS istiod must run on the host network, and it does not`,
                ),
            );
            continue;
        }
        if (unknownPlacement) {
            findings.push(
                unchecked(
                    unknownPlacement.source,
                    "whether istiod runs on the host network",
                    `${unknownPlacement.hostNetwork.state === "unreadable" ? unknownPlacement.hostNetwork.reason : ""}; Cilium routes in tunnel mode on EKS`,
                ),
            );
            continue;
        }
        const istiod =
            placements.length > 0
                ? `istiod (${placements.map((p) => describeSource(p.source)).join(", ")}) does not set hostNetwork: true`
                : "nothing puts istiod on the host network";
        findings.push(
            violation(
                install.source,
                `${describeInstall(install)}: ${describeSetting(routingMode)}, so pods get overlay addresses; the stack is on EKS ` +
                    `(${eks}), uses sidecar injection (${injection}), and ${istiod}. The EKS API server cannot reach overlay ` +
                    "addresses, so its calls to istiod's injection webhook (port 15017) time out and pods are not created or not injected. " +
                    "Fix: run Cilium in ENI mode (`eni.enabled: true`, `ipam.mode: eni`, `routingMode: native`), or run istiod with " +
                    "`hostNetwork: true` (a DeploymentPatch of istio-system/istiod).",
            ),
        );
    }
    return findings;
}

/** istiod runs on the host network (`placedBy` says where): it must fit the nodes, and share none of its ports. */
function onHostNetwork(model: MeshModel, placedBy: string): Finding[] {
    const findings: Finding[] = [];
    const istiods = model.istio.charts.filter((chart) => chart.chart === "istiod");
    const sizes = model.eks.nodeGroups.map((group) => group.maxSize);
    const nodes =
        sizes.length > 0 && sizes.every((size) => size.state === "known")
            ? sizes.reduce((sum, size) => sum + (size.state === "known" ? size.value : 0), 0)
            : undefined;
    for (const chart of istiods) {
        const scaling = istiodScaling(chart);
        const where = `${describeSource(chart.helm.source)} (istiod on the host network by ${placedBy})`;
        const { fewest, most } = scaling;
        if (nodes !== undefined && most.state === "known" && typeof most.value === "number" && most.value > nodes) {
            findings.push(
                advisory(
                    chart.helm.source,
                    `${where}: ${scaling.mostKey} is ${most.value}, but the node groups hold at most ${nodes} nodes and on the ` +
                        "host network istiod's ports are host ports, one istiod per node: replicas beyond that stay Pending. " +
                        `Fix: set ${scaling.mostKey} to ${nodes} or less (docs/istio-install.md#istiod-host-ports).`,
                ),
            );
        }
        const unavailable = scaling.rollingMaxUnavailable;
        if (fewest.state === "known" && typeof fewest.value === "number" && unavailable.state === "known") {
            const down = unavailableAllowed(unavailable.value, fewest.value);
            if (down === 0) {
                findings.push(
                    advisory(
                        chart.helm.source,
                        `${where}: rollingMaxUnavailable ${JSON.stringify(unavailable.value)} rounds down to 0 at ` +
                            `${fewest.value} replica(s), so a rollout may take no istiod down and must place a surge pod on a ` +
                            "node without one; with an istiod on every node the rollout stalls. Fix: `rollingMaxUnavailable: 1` " +
                            "and `rollingMaxSurge: 0` (docs/istio-install.md#istiod-host-ports).",
                    ),
                );
            }
        }
    }
    if (model.ambientBecause.length > 0) {
        for (const chart of model.istio.charts.filter((c) => c.chart === "cni")) {
            const agent = cniHostNetwork(chart);
            if (agent.on === undefined) {
                findings.push(
                    unchecked(
                        chart.helm.source,
                        "whether istio-cni's agent runs on the host network",
                        `${agent.detail}; istiod does (${placedBy}), and both bind port 15014`,
                    ),
                );
            } else if (agent.on) {
                findings.push(
                    violation(
                        chart.helm.source,
                        `${describeSource(chart.helm.source)}: ${agent.detail}, so in ambient mode istio-cni's agent runs on the host ` +
                            `network, and istiod does too (${placedBy}): both bind port 15014 on every node with an istiod, and ` +
                            "one of them fails (istio/istio#35917). Fix: Istio 1.26 or later with `ambient.shareHostNetworkNamespace` " +
                            "false and no `compatibilityVersion` below 1.26 (docs/istio-install.md#compatibility-version).",
                    ),
                );
            }
        }
    }
    return findings;
}

export const istiodHostNetworkOnOverlay = stackRule({
    name: "istiod-host-network-on-overlay",
    level: "mandatory",
    description:
        "On EKS with a Cilium overlay and sidecar injection, istiod must run on the host network so the API server reaches its webhook.",
    trigger:
        "on EKS, Cilium routes in tunnel mode (set, or the chart version's default), sidecar injection is used, and istiod does not run on the host network; or istiod on the host network beside an istio-cni agent on it too (ambient before Istio 1.26, `shareHostNetworkNamespace`, cni `compatibilityVersion` ≤ 1.25); advisory: a host-network istiod with more replicas than nodes, or a rollout that can stall",
    breaks: "the EKS API server cannot reach overlay pod addresses, so its calls to istiod's injection webhook (15017) time out; istiod and istio-cni both bind 15014 on the node; extra istiods stay Pending, rollouts stall",
    fix: "ENI mode (`eni.enabled`, `ipam.mode: eni`, `routingMode: native`), or istiod `hostNetwork: true` (Deployment or DeploymentPatch) with `autoscaleMax` ≤ the nodes, `rollingMaxUnavailable: 1`, `rollingMaxSurge: 0`, and istio-cni off the host network",
    sources: [
        "cilium/cilium Documentation/installation/k8s-install-helm.rst (EKS)",
        "https://docs.cilium.io/en/stable/network/servicemesh/istio/",
        "istio/istio#30139",
        "istio/istio#45738",
        "docs/failure-modes.md#f7",
        "docs/cilium-istio-facts.md#istiod-host-network",
        "istio/istio#35917",
        "docs/istio-install.md#istiod-host-ports",
        "docs/istio-install.md#compatibility-version",
    ],
    evaluate,
});
