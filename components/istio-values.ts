/**
 * What IstioRelease installs, decided without touching Pulumi: the validated settings, the Helm values of the
 * `base`, `istiod`, `cni` and `ztunnel` charts, and the patch that puts istiod on the host network.
 *
 * Accepted Istio versions: 1.22.0 and later (one version for all charts).
 * - 1.22 is where the security APIs went v1 (istio.io/latest/blog/2024/v1-apis/), and the mesh-wide
 *   PeerAuthentication is written as `security.istio.io/v1`; it is also where ambient mode went Beta
 *   (docs/cilium-istio-facts.md#versions).
 * - The values layout is known from 1.22 on (docs/cilium-istio-facts.md#istio-values-layout): 1.22 and 1.23 keep
 *   istiod's settings under `pilot.*` and the cni chart's under `cni.*`; from 1.24 the charts read them at the top
 *   level (their defaults sit under `_internal_defaults_do_not_set`). Later releases are assumed to keep the 1.24
 *   layout, as 1.30.3 does (istio/istio manifests/charts@1.30.3); a release that changed it again would need a new
 *   entry here.
 */
import { CLUSTER_DEFAULTS, MAX_NODES_PER_GROUP } from "./cluster-settings";
import type { IstioExtraValuesArgs, IstioMultiClusterArgs, IstioReleaseArgs } from "./IstioRelease";
import { CiliumDatapath, IstioMode, MtlsMode } from "./types";
import { InputError, bool, intInRange, oneOf } from "./validation";
import { HelmValues, mergeValues, valueAt } from "./values-merge";
import { atLeast, parseVersion, Version } from "./versions";
import { checkIstioRelease } from "./release-support";
import { AMBIENT_HOST_PROBES_POLICY, AMBIENT_PROBE_CIDR } from "cilium-istio-guard/model/ambient-network";
import { UNTAINT_CONTROLLER_ENV, unavailableAllowed } from "cilium-istio-guard/model/istio-node-placement";
import {
    CACERTS_KEYS,
    CACERTS_SECRET,
    CROSS_NETWORK_PORT,
    ISTIO_NETWORK_NAME,
    MULTICLUSTER_SECRET_LABEL,
    NETWORK_LABEL,
    REMOTE_CLUSTER_ANNOTATION,
    REMOTE_SECRET_PREFIX,
} from "cilium-istio-guard/model/cluster-mesh-facts";

/** The one place IstioRelease's defaults live (its Args doc comments repeat them). */
export const ISTIO_RELEASE_DEFAULTS = {
    version: "1.30.3",
    mode: IstioMode.Sidecar,
    ciliumDatapath: CiliumDatapath.Eni,
    meshMtlsMode: MtlsMode.Strict,
    ambientHostProbes: true,
    untaintNodes: true,
    nodeGroupMaxSize: CLUSTER_DEFAULTS.nodeGroup.maxSize,
} as const;

/**
 * istiod's chart defaults this component reads (istio/istio manifests/charts/istio-control/istio-discovery/values.yaml
 * @1.30.3, the same under `pilot.` in 1.22/1.23; docs/istio-install.md#istiod-host-ports).
 */
const ISTIOD_CHART_DEFAULTS = { autoscaleEnabled: true, autoscaleMin: 1, autoscaleMax: 5, replicaCount: 1 } as const;

/** Helm repository of the Istio charts (docs/cilium-istio-facts.md#istio-charts). */
export const ISTIO_CHART_REPO = "https://istio-release.storage.googleapis.com/charts";
/** Where every chart goes; also the mesh's root namespace, so a PeerAuthentication here is mesh-wide. */
export const ISTIO_NAMESPACE = "istio-system";
/** Name of istiod's Deployment as the istiod chart renders it without a revision. */
export const ISTIOD_DEPLOYMENT = "istiod";

/**
 * The charts in install order, with the Helm release names the Istio docs use
 * (docs/cilium-istio-facts.md#istio-charts).
 */
export const ISTIO_CHARTS = {
    base: { chart: "base", releaseName: "istio-base" },
    istiod: { chart: "istiod", releaseName: "istiod" },
    cni: { chart: "cni", releaseName: "istio-cni" },
    ztunnel: { chart: "ztunnel", releaseName: "ztunnel" },
} as const;

