/**
 * `cilium-cni-not-exclusive` (mandatory) — docs/failure-modes.md#f2.
 *
 * Evidence: since Cilium 1.14 the agent with `cni.exclusive: true` (the chart default in every
 * carried version, chart-defaults/cilium.json) owns /etc/cni/net.d and renames or reverts other CNI configs, so
 * istio-cni's chained plugin is removed: istio-cni-node never gets ready and pods start without Istio's redirection
 * (kubernetes/minikube#20286, cilium/cilium#30614). Cilium's Istio docs (docs/cilium-istio-facts.md#cilium-istio-docs)
 * and Istio's ambient platform prerequisites (docs/cilium-istio-facts.md#ambient-prerequisites) require
 * `cni.exclusive=false`; istioctl warns on `cni-exclusive=true` (docs/failure-modes.md#istioctl-cilium-checks).
 * istio-cni runs when the `cni` chart (or its istio-cni-node DaemonSet) is installed, and always in ambient mode
 * (docs/failure-modes.md#f18).
 */
import { MeshModel } from "../model/mesh-model";
import { Finding, stackRule } from "../kit/findings";
import { requireCiliumSetting } from "../kit/required-cilium-setting";

export function evaluate(model: MeshModel): Finding[] {
    return requireCiliumSetting(model, {
        because: model.istioCniBecause,
        setting: "cniExclusive",
        required: false,
        label: "`cni.exclusive` (cilium-config `cni-exclusive`)",
        trigger: (reason) => `istio-cni runs (${reason})`,
        uncheckedWhy: (trigger) => `it must be false because ${trigger}`,
        consequenceAndFix:
            "Cilium then takes over /etc/cni/net.d and removes istio-cni's chained plugin, so istio-cni-node never gets " +
            "ready and pods start without Istio's traffic redirection. " +
            'Fix: set `cni.exclusive: false` (cilium-config `cni-exclusive: "false"`).',
    });
}

export const ciliumCniNotExclusive = stackRule({
    name: "cilium-cni-not-exclusive",
    level: "mandatory",
    description:
        "With istio-cni (the cni chart, or ambient mode), Cilium must not own the CNI configuration (cni.exclusive: false).",
    trigger:
        "istio-cni runs (the `cni` chart or its DaemonSet, or ambient mode) and Cilium's effective `cni.exclusive` / `cni-exclusive` is true",
    breaks: "Cilium owns `/etc/cni/net.d` and removes istio-cni's chained plugin; istio-cni never gets ready, pods start without redirection",
    fix: "`cni.exclusive: false`",
    sources: [
        "kubernetes/minikube#20286",
        "cilium/cilium#31525",
        "https://docs.cilium.io/en/stable/network/servicemesh/istio/",
        "https://istio.io/latest/docs/ambient/install/platform-prerequisites/",
        "docs/failure-modes.md#f2",
    ],
    evaluate,
});
