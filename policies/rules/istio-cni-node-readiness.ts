/**
 * `istio-cni-node-readiness` (mandatory; advisory findings in ambient-only stacks) — docs/istio-install.md#cni-node-readiness.
 *
 * Evidence: a pod scheduled on a node before istio-cni is ready there starts without traffic redirection
 * (istio/istio#11037, istio/istio#14327, istio/istio#40008, istio/istio#40303). Upstream's fix: nodes start tainted
 * `cni.istio.io/not-ready`, which istio-cni, ztunnel and istiod tolerate, and istiod's untaint controller removes it
 * once istio-cni is ready (istiod values `taint.enabled`, `taint.namespace`, `taint.name`; the controller variable
 * too before Istio 1.30; docs/istio-install.md#untaint-controller).
 *
 * Level per mode (docs/istio-install.md#cni-node-readiness): in sidecar mode istio-cni's `istio-validation` init
 * container fails such pods (or, with repair off, they run unredirected: policy bypass, istio/istio#51176): a
 * violation. In ambient mode the pod runs outside ztunnel until the agent enrols it: an advisory.
 *
 * Once nodes carry the taint, it must come off: an istiod whose untaint controller is off leaves every node tainted,
 * and Cilium's operator (1.18+ charts do not tolerate every taint) must tolerate it, or in eni/overlay no pod gets an
 * address and istio-cni never turns ready (docs/cilium-datapath.md#operator-tolerations): violations either way.
 * Judged on every node pool the stack shows: EKS managed and self-managed node groups, Karpenter NodePools
 * (`startupTaints`).
 */
import { describeInstall } from "../model/cilium-settings";
import { describeTaintKeys } from "../model/eks";
import { untaintController } from "../model/istio-chart-values";
import { ISTIO_CNI_NOT_READY_TAINT_KEY, toleratesIstioCniTaint } from "../model/istio-node-placement";
import { MeshModel } from "../model/mesh-model";
import { helmValue } from "../model/helm-sources";
import { describeSource } from "../model/resources";
import { Finding, advisory, listShort, stackRule, unchecked, violation } from "../kit/findings";

/** The taint istiod removes: `taint.name` of its chart (1.30+), else Istio's default. */
function taintKey(model: MeshModel): string {
    for (const chart of model.istio.charts.filter((c) => c.chart === "istiod")) {
        const name = helmValue(chart.helm, "taint.name");
        if (name.state === "known" && typeof name.value === "string" && name.value !== "") {
            return name.value;
        }
    }
    return ISTIO_CNI_NOT_READY_TAINT_KEY;
}

export function evaluate(model: MeshModel): Finding[] {
    if (model.istioCniBecause.length === 0 || model.eks.nodeGroups.length === 0) {
        return [];
    }
    const key = taintKey(model);
    const sidecar = model.sidecarInjectionBecause.length > 0;
    const findings: Finding[] = [];
    const tainted = [];
    for (const group of model.eks.nodeGroups) {
        if (group.taintKeys.state === "unreadable") {
            findings.push(
                unchecked(group.source, "the node pool's taints", `${group.taintKeys.path} ${group.taintKeys.reason}`),
            );
            continue;
        }
        const keys = group.taintKeys.state === "known" ? group.taintKeys.value : [];
        if (keys.includes(key)) {
            tainted.push(group);
            continue;
        }
        const what =
            `${group.label} (${describeSource(group.source)}) has ${describeTaintKeys(keys)} but not ${key}, while istio-cni runs ` +
            `(${listShort(model.istioCniBecause, 1)}). Pods scheduled on a new node before istio-cni is ready there start ` +
            "without Istio's traffic redirection";
        const fix =
            ` Fix: taint the node pool ${key}=true:NoSchedule and let istiod remove it (istiod \`taint.enabled: true\`; ` +
            'before Istio 1.30 also `env.PILOT_ENABLE_NODE_UNTAINT_CONTROLLERS: "true"`).';
        findings.push(
            sidecar
                ? violation(
                      group.source,
                      `${what}: with sidecar injection (${listShort(model.sidecarInjectionBecause, 1)}) their istio-validation ` +
                          "init container fails and they restart, Jobs fail, or with repair off they run unredirected " +
                          `(istio/istio#14327, istio/istio#40008).${fix}`,
                  )
                : advisory(
                      group.source,
                      `${what}: in ambient mode they run outside ztunnel (no mTLS, no AuthorizationPolicy) until istio-cni ` +
                          `enrols them (istio/istio#40303).${fix}`,
                  ),
        );
    }
    if (tainted.length > 0) {
        findings.push(...liftedFindings(model, key, tainted[0].source, tainted[0].label));
    }
    return findings;
}