/** IstioRelease's inputs, validated and with defaults applied. */
export interface IstioSettings {
    version: Version;
    /** The version as the chart index spells it (no leading `v`). */
    chartVersion: string;
    mode: IstioMode;
    ciliumDatapath: CiliumDatapath;
    meshMtlsMode: MtlsMode;
    /**
     * True when the API server cannot reach pod IPs, so istiod's webhooks must listen on the node
     * (docs/failure-modes.md#f7).
     */
    istiodHostNetwork: boolean;
    /** True when the `allow-ambient-hostprobes` CiliumClusterwideNetworkPolicy is installed (ambient mode only). */
    ambientHostProbes: boolean;
    /** True when istiod runs its node untaint controller for istio-cni's readiness taint. */
    untaintNodes: boolean;
    /** The most nodes istiod can be placed on (the node group's maxSize); bounds istiod on the host network. */
    nodeGroupMaxSize: number;
    extraValues: IstioExtraValuesArgs;
    /** Multi-primary settings (IstioReleaseArgs.multiCluster), checked; undefined for a cluster on its own. */
    multiCluster?: IstioMultiClusterSettings;
}

/** IstioReleaseArgs.multiCluster with its plain parts checked. */
export interface IstioMultiClusterSettings {
    meshId: string;
    clusterName: string;
    network: string;
    /** The remote clusters' names, in the order given. */
    remoteClusters: string[];
    pluggedCa: boolean;
    eastWestGateway: boolean;
}

/** An Istio cluster name: letters, digits, dots, dashes and underscores (istiod's CLUSTER_ID; no spaces or slashes). */
const ISTIO_CLUSTER_NAME = /^[A-Za-z0-9]([-A-Za-z0-9._]{0,61}[A-Za-z0-9])?$/;

/** Helm values per chart; `ztunnel` only in ambient mode. */
export interface IstioChartValues {
    base: HelmValues;
    istiod: HelmValues;
    cni: HelmValues;
    ztunnel?: HelmValues;
}

const MODES = Object.values(IstioMode);
const DATAPATHS = Object.values(CiliumDatapath);
const MTLS_MODES = Object.values(MtlsMode);
const EXTRA_VALUE_CHARTS: readonly (keyof IstioExtraValuesArgs)[] = ["base", "istiod", "cni", "ztunnel"];

