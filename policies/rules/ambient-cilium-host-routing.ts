/**
 * `ambient-cilium-host-routing` (advisory) — docs/failure-modes.md#f5.
 *
 * Evidence: docs/failure-modes.md#f5 and #ambient-probe-cause. Cilium's maintainers trace ambient's failing probes to
 * BPF host routing, not to masquerading: the SYN-ACK to 169.254.7.127 fails the BPF FIB lookup and is dropped
 * (cilium/cilium#36022, cilium/cilium#38338); a 2026 test in istio/istio#52208 had probes healthy only with
 * `bpf.hostLegacyRouting: true`. Istio's docs blame masquerading instead, and the fix (cilium/cilium#46625) was closed,
 * so the sources disagree: advisory. Every carried chart leaves `bpf.hostLegacyRouting` unset (false: BPF host routing
 * where the kernel supports it); a chaining mode turns legacy routing on
 * (docs/cilium-istio-facts.md#cilium-values-to-config). Known correction, not yet applied here: BPF host routing is
 * active only with kube-proxy replacement and without iptables masquerading, so an unset value alone does not mean BPF
 * host routing (docs/cilium-istio-facts.md#ambient-host-routing).
 */
import { MeshModel } from "../model/mesh-model";
import { Finding, stackRule } from "../kit/findings";
import { requireCiliumSetting } from "../kit/required-cilium-setting";

export function evaluate(model: MeshModel): Finding[] {
    return requireCiliumSetting(model, {
        because: model.ambientBecause,
        setting: "hostLegacyRouting",
        required: true,
        label: "`bpf.hostLegacyRouting` (cilium-config `enable-host-legacy-routing`)",
        trigger: (reason) => `the stack runs Istio ambient (${reason})`,
        uncheckedWhy: (trigger) => trigger,
        joiner: ", so Cilium may route in BPF on the host, and",
        consequenceAndFix:
            "With BPF host routing the replies to ambient's probe address 169.254.7.127 " +
            "are dropped and ambient pods can fail their health probes (cilium/cilium#36022, istio/istio#52208). " +
            'Fix: set `bpf.hostLegacyRouting: true` (cilium-config `enable-host-legacy-routing: "true"`).',
    });
}

export const ambientCiliumHostRouting = stackRule({
    name: "ambient-cilium-host-routing",
    level: "advisory",
    description:
        "Istio ambient's health probes can fail with Cilium's BPF host routing; prefer bpf.hostLegacyRouting: true.",
    trigger:
        "ambient mode with Cilium BPF host routing (effective `bpf.hostLegacyRouting` not true; aws-cni chaining turns legacy routing on)",
    breaks: "the SYN-ACK to 169.254.7.127 fails the BPF FIB lookup and is dropped; sources disagree on the cause, hence advisory",
    fix: "`bpf.hostLegacyRouting: true`",
    sources: [
        "cilium/cilium#36022",
        "cilium/cilium#38338",
        "istio/istio#52208",
        "docs/failure-modes.md#f5",
        "docs/cilium-istio-facts.md#ambient-host-routing",
    ],
    evaluate,
});
