/**
 * The istiod and istio-cni chart values that decide how Istio sits on the nodes: istiod's node untaint controller,
 * istiod's replicas and rollout, and whether istio-cni's agent runs on the host network. Read from the charts' values
 * (Releases and Chart inputs) as each Istio version's templates resolve them (docs/istio-install.md).
 *
 * Layout: 1.22/1.23 charts read istiod's values under `pilot.` and istio-cni's under `cni.`; from 1.24 at the top
 * level, where a legacy `pilot.<key>` / `cni.<key>` is still copied over the top-level one
 * (templates/zzy_descope_legacy.yaml), so the legacy spelling wins when both are set.
 */
import { describeChartVersion, istioDefault } from "./chart-defaults";
import { helmValue } from "./helm-sources";
import { IstioChart } from "./istio-install";
import { UNTAINT_CONTROLLER_ENV } from "./istio-node-placement";
import { Read, known } from "./property-reader";

/** Major and minor of the chart version asked for; the newest carried when unpinned; undefined when unknown. */
function minorOf(chart: IstioChart): { major: number; minor: number } | undefined {
    if (chart.version.unreadableReason) {
        return undefined;
    }
    const match = /(\d+)\.(\d+)/.exec(chart.version.requested ?? chart.version.carried);
    return match ? { major: Number(match[1]), minor: Number(match[2]) } : undefined;
}

function atLeast(chart: IstioChart, minor: number): boolean | undefined {
    const version = minorOf(chart);
    return version === undefined ? undefined : version.major > 1 || (version.major === 1 && version.minor >= minor);
}

/** A chart value with the legacy prefix winning over the top-level key (1.24+), or only the legacy one (before). */
function chartValue(chart: IstioChart, key: string): Read<unknown> {
    const prefix = chart.chart === "cni" ? "cni" : "pilot";
    const legacy = helmValue(chart.helm, `${prefix}.${key}`);
    return legacy.state !== "absent" || atLeast(chart, 24) === false ? legacy : helmValue(chart.helm, key);
}

/** The value, else istiod's documented default (the same from 1.22 to 1.30: docs/istio-install.md#istiod-host-ports). */
function withDefault(chart: IstioChart, key: string): Read<unknown> {
    const read = chartValue(chart, key);
    return read.state === "absent" ? known(istioDefault(chart.version, chart.chart, key).value) : read;
}

const truthy = (value: unknown) => value === true || value === "true";

/** Whether an istiod chart runs the node untaint controller (docs/istio-install.md#untaint-controller). */
export interface UntaintController {
    readonly chart: IstioChart;
    readonly on: boolean | undefined;
    readonly detail: string;
}

export function untaintController(chart: IstioChart): UntaintController {
    const where = describeChartVersion("istio istiod", chart.version);
    const enabled = chartValue(chart, "taint.enabled");
    if (enabled.state === "unreadable") {
        return { chart, on: undefined, detail: `taint.enabled: ${enabled.path} ${enabled.reason}` };
    }
    if (enabled.state === "absent" || !truthy(enabled.value)) {
        return {
            chart,
            on: false,
            detail: `taint.enabled is ${enabled.state === "absent" ? "left unset (default false)" : JSON.stringify(enabled.value)} on the ${where}`,
        };
    }
    const from130 = atLeast(chart, 30);
    if (from130 === undefined) {
        return { chart, on: undefined, detail: `the ${where}: whether taint.enabled also starts the controller` };
    }
    if (from130) {
        return { chart, on: true, detail: `taint.enabled is true on the ${where}` };
    }
    const variable = chartValue(chart, `env.${UNTAINT_CONTROLLER_ENV}`);
    if (variable.state === "unreadable") {
        return { chart, on: undefined, detail: `env.${UNTAINT_CONTROLLER_ENV}: ${variable.path} ${variable.reason}` };
    }
    return truthy(variable.state === "known" ? variable.value : undefined)
        ? { chart, on: true, detail: `taint.enabled and env.${UNTAINT_CONTROLLER_ENV} are set on the ${where}` }
        : {
              chart,
              on: false,
              detail: `taint.enabled is true but env.${UNTAINT_CONTROLLER_ENV} is not "true" on the ${where}, and before Istio 1.30 taint.enabled does not start the controller`,
          };
}

/** istiod's replica bounds and rollout values as the chart resolves them. */
export interface IstiodScaling {
    readonly chart: IstioChart;
    /** Fewest and most replicas: autoscaleMin/autoscaleMax with autoscaling, replicaCount without. */
    readonly fewest: Read<unknown>;
    readonly most: Read<unknown>;
    /** The value that bounds the most: "autoscaleMax" or "replicaCount". */
    readonly mostKey: string;
    readonly rollingMaxUnavailable: Read<unknown>;
    readonly rollingMaxSurge: Read<unknown>;
}

export function istiodScaling(chart: IstioChart): IstiodScaling {
    const autoscale = withDefault(chart, "autoscaleEnabled");
    const fixed = autoscale.state === "known" && (autoscale.value === false || autoscale.value === "false");
    return {
        chart,
        fewest: withDefault(chart, fixed ? "replicaCount" : "autoscaleMin"),
        most: withDefault(chart, fixed ? "replicaCount" : "autoscaleMax"),
        mostKey: fixed ? "replicaCount" : "autoscaleMax",
        rollingMaxUnavailable: withDefault(chart, "rollingMaxUnavailable"),
        rollingMaxSurge: withDefault(chart, "rollingMaxSurge"),
    };
}

/** Whether a cni chart puts istio-cni's agent on the host network (docs/istio-install.md#compatibility-version). */
export interface CniHostNetwork {
    readonly chart: IstioChart;
    readonly on: boolean | undefined;
    readonly detail: string;
}

/** In ambient mode: always before Istio 1.26; from 1.26 with shareHostNetworkNamespace, or a compatibilityVersion ≤ 1.25. */
export function cniHostNetwork(chart: IstioChart): CniHostNetwork {
    const where = describeChartVersion("istio cni", chart.version);
    const from126 = atLeast(chart, 26);
    if (from126 === undefined) {
        return { chart, on: undefined, detail: `the ${where}` };
    }
    if (!from126) {
        return { chart, on: true, detail: `the ${where} runs the agent on the host network in ambient mode` };
    }
    const share = chartValue(chart, "ambient.shareHostNetworkNamespace");
    if (share.state === "unreadable") {
        return { chart, on: undefined, detail: `ambient.shareHostNetworkNamespace: ${share.path} ${share.reason}` };
    }
    if (share.state === "known") {
        return {
            chart,
            on: truthy(share.value),
            detail: `ambient.shareHostNetworkNamespace is ${JSON.stringify(share.value)} on the ${where}`,
        };
    }
    const compatibility = helmValue(chart.helm, "compatibilityVersion");
    if (compatibility.state === "unreadable") {
        return { chart, on: undefined, detail: `compatibilityVersion: ${compatibility.path} ${compatibility.reason}` };
    }
    const text = compatibility.state === "known" ? String(compatibility.value) : "";
    const match = /^(\d+)\.(\d+)/.exec(text);
    if (match && Number(match[1]) === 1 && Number(match[2]) <= 25) {
        return {
            chart,
            on: true,
            detail: `compatibilityVersion ${text} on the ${where} sets ambient.shareHostNetworkNamespace: true`,
        };
    }
    return { chart, on: false, detail: `the ${where} keeps the agent off the host network` };
}