/** Validates IstioRelease's args and applies the defaults; throws InputError before anything is registered. */
export function resolveIstioSettings(args: IstioReleaseArgs): IstioSettings {
    const mode = oneOf("IstioRelease.mode", args.mode ?? ISTIO_RELEASE_DEFAULTS.mode, MODES);
    const ciliumDatapath = oneOf(
        "IstioRelease.ciliumDatapath",
        args.ciliumDatapath ?? ISTIO_RELEASE_DEFAULTS.ciliumDatapath,
        DATAPATHS,
    );
    const meshMtlsMode = oneOf(
        "IstioRelease.meshMtlsMode",
        args.meshMtlsMode ?? ISTIO_RELEASE_DEFAULTS.meshMtlsMode,
        MTLS_MODES,
    );
    const version = parseVersion(
        "IstioRelease.version",
        args.version ?? ISTIO_RELEASE_DEFAULTS.version,
        ISTIO_RELEASE_DEFAULTS.version,
    );

    if (mode === IstioMode.Ambient && !atLeast(version, 1, 22)) {
        throw new InputError(
            "IstioRelease.version",
            version.text,
            "1.22.0 or later in ambient mode (ambient is Beta from Istio 1.22; docs/cilium-istio-facts.md#versions)",
        );
    }
    if (!atLeast(version, 1, 22)) {
        throw new InputError(
            "IstioRelease.version",
            version.text,
            "1.22.0 or later (security.istio.io/v1 and the chart values layouts this component writes start there)",
        );
    }

    // On an overlay the EKS API server cannot route to pod IPs, so istiod must listen on the node
    // (docs/failure-modes.md#f7; Cilium docs, Integration with Istio: docs/cilium-istio-facts.md#cilium-istio-docs).
    const istiodHostNetwork = ciliumDatapath === CiliumDatapath.Overlay;
    // On the node istiod binds its monitoring port 15014, which istio-cni's agent also binds (istio/istio#35917). Before
    // Istio 1.26 the agent ran on the host network whenever ambient was on; 1.26.0 took it off (istio/istio#54726).
    // Upstream needs istiod on the host network for sidecar injection only; this component puts it there in ambient
    // mode too, so validation closes and injected gateways work — the 1.26 floor follows from that choice
    // (docs/istio-install.md#ambient-webhooks, #compatibility-version).
    if (istiodHostNetwork && mode === IstioMode.Ambient && !atLeast(version, 1, 26)) {
        throw new InputError(
            "IstioRelease.version",
            version.text,
            "1.26.0 or later when mode is ambient and ciliumDatapath is overlay (istiod on the host network and " +
                "an older istio-cni agent would both bind port 15014 on every node; istio/istio#35917)",
        );
    }
    // ctrlz (9876) once clashed with cilium-agent's health port; Cilium moved that to 9879 in 1.12
    // (cilium/cilium#19830) and every Cilium chart this package supports (1.15+) defaults `healthPort: 9879`
    // (policies/chart-defaults/cilium.json). istiod's readiness port 8080 would meet Cilium only if Cilium's Ingress
    // ran on the host network (`ingressController.hostNetwork`, off by default, shared listener port 8080 in the 1.16+
    // charts); CiliumRelease does not turn it on.

    const ambientHostProbes =
        bool("IstioRelease.ambientHostProbes", args.ambientHostProbes ?? ISTIO_RELEASE_DEFAULTS.ambientHostProbes) &&
        mode === IstioMode.Ambient;
    const untaintNodes = bool("IstioRelease.untaintNodes", args.untaintNodes ?? ISTIO_RELEASE_DEFAULTS.untaintNodes);
    const nodeGroupMaxSize = intInRange(
        "IstioRelease.nodeGroupMaxSize",
        args.nodeGroupMaxSize ?? ISTIO_RELEASE_DEFAULTS.nodeGroupMaxSize,
        1,
        MAX_NODES_PER_GROUP,
    );

    const extraValues = args.extraValues ?? {};
    for (const chart of Object.keys(extraValues)) {
        oneOf("IstioRelease.extraValues", chart, EXTRA_VALUE_CHARTS);
    }
    if (extraValues.ztunnel !== undefined && mode !== IstioMode.Ambient) {
        throw new InputError(
            "IstioRelease.extraValues.ztunnel",
            extraValues.ztunnel,
            "only in ambient mode (sidecar mode installs no ztunnel)",
        );
    }
    // After the mode's own requirements, which say more precisely what a release lacks.
    checkIstioRelease(version, {
        input: "IstioRelease.version",
        kubernetesVersion: args.kubernetesVersion,
        allowUnsupported: bool("IstioRelease.allowUnsupportedVersions", args.allowUnsupportedVersions ?? false),
    });

    const chartVersion = version.text.replace(/^v/, "");
    const multiCluster = args.multiCluster === undefined ? undefined : resolveMultiCluster(args.multiCluster, mode);
    return {
        version,
        chartVersion,
        mode,
        ciliumDatapath,
        meshMtlsMode,
        istiodHostNetwork,
        ambientHostProbes,
        untaintNodes,
        nodeGroupMaxSize,
        extraValues,
        multiCluster,
    };
}

