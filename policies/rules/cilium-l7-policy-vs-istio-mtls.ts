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
    for (const { l7Ports: allow } of allows) {
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
    const sidecarPods: string[] = [];
    const ambientPods: string[] = [];
    const unsure: string[] = [];
    for (const selection of model.selectedBy(rule)) {
        const workload = selection.workload;
        const enrolment = workload.enrolment;
        if (selection.match === "unchecked" || enrolment.mode === "unchecked") {
            unsure.push(
                `${describeWorkload(workload)}: ${selection.match === "unchecked" ? "whether the rule selects it is unknown" : enrolment.detail}`,
            );
        } else if (enrolment.mode === "ambient" && !enrolment.redirectionDisabled) {
            ambientPods.push(`${describeWorkload(workload)} (ambient: ${enrolment.detail})`);
        } else if (enrolment.mode === "sidecar") {
            for (const port of l7Ports(l7)) {
                const mtls = model.effectiveMtls(workload, port, rootNamespace);
                if (mtls.mode === undefined) {
                    unsure.push(`${describeWorkload(workload)}: ${mtls.detail}`);
                    break;
                }
                if (mtls.mode !== "DISABLE") {
                    sidecarPods.push(
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
        .join("/")} rules on ${describePorts(l7.map((a) => a.l7Ports)) || "every port"}`;
    const findings: Finding[] = [];
    // What breaks differs by data plane, and each sentence agrees with the connectivity predictor: a sidecar client's
    // mTLS reaches Cilium's proxy, which fails it (503 from the client's sidecar); ambient clients' requests travel in
    // ztunnel's HBONE tunnel to port 15008, where these rules are not, so they bypass them (or are dropped where 15008
    // is not admitted) — no sidecar answers anything (docs/cilium-istio-facts.md#demo).
    if (sidecarPods.length > 0) {
        findings.push(
            violation(
                policy.source,
                `${what} select sidecar pods whose traffic is mTLS: ${listShort(sidecarPods)}. Cilium's L7 proxy cannot ` +
                    "read Istio's mTLS, so requests from meshed clients to these pods fail (the client's sidecar answers 503). " +
                    "Fix: add a PeerAuthentication with `mtls.mode: DISABLE` for them (namespace-wide or with a workload " +
                    "selector), or enforce L7 with Istio's AuthorizationPolicy instead.",
            ),
        );
    }
    if (ambientPods.length > 0) {
        findings.push(
            violation(
                policy.source,
                `${what} select ambient pods: ${listShort(ambientPods)}. Requests from ambient clients arrive in ztunnel's ` +
                    "HBONE tunnel on port 15008, which Cilium's L7 proxy cannot read, so these rules never judge them: " +
                    "where 15008 is admitted they bypass the rules (what the rules deny gets through), where it is not " +
                    "they are dropped. Fix: take the pods out of ambient (remove the `istio.io/dataplane-mode` label) or " +
                    "annotate them `ambient.istio.io/redirection: disabled`, or enforce L7 with Istio's " +
                    "AuthorizationPolicy on a waypoint instead.",
            ),
        );
    }
    if (findings.length > 0) {
        return findings;
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
    breaks: "Cilium's L7 proxy cannot read mTLS or ambient's HBONE tunnel: sidecar clients' requests fail (their sidecar answers 503); ambient clients' requests arrive on 15008 and bypass the HTTP rules (or are dropped where 15008 is not admitted)",
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
