/**
 * `cilium-l7-policy-under-chaining` (advisory) — docs/cilium-datapath.md#chaining-l7.
 *
 * Evidence: Cilium's chaining guides include the limitation "Some advanced Cilium features may be limited when
 * chaining with other CNI plugins, such as: Layer 7 Policy (see cilium/cilium#12454)"
 * (Documentation/installation/cni-chaining-limitations.rst, included by cni-chaining-aws-cni.rst); cilium/cilium#15163
 * added that warning to the AWS page; Cilium's aws-cni CI skips its L7 tests (cilium/cilium#47269). So an L7 rule
 * (`toPorts[].rules`) under a chained Cilium may not be enforced as written: requests it should deny can pass, hang or
 * be dropped. Not a proven failure on every version (cilium/cilium#20720 reports it working on 1.13): advisory.
 */
import { describeInstall, describeSetting } from "../model/cilium-settings";
import { MeshModel } from "../model/mesh-model";
import { describePolicy } from "../model/network-policies";
import { Finding, advisory, listShort, stackRule } from "../kit/findings";

export function evaluate(model: MeshModel): Finding[] {
    const chained = model.cilium.filter(
        (install) =>
            install.settings.chainingMode.value !== undefined && install.settings.chainingMode.value !== "none",
    );
    if (chained.length === 0) {
        return [];
    }
    const chaining = chained.map(
        (install) => `${describeInstall(install)}: ${describeSetting(install.settings.chainingMode)}`,
    );
    const findings: Finding[] = [];
    for (const policy of model.policies) {
        const l7 = policy.rules.filter((rule) => rule.ingress.some((allow) => allow.l7.length > 0));
        if (l7.length === 0) {
            continue;
        }
        const parsers = [...new Set(l7.flatMap((rule) => rule.ingress.flatMap((allow) => allow.l7)))];
        findings.push(
            advisory(
                policy.source,
                `${describePolicy(policy)} has L7 rules (${parsers.join(", ")}) while Cilium runs chained behind another CNI ` +
                    `(${listShort(chaining, 1)}). Cilium documents L7 policy as limited under CNI chaining (cilium/cilium#12454): ` +
                    "its proxy redirect goes through the other plugin's routing and may not apply, so requests the rule should " +
                    "deny may pass, hang or be dropped rather than get 403. Fix: run Cilium as the only CNI (ENI or overlay " +
                    "datapath) where L7 policy must hold, or enforce HTTP policy with Istio's AuthorizationPolicy.",
            ),
        );
    }
    return findings;
}

export const ciliumL7PolicyUnderChaining = stackRule({
    name: "cilium-l7-policy-under-chaining",
    level: "advisory",
    description: "Cilium's L7 policy is limited when Cilium is chained behind another CNI (aws-cni).",
    trigger:
        "a Cilium policy with L7 rules (`toPorts[].rules`) in a stack whose Cilium runs with a `cni.chainingMode` other than none",
    breaks: "the redirect to Cilium's proxy depends on the other plugin's routing: the L7 rule may not be enforced (no 403)",
    fix: "Cilium as the only CNI where L7 policy must hold, or HTTP policy in Istio's AuthorizationPolicy",
    sources: [
        "cilium/cilium#12454",
        "cilium/cilium#15163",
        "cilium/cilium#47269",
        "cilium/cilium Documentation/installation/cni-chaining-limitations.rst",
        "docs/cilium-datapath.md#chaining-l7",
    ],
    evaluate,
});
