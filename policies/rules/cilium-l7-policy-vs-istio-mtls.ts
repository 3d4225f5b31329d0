/**
 * `cilium-l7-policy-vs-istio-mtls` (mandatory) — docs/failure-modes.md#f6.
 *
 * Evidence: docs/failure-modes.md#f6; Cilium's "Integration with Istio" docs
 * (docs/cilium-istio-facts.md#cilium-istio-docs-1-15, #cilium-istio-docs): Istio mTLS (STRICT, or PERMISSIVE — the
 * default — once the client sidecar upgrades to mTLS) is not compatible with Cilium HTTP policy: Cilium's L7 proxy
 * cannot parse the TLS (or ambient's HBONE tunnel on 15008), so requests through it fail and the client's sidecar
 * answers 503 (the demo's "client 'red' to server 'blue': 503", docs/cilium-istio-facts.md#demo). To use Cilium L7
 * policy: sidecar pods need a PeerAuthentication `mtls.mode: DISABLE`; ambient pods must leave ambient (no
 * `istio.io/dataplane-mode`) or be annotated `ambient.istio.io/redirection: disabled`.
 *
 * The pods are the workloads (and "any pod of the namespace" for selectors that take all of it) a Cilium policy rule
 * with `toPorts[].rules.http` (or kafka, l7proto) selects; sidecar pods are judged by their effective PeerAuthentication
 * on the rule's ports (peer-authentication.ts).
 */
import { MeshModel } from "../model/mesh-model";
import { IngressAllow, PolicyRule, describePolicy, describePorts } from "../model/network-policies";
import { describeWorkload } from "../model/workloads";
import { Finding, listShort, stackRule, unchecked, violation } from "../kit/findings";
import { ROOT_NAMESPACE_SCHEMA, RootNamespaceConfig, rootNamespaceOf } from "../kit/root-namespace";

/** The single TCP ports L7 rules apply to, for port-level PeerAuthentication; undefined stands for "the pod as a whole". */
function l7Ports(allows: readonly IngressAllow[]): (number | undefined)[] {
    const ports = new Set<number | undefined>();
    for (const allow of allows) {
        if (allow.ports === undefined || allow.ports.some((p) => p.from !== p.to) || allow.namedPorts.length > 0) {
            ports.add(undefined);
        }
        for (const range of allow.ports ?? []) {
            if (range.from === range.to) {
                ports.add(range.from);
            }
        }
    }
    return [...ports];
}

function judgeRule(model: MeshModel, rule: PolicyRule, rootNamespace: string): Finding[] {
    const policy = rule.policy;
    const l7 = rule.ingress.filter((allow) => allow.l7.length > 0);
    if (l7.length === 0) {
        return [];
    }
    const broken: string[] = [];
    const unsure: string[] = [];
    for (const selection of model.selectedBy(rule)) {
        const workload = selection.workload;
        const enrolment = workload.enrolment;
        if (selection.match === "unchecked" || enrolment.mode === "unchecked") {
            unsure.push(
                `${describeWorkload(workload)}: ${selection.match === "unchecked" ? "whether the rule selects it is unknown" : enrolment.detail}`,
            );
        } else if (enrolment.mode === "ambient" && !enrolment.redirectionDisabled) {
            broken.push(`${describeWorkload(workload)} (ambient: ${enrolment.detail})`);
        } else if (enrolment.mode === "sidecar") {
            for (const port of l7Ports(l7)) {
                const mtls = model.effectiveMtls(workload, port, rootNamespace);
                if (mtls.mode === undefined) {
                    unsure.push(`${describeWorkload(workload)}: ${mtls.detail}`);
                    break;
                }
                if (mtls.mode !== "DISABLE") {
                    broken.push(
                        `${describeWorkload(workload)} (sidecar: ${enrolment.detail}; ${mtls.detail}${port === undefined ? "" : ` on port ${port}`})`,
                    );
                    break;
                }
            }
        }
    }
    const what = `${describePolicy(policy)} (${rule.path}): ${l7
        .flatMap((a) => a.l7)
        .filter((p, i, all) => all.indexOf(p) === i)
        .join("/")} rules on ${describePorts(l7) || "every port"}`;
    if (broken.length > 0) {
        return [
            violation(
                policy.source,
                `${what} select pods that are in the mesh: ${listShort(broken)}. Cilium's L7 proxy cannot read Istio's mTLS ` +
                    "(or ambient's HBONE tunnel), so requests to these pods through it fail (the client's sidecar answers 503). " +
                    "Fix: for sidecar pods add a PeerAuthentication with `mtls.mode: DISABLE` for them (namespace-wide or with a workload " +
                    "selector); for ambient pods remove the `istio.io/dataplane-mode` label or annotate them " +
                    "`ambient.istio.io/redirection: disabled`; or enforce L7 with Istio's AuthorizationPolicy instead.",
            ),
        ];
    }
    if (unsure.length > 0) {
        return [unchecked(policy.source, "whether the pods its L7 rules select are in the mesh", listShort(unsure))];
    }
    const unseen = model.unseenPodsReason(rule);
    const namespaceEnrolment =
        policy.namespace === undefined
            ? undefined
            : model.workloadsByNamespace.get(policy.namespace)?.find((w) => w.standIn)?.enrolment.mode;
    if (unseen && namespaceEnrolment !== "none") {
        return [unchecked(policy.source, "whether the pods its L7 rules select are in the mesh", unseen)];
    }
    return [];
}

