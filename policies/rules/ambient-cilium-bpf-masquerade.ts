/**
 * `ambient-cilium-bpf-masquerade` (mandatory) — F5.
 *
 * Evidence: failure-modes.md F5; Istio's ambient platform prerequisites (facts §4.4, istio/istio.io#15551): "Enabling
 * BPF masquerading via `bpf.masquerade=true` is not currently supported, and results in non-functional pod health
 * checks in Istio ambient"; istioctl rejects `enable-bpf-masquerade=true` with ztunnel (facts §4.5, istio/istio#52208).
 * Every carried chart leaves it off by default (chart-defaults/cilium.json).
 */
import { StackValidationPolicy } from "@pulumi/policy";
import { describeInstall, describeSetting } from "../model/cilium-settings";
import { MeshModel } from "../model/mesh-model";
import { Finding, listShort, stackRule, unchecked, violation } from "./findings";

export function evaluate(model: MeshModel): Finding[] {
    if (model.ambientBecause.length === 0) {
        return [];
    }
    const ambient = listShort(model.ambientBecause, 1);
    const findings: Finding[] = [];
    for (const install of model.cilium) {
        const setting = install.settings.bpfMasquerade;
        if (setting.value === false) {
            continue;
        }
        if (setting.origin === "unchecked") {
            findings.push(unchecked(install.source, "`bpf.masquerade` (cilium-config `enable-bpf-masquerade`)",
                `${setting.detail}; it must be off because the stack runs Istio ambient (${ambient})`));
            continue;
        }
        findings.push(violation(install.source,
            `${describeInstall(install)}: ${describeSetting(setting)}, and the stack runs Istio ambient (${ambient}). ` +
            "Ambient sends kubelet health probes from the link-local address 169.254.7.127, whose replies BPF masquerading " +
            "breaks, so ambient pods fail their readiness and liveness probes. " +
            "Fix: set `bpf.masquerade: false` (Cilium's default iptables masquerading works with ambient)."));
    }
    return findings;
}

export const ambientCiliumBpfMasquerade: StackValidationPolicy = stackRule({
    name: "ambient-cilium-bpf-masquerade",
    description: "Istio ambient does not work with Cilium's BPF masquerading (bpf.masquerade must be false).",
    enforcementLevel: "mandatory",
    evaluate,
});
