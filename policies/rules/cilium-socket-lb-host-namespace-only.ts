/**
 * `cilium-socket-lb-host-namespace-only` (mandatory) — F1.
 *
 * Evidence: failure-modes.md F1. Cilium's socket load balancer (on with kube-proxy replacement, or `socketLB.enabled`)
 * rewrites a Service address to a backend pod's address at connect() inside the pod's namespace, so the sidecar or
 * ztunnel never sees the Service and Istio's mTLS, routing and telemetry are bypassed (cilium/cilium#17276,
 * istio/istio#27619, #35531). Cilium's "Integration with Istio" docs require `bpf-lb-sock-hostns-only=true`
 * (`socketLB.hostNamespaceOnly`) whenever Istio runs, with no condition (facts §2.1, §2.3). The chart leaves the key
 * unset and the agent's default is false (failure-modes §6.1: istioctl's code comment claiming otherwise is wrong).
 */
import { StackValidationPolicy } from "@pulumi/policy";
import { describeInstall, describeSetting } from "../model/cilium-settings";
import { MeshModel } from "../model/mesh-model";
import { Finding, listShort, stackRule, unchecked, violation } from "./findings";

export function evaluate(model: MeshModel): Finding[] {
    if (model.istioBecause.length === 0) {
        return [];
    }
    const istio = listShort(model.istioBecause, 1);
    const findings: Finding[] = [];
    for (const install of model.cilium) {
        const setting = install.settings.socketLbHostNamespaceOnly;
        if (setting.value === true) {
            continue;
        }
        if (setting.origin === "unchecked") {
            findings.push(unchecked(install.source, "`socketLB.hostNamespaceOnly` (cilium-config `bpf-lb-sock-hostns-only`)",
                `${setting.detail}; it must be true because the stack runs Istio (${istio})`));
            continue;
        }
        findings.push(violation(install.source,
            `${describeInstall(install)}: ${describeSetting(setting)}, and the stack runs Istio (${istio}). ` +
            "Cilium's socket load balancer then rewrites Service addresses to pod addresses inside the pods, so traffic " +
            "bypasses the sidecar/ztunnel redirection and loses Istio's mTLS, routing and telemetry. " +
            "Fix: set `socketLB.hostNamespaceOnly: true` (cilium-config `bpf-lb-sock-hostns-only: \"true\"`)."));
    }
    return findings;
}

export const ciliumSocketLbHostNamespaceOnly: StackValidationPolicy = stackRule({
    name: "cilium-socket-lb-host-namespace-only",
    description: "With Istio, Cilium's socket load balancing must stay in the host namespace (socketLB.hostNamespaceOnly: true).",
    enforcementLevel: "mandatory",
    evaluate,
});
