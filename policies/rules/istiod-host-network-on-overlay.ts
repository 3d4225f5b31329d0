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
 */
import { describeInstall, describeSetting } from "../model/cilium-settings";
import { MeshModel } from "../model/mesh-model";
import { describeSource } from "../model/resources";
import { Finding, listShort, stackRule, unchecked, violation } from "../kit/findings";

export function evaluate(model: MeshModel): Finding[] {
    if (model.onEksBecause.length === 0 || model.sidecarInjectionBecause.length === 0) {
        return [];
    }
    const placements = model.istio.istiodPlacements;
    if (placements.some((p) => p.hostNetwork.state === "known" && p.hostNetwork.value)) {
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

export const istiodHostNetworkOnOverlay = stackRule({
    name: "istiod-host-network-on-overlay",
    level: "mandatory",
    description:
        "On EKS with a Cilium overlay and sidecar injection, istiod must run on the host network so the API server reaches its webhook.",
    trigger:
        "on EKS, Cilium routes in tunnel mode (set, or the chart version's default), sidecar injection is used, and istiod does not run on the host network",
    breaks: "the EKS API server cannot reach overlay pod addresses, so its calls to istiod's injection webhook (15017) time out",
    fix: "ENI mode (`eni.enabled`, `ipam.mode: eni`, `routingMode: native`), or istiod `hostNetwork: true` (Deployment or DeploymentPatch)",
    sources: [
        "cilium/cilium Documentation/installation/k8s-install-helm.rst (EKS)",
        "https://docs.cilium.io/en/stable/network/servicemesh/istio/",
        "istio/istio#30139",
        "istio/istio#45738",
        "docs/failure-modes.md#f7",
        "docs/cilium-istio-facts.md#istiod-host-network",
    ],
    evaluate,
});
