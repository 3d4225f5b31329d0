/**
 * `ambient-health-probes-allowed` (mandatory) — docs/failure-modes.md#f3.
 *
 * Evidence: docs/failure-modes.md#f3; Istio's ambient platform prerequisites for Cilium
 * (docs/cilium-istio-facts.md#ambient-prerequisites, istio/istio#49277): ambient SNATs kubelet health probes to the
 * link-local 169.254.7.127, which Cilium does not exempt the way it exempts probes from the host, so once a
 * default-deny policy selects an ambient pod its probes fail unless some policy admits 169.254.7.127/32. Istio's fix is
 * a CiliumClusterwideNetworkPolicy `allow-ambient-hostprobes` with `endpointSelector: {}`, `ingress.fromCIDR:
 * ["169.254.7.127/32"]` and `enableDefaultDeny: {ingress: false, egress: false}` — without that flag such a catch-all
 * policy itself puts every endpoint in default-deny (Cilium CRD reference: enableDefaultDeny defaults to true for each
 * direction that has rules), which this rule also rejects. Only probes the kubelet sends over the network (httpGet,
 * tcpSocket, grpc) are SNATed; a workload whose containers declare none is not affected, and the probes of pods
 * deployed outside the stack are not known (advisory). Default-deny and admission semantics: network-policies.ts.
 */
import { MeshModel } from "../model/mesh-model";
import { NetworkPolicyInfo, admitsSourceAddress, describePolicy } from "../model/network-policies";
import { describeWorkload } from "../model/workloads";
import { Finding, listShort, stackRule, unchecked, violation } from "../kit/findings";
import { AMBIENT_HOST_PROBES_POLICY, AMBIENT_PROBE_CIDR, AMBIENT_PROBE_SOURCE } from "../model/ambient-network";

const FIX =
    `Fix: add the CiliumClusterwideNetworkPolicy \`${AMBIENT_HOST_PROBES_POLICY}\` from Istio's platform prerequisites ` +
    `(endpointSelector {}, ingress fromCIDR ${AMBIENT_PROBE_CIDR}, enableDefaultDeny {ingress: false, egress: false}), or admit ` +
    `ipBlock ${AMBIENT_PROBE_CIDR} in the NetworkPolicy.`;

function catchAllFindings(model: MeshModel): Finding[] {
    const findings: Finding[] = [];
    for (const policy of model.policies) {
        if (policy.kind !== "CiliumClusterwideNetworkPolicy") {
            continue;
        }
        for (const rule of policy.rules) {
            const selectsAll =
                rule.selector.state === "known" &&
                rule.selector.value.requirements.length === 0 &&
                !rule.selector.value.selectsNoPod;
            if (!selectsAll || rule.defaultDenyDisabled) {
                continue;
            }
            if (rule.defaultDenyIngress.state === "unreadable") {
                findings.push(
                    unchecked(
                        policy.source,
                        "whether this catch-all policy puts every pod in default-deny",
                        rule.defaultDenyIngress.reason,
                    ),
                );
            } else if (rule.defaultDenyIngress.state === "known" && rule.defaultDenyIngress.value) {
                findings.push(
                    violation(
                        policy.source,
                        `${describePolicy(policy)} (${rule.path}) selects every endpoint and has ingress rules without ` +
                            "`enableDefaultDeny.ingress: false`, so it puts every pod, ambient ones included, in default-deny for ingress: " +
                            "whatever it does not admit is dropped, kubelet probes of ambient pods included unless admitted. " +
                            "Fix: set `enableDefaultDeny: {ingress: false, egress: false}` on it, as Istio's allow-ambient-hostprobes does.",
                    ),
                );
            }
        }
    }
    return findings;
}

