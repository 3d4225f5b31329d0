/**
 * `cilium-istio-l7-split-brain` (advisory) — docs/mesh-policy.md#l7-split-brain.
 *
 * Evidence: Cilium's Istio integration page: "Either Cilium or Istio L7 HTTP policy controls can be used, but it is not
 * recommended to use **both** Cilium and Istio L7 HTTP policy controls at the same time, to avoid split-brain
 * problems" (docs.cilium.io/en/stable/network/servicemesh/istio/). A workload selected by a Cilium rule with HTTP rules
 * (`toPorts[].rules.http`) and by an Istio AuthorizationPolicy with HTTP conditions (`to.operation` methods, paths,
 * hosts) has two HTTP policies, each blind to the other's view: where Istio encrypts, Cilium's cannot read the
 * requests at all (cilium-l7-policy-vs-istio-mtls). AuthorizationPolicies bound by `targetRefs` are not followed.
 */
import { whyNotRead } from "../model/property-reader";
import { describeAuthorizationPolicy } from "../model/authorization-policies";
import { MeshModel } from "../model/mesh-model";
import { describePolicy } from "../model/network-policies";
import { SourceRef } from "../model/resources";
import { Workload, describeWorkload } from "../model/workloads";
import { Finding, advisory, listShort, stackRule, unchecked } from "../kit/findings";

export function evaluate(model: MeshModel): Finding[] {
    const httpPolicies = model.authorizationPolicies.filter((p) => !p.targeted);
    if (httpPolicies.length === 0) {
        return [];
    }
    const findings: Finding[] = [];
    const istioHttp = new Map<Workload, { names: string[]; source: SourceRef }>();
    const root = model.istio.rootNamespace;
    for (const policy of httpPolicies) {
        if (policy.httpConditions.state === "unreadable" || policy.namespace.state === "unreadable") {
            const read = policy.httpConditions.state === "unreadable" ? policy.httpConditions : policy.namespace;
            findings.push(
                unchecked(policy.source, "whether its rules hold HTTP conditions, and where", whyNotRead(read, "")),
            );
            continue;
        }
        if (policy.httpConditions.state !== "known" || policy.httpConditions.value.length === 0) {
            continue;
        }
        const namespace = policy.namespace.state === "known" ? policy.namespace.value : undefined;
        // In the root namespace a policy applies to every namespace (istio.io, AuthorizationPolicy).
        const selected = model.selectPods({
            namespace: namespace === root ? undefined : namespace,
            selector: policy.selector,
            dialect: "kubernetes",
        });
        for (const { workload } of selected) {
            if (!workload.standIn) {
                const entry = istioHttp.get(workload) ?? { names: [], source: workload.source ?? policy.source };
                entry.names.push(`${describeAuthorizationPolicy(policy)} (${policy.httpConditions.value.join(", ")})`);
                istioHttp.set(workload, entry);
            }
        }
    }
    for (const [workload, istio] of istioHttp) {
        const cilium = model
            .rulesSelecting(workload)
            .filter((s) => s.match === true && s.rule.ingress.some((allow) => allow.l7.includes("http")))
            .map((s) => `${describePolicy(s.rule.policy)} (${s.rule.path})`);
        if (cilium.length === 0) {
            continue;
        }
        findings.push(
            advisory(
                istio.source,
                `${describeWorkload(workload)} is under two L7 HTTP policies: Cilium's ${listShort(cilium)} and Istio's ` +
                    `${listShort(istio.names)}. Cilium's Istio docs advise one or the other "to avoid split-brain problems": ` +
                    "each judges requests the other cannot see, and where Istio encrypts, Cilium's HTTP rules cannot read them. " +
                    "Fix: keep HTTP policy in one place — Istio's AuthorizationPolicy, or Cilium's rules with Istio mTLS off for " +
                    "the workload (sidecar: PeerAuthentication DISABLE) or the workload out of ambient.",
            ),
        );
    }
    return findings;
}

export const ciliumIstioL7SplitBrain = stackRule({
    name: "cilium-istio-l7-split-brain",
    level: "advisory",
    description: "Use Cilium's or Istio's L7 HTTP policy on a workload, not both.",
    trigger:
        "a workload is selected by a Cilium rule with HTTP rules (`toPorts[].rules.http`) and by an Istio AuthorizationPolicy with HTTP conditions (`to.operation` methods, paths or hosts)",
    breaks: "two HTTP policies judge the workload's requests with different views of them (split brain); Cilium's cannot read Istio-encrypted requests",
    fix: "HTTP policy in one place: Istio's AuthorizationPolicy, or Cilium's rules with Istio mTLS off for the workload (or the workload out of ambient)",
    sources: ["https://docs.cilium.io/en/stable/network/servicemesh/istio/", "docs/mesh-policy.md#l7-split-brain"],
    evaluate,
});
