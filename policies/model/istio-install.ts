/**
 * Istio as a stack installs it: its Helm charts `base`, `istiod`, `cni`, `ztunnel`, `gateway` (Releases or Chart
 * inputs; docs/cilium-istio-facts.md#istio-charts), and what a rendered or hand-written install shows instead: the
 * `istiod` Deployment (or a DeploymentPatch of it, the way a stack puts istiod on the host network,
 * docs/failure-modes.md#f7), the `istio-cni-node` and `ztunnel` DaemonSets. Enrolment labels on namespaces and pods are
 * read in workloads.ts; mesh-model.ts joins both.
 *
 * Values (docs/cilium-istio-facts.md#istio-values-layout): from 1.24 the charts take their keys at the top level; the
 * older spellings under `pilot.` (istiod) and `cni.` (cni chart) still work, so both are read. `profile: ambient` on
 * istiod/cni, `ambient.enabled` on cni, or a ztunnel chart turn ambient on.
 */
import { ChartVersion, describeChartVersion, istioChartVersion, istioDefault } from "./chart-defaults";
import { HelmSource, helmValue, readHelmSource } from "./helm-sources";
import { Read, guarded, known, readBoolean, readString, unreadable } from "./property-reader";
import { SourceRef, StackResource, describeSource, isKubernetes, sourceOf } from "./resources";

export const ISTIO_CHARTS = ["base", "istiod", "cni", "ztunnel", "gateway"] as const;
export type IstioChartName = (typeof ISTIO_CHARTS)[number];

export interface IstioChart {
    readonly helm: HelmSource;
    readonly chart: IstioChartName;
    readonly version: ChartVersion;
}

/** Something that says where istiod runs: its Deployment, or a DeploymentPatch of it. */
export interface IstiodPlacement {
    readonly source: SourceRef;
    readonly hostNetwork: Read<boolean>;
}

/** Namespaces istio-cni leaves alone (its `excludeNamespaces`), per cni chart. */
export interface CniExclusion {
    readonly chart: IstioChart;
    /** Unreadable when unknown, or when it was left unset and the default of the chart version is not carried. */
    readonly namespaces: Read<readonly string[]>;
    readonly detail: string;
}

export interface IstioInstall {
    readonly charts: readonly IstioChart[];
    /** Rendered/hand-written istio components: istiod Deployment, istio-cni-node and ztunnel DaemonSets. */
    readonly components: readonly { source: SourceRef; component: "istiod" | "istio-cni" | "ztunnel" }[];
    readonly istiodPlacements: readonly IstiodPlacement[];
    readonly cniExclusions: readonly CniExclusion[];
    /** Evidence of ambient mode from the install itself (not from labels); empty when none. */
    readonly ambientBecause: readonly string[];
    /** Evidence that istio-cni runs (the cni chart or its DaemonSet); ambient adds to it in mesh-model.ts. */
    readonly istioCniBecause: readonly string[];
    /** istiod charts installed for sidecar mode (no ambient profile): their injection webhook is in use. */
    readonly sidecarIstiod: readonly IstioChart[];
    readonly rootNamespace: string;
    readonly rootNamespaceDetail: string;
}

/** Generic chart names (base, cni, gateway) count as Istio's only when the chart comes from an Istio repository. */
function istioChartName(helm: HelmSource): IstioChartName | undefined {
    if (helm.chartName.state !== "known") {
        return undefined;
    }
    const name = helm.chartName.value as IstioChartName;
    if (!ISTIO_CHARTS.includes(name)) {
        return undefined;
    }
    return name === "istiod" || name === "ztunnel" || helm.chartRef.includes("istio") ? name : undefined;
}

/** A value read at its current top-level key, else at its older nested spelling. */
function istioValue(helm: HelmSource, path: string, legacyPrefix: string): Read<unknown> {
    const current = helmValue(helm, path);
    return current.state === "absent" ? helmValue(helm, `${legacyPrefix}.${path}`) : current;
}

function nameIs(props: unknown, predicate: (name: string) => boolean): boolean {
    const name = readString(props, ["metadata", "name"]);
    return name.state === "known" && predicate(name.value);
}

const isIstiodName = (name: string) => name === "istiod" || name.startsWith("istiod-");

