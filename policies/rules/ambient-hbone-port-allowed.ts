/**
 * `ambient-hbone-port-allowed` (mandatory) — docs/failure-modes.md#f4.
 *
 * Evidence: docs/failure-modes.md#f4; docs/cilium-istio-facts.md#demo, #ambient-prerequisites: in ambient mode
 * pod-to-pod traffic is tunnelled (HBONE) to port 15008 of the destination pod, and NetworkPolicy is enforced on that
 * tunnel, so an ingress policy that admits only the application's ports drops all mesh traffic (ztunnel: "maybe a
 * NetworkPolicy is blocking HBONE port 15008", istio/istio#52742; istio/istio.io#15580). Cilium's Istio examples moved
 * their ports to 15008 for ambient (cilium/cilium#40149). A policy is "limited to ports" when every rule that admits
 * anything names its ports; a rule admitting every port (for some sources) leaves 15008 open to them.
 */
import { MeshModel } from "../model/mesh-model";
import { PolicyRule, admitsTcpPort, describePolicy, describePorts } from "../model/network-policies";
import { describeWorkload } from "../model/workloads";
import { Finding, listShort, stackRule, unchecked, violation } from "../kit/findings";
import { HBONE_PORT } from "../model/ambient-network";

/** The rule admits something, only on named ports, and not on 15008. */
function leavesOutHbone(rule: PolicyRule): boolean {
    const allows = rule.ingress.filter((allow) => !allow.admitsNothing);
    return (
        allows.length > 0 &&
        !allows.some((allow) => allow.ports === undefined) &&
        !allows.some((allow) => admitsTcpPort(allow, HBONE_PORT))
    );
}

function judgeRule(model: MeshModel, rule: PolicyRule): Finding[] {
    const policy = rule.policy;
    if (!leavesOutHbone(rule)) {
        return [];
    }
    const allows = rule.ingress.filter((allow) => !allow.admitsNothing);
    const affected: string[] = [];
    const unsure: string[] = [];
    for (const selection of model.selectedBy(rule)) {
        const { workload } = selection;
        const enrolment = workload.enrolment;
        if (selection.match === "unchecked" || enrolment.mode === "unchecked") {
            unsure.push(
                `${describeWorkload(workload)}: ${selection.match === "unchecked" ? "whether the rule selects it is unknown" : enrolment.detail}`,
            );
        } else if (enrolment.mode === "ambient" && !enrolment.redirectionDisabled) {
            affected.push(`${describeWorkload(workload)} (${enrolment.detail})`);
        }
    }
    if (affected.length > 0) {
        return [
            violation(
                policy.source,
                `${describePolicy(policy)} (${rule.path}) admits ingress only on ${describePorts(allows)}, which leaves out ` +
                    `${HBONE_PORT}/TCP, the HBONE port ambient tunnels all mesh traffic to, and it selects ambient pods: ${listShort(affected)}. ` +
                    'They receive no mesh traffic (ztunnel: "maybe a NetworkPolicy is blocking HBONE port 15008"). ' +
                    `Fix: add port ${HBONE_PORT}/TCP to the rule's ports — knowing that a source admitted on ${HBONE_PORT} ` +
                    "reaches every port of the pod, so port and HTTP limits must then be enforced by an Istio " +
                    "AuthorizationPolicy (istio/istio#56659; rule ambient-hbone-bypasses-port-rules).",
            ),
        ];
    }
    if (unsure.length > 0) {
        return [
            unchecked(
                policy.source,
                `whether its port list (without ${HBONE_PORT}) selects ambient pods`,
                listShort(unsure),
            ),
        ];
    }
    const unseen = model.unseenPodsReason(rule);
    const namespaceEnrolment =
        policy.namespace === undefined
            ? undefined
            : model.workloadsByNamespace.get(policy.namespace)?.find((w) => w.standIn)?.enrolment.mode;
    if (unseen && namespaceEnrolment !== "none" && namespaceEnrolment !== "sidecar") {
        return [unchecked(policy.source, `whether its port list (without ${HBONE_PORT}) selects ambient pods`, unseen)];
    }
    return [];
}

export function evaluate(model: MeshModel): Finding[] {
    if (model.ambientBecause.length === 0) {
        return [];
    }
    const findings: Finding[] = [];
    for (const policy of model.policies) {
        if (policy.unreadable) {
            findings.push(
                unchecked(policy.source, `whether the policy admits ${HBONE_PORT} to ambient pods`, policy.unreadable),
            );
        }
        for (const rule of policy.rules) {
            if (rule.unreadableIngress) {
                findings.push(unchecked(policy.source, `the ingress rules of ${rule.path}`, rule.unreadableIngress));
            }
            findings.push(...judgeRule(model, rule));
        }
    }
    if (model.policies.some((p) => p.rules.some(leavesOutHbone))) {
        for (const item of model.unplaced.filter((u) => u.kind === "workload")) {
            findings.push(
                unchecked(
                    item.source,
                    `whether a policy without port ${HBONE_PORT} selects this ambient pod`,
                    item.detail,
                ),
            );
        }
    }
    return findings;
}

export const ambientHbonePortAllowed = stackRule({
    name: "ambient-hbone-port-allowed",
    level: "mandatory",
    description: `An ingress policy limited to specific ports must include ${HBONE_PORT} (HBONE) when it selects ambient pods.`,
    trigger: `ambient pods are selected by an ingress policy (Cilium or Kubernetes) whose rules all name ports and none includes ${HBONE_PORT}/TCP`,
    breaks: `ambient tunnels mesh traffic to ${HBONE_PORT} (HBONE); the policy drops it`,
    fix: `add port ${HBONE_PORT}/TCP, and enforce port and HTTP limits with an Istio AuthorizationPolicy (${HBONE_PORT} admits every port: istio/istio#56659)`,
    sources: [
        "istio/istio#52742",
        "istio/istio.io#15580",
        "cilium/cilium#40149",
        "istio/istio#56659",
        "docs/failure-modes.md#f4",
        "docs/mesh-policy.md#hbone-bypasses-port-rules",
    ],
    evaluate,
});
