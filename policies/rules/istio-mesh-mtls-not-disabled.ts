/**
 * `istio-mesh-mtls-not-disabled` (mandatory; its namespace/workload findings advisory).
 *
 * Evidence: docs/cilium-istio-facts.md#cilium-istio-docs — Cilium's Istio docs ask for `mtls.mode: DISABLE` only for
 * the workloads a Cilium HTTP policy must read ("disable Istio mTLS for those workloads"), and say that with Istio's
 * own L7 policy disabling mTLS is not required. A DISABLE in the root namespace without selector applies mesh-wide
 * (istio.io reference "PeerAuthentication"), turning mTLS off everywhere: rejected. A namespace or workload DISABLE
 * that no Cilium L7 policy on the same pods justifies leaves traffic in plain text for no reason: reported as an
 * advisory. The pods a PeerAuthentication covers are its namespace's workloads (and "any pod of
 * the namespace"), or those its selector matches.
 */
import { whyNotRead } from "../model/property-reader";
import { lookupIn, matches } from "../model/label-selectors";
import { MeshModel } from "../model/mesh-model";
import { PeerAuthenticationInfo, describePeerAuthentication } from "../model/peer-authentication";
import { Workload } from "../model/workloads";
import { Finding, advisory, stackRule, unchecked, violation } from "../kit/findings";
import { ROOT_NAMESPACE_SCHEMA, RootNamespaceConfig, rootNamespaceOf } from "../kit/root-namespace";

function covers(policy: PeerAuthenticationInfo, workload: Workload): boolean | "unchecked" {
    if (workload.namespace !== policy.namespace) {
        return false;
    }
    if (!policy.selector) {
        return true;
    }
    if (workload.standIn) {
        return false;
    }
    return policy.selector.state === "known"
        ? matches(policy.selector.value, lookupIn(workload.podLabels))
        : "unchecked";
}

function justifiedByCiliumL7(model: MeshModel, workload: Workload): boolean {
    return model
        .rulesSelecting(workload)
        .some(
            (selection) =>
                selection.match === true &&
                selection.rule.policy.kind !== "NetworkPolicy" &&
                selection.rule.ingress.some((allow) => allow.l7.length > 0),
        );
}

export function evaluate(model: MeshModel, config: RootNamespaceConfig): Finding[] {
    const root = rootNamespaceOf(model, config);
    const findings: Finding[] = model.unplaced
        .filter((item) => item.kind === "peer-authentication")
        .map((item) => unchecked(item.source, "whether it disables mTLS mesh-wide", item.detail));
    for (const policy of model.peerAuthentications.all) {
        if (policy.mode.state === "unreadable" || policy.portModes.state === "unreadable") {
            const read = policy.mode.state === "unreadable" ? policy.mode : policy.portModes;
            findings.push(unchecked(policy.source, "whether it disables mTLS", whyNotRead(read, "")));
            continue;
        }
        const modeDisable = policy.mode.state === "known" && policy.mode.value === "DISABLE";
        const portDisable =
            policy.portModes.state === "known" && [...policy.portModes.value.values()].includes("DISABLE");
        if (!modeDisable && !portDisable) {
            continue;
        }
        if (policy.namespace === root.name) {
            // In the root namespace only a policy without selector counts; one with a selector is ignored by Istio.
            if (!policy.selector && modeDisable) {
                findings.push(
                    violation(
                        policy.source,
                        `${describePeerAuthentication(policy)} sets \`mtls.mode: DISABLE\` in Istio's root namespace ${root.name} (${root.detail}), ` +
                            "which turns mTLS off for every workload in the mesh. Only the pods a Cilium HTTP policy must read need plain text. " +
                            "Fix: keep the mesh-wide mode STRICT or PERMISSIVE, and disable mTLS in a namespace or workload PeerAuthentication " +
                            "for those pods only.",
                    ),
                );
            }
            continue;
        }
        const covered = (model.workloadsByNamespace.get(policy.namespace) ?? []).filter(
            (w) => covers(policy, w) !== false,
        );
        if (covered.some((w) => covers(policy, w) === true && justifiedByCiliumL7(model, w))) {
            continue;
        }
        if (covered.some((w) => covers(policy, w) === "unchecked")) {
            findings.push(unchecked(policy.source, "which pods its DISABLE covers", "its selector is unknown"));
            continue;
        }
        const scope = policy.selector ? "the pods its selector matches" : `namespace ${policy.namespace}`;
        findings.push(
            advisory(
                policy.source,
                `${describePeerAuthentication(policy)} disables mTLS (${modeDisable ? "mtls.mode" : "portLevelMtls"}: DISABLE) for ${scope}, ` +
                    "but no Cilium L7 policy selects those pods, the one reason to do so with Cilium: their traffic is plain text for nothing. " +
                    "Fix: remove it, or narrow it with a selector to the pods a Cilium HTTP policy selects.",
            ),
        );
    }
    return findings;
}

export const istioMeshMtlsNotDisabled = stackRule<RootNamespaceConfig>({
    name: "istio-mesh-mtls-not-disabled",
    level: "mandatory",
    description:
        "Istio mTLS must not be disabled mesh-wide; a namespace or workload DISABLE should serve a Cilium L7 policy.",
    trigger:
        "a PeerAuthentication without selector sets `mtls.mode: DISABLE` in Istio's root namespace (mesh-wide). A namespace or workload DISABLE that no Cilium L7 policy on the same pods justifies is reported as advisory",
    breaks: "mTLS off for the whole mesh; Cilium only needs plain text for the pods its HTTP rules read",
    fix: "mesh-wide STRICT or PERMISSIVE; DISABLE only for the pods a Cilium HTTP policy selects",
    sources: [
        "https://docs.cilium.io/en/stable/network/servicemesh/istio/",
        "https://istio.io/latest/docs/reference/config/security/peer_authentication/",
        "docs/cilium-istio-facts.md#cilium-istio-docs",
    ],
    configSchema: ROOT_NAMESPACE_SCHEMA,
    evaluate,
});