export function evaluate(model: MeshModel, config: RootNamespaceConfig): Finding[] {
    if (model.istioBecause.length === 0) {
        return [];
    }
    const root = rootNamespaceOf(model, config).name;
    const findings: Finding[] = [];
    let hasL7 = false;
    for (const policy of model.policies) {
        if (policy.kind === "NetworkPolicy") {
            continue;
        }
        if (policy.unreadable) {
            findings.push(unchecked(policy.source, "whether the policy has L7 rules for mesh pods", policy.unreadable));
        }
        for (const rule of policy.rules) {
            if (rule.unreadableIngress) {
                findings.push(unchecked(policy.source, `the ingress rules of ${rule.path}`, rule.unreadableIngress));
            }
            hasL7 = hasL7 || rule.ingress.some((allow) => allow.l7.length > 0);
            findings.push(...judgeRule(model, rule, root));
        }
    }
    if (hasL7) {
        // A pod or PeerAuthentication whose namespace is unknown may be one an L7 rule's verdict depends on.
        for (const item of model.unplaced) {
            findings.push(
                unchecked(
                    item.source,
                    item.kind === "workload"
                        ? "whether a Cilium L7 policy selects this pod in the mesh"
                        : "the mTLS mode this PeerAuthentication gives pods under Cilium L7 policies",
                    item.detail,
                ),
            );
        }
    }
    return findings;
}

export const ciliumL7PolicyVsIstioMtls = stackRule<RootNamespaceConfig>({
    name: "cilium-l7-policy-vs-istio-mtls",
    level: "mandatory",
    description:
        "A Cilium policy with HTTP (L7) rules must not select pods whose traffic Istio encrypts (sidecar mTLS not DISABLE, or ambient).",
    trigger:
        "a Cilium policy with HTTP (or Kafka, l7proto) rules selects mesh pods: sidecar pods whose effective PeerAuthentication (workload selector, then namespace, then mesh-wide in the root namespace; default PERMISSIVE) is not DISABLE, or ambient pods without `ambient.istio.io/redirection: disabled`",
    breaks: "Cilium's L7 proxy cannot read mTLS or ambient's HBONE tunnel; requests fail (the client sidecar answers 503)",
    fix: "PeerAuthentication `mtls.mode: DISABLE` for those sidecar pods; ambient pods out of ambient or annotated; or use Istio's L7 policy",
    sources: [
        "cilium/cilium#31525",
        "https://docs.cilium.io/en/stable/network/servicemesh/istio/",
        "cilium/cilium examples/kubernetes-istio@1.15.3",
        "docs/failure-modes.md#f6",
        "docs/cilium-istio-facts.md#cilium-istio-docs",
        "docs/cilium-istio-facts.md#demo",
    ],
    configSchema: ROOT_NAMESPACE_SCHEMA,
    evaluate,
});
