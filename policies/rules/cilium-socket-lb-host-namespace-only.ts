/**
 * `cilium-socket-lb-host-namespace-only` (mandatory) — docs/failure-modes.md#f1.
 *
 * Evidence: Cilium's socket load balancer (on with kube-proxy replacement, or `socketLB.enabled`)
 * rewrites a Service address to a backend pod's address at connect() inside the pod's namespace, so the sidecar or
 * ztunnel never sees the Service and Istio's mTLS, routing and telemetry are bypassed (cilium/cilium#17276,
 * istio/istio#27619, istio/istio#35531). Cilium's "Integration with Istio" docs require `bpf-lb-sock-hostns-only=true`
 * (`socketLB.hostNamespaceOnly`) whenever Istio runs, with no condition
 * (docs/cilium-istio-facts.md#cilium-istio-docs-1-15, #cilium-istio-docs). The chart leaves the key unset and the
 * agent's default is false (docs/failure-modes.md#socket-lb-hostns-default: istioctl's code comment claiming otherwise
 * is wrong).
 */
import { MeshModel } from "../model/mesh-model";
import { Finding, stackRule } from "../kit/findings";
import { requireCiliumSetting } from "../kit/required-cilium-setting";

export function evaluate(model: MeshModel): Finding[] {
    return requireCiliumSetting(model, {
        because: model.istioBecause,
        setting: "socketLbHostNamespaceOnly",
        required: true,
        label: "`socketLB.hostNamespaceOnly` (cilium-config `bpf-lb-sock-hostns-only`)",
        trigger: (reason) => `the stack runs Istio (${reason})`,
        uncheckedWhy: (trigger) => `it must be true because ${trigger}`,
        consequenceAndFix:
            "Cilium's socket load balancer then rewrites Service addresses to pod addresses inside the pods, so traffic " +
            "bypasses the sidecar/ztunnel redirection and loses Istio's mTLS, routing and telemetry. " +
            'Fix: set `socketLB.hostNamespaceOnly: true` (cilium-config `bpf-lb-sock-hostns-only: "true"`).',
    });
}

export const ciliumSocketLbHostNamespaceOnly = stackRule({
    name: "cilium-socket-lb-host-namespace-only",
    level: "mandatory",
    description:
        "With Istio, Cilium's socket load balancing must stay in the host namespace (socketLB.hostNamespaceOnly: true).",
    trigger:
        "the stack runs Istio and Cilium's effective `socketLB.hostNamespaceOnly` / `bpf-lb-sock-hostns-only` is not true",
    breaks: "Cilium's socket load balancer rewrites Service addresses to pod addresses inside the pod, so traffic skips the sidecar/ztunnel: no mTLS, no Istio routing or telemetry",
    fix: "`socketLB.hostNamespaceOnly: true`",
    sources: [
        "cilium/cilium#17276",
        "istio/istio#27619",
        "https://docs.cilium.io/en/stable/network/servicemesh/istio/",
        "https://docs.cilium.io/en/stable/network/kubernetes/kubeproxy-free/",
        "docs/failure-modes.md#f1",
        "docs/cilium-istio-facts.md#cilium-istio-docs",
    ],
    evaluate,
});