export function evaluate(model: MeshModel): Finding[] {
    if (model.ambientBecause.length === 0) {
        return [];
    }
    const findings = catchAllFindings(model);
    for (const policy of model.policies) {
        if (policy.unreadable && policy.rules.length === 0) {
            findings.push(unchecked(policy.source, "whether it puts ambient pods in default-deny", policy.unreadable));
        }
    }
    if (
        model.policies.some((p) =>
            p.rules.some((r) => r.defaultDenyIngress.state !== "known" || r.defaultDenyIngress.value),
        )
    ) {
        for (const item of model.unplaced.filter((u) => u.kind === "workload")) {
            findings.push(
                unchecked(item.source, "whether a default-deny policy blocks this pod's probes", item.detail),
            );
        }
    }
    const blocked = new Map<NetworkPolicyInfo, string[]>();
    const unsure = new Map<NetworkPolicyInfo, string[]>();
    const add = (map: Map<NetworkPolicyInfo, string[]>, policy: NetworkPolicyInfo, item: string) =>
        map.set(policy, [...(map.get(policy) ?? []), item]);

    for (const workload of model.workloads) {
        const enrolment = workload.enrolment;
        if (!(enrolment.mode === "ambient" && !enrolment.redirectionDisabled) && enrolment.mode !== "unchecked") {
            continue;
        }
        const selections = model.rulesSelecting(workload);
        const denying = selections.filter(
            (s) => s.match === true && s.rule.defaultDenyIngress.state === "known" && s.rule.defaultDenyIngress.value,
        );
        const maybeDenying = selections.filter(
            (s) => s.match === "unchecked" || s.rule.defaultDenyIngress.state === "unreadable",
        );
        if (denying.length === 0 && maybeDenying.length === 0) {
            continue;
        }
        const admits = (s: (typeof selections)[number]) =>
            s.rule.ingress.some((allow) => admitsSourceAddress(allow, AMBIENT_PROBE_SOURCE));
        if (selections.some((s) => s.match === true && admits(s))) {
            continue;
        }
        const probes = workload.networkProbes;
        if (probes.state === "known" && !probes.value) {
            continue;
        }
        const mayAdmit = selections.some(
            (s) => (s.match === "unchecked" && admits(s)) || s.rule.unreadableIngress !== undefined,
        );
        const first = (denying[0] ?? maybeDenying[0]).rule.policy;
        if (denying.length > 0 && !mayAdmit && enrolment.mode === "ambient" && probes.state === "known") {
            add(blocked, first, `${describeWorkload(workload)} (${enrolment.detail})`);
        } else {
            const why =
                enrolment.mode === "unchecked"
                    ? enrolment.detail
                    : probes.state === "unreadable"
                      ? `${probes.path} ${probes.reason}, so whether they have probes is not known`
                      : "a selector or ingress rule is unknown";
            add(unsure, first, `${describeWorkload(workload)}: ${why}`);
        }
    }
    for (const [policy, workloads] of blocked) {
        findings.push(
            violation(
                policy.source,
                `${describePolicy(policy)} puts ambient pods in default-deny for ingress and no policy admits ${AMBIENT_PROBE_SOURCE}/32, ` +
                    `the address ambient sends kubelet health probes from, to pods with network probes: ${listShort(workloads)}. Their ` +
                    `readiness and liveness probes fail, so they never become ready or are restarted. ${FIX}`,
            ),
        );
    }
    for (const [policy, workloads] of unsure) {
        findings.push(
            unchecked(
                policy.source,
                `whether ambient pods' health probes (from ${AMBIENT_PROBE_SOURCE}) are admitted`,
                listShort(workloads),
            ),
        );
    }
    return findings;
}

export const ambientHealthProbesAllowed = stackRule({
    name: "ambient-health-probes-allowed",
    level: "mandatory",
    description: `Ambient pods under a default-deny policy need ${AMBIENT_PROBE_CIDR} admitted for their kubelet probes.`,
    trigger: `ambient pods with network probes (httpGet, tcpSocket, grpc) are selected by a default-deny ingress policy and nothing admits \`${AMBIENT_PROBE_CIDR}\`; also a catch-all CiliumClusterwideNetworkPolicy with ingress rules that does not set \`enableDefaultDeny.ingress: false\``,
    breaks: `ambient SNATs kubelet probes to ${AMBIENT_PROBE_SOURCE}, which Cilium does not exempt; the catch-all puts every pod in default-deny`,
    fix: `Istio's \`${AMBIENT_HOST_PROBES_POLICY}\` CCNP (fromCIDR ${AMBIENT_PROBE_CIDR}, \`enableDefaultDeny\` false; \`IstioRelease\` installs it in ambient mode unless \`ambientHostProbes: false\`), or an ipBlock in the NetworkPolicy`,
    sources: [
        "istio/istio#49277",
        "https://istio.io/latest/docs/ambient/install/platform-prerequisites/",
        "docs/failure-modes.md#f3",
        "docs/cilium-istio-facts.md#ambient-prerequisites",
    ],
    evaluate,
});
