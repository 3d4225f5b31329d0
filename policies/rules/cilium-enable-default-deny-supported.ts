/**
 * `cilium-enable-default-deny-supported` (mandatory) — docs/cilium-datapath.md#enable-default-deny.
 *
 * Evidence: `enableDefaultDeny` exists from Cilium 1.16 (cilium/cilium#30572, semantics cilium/cilium#35558); from 1.17
 * `enableNonDefaultDenyPolicies: false` makes Cilium ignore it (cilium/cilium#34940). A policy whose ingress rule opts
 * out of default deny (`enableDefaultDeny.ingress: false`) — Istio's `allow-ambient-hostprobes`, with
 * `endpointSelector: {}`, is the common one (docs/failure-modes.md#f3) — puts every pod it selects into ingress
 * default-deny where the opt-out is ignored, admitting only what the rule names: for a catch-all policy, a cluster-wide
 * outage. Judged in any stack, ambient or not.
 */
import { defaultDenyOptOut, describeInstall } from "../model/cilium-settings";
import { MeshModel } from "../model/mesh-model";
import { PolicyRule, describePolicy } from "../model/network-policies";
import { Finding, stackRule, unchecked, violation } from "../kit/findings";

/** The rule has an ingress section and opts out of the default deny it would bring. */
function reliesOnOptOut(rule: PolicyRule): boolean {
    return rule.defaultDenyDisabled && (rule.ingress.length > 0 || rule.unreadableIngress !== undefined);
}

function selectsEveryPod(rule: PolicyRule): boolean {
    return (
        rule.selector.state === "known" &&
        rule.selector.value.requirements.length === 0 &&
        !rule.selector.value.selectsNoPod
    );
}

export function evaluate(model: MeshModel): Finding[] {
    const rules = model.policies.flatMap((policy) => policy.rules.filter(reliesOnOptOut));
    if (rules.length === 0) {
        return [];
    }
    const findings: Finding[] = [];
    for (const install of model.cilium) {
        const optOut = defaultDenyOptOut(install);
        if (optOut.honoured === true) {
            continue;
        }
        for (const rule of rules) {
            const policy = describePolicy(rule.policy);
            if (optOut.honoured === undefined) {
                findings.push(
                    unchecked(
                        rule.policy.source,
                        `whether Cilium honours its \`enableDefaultDeny.ingress: false\` (${rule.path})`,
                        `${describeInstall(install)}: ${optOut.detail}; where it is ignored the policy puts the pods it selects in default deny`,
                    ),
                );
                continue;
            }
            const scope = selectsEveryPod(rule)
                ? "every pod in the cluster, a cluster-wide outage"
                : "every pod it selects";
            findings.push(
                violation(
                    rule.policy.source,
                    `${policy} (${rule.path}) opts out of default deny with \`enableDefaultDeny.ingress: false\`, which ` +
                        `${describeInstall(install)} ignores: ${optOut.detail}. Its ingress rule then puts ${scope} into ` +
                        "ingress default-deny, admitting only what the rule names. Fix: run Cilium 1.16 or later with " +
                        "`enableNonDefaultDenyPolicies` left true (its default from 1.17), or remove the policy.",
                ),
            );
        }
    }
    return findings;
}

export const ciliumEnableDefaultDenySupported = stackRule({
    name: "cilium-enable-default-deny-supported",
    level: "mandatory",
    description:
        "A Cilium policy that opts out of default deny (enableDefaultDeny false) needs a Cilium that honours it: 1.16+, enableNonDefaultDenyPolicies not false.",
    trigger:
        "a CiliumNetworkPolicy or CiliumClusterwideNetworkPolicy with an ingress rule and `enableDefaultDeny.ingress: false` (e.g. Istio's `allow-ambient-hostprobes`) beside Cilium 1.15, or 1.17+ with `enableNonDefaultDenyPolicies: false`",
    breaks: "Cilium ignores the opt-out: the policy puts every pod it selects (all of them for `endpointSelector: {}`) into ingress default-deny",
    fix: "Cilium 1.16 or later with `enableNonDefaultDenyPolicies` true (the default), or no such policy",
    sources: [
        "cilium/cilium#30572",
        "cilium/cilium#35558",
        "cilium/cilium#34940",
        "docs/cilium-datapath.md#enable-default-deny",
        "docs/failure-modes.md#f3",
    ],
    evaluate,
});
