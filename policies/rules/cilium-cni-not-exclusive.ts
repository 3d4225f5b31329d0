/**
 * `cilium-cni-not-exclusive` (mandatory) — F2.
 *
 * Evidence: failure-modes.md F2. Since Cilium 1.14 the agent with `cni.exclusive: true` (the chart default in every
 * carried version, chart-defaults/cilium.json) owns /etc/cni/net.d and renames or reverts other CNI configs, so
 * istio-cni's chained plugin is removed: istio-cni-node never gets ready and pods start without Istio's redirection
 * (kubernetes/minikube#20286, cilium/cilium#30614). Cilium's Istio docs (facts §2.3) and Istio's ambient platform
 * prerequisites (facts §4.4) require `cni.exclusive=false`; istioctl warns on `cni-exclusive=true` (§0). istio-cni
 * runs when the `cni` chart (or its istio-cni-node DaemonSet) is installed, and always in ambient mode (F18).
 */
import { StackValidationPolicy } from "@pulumi/policy";
import { MeshModel } from "../model/mesh-model";
import { Finding, stackRule } from "./findings";
import { requireCiliumSetting } from "./required-cilium-setting";

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

export const ciliumCniNotExclusive: StackValidationPolicy = stackRule({
    name: "cilium-cni-not-exclusive",
    description:
        "With istio-cni (the cni chart, or ambient mode), Cilium must not own the CNI configuration (cni.exclusive: false).",
    enforcementLevel: "mandatory",
    evaluate,
});