function resolveMultiCluster(args: IstioMultiClusterArgs, mode: IstioMode): IstioMultiClusterSettings {
    const input = (field: string) => `IstioRelease.multiCluster.${field}`;
    if (typeof args !== "object" || args === null) {
        throw new InputError(
            "IstioRelease.multiCluster",
            args,
            "the cluster's multi-primary settings (ClusterMesh.istioSettings)",
        );
    }
    // Istio's ambient multicluster is multi-network only, with its own east-west gateway and feature flag
    // (istio.io/latest/docs/ambient/install/multicluster); this component builds sidecar multi-primary.
    if (mode === IstioMode.Ambient) {
        throw new InputError(
            input("mode"),
            mode,
            "sidecar mode: ambient multicluster is supported upstream on different networks only, with an ambient " +
                "east-west gateway this component does not build (docs/cluster-mesh.md#istio-multi-primary)",
        );
    }
    for (const field of ["meshId", "network"] as const) {
        if (typeof args[field] !== "string" || !ISTIO_NETWORK_NAME.test(args[field])) {
            throw new InputError(
                input(field),
                args[field],
                "a DNS label: lower-case letters, digits and dashes, at most 63",
            );
        }
    }
    const name = args.clusterName;
    if (typeof name !== "string" || !ISTIO_CLUSTER_NAME.test(name)) {
        throw new InputError(input("clusterName"), name, "letters, digits, dots, dashes and underscores, at most 63");
    }
    const remotes = args.remoteClusters ?? [];
    if (!Array.isArray(remotes)) {
        throw new InputError(input("remoteClusters"), remotes, "a list of the other clusters");
    }
    const remoteClusters = remotes.map((remote, i) => {
        const remoteName = remote?.name;
        if (typeof remoteName !== "string" || !ISTIO_CLUSTER_NAME.test(remoteName) || remoteName === name) {
            throw new InputError(
                input(`remoteClusters[${i}].name`),
                remoteName,
                `another cluster's clusterName (not "${name}")`,
            );
        }
        if (remote.kubeconfig === undefined) {
            throw new InputError(
                input(`remoteClusters[${i}].kubeconfig`),
                undefined,
                "a kubeconfig for that cluster (secret)",
            );
        }
        return remoteName;
    });
    const duplicate = remoteClusters.find((n, i) => remoteClusters.indexOf(n) !== i);
    if (duplicate !== undefined) {
        throw new InputError(input("remoteClusters"), duplicate, "each remote cluster once");
    }
    return {
        meshId: args.meshId,
        clusterName: name,
        network: args.network,
        remoteClusters,
        pluggedCa: args.cacerts !== undefined,
        eastWestGateway: bool(input("eastWestGateway"), args.eastWestGateway ?? false),
    };
}

/**
 * True for charts that read istiod's and istio-cni's settings at the top level (Istio 1.24+,
 * docs/cilium-istio-facts.md#istio-values-layout).
 */
function flatLayout(version: Version): boolean {
    return atLeast(version, 1, 24);
}

/**
 * The Helm values of each chart. Only what the Cilium pairing needs is set; everything else stays at the chart's
 * default (istio/istio manifests/charts/<chart>/values.yaml@1.30.3), then the user's extraValues are merged over it
 * and checked.
 */
export function buildIstioValues(settings: IstioSettings): IstioChartValues {
    const flat = flatLayout(settings.version);
    const ambient = settings.mode === IstioMode.Ambient;
    // `profile: ambient` on istiod and cni is how the Istio Helm docs install ambient
    // (docs/cilium-istio-facts.md#istio-charts).
    const profile: HelmValues = ambient ? { profile: "ambient" } : {};

    // istio-cni is installed in both modes, so injected sidecars use it instead of the privileged istio-init
    // container; istiod's injector must know (istiod `cni.enabled`, default false; `pilot.cni.enabled` before 1.24).
    const istiodCni = { cni: { enabled: true } };
    // Chained: istio-cni appends itself to the node's existing CNI config (Cilium's) instead of writing its own,
    // which only works because Cilium no longer owns the directory (`cni.exclusive: false`, docs/failure-modes.md#f2).
    // The chart default is already true (istio/istio manifests/charts/istio-cni/values.yaml@1.30.3); it is set
    // explicitly because the pairing depends on it.
    const cniChained = { chained: true };

    // Multi-primary: one mesh ID, this cluster's name and network (istio.io, "Install Multi-Primary on different
    // networks", Helm; docs/cluster-mesh.md#istio-multi-primary). `global.*` keeps its place in every layout.
    const multiCluster = settings.multiCluster;
    const global: HelmValues = multiCluster
        ? {
              global: {
                  meshID: multiCluster.meshId,
                  multiCluster: { clusterName: multiCluster.clusterName },
                  network: multiCluster.network,
              },
          }
        : {};
    const istiod: HelmValues = {
        ...istiodCni,
        ...(settings.untaintNodes ? untaintValues(settings.version) : {}),
        ...(settings.istiodHostNetwork ? hostNetworkIstiodValues(settings.nodeGroupMaxSize) : {}),
    };
    const built: IstioChartValues = {
        base: {},
        istiod: { ...profile, ...global, ...(flat ? istiod : { pilot: istiod }) },
        cni: { ...profile, ...(flat ? cniChained : { cni: cniChained }) },
        ...(ambient ? { ztunnel: {} } : {}),
    };

    const extra = settings.extraValues;
    const merged: IstioChartValues = {
        base: mergeValues(built.base, extra.base ?? {}),
        istiod: mergeValues(built.istiod, extra.istiod ?? {}),
        cni: mergeValues(built.cni, extra.cni ?? {}),
        ...(built.ztunnel ? { ztunnel: mergeValues(built.ztunnel, extra.ztunnel ?? {}) } : {}),
    };
    checkIstioRequirements(settings, merged);
    return merged;
}

