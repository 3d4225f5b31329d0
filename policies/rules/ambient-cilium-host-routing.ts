/**
 * `ambient-cilium-host-routing` (advisory) — F5.
 *
 * Evidence: failure-modes.md F5 and §6.2. Cilium's maintainers trace ambient's failing probes to BPF host routing, not
 * to masquerading: the SYN-ACK to 169.254.7.127 fails the BPF FIB lookup and is dropped (cilium/cilium#36022, PR
 * #38338); a 2026 test in istio/istio#52208 had probes healthy only with `bpf.hostLegacyRouting: true`. Istio's docs
 * blame masquerading instead, and the fix (cilium/cilium#46625) was closed, so the sources disagree: advisory.
 * Every carried chart leaves `bpf.hostLegacyRouting` unset (false: BPF host routing where the kernel supports it);
 * a chaining mode turns legacy routing on (facts §3.2).
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
        const setting = install.settings.hostLegacyRouting;
        if (setting.value === true) {
            continue;
        }
        if (setting.origin === "unchecked") {
            findings.push(unchecked(install.source, "`bpf.hostLegacyRouting` (cilium-config `enable-host-legacy-routing`)",
                `${setting.detail}; the stack runs Istio ambient (${ambient})`));
            continue;
        }
        findings.push(violation(install.source,
            `${describeInstall(install)}: ${describeSetting(setting)}, so Cilium may route in BPF on the host, and the stack ` +
            `runs Istio ambient (${ambient}). With BPF host routing the replies to ambient's probe address 169.254.7.127 ` +
            "are dropped and ambient pods can fail their health probes (cilium/cilium#36022, istio/istio#52208). " +
            "Fix: set `bpf.hostLegacyRouting: true` (cilium-config `enable-host-legacy-routing: \"true\"`)."));
    }
    return findings;
}

export const ambientCiliumHostRouting: StackValidationPolicy = stackRule({
    name: "ambient-cilium-host-routing",
    description: "Istio ambient's health probes can fail with Cilium's BPF host routing; prefer bpf.hostLegacyRouting: true.",
    enforcementLevel: "advisory",
    evaluate,
});
