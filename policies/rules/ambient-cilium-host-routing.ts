/**
 * `ambient-cilium-host-routing` (mandatory) — docs/failure-modes.md#f5.
 *
 * Evidence: docs/failure-modes.md#f5 and #ambient-probe-cause. Cilium's maintainers trace ambient's failing probes to
 * BPF host routing: the SYN-ACK to 169.254.7.127 fails the BPF FIB lookup and is dropped (cilium/cilium#36022, open;
 * cilium/cilium#38338); a 2026 test in istio/istio#52208 had probes healthy only with `bpf.hostLegacyRouting: true`.
 *
 * When BPF host routing is active (docs/cilium-datapath.md#host-routing): only with kube-proxy replacement "true" and no
 * iptables masquerading; otherwise the agent falls back to legacy routing by itself, and an unset
 * `bpf.hostLegacyRouting` is harmless. So the rule judges the effective routing, not the value: it fires where BPF host
 * routing is active — ENI on chart 1.18+ with kube-proxy replacement (masquerading off by default there), or BPF
 * masquerading — and says nothing on an overlay, ENI before 1.18, with iptables masquerading, or in aws-cni chaining.
 */
import { MeshModel } from "../model/mesh-model";
import { describeInstall, hostRouting } from "../model/cilium-settings";
import { Finding, listShort, stackRule, unchecked, violation } from "../kit/findings";

export function evaluate(model: MeshModel): Finding[] {
    if (model.ambientBecause.length === 0) {
        return [];
    }
    const trigger = `the stack runs Istio ambient (${listShort(model.ambientBecause, 1)})`;
    const findings: Finding[] = [];
    for (const install of model.cilium) {
        const routing = hostRouting(install.settings);
        if (routing.bpf === false) {
            continue;
        }
        if (routing.bpf === undefined) {
            findings.push(
                unchecked(
                    install.source,
                    "whether Cilium routes in BPF on the host",
                    `${routing.detail}; BPF host routing drops ambient's probe replies and ${trigger}`,
                ),
            );
            continue;
        }
        findings.push(
            violation(
                install.source,
                `${describeInstall(install)} routes in BPF on the host: ${routing.detail}; and ${trigger}. With BPF host ` +
                    "routing the replies to ambient's probe address 169.254.7.127 are dropped, so ambient pods fail their " +
                    "health probes (cilium/cilium#36022, istio/istio#52208). " +
                    'Fix: set `bpf.hostLegacyRouting: true` (cilium-config `enable-host-legacy-routing: "true"`).',
            ),
        );
    }
    return findings;
}

export const ambientCiliumHostRouting = stackRule({
    name: "ambient-cilium-host-routing",
    level: "mandatory",
    description: "Istio ambient's health probes fail where Cilium routes in BPF on the host; use legacy host routing.",
    trigger:
        "ambient mode where Cilium's BPF host routing is active: `bpf.hostLegacyRouting` not true, kube-proxy replacement " +
        '"true" and no iptables masquerading (e.g. ENI on chart 1.18+, or `bpf.masquerade: true`); silent where Cilium ' +
        "falls back to legacy routing by itself (overlay, ENI before 1.18, iptables masquerading, aws-cni chaining)",
    breaks: "the SYN-ACK to ambient's probe address 169.254.7.127 fails the BPF FIB lookup and is dropped: pods fail their probes",
    fix: "`bpf.hostLegacyRouting: true`",
    sources: [
        "cilium/cilium#36022",
        "cilium/cilium#38338",
        "istio/istio#52208",
        "docs/failure-modes.md#f5",
        "docs/cilium-datapath.md#host-routing",
    ],
    evaluate,
});