/**
 * istiod's node untaint controller: it removes `cni.istio.io/not-ready` from a node once istio-cni is ready there
 * (docs/istio-install.md#untaint-controller). `taint.enabled` grants istiod the right to patch nodes; only from
 * Istio 1.30 does it also set the variable that starts the controller, so older versions set that too.
 */
function untaintValues(version: Version): HelmValues {
    return {
        taint: { enabled: true },
        ...(atLeast(version, 1, 30) ? {} : { env: { [UNTAINT_CONTROLLER_ENV]: "true" } }),
    };
}

/**
 * istiod on the host network: its container ports become host ports, so one fits per node
 * (docs/istio-install.md#istiod-host-ports). The HPA may not ask for more replicas than the node group can hold, and
 * a rollout replaces one istiod at a time on the node it frees (no surge pod that could not be placed; at least one
 * may go down, where the chart's 25% rounds down to none on small groups).
 */
function hostNetworkIstiodValues(nodeGroupMaxSize: number): HelmValues {
    return {
        autoscaleMax: Math.min(ISTIOD_CHART_DEFAULTS.autoscaleMax, nodeGroupMaxSize),
        rollingMaxSurge: 0,
        rollingMaxUnavailable: 1,
    };
}

/**
 * istiod's value `key` as the chart resolves it: from 1.24 a legacy `pilot.<key>` is copied over the top-level one
 * (istio-discovery templates/zzy_descope_legacy.yaml), before 1.24 only `pilot.<key>` exists.
 */
function istiodValue(values: HelmValues, flat: boolean, key: string): unknown {
    const legacy = valueAt(values, `pilot.${key}`);
    return flat && legacy === undefined ? valueAt(values, key) : legacy;
}

/**
 * istiod on the host network must fit the node group and roll out without a free node: checks the merged values.
 */
function checkHostNetworkIstiod(settings: IstioSettings, istiod: HelmValues): void {
    const flat = flatLayout(settings.version);
    const path = (key: string) => `IstioRelease.extraValues.istiod.${flat ? "" : "pilot."}${key}`;
    const nodes = settings.nodeGroupMaxSize;
    const why = `istiod runs on the host network, where one fits per node, and the node group holds at most ${nodes} (docs/istio-install.md#istiod-host-ports)`;
    const autoscale = istiodValue(istiod, flat, "autoscaleEnabled") ?? ISTIOD_CHART_DEFAULTS.autoscaleEnabled;
    const fewest =
        autoscale === false
            ? (istiodValue(istiod, flat, "replicaCount") ?? ISTIOD_CHART_DEFAULTS.replicaCount)
            : (istiodValue(istiod, flat, "autoscaleMin") ?? ISTIOD_CHART_DEFAULTS.autoscaleMin);
    const most =
        autoscale === false
            ? fewest
            : (istiodValue(istiod, flat, "autoscaleMax") ?? ISTIOD_CHART_DEFAULTS.autoscaleMax);
    const bound = autoscale === false ? "replicaCount" : "autoscaleMax";
    if (typeof most !== "number" || most > nodes) {
        throw new InputError(path(bound), most, `a number of replicas up to ${nodes}: ${why}`);
    }
    if (typeof fewest !== "number" || fewest > most) {
        throw new InputError(path(autoscale === false ? "replicaCount" : "autoscaleMin"), fewest, `at most ${most}`);
    }
    const maxUnavailable = istiodValue(istiod, flat, "rollingMaxUnavailable");
    const down = unavailableAllowed(maxUnavailable, fewest);
    if (down === undefined || down < 1) {
        throw new InputError(
            path("rollingMaxUnavailable"),
            maxUnavailable,
            `1 or more at ${fewest} replica(s): ${why}, so a rollout must take an istiod down to free a node for its ` +
                "replacement, or it stalls with the new pod Pending",
        );
    }
}

