/**
 * How Istio's pods sit on the nodes, in one place: the taint that keeps pods off a node until istio-cni is ready
 * there, the variable that starts istiod's untaint controller, and how a Deployment's maxUnavailable rounds (which
 * decides whether a host-network istiod can roll out). The pack's rules read them here and the components build their
 * values from them (components may import the pack's model; the pack imports no component). Self-contained, so that
 * the published components can carry it.
 */

/**
 * Istio's taint for nodes whose istio-cni agent is not ready yet; istiod's untaint controller removes it
 * (istio/istio pilot/pkg/features/pilot.go@1.30.3 `PILOT_NODE_UNTAINT_CONTROLLERS_TAINT_NAME`;
 * docs/istio-install.md#untaint-controller). Effect NoSchedule, as in Istio's own test of the controller.
 */
export const ISTIO_CNI_NOT_READY_TAINT_KEY = "cni.istio.io/not-ready";

/** The value the taint carries (Istio's test, and the Cluster component). */
export const ISTIO_CNI_NOT_READY_TAINT_VALUE = "true";

/**
 * Whether `tolerations` (as a pod spec or Helm values carry them) let a pod onto a node carrying the istio-cni taint
 * (`key`: the taint's name, which istiod's `taint.name` may change from the default; kubernetes.io, Taints and Tolerations: an empty key with `Exists` tolerates every taint; `Equal`, the default
 * operator, needs the value; no effect matches every effect).
 */
export function toleratesIstioCniTaint(tolerations: unknown, key: string = ISTIO_CNI_NOT_READY_TAINT_KEY): boolean {
    return (
        Array.isArray(tolerations) &&
        tolerations.some((item: unknown) => {
            if (typeof item !== "object" || item === null) {
                return false;
            }
            const t = item as { key?: unknown; operator?: unknown; value?: unknown; effect?: unknown };
            const everyKey = (t.key === undefined || t.key === "") && t.operator === "Exists";
            return (
                (everyKey || t.key === key) &&
                (t.operator === "Exists" || t.value === ISTIO_CNI_NOT_READY_TAINT_VALUE) &&
                (t.effect === undefined || t.effect === "" || t.effect === "NoSchedule")
            );
        })
    );
}

/**
 * The istiod variable that starts the node untaint controller: from Istio 1.30 the chart's `taint.enabled` sets it,
 * before that it must be set too (docs/istio-install.md#untaint-controller).
 */
export const UNTAINT_CONTROLLER_ENV = "PILOT_ENABLE_NODE_UNTAINT_CONTROLLERS";

/**
 * How many pods a Deployment may take down at once for `replicas`, from a maxUnavailable value: an integer, or a
 * percentage rounded down (kubernetes.io, Deployments, "Max Unavailable"). Undefined for anything else.
 */
export function unavailableAllowed(value: unknown, replicas: number): number | undefined {
    if (typeof value === "number" && Number.isInteger(value)) {
        return value;
    }
    const text = typeof value === "string" ? value.trim() : "";
    const percent = /^(\d+)%$/.exec(text);
    if (percent) {
        return Math.floor((Number(percent[1]) * replicas) / 100);
    }
    return /^\d+$/.test(text) ? Number(text) : undefined;
}
