/**
 * `ambient-cilium-bpf-masquerade` (mandatory) — docs/failure-modes.md#f5.
 *
 * Evidence: docs/failure-modes.md#f5; Istio's ambient platform prerequisites
 * (docs/cilium-istio-facts.md#ambient-prerequisites, istio/istio.io#15551): "Enabling BPF masquerading via
 * `bpf.masquerade=true` is not currently supported, and results in non-functional pod health checks in Istio ambient";
 * istioctl rejects `enable-bpf-masquerade=true` with ztunnel (docs/failure-modes.md#istioctl-cilium-checks,
 * istio/istio#52208). Every carried chart leaves it off by default (chart-defaults/cilium.json). Istio's docs add that
 * "Cilium's default iptables masquerading implementation should continue to function correctly"; on ENI from chart
 * 1.18 the default is no masquerading at all (docs/cilium-datapath.md#eni-egress-masquerading), hence the fix's words.
 */
import { MeshModel } from "../model/mesh-model";
import { Finding, stackRule } from "../kit/findings";
import { requireCiliumSetting } from "../kit/required-cilium-setting";

export function evaluate(model: MeshModel): Finding[] {
    return requireCiliumSetting(model, {
        because: model.ambientBecause,
        setting: "bpfMasquerade",
        required: false,
        label: "`bpf.masquerade` (cilium-config `enable-bpf-masquerade`)",
        trigger: (reason) => `the stack runs Istio ambient (${reason})`,
        uncheckedWhy: (trigger) => `it must be off because ${trigger}`,
        consequenceAndFix:
            "Ambient sends kubelet health probes from the link-local address 169.254.7.127, whose replies BPF masquerading " +
            "breaks, so ambient pods fail their readiness and liveness probes. " +
            "Fix: set `bpf.masquerade: false`; masquerading by iptables (`enableIPv4Masquerade: true`), or none " +
            "(ENI's default from chart 1.18), works with ambient.",
    });
}

export const ambientCiliumBpfMasquerade = stackRule({
    name: "ambient-cilium-bpf-masquerade",
    level: "mandatory",
    description: "Istio ambient does not work with Cilium's BPF masquerading (bpf.masquerade must be false).",
    trigger: "ambient mode with Cilium's effective `bpf.masquerade` / `enable-bpf-masquerade` true",
    breaks: "replies to ambient's probe address 169.254.7.127 break; ambient pods fail their probes",
    fix: "`bpf.masquerade: false`",
    sources: [
        "istio/istio#52208",
        "istio/istio.io#15551",
        "https://istio.io/latest/docs/ambient/install/platform-prerequisites/",
        "docs/failure-modes.md#f5",
        "docs/failure-modes.md#istioctl-cilium-checks",
        "docs/cilium-datapath.md#eni-egress-masquerading",
    ],
    evaluate,
});