/**
 * The istio-cni agent runs on the host network in ambient mode before Istio 1.26, and from 1.26 when
 * `ambient.shareHostNetworkNamespace` is true — which a `compatibilityVersion` of 1.25 or lower sets, unless the
 * value is given explicitly (istio-cni profile-compatibility-version-1.25.yaml@1.30.3, templates/zzz_profile.yaml;
 * docs/istio-install.md#compatibility-version).
 */
function cniOnHostNetwork(settings: IstioSettings, cni: HelmValues): { on: boolean; because: string; path: string } {
    if (!atLeast(settings.version, 1, 26)) {
        return { on: true, because: `Istio ${settings.version.text} runs it there in ambient mode`, path: "" };
    }
    for (const path of ["cni.ambient.shareHostNetworkNamespace", "ambient.shareHostNetworkNamespace"]) {
        const explicit = valueAt(cni, path);
        if (explicit !== undefined) {
            return { on: explicit === true, because: `${path} is ${JSON.stringify(explicit)}`, path };
        }
    }
    const compatibility = valueAt(cni, "compatibilityVersion");
    const match = typeof compatibility === "string" ? /^(\d+)\.(\d+)$/.exec(compatibility) : null;
    if (match && (Number(match[1]) < 1 || (Number(match[1]) === 1 && Number(match[2]) <= 25))) {
        return {
            on: true,
            because: `compatibilityVersion ${compatibility} sets ambient.shareHostNetworkNamespace: true`,
            path: "compatibilityVersion",
        };
    }
    return { on: false, because: "", path: "" };
}

/**
 * Rejects an extraValues override that undoes what the Cilium pairing needs. Both spellings are checked on 1.24+,
 * because those charts copy the legacy `pilot.*`/`cni.*` keys to the top level
 * (docs/cilium-istio-facts.md#istio-values-layout, zzy_descope_legacy).
 */
function checkIstioRequirements(settings: IstioSettings, values: IstioChartValues): void {
    const flat = flatLayout(settings.version);
    const ambient = settings.mode === IstioMode.Ambient;

    const chainedPaths = flat ? ["chained", "cni.chained"] : ["cni.chained"];
    for (const path of chainedPaths) {
        const chained = valueAt(values.cni, path);
        if (chained !== undefined && chained !== true) {
            throw new InputError(
                `IstioRelease.extraValues.cni.${path}`,
                chained,
                "true (istio-cni must chain into Cilium's CNI config; docs/failure-modes.md#f2)",
            );
        }
    }

    for (const chart of ["istiod", "cni"] as const) {
        const profile = valueAt(values[chart], "profile");
        if (ambient && profile !== "ambient") {
            throw new InputError(`IstioRelease.extraValues.${chart}.profile`, profile, '"ambient" in ambient mode');
        }
        if (!ambient && profile === "ambient") {
            throw new InputError(
                `IstioRelease.extraValues.${chart}.profile`,
                profile,
                'any profile but "ambient" in sidecar mode (set mode: ambient instead)',
            );
        }
    }

    if (settings.istiodHostNetwork && ambient) {
        const agent = cniOnHostNetwork(settings, values.cni);
        if (agent.on) {
            throw new InputError(
                `IstioRelease.extraValues.cni.${agent.path}`,
                valueAt(values.cni, agent.path),
                "a value that keeps istio-cni's agent off the host network (ambient.shareHostNetworkNamespace false, " +
                    `compatibilityVersion 1.26 or later) while istiod runs there: ${agent.because}, and both would ` +
                    "bind port 15014 on every node (istio/istio#35917; docs/istio-install.md#compatibility-version)",
            );
        }
    }
    if (settings.istiodHostNetwork) {
        checkHostNetworkIstiod(settings, values.istiod);
    }
    const multiCluster = settings.multiCluster;
    if (multiCluster) {
        for (const [path, value] of [
            ["global.meshID", multiCluster.meshId],
            ["global.multiCluster.clusterName", multiCluster.clusterName],
            ["global.network", multiCluster.network],
        ]) {
            if (valueAt(values.istiod, path) !== value) {
                throw new InputError(
                    `IstioRelease.extraValues.istiod.${path}`,
                    valueAt(values.istiod, path),
                    `${JSON.stringify(value)}, as multiCluster sets it (docs/cluster-mesh.md#istio-multi-primary)`,
                );
            }
        }
    }
    if (settings.untaintNodes) {
        const enabled = istiodValue(values.istiod, flat, "taint.enabled");
        if (enabled !== true) {
            throw new InputError(
                `IstioRelease.extraValues.istiod.${flat ? "" : "pilot."}taint.enabled`,
                enabled,
                "true while untaintNodes is on: nodes tainted until istio-cni is ready would keep the taint " +
                    "(docs/istio-install.md#untaint-controller)",
            );
        }
        const variable = istiodValue(values.istiod, flat, `env.${UNTAINT_CONTROLLER_ENV}`);
        if (!atLeast(settings.version, 1, 30) && variable !== "true") {
            throw new InputError(
                `IstioRelease.extraValues.istiod.${flat ? "" : "pilot."}env.${UNTAINT_CONTROLLER_ENV}`,
                variable,
                `"true" while untaintNodes is on: before Istio 1.30 taint.enabled does not start the controller ` +
                    "(docs/istio-install.md#untaint-controller)",
            );
        }
    }
}

