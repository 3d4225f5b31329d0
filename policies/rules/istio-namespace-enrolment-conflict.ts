/**
 * `istio-namespace-enrolment-conflict` (mandatory) — docs/failure-modes.md#f12, #f13.
 *
 * Evidence: docs/failure-modes.md#f13 — istioctl's IST0123 NamespaceMultipleInjectionLabels: a namespace should carry
 * one of `istio-injection`, `istio.io/rev`, `istio.io/dataplane-mode`. Labelled for sidecar injection and ambient at
 * once, its pods get a sidecar and ambient then skips them (pods with a sidecar are not ambient;
 * docs/cilium-istio-facts.md#ambient-prerequisites). With both `istio-injection` and `istio.io/rev`, `istio-injection`
 * wins and the revision is ignored (istio.io "Installing the Sidecar"). docs/failure-modes.md#f12 — istio-cni does not
 * set up redirection in the namespaces of its `excludeNamespaces` (default [kube-system] in the istio 1.30.3 cni chart,
 * chart-defaults/istio.json): injected pods there fail their istio-validation init container and are deleted by the
 * repair controller (istio/istio#34560), and ambient skips them.
 */
import { MeshModel } from "../model/mesh-model";
import { labelValue } from "../model/property-reader";
import { describeSource } from "../model/resources";
import { NamespaceInfo } from "../model/workloads";
import { Finding, stackRule, unchecked, violation } from "../kit/findings";

function judgeNamespace(model: MeshModel, namespace: NamespaceInfo): Finding[] {
    const source = namespace.declaredBy!;
    const injection = labelValue(namespace.labels, "istio-injection");
    const revision = labelValue(namespace.labels, "istio.io/rev");
    const mode = labelValue(namespace.labels, "istio.io/dataplane-mode");
    const unknown = [injection, revision, mode].find((read) => read.state === "unreadable");
    if (unknown && unknown.state === "unreadable") {
        return model.istioBecause.length > 0
            ? [
                  unchecked(
                      source,
                      `the Istio labels of namespace ${namespace.name}`,
                      `${unknown.path} ${unknown.reason}`,
                  ),
              ]
            : [];
    }
    const value = (read: typeof injection) => (read.state === "known" ? read.value : undefined);
    const sidecarLabel =
        value(injection) === "enabled"
            ? "istio-injection=enabled"
            : value(revision) !== undefined && value(injection) !== "disabled"
              ? `istio.io/rev=${value(revision)}`
              : undefined;
    const ambient = value(mode) === "ambient";
    const findings: Finding[] = [];
    if (sidecarLabel && ambient) {
        findings.push(
            violation(
                source,
                `Namespace ${namespace.name} is labelled for sidecar injection (${sidecarLabel}) and for ambient (istio.io/dataplane-mode=ambient) ` +
                    "at once (istioctl IST0123): its pods get sidecars and ambient then skips them, so the namespace is not in the mode " +
                    "either label asks for. Fix: keep one of the labels.",
            ),
        );
    }
    if (value(injection) !== undefined && value(revision) !== undefined) {
        findings.push(
            violation(
                source,
                `Namespace ${namespace.name} carries both istio-injection=${value(injection)} and istio.io/rev=${value(revision)} (istioctl IST0123): ` +
                    "istio-injection takes precedence and the revision label is ignored, so pods are not bound to the revision you named. " +
                    "Fix: remove one of the two labels.",
            ),
        );
    }
    const enrolledBy = sidecarLabel ?? (ambient ? "istio.io/dataplane-mode=ambient" : undefined);
    if (enrolledBy) {
        for (const exclusion of model.istio.cniExclusions) {
            const cni = describeSource(exclusion.chart.helm.source);
            if (exclusion.namespaces.state === "unreadable") {
                findings.push(
                    unchecked(
                        source,
                        `whether istio-cni (${cni}) excludes namespace ${namespace.name}`,
                        exclusion.detail,
                    ),
                );
            } else if (exclusion.namespaces.state === "known" && exclusion.namespaces.value.includes(namespace.name)) {
                findings.push(
                    violation(
                        source,
                        `Namespace ${namespace.name} is enrolled in the mesh (${enrolledBy}) but istio-cni excludes it (excludeNamespaces of ${cni}, ` +
                            `${exclusion.detail}): istio-cni sets up no redirection for its pods, so injected pods fail their istio-validation init ` +
                            "container and are deleted by the repair controller, and ambient does not capture them. " +
                            "Fix: remove the namespace from the cni chart's `excludeNamespaces`, or do not enrol it.",
                    ),
                );
            }
        }
    }
    return findings;
}

export function evaluate(model: MeshModel): Finding[] {
    return [...model.namespaces.values()]
        .filter((n) => n.declaredBy)
        .flatMap((namespace) => judgeNamespace(model, namespace));
}

export const istioNamespaceEnrolmentConflict = stackRule({
    name: "istio-namespace-enrolment-conflict",
    level: "mandatory",
    description:
        "A namespace must be enrolled in one Istio mode through one label, and not in a namespace istio-cni excludes.",
    trigger:
        "a namespace is labelled for sidecar injection (`istio-injection=enabled` or `istio.io/rev`) and ambient at once, or carries both `istio-injection` and `istio.io/rev`, or is enrolled while istio-cni's effective `excludeNamespaces` lists it",
    breaks: "pods get sidecars and ambient skips them; the revision label is ignored; istio-cni sets up no redirection (injected pods are deleted by the repair controller)",
    fix: "one label per namespace; take it out of `excludeNamespaces`",
    sources: [
        "istio/istio pkg/config/analysis/msg/messages.yaml (IST0123)",
        "istio/istio#34560",
        "docs/failure-modes.md#f12",
        "docs/failure-modes.md#f13",
    ],
    evaluate,
});