/** The taint must come off: istiod's controller runs, and Cilium's operator can be scheduled meanwhile. */
function liftedFindings(
    model: MeshModel,
    key: string,
    source: (typeof model.eks.nodeGroups)[number]["source"],
    label: string,
): Finding[] {
    const findings: Finding[] = [];
    const istiods = model.istio.charts.filter((c) => c.chart === "istiod");
    const controllers = istiods.map(untaintController);
    if (istiods.length === 0) {
        findings.push(
            unchecked(
                source,
                `what removes ${key} from ${label}`,
                "the stack shows no istiod chart whose untaint controller could be read",
            ),
        );
    } else if (!controllers.some((c) => c.on !== false)) {
        findings.push(
            violation(
                source,
                `${label} (${describeSource(source)}) is tainted ${key}, but no istiod removes it: ` +
                    `${controllers.map((c) => `${describeSource(c.chart.helm.source)}: ${c.detail}`).join("; ")}. ` +
                    "Every node keeps the taint and only pods that tolerate it are scheduled. Fix: istiod `taint.enabled: true` " +
                    '(before Istio 1.30 also `env.PILOT_ENABLE_NODE_UNTAINT_CONTROLLERS: "true"`).',
            ),
        );
    } else if (!controllers.some((c) => c.on === true)) {
        for (const controller of controllers.filter((c) => c.on === undefined)) {
            findings.push(
                unchecked(controller.chart.helm.source, "whether istiod's untaint controller runs", controller.detail),
            );
        }
    }
    for (const install of model.cilium) {
        const chaining = install.settings.chainingMode.value;
        const tolerations = install.settings.operatorTolerations;
        if ((chaining !== undefined && chaining !== "none") || install.helm === undefined) {
            continue;
        }
        if (tolerations.value === undefined) {
            findings.push(unchecked(install.source, "`operator.tolerations`", tolerations.detail));
        } else if (!toleratesIstioCniTaint(tolerations.value, key)) {
            findings.push(
                violation(
                    install.source,
                    `${describeInstall(install)}: Cilium's operator does not tolerate ${key} (operator.tolerations ` +
                        `${tolerations.detail}), which ${label} carries until istio-cni is ready; but istio-cni needs a pod ` +
                        "address, which in ENI and overlay mode the operator hands out: on a fresh node pool nothing becomes " +
                        `ready and the taint stays. Fix: add {key: ${key}, operator: Exists} to \`operator.tolerations\` ` +
                        "(docs/cilium-datapath.md#operator-tolerations).",
                ),
            );
        }
    }
    return findings;
}

export const istioCniNodeReadiness = stackRule({
    name: "istio-cni-node-readiness",
    level: "mandatory",
    description:
        "With istio-cni, node pools must be tainted cni.istio.io/not-ready until istio-cni is ready, and something must lift the taint.",
    trigger:
        "istio-cni runs and a node pool (EKS node group, Karpenter NodePool) lacks the `cni.istio.io/not-ready` taint (advisory when only ambient mode is used); or pools carry it but no istiod runs the untaint controller, or Cilium's operator does not tolerate it",
    breaks: "pods scheduled before istio-cni is ready start without redirection: sidecar pods fail istio-validation or bypass the sidecar, ambient pods run outside ztunnel until enrolled; a taint nobody lifts, or an operator that cannot run, keeps every node unusable",
    fix: "taint node pools `cni.istio.io/not-ready=true:NoSchedule`; istiod `taint.enabled: true` (and `PILOT_ENABLE_NODE_UNTAINT_CONTROLLERS` before 1.30); Cilium operator tolerating the taint",
    sources: [
        "istio/istio#11037",
        "istio/istio#14327",
        "istio/istio#40008",
        "istio/istio#40303",
        "istio/istio#51176",
        "istio/istio manifests/charts/istio-control/istio-discovery/values.yaml@1.30.3",
        "docs/istio-install.md#cni-node-readiness",
        "docs/istio-install.md#untaint-controller",
        "docs/cilium-datapath.md#operator-tolerations",
    ],
    evaluate,
});