/**
 * The server-side patch of the istiod Deployment that puts it on the node's network (docs/failure-modes.md#f7). The
 * istiod chart has no value for it (no hostNetwork in istio-discovery at any tag through 1.30.3:
 * docs/cilium-istio-facts.md#istiod-host-network), and a helm.v3.Release
 * renders inside the provider, out of reach of Pulumi transforms.
 */
export function istiodHostNetworkPatch(): { metadata: HelmValues; spec: HelmValues } {
    return {
        metadata: {
            name: ISTIOD_DEPLOYMENT,
            namespace: ISTIO_NAMESPACE,
            // Kubernetes defaulted dnsPolicy to ClusterFirst when Helm created the Deployment, so Helm's field
            // manager owns that field; force lets this patch take it over (Pulumi Patch resources' annotation).
            annotations: { "pulumi.com/patchForce": "true" },
        },
        spec: {
            template: {
                spec: {
                    hostNetwork: true,
                    // Without it a host-network pod resolves with the node's resolver and cannot find cluster
                    // Services (kubernetes.io/docs/concepts/services-networking/dns-pod-service/#pod-s-dns-policy).
                    dnsPolicy: "ClusterFirstWithHostNet",
                },
            },
        },
    };
}

/** The mesh-wide PeerAuthentication: `default` in the root namespace applies to every workload in the mesh. */
export function meshPeerAuthentication(mode: MtlsMode): {
    apiVersion: string;
    kind: string;
    metadata: HelmValues;
    spec: HelmValues;
} {
    return {
        apiVersion: "security.istio.io/v1",
        kind: "PeerAuthentication",
        metadata: { name: "default", namespace: ISTIO_NAMESPACE },
        spec: { mtls: { mode } },
    };
}

/** Name of the CiliumClusterwideNetworkPolicy that admits ambient's health probes. */
export { AMBIENT_HOST_PROBES_POLICY };

/**
 * Istio's recommended policy for ambient on Cilium (docs/failure-modes.md#f3;
 * docs/cilium-istio-facts.md#ambient-prerequisites; istio.io docs/ambient/install/platform-prerequisites, Cilium;
 * istio/istio#49277). Ambient SNATs the kubelet's health probes to the link-local 169.254.7.127, which Cilium does
 * not exempt as it exempts the host, so once any Cilium or Kubernetes policy puts an ambient pod in default deny its
 * probes fail. This admits that address into every endpoint; `enableDefaultDeny` false keeps the policy itself from
 * putting any endpoint in default deny. Istio's docs call it unnecessary while no default-deny policy exists: then it
 * changes nothing. Known correction: `enableDefaultDeny` exists only from Cilium 1.16 (cilium/cilium#30572); on 1.15
 * this catch-all policy puts every pod in default deny (docs/cilium-istio-facts.md#ambient-prerequisites).
 */
export function ambientHostProbesPolicy(): {
    apiVersion: string;
    kind: string;
    metadata: HelmValues;
    spec: HelmValues;
} {
    return {
        apiVersion: "cilium.io/v2",
        kind: "CiliumClusterwideNetworkPolicy",
        metadata: { name: AMBIENT_HOST_PROBES_POLICY },
        spec: {
            description: "Allows SNAT-ed kubelet health check probes into ambient pods",
            enableDefaultDeny: { egress: false, ingress: false },
            endpointSelector: {},
            ingress: [{ fromCIDR: [AMBIENT_PROBE_CIDR] }],
        },
    };
}