export function readIstioInstall(resources: readonly StackResource[]): IstioInstall {
    const charts: IstioChart[] = [];
    const components: { source: SourceRef; component: "istiod" | "istio-cni" | "ztunnel" }[] = [];
    const istiodPlacements: IstiodPlacement[] = [];
    for (const resource of resources) {
        const helm = readHelmSource(resource);
        const chart = helm ? istioChartName(helm) : undefined;
        if (helm && chart) {
            charts.push({ helm, chart, version: istioChartVersion(helm.version) });
            continue;
        }
        const props = guarded(resource.props);
        const deployment = isKubernetes(resource.type, "apps", "Deployment");
        if ((deployment || isKubernetes(resource.type, "apps", "DeploymentPatch")) && nameIs(props, isIstiodName)) {
            istiodPlacements.push({
                source: sourceOf(resource),
                hostNetwork: readBoolean(props, ["spec", "template", "spec", "hostNetwork"]),
            });
            if (deployment) {
                components.push({ source: sourceOf(resource), component: "istiod" });
            }
        } else if (isKubernetes(resource.type, "apps", "DaemonSet") && nameIs(props, (n) => n === "istio-cni-node")) {
            components.push({ source: sourceOf(resource), component: "istio-cni" });
        } else if (isKubernetes(resource.type, "apps", "DaemonSet") && nameIs(props, (n) => n === "ztunnel")) {
            components.push({ source: sourceOf(resource), component: "ztunnel" });
        }
    }

    const ambientBecause: string[] = [];
    const sidecarIstiod: IstioChart[] = [];
    for (const chart of charts) {
        const legacy = chart.chart === "cni" ? "cni" : "pilot";
        const profile = istioValue(chart.helm, "profile", legacy);
        const ambientProfile = profile.state === "known" && profile.value === "ambient";
        if (chart.chart === "ztunnel") {
            ambientBecause.push(`the ztunnel chart (${describeSource(chart.helm.source)})`);
        } else if ((chart.chart === "istiod" || chart.chart === "cni") && ambientProfile) {
            ambientBecause.push(`profile: ambient on ${describeSource(chart.helm.source)}`);
        } else if (chart.chart === "cni") {
            const enabled = istioValue(chart.helm, "ambient.enabled", "cni");
            if (enabled.state === "known" && (enabled.value === true || enabled.value === "true")) {
                ambientBecause.push(`ambient.enabled on ${describeSource(chart.helm.source)}`);
            }
        }
        if (chart.chart === "istiod" && !ambientProfile) {
            sidecarIstiod.push(chart);
        }
    }
    for (const component of components) {
        if (component.component === "ztunnel") {
            ambientBecause.push(`the ztunnel DaemonSet (${describeSource(component.source)})`);
        }
    }

    const istioCniBecause = [
        ...charts.filter((c) => c.chart === "cni").map((c) => `the cni chart (${describeSource(c.helm.source)})`),
        ...components
            .filter((c) => c.component === "istio-cni")
            .map((c) => `the istio-cni-node DaemonSet (${describeSource(c.source)})`),
    ];
    const root = rootNamespace(charts);
    return {
        charts,
        components,
        istiodPlacements,
        cniExclusions: charts.filter((c) => c.chart === "cni").map(cniExclusion),
        ambientBecause,
        istioCniBecause,
        sidecarIstiod,
        rootNamespace: root.name,
        rootNamespaceDetail: root.detail,
    };
}

function cniExclusion(chart: IstioChart): CniExclusion {
    const set = istioValue(chart.helm, "excludeNamespaces", "cni");
    if (set.state === "unreadable") {
        return { chart, namespaces: set, detail: `${set.path} ${set.reason}` };
    }
    if (set.state === "known") {
        return Array.isArray(set.value) && set.value.every((n) => typeof n === "string")
            ? { chart, namespaces: known(set.value as string[]), detail: "set in values.excludeNamespaces" }
            : {
                  chart,
                  namespaces: unreadable("values.excludeNamespaces", "is not a list of names"),
                  detail: "values.excludeNamespaces is not a list of names",
              };
    }
    const fallback = istioDefault(chart.version, "cni", "excludeNamespaces");
    const where = describeChartVersion("istio cni", chart.version);
    return fallback.certain
        ? { chart, namespaces: known(fallback.value as string[]), detail: `left unset; default of ${where}` }
        : {
              chart,
              namespaces: unreadable(
                  "values.excludeNamespaces",
                  `is left unset and the default of the ${where} is not known`,
              ),
              detail: `left unset; default of the ${where} not known`,
          };
}

/**
 * Istio's root namespace, where a PeerAuthentication without selector applies mesh-wide: istiod's
 * `meshConfig.rootNamespace` if set, else the namespace istiod is installed in, else the chart's
 * `global.istioNamespace` default (istio-system).
 */
function rootNamespace(charts: readonly IstioChart[]): { name: string; detail: string } {
    const istiod = charts.find((c) => c.chart === "istiod");
    if (istiod) {
        const configured = helmValue(istiod.helm, "meshConfig.rootNamespace");
        if (configured.state === "known" && typeof configured.value === "string" && configured.value !== "") {
            return {
                name: configured.value,
                detail: `meshConfig.rootNamespace of ${describeSource(istiod.helm.source)}`,
            };
        }
        if (istiod.helm.namespace.state === "known") {
            return {
                name: istiod.helm.namespace.value,
                detail: `the namespace of ${describeSource(istiod.helm.source)}`,
            };
        }
    }
    const fallback = istioDefault(istioChartVersion({ state: "absent" }), "istiod", "global.istioNamespace");
    return { name: String(fallback.value), detail: "Istio's default istio-system" };
}
