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
import { describeInstall, describeSetting } from "../model/cilium-settings";
import { MeshModel } from "../model/mesh-model";
import { Finding, listShort, stackRule, unchecked, violation } from "./findings";

export function evaluate(model: MeshModel): Finding[] {
    if (model.istioCniBecause.length === 0) {
        return [];
    }
    const istioCni = listShort(model.istioCniBecause, 1);
    const findings: Finding[] = [];
    for (const install of model.cilium) {
        const setting = install.settings.cniExclusive;
        if (setting.value === false) {
            continue;
        }
        if (setting.origin === "unchecked") {
            findings.push(unchecked(install.source, "`cni.exclusive` (cilium-config `cni-exclusive`)",
                `${setting.detail}; it must be false because istio-cni runs (${istioCni})`));
            continue;
        }
        findings.push(violation(install.source,
            `${describeInstall(install)}: ${describeSetting(setting)}, and istio-cni runs (${istioCni}). ` +
            "Cilium then takes over /etc/cni/net.d and removes istio-cni's chained plugin, so istio-cni-node never gets " +
            "ready and pods start without Istio's traffic redirection. " +
            "Fix: set `cni.exclusive: false` (cilium-config `cni-exclusive: \"false\"`)."));
    }
    return findings;
}

export const ciliumCniNotExclusive: StackValidationPolicy = stackRule({
    name: "cilium-cni-not-exclusive",
    description: "With istio-cni (the cni chart, or ambient mode), Cilium must not own the CNI configuration (cni.exclusive: false).",
    enforcementLevel: "mandatory",
    evaluate,
});