/**
 * The Istio namespace of a multi-primary cluster, labelled with its network: Istio takes a cluster's network from
 * this label (istio.io, "Install Multi-Primary on different networks": "label namespace istio-system
 * topology.istio.io/network=network1").
 */
export function istioNamespace(network: string): { metadata: HelmValues } {
    return { metadata: { name: ISTIO_NAMESPACE, labels: { [NETWORK_LABEL]: network } } };
}

/**
 * The plug-in CA Secret istiod reads at start (istio.io, "Plug in CA Certificates"), holding `data` (cacertsData):
 * the cluster's intermediate and key, the root, and the chain intermediate + root as Istio's tools/certs write it
 * (tools/certs/Makefile.selfsigned.mk@1.30.3, `cert-chain.pem`).
 */
export function cacertsSecret<T>(data: T): { metadata: HelmValues; stringData: T } {
    return { metadata: { name: CACERTS_SECRET, namespace: ISTIO_NAMESPACE }, stringData: data };
}

/** The keys and contents of the `cacerts` Secret (cacertsSecret): cert-chain.pem is the intermediate, then the root. */
export function cacertsData(ca: { rootCertPem: string; caCertPem: string; caKeyPem: string }): Record<string, string> {
    return {
        [CACERTS_KEYS.rootCert]: ca.rootCertPem,
        [CACERTS_KEYS.caCert]: ca.caCertPem,
        [CACERTS_KEYS.caKey]: ca.caKeyPem,
        [CACERTS_KEYS.certChain]: `${ca.caCertPem.trimEnd()}\n${ca.rootCertPem}`,
    };
}

/**
 * A remote secret as `istioctl create-remote-secret --name <cluster>` writes it (istioctl/pkg/multicluster/
 * remote_secret.go@1.30.3): named `istio-remote-secret-<cluster>`, labelled `istio/multiCluster: "true"`, annotated
 * with the cluster's name, its kubeconfig under the cluster's name.
 */
export function remoteSecret<T>(
    cluster: string,
    kubeconfig: T,
): { metadata: HelmValues; stringData: Record<string, T> } {
    return {
        metadata: {
            name: `${REMOTE_SECRET_PREFIX}${cluster}`,
            namespace: ISTIO_NAMESPACE,
            labels: { [MULTICLUSTER_SECRET_LABEL]: "true" },
            annotations: { [REMOTE_CLUSTER_ANNOTATION]: cluster },
        },
        stringData: { [cluster]: kubeconfig },
    };
}

/** The east-west gateway's release name and the label its pods carry (the gateway chart: `istio: <name minus istio->`). */
export const EAST_WEST_GATEWAY = {
    releaseName: "istio-eastwestgateway",
    selector: { istio: "eastwestgateway" },
} as const;

/**
 * Values of the `gateway` chart for an east-west gateway on `network`, as the Istio Helm docs install it
 * (`--set name=istio-eastwestgateway --set networkGateway=network1`), behind an internal AWS load balancer
 * (docs/cluster-mesh.md#apiserver-exposure for the annotation).
 */
export function eastWestGatewayValues(network: string): HelmValues {
    return {
        name: EAST_WEST_GATEWAY.releaseName,
        networkGateway: network,
        service: { annotations: { "service.beta.kubernetes.io/aws-load-balancer-internal": "true" } },
    };
}

/** The Gateway that passes the mesh's mTLS through the east-west gateway (samples/multicluster/expose-services.yaml@1.30.3). */
export function crossNetworkGateway(): { apiVersion: string; kind: string; metadata: HelmValues; spec: HelmValues } {
    return {
        apiVersion: "networking.istio.io/v1",
        kind: "Gateway",
        metadata: { name: "cross-network-gateway", namespace: ISTIO_NAMESPACE },
        spec: {
            selector: { ...EAST_WEST_GATEWAY.selector },
            servers: [
                {
                    port: { number: CROSS_NETWORK_PORT, name: "tls", protocol: "TLS" },
                    tls: { mode: "AUTO_PASSTHROUGH" },
                    hosts: ["*.local"],
                },
            ],
        },
    };
}
