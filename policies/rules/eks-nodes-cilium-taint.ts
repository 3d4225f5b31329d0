/**
 * `eks-nodes-cilium-taint` (advisory) — docs/failure-modes.md#f9.
 *
 * Evidence: docs/failure-modes.md#f9 and docs/cilium-istio-facts.md#cilium-on-eks, #eks: Cilium's EKS requirements
 * taint node groups `node.cilium.io/agent-not-ready=true:NoExecute` "to ensure application pods will only be scheduled
 * once Cilium is ready to manage them"; Cilium's operator removes the taint (`agentNotReadyTaintKey`, read per chart
 * version). Pods scheduled earlier run without Cilium's networking until restarted, and — with Istio — may also miss
 * istio-cni's redirection (docs/failure-modes.md#f17).
 */
import { describeTaintKeys } from "../model/eks";
import { MeshModel } from "../model/mesh-model";
import { describeSource } from "../model/resources";
import { Finding, stackRule, unchecked, violation } from "../kit/findings";

export function evaluate(model: MeshModel): Finding[] {
    if (model.cilium.length === 0) {
        return [];
    }
    const keys = new Set(
        model.cilium.map((install) => install.settings.agentNotReadyTaintKey.value).filter((k): k is string => !!k),
    );
    if (keys.size === 0) {
        return model.cilium.map((install) =>
            unchecked(install.source, "`agentNotReadyTaintKey`", install.settings.agentNotReadyTaintKey.detail),
        );
    }
    const findings: Finding[] = [];
    for (const group of model.eks.nodeGroups) {
        if (group.taintKeys.state === "unreadable") {
            findings.push(
                unchecked(group.source, "the node group's taints", `${group.taintKeys.path} ${group.taintKeys.reason}`),
            );
            continue;
        }
        const taints = group.taintKeys.state === "known" ? group.taintKeys.value : [];
        const missing = [...keys].filter((key) => !taints.includes(key));
        if (missing.length === 0) {
            continue;
        }
        findings.push(
            violation(
                group.source,
                `${group.label} (${describeSource(group.source)}) has ${describeTaintKeys(taints)} but not ${missing.join(", ")}, the taint ` +
                    "Cilium's operator removes once the agent is ready on a node. Without it pods are scheduled before Cilium manages the " +
                    "node and run without Cilium's networking (and Istio's redirection) until restarted. " +
                    `Fix: taint the node group ${missing[0]}=true:NoExecute.`,
            ),
        );
    }
    return findings;
}

export const eksNodesCiliumTaint = stackRule({
    name: "eks-nodes-cilium-taint",
    level: "advisory",
    description: "Node groups of a cluster whose CNI is Cilium should carry the node.cilium.io/agent-not-ready taint.",
    trigger:
        "node groups of a stack whose CNI is Cilium lack Cilium's `agentNotReadyTaintKey` taint (default `node.cilium.io/agent-not-ready`)",
    breaks: "pods scheduled before Cilium is ready run without its networking (and Istio's redirection) until restarted",
    fix: "taint the node groups `node.cilium.io/agent-not-ready=true:NoExecute`",
    sources: [
        "cilium/cilium Documentation/installation/requirements-eks.rst",
        "docs/failure-modes.md#f9",
        "docs/failure-modes.md#f17",
        "docs/cilium-istio-facts.md#cilium-on-eks",
    ],
    evaluate,
});
