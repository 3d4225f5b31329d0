/**
 * The Cilium chart versions this repository carries data for, one per minor, in one list that everything else
 * derives from: the pack's defaults (../chart-defaults/cilium.json, written by scripts/extract-chart-defaults.ts for
 * exactly these versions), the components' accepted versions and default (components/cilium-values.ts), and the
 * values.schema.json files carried where the chart ships one (components/chart-schemas/, scripts/extract-chart-schemas.ts).
 * Self-contained, so that the published components can carry it (the components import it; the pack imports no
 * component). To carry another version: add it here, run both extraction scripts, and the specs say what else is
 * missing.
 */
import releaseSupport from "./release-support.json";

export interface CarriedCiliumChart {
    /** The chart version whose files are carried. */
    readonly version: string;
    /** Whether the chart ships a values.schema.json (1.15.x charts do not: docs/cilium-istio-facts.md#cilium-chart). */
    readonly hasSchema: boolean;
    /**
     * What templates/cilium-configmap.yaml renders as `routing-mode` with `routingMode` unset and `eni.enabled` true: a
     * template fact, not a values.yaml default (docs/cilium-istio-facts.md#cilium-values-to-config).
     */
    readonly routingModeWhenEniEnabled: "tunnel" | "native";
    /**
     * What it renders as `enable-ipv4-masquerade` with `enableIPv4Masquerade` unset and `eni.enabled` true: false from
     * 1.18 (cilium/cilium#38663; docs/cilium-datapath.md#eni-egress-masquerading).
     */
    readonly ipv4MasqueradeWhenEniEnabled: boolean;
}

/** Oldest first; the last is the newest, which the components install by default. */
export const CARRIED_CILIUM_CHARTS: readonly CarriedCiliumChart[] = [
    { version: "1.15.19", hasSchema: false, routingModeWhenEniEnabled: "tunnel", ipv4MasqueradeWhenEniEnabled: true },
    { version: "1.16.19", hasSchema: true, routingModeWhenEniEnabled: "tunnel", ipv4MasqueradeWhenEniEnabled: true },
    { version: "1.17.18", hasSchema: true, routingModeWhenEniEnabled: "tunnel", ipv4MasqueradeWhenEniEnabled: true },
    { version: "1.18.12", hasSchema: true, routingModeWhenEniEnabled: "tunnel", ipv4MasqueradeWhenEniEnabled: false },
    { version: "1.19.6", hasSchema: true, routingModeWhenEniEnabled: "native", ipv4MasqueradeWhenEniEnabled: false },
];

/** The carried versions, oldest first. */
export const CILIUM_CHART_VERSIONS: readonly string[] = CARRIED_CILIUM_CHARTS.map((c) => c.version);

/** The newest carried version. */
export const NEWEST_CILIUM_CHART = CILIUM_CHART_VERSIONS[CILIUM_CHART_VERSIONS.length - 1];

/** The carried versions that ship a values.schema.json. */
export const CILIUM_SCHEMA_VERSIONS: readonly string[] = CARRIED_CILIUM_CHARTS.filter((c) => c.hasSchema).map(
    (c) => c.version,
);

/**
 * A minor release line of Cilium or Istio as carried: its newest patch in the chart index when carried (every patch
 * from `.0` to it is a release), and the Kubernetes minors upstream lists for it. Written by
 * scripts/refresh-releases.ts from the downloaded chart indexes and compatibility pages into release-support.json,
 * which names its sources (docs/versions.md has the matrix and how to refresh it).
 */
export interface ReleaseLine {
    /** `1.19` */
    readonly minor: string;
    /** `1.19.6` */
    readonly latest: string;
    /** Kubernetes minors the release supports (Cilium: e2e-tested; Istio: "Supported Kubernetes Versions"), oldest first. */
    readonly kubernetes: readonly string[];
}

/** Where each part of a project's release lines comes from, as release-support.json records it. */
export interface ReleaseLines {
    readonly releasesFrom: string;
    readonly kubernetesFrom: string;
    readonly lines: readonly ReleaseLine[];
}

export const CILIUM_RELEASES: ReleaseLines = releaseSupport.cilium;
export const ISTIO_RELEASES: ReleaseLines = releaseSupport.istio;
