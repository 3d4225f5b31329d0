/**
 * `ambient-hbone-bypasses-port-rules` (advisory) — docs/mesh-policy.md#hbone-bypasses-port-rules.
 *
 * Evidence: istio/istio#56659: once a policy admits HBONE (15008/TCP) from a source into an ambient pod, that source
 * reaches every port of the pod, because ztunnel inside the pod delivers the tunnelled connection to whatever port it
 * names and the CNI only sees 15008. The policy's port list — and Cilium HTTP rules on application ports — then no
 * longer bind that source; only Istio's AuthorizationPolicy does (istio/istio.io#15281; the transparent-port proposal
 * istio/ztunnel#1665 is not merged). `ambient-hbone-port-allowed` requires 15008; this rule says what admitting it costs.
 */
import { MeshModel } from "../model/mesh-model";
import { IngressAllow, PolicyRule, admitsTcpPort, describePolicy, describePorts } from "../model/network-policies";
import { describeWorkload } from "../model/workloads";
import { Finding, advisory, listShort, stackRule } from "../kit/findings";
import { HBONE_PORT } from "../model/ambient-network";

/** An allow that names its ports and opens 15008 among them. */
function opensHboneInPortList(allow: IngressAllow): boolean {
    return !allow.admitsNothing && allow.ports !== undefined && admitsTcpPort(allow, HBONE_PORT);
}

function judgeRule(model: MeshModel, rule: PolicyRule): Finding[] {
    const hbone = rule.ingress.filter(opensHboneInPortList);
    if (hbone.length === 0) {
        return [];
    }
    const ambient = model
        .selectedBy(rule)
        .filter(
            (s) =>
                s.match === true &&
                s.workload.enrolment.mode === "ambient" &&
                !s.workload.enrolment.redirectionDisabled,
        )
        .map((s) => describeWorkload(s.workload));
    if (ambient.length === 0) {
        return [];
    }
    const l7 = rule.ingress.some((allow) => allow.l7.length > 0);
    return [
        advisory(
            rule.policy.source,
            `${describePolicy(rule.policy)} (${rule.path}) admits ${HBONE_PORT}/TCP (in ${describePorts(hbone)}) into ambient pods: ` +
                `${listShort(ambient)}. A source admitted on ${HBONE_PORT} reaches every port of these pods through ztunnel, so ` +
                `the rule's port limits${l7 ? " and its HTTP rules" : ""} no longer bind it (istio/istio#56659). Fix: enforce ` +
                "ports and HTTP conditions with an Istio AuthorizationPolicy (`to.operation.ports`, `paths`, `methods`) on " +
                "these workloads, and admit 15008 only from the sources that may reach every port.",
        ),
    ];
}

export function evaluate(model: MeshModel): Finding[] {
    if (model.ambientBecause.length === 0) {
        return [];
    }
    return model.policies.flatMap((policy) => policy.rules.flatMap((rule) => judgeRule(model, rule)));
}

export const ambientHboneBypassesPortRules = stackRule({
    name: "ambient-hbone-bypasses-port-rules",
    level: "advisory",
    description:
        "Admitting HBONE (15008) into an ambient pod admits every port: port and L7 rules no longer bind that source.",
    trigger: "an ingress policy (Cilium or Kubernetes) selecting ambient pods admits 15008/TCP in a port list",
    breaks: "ztunnel delivers tunnelled connections to any port of the pod; the CNI sees only 15008, so the policy's other port limits and Cilium HTTP rules do not apply to sources admitted on 15008",
    fix: "enforce ports and HTTP conditions with an Istio AuthorizationPolicy; admit 15008 only from sources allowed every port",
    sources: [
        "istio/istio#56659",
        "istio/istio.io#15281",
        "istio/ztunnel#1665",
        "docs/mesh-policy.md#hbone-bypasses-port-rules",
    ],
    evaluate,
});
