/**
 * Cilium's effective settings, from whichever source a stack has:
 *  - a `helm.v3.Release` of chart `cilium` (helm.cilium.io, or oci://quay.io/cilium/charts/cilium), or the inputs of
 *    a `helm.v4.Chart` / `helm.v3.Chart` of it: the user's value, else the default of THAT chart version
 *    (chart-defaults.ts);
 *  - the rendered ConfigMap `cilium-config` (a v4 Chart's child, or written by hand): its keys as written. The chart
 *    writes several keys only when their value is set (docs/cilium-istio-facts.md#cilium-values-to-config:
 *    `bpf-lb-sock-hostns-only`, `bpf-lb-sock`, `enable-bpf-masquerade`, `enable-host-legacy-routing`...), so a missing
 *    key means the agent's default, which the chart documents as its own default.
 * When a chart and the ConfigMap it rendered are both in the stack they are one install, read from the ConfigMap.
 */
import {
    ChartVersion,
    ciliumChartVersion,
    ciliumDefault,
    ciliumIpv4MasqueradeWithEni,
    ciliumRoutingModeWithEni,
    describeChartVersion,
    newestCiliumChart,
} from "./chart-defaults";
import { HelmSource, helmValue, readHelmSource } from "./helm-sources";
import {
    Read,
    guarded,
    parseBoolean,
    readArray,
    readObject,
    readPath,
    readString,
    whyNotRead,
} from "./property-reader";
import { SourceRef, StackResource, describeSource, isKubernetes, renderedByChart, sourceOf } from "./resources";

/** One effective setting, with where it came from, for decisions and for messages. */
export interface Setting<T> {
    /** The effective value; undefined when `origin` is "unchecked". */
    readonly value: T | undefined;
    /** "set" by the user, chart/agent "default", or "unchecked" (unknown, unreadable, or a default that depends on an uncarried version). */
    readonly origin: "set" | "default" | "unchecked";
    /** Helm value path, e.g. `socketLB.hostNamespaceOnly`. */
    readonly helmPath: string;
    /** cilium-config key, e.g. `bpf-lb-sock-hostns-only`. */
    readonly configKey: string;
    /** How the value was found, for messages: "set to false", "left unset; default of cilium chart 1.19.6". */
    readonly detail: string;
}

export interface CiliumSettings {
    readonly socketLbHostNamespaceOnly: Setting<boolean>;
    /** Effective ownership of the CNI config directory: false when Cilium does not install its CNI config at all. */
    readonly cniExclusive: Setting<boolean>;
    /** "none" when Cilium is not chained behind another CNI. */
    readonly chainingMode: Setting<string>;
    /** As the chart spells it: "true", "false" (1.16+), or 1.15's "strict", "partial", "disabled". */
    readonly kubeProxyReplacement: Setting<string>;
    /** "native" or "tunnel". */
    readonly routingMode: Setting<string>;
    readonly bpfMasquerade: Setting<boolean>;
    readonly hostLegacyRouting: Setting<boolean>;
    readonly eniEnabled: Setting<boolean>;
    /** API server host for an agent without kube-proxy; "" when not set. */
    readonly k8sServiceHost: Setting<string>;
    readonly agentNotReadyTaintKey: Setting<string>;
    /** Masquerading of pods' IPv4 traffic leaving the node: by iptables, or by BPF when bpfMasquerade is on. */
    readonly ipv4Masquerade: Setting<boolean>;
    /**
     * From 1.17, false makes every policy default-deny whatever its `enableDefaultDeny` says
     * (docs/cilium-datapath.md#enable-default-deny); undefined value ("unchecked") where the chart has no such value.
     */
    readonly nonDefaultDenyPolicies: Setting<boolean>;
    /** The operator's tolerations (a Helm value; cilium-config does not carry it). */
    readonly operatorTolerations: Setting<readonly unknown[]>;
    /** Cilium's Gateway API controller. */
    readonly gatewayApi: Setting<boolean>;
    /** `cluster.name`: the cluster's name in a ClusterMesh (chart default "default"). */
    readonly clusterName: Setting<string>;
    /** `cluster.id`: 0 (the chart default) means "not in a ClusterMesh". */
    readonly clusterId: Setting<number>;
    /** `clustermesh.maxConnectedClusters`: 255 or 511, the same in every cluster of a mesh. */
    readonly maxConnectedClusters: Setting<number>;
    /** `ipam.mode` ("eni" with `eni.enabled`); "cluster-pool" is the chart default. */
    readonly ipamMode: Setting<string>;
    /** `ipam.operator.clusterPoolIPv4PodCIDRList`: the pod CIDRs cluster-pool IPAM hands out. */
    readonly clusterPoolIpv4Cidrs: Setting<readonly string[]>;
    /** `ipv4NativeRoutingCIDR`: "" when unset (in ENI mode the agent then takes the VPC's CIDR). */
    readonly nativeRoutingCidr: Setting<string>;
    /** `tunnelProtocol` ("vxlan" or "geneve") for routingMode tunnel. */
    readonly tunnelProtocol: Setting<string>;
    /**
     * `clustermesh.policyDefaultLocalCluster` (1.18+): policy selectors without a cluster label select the local
     * cluster only. Charts before 1.18 have no such value: their policies select every cluster (false).
     */
    readonly policyDefaultLocalCluster: Setting<boolean>;
}

export interface CiliumInstall {
    /** The resource that carries the settings: the Release or Chart, or a ConfigMap written without a chart. */
    readonly source: SourceRef;
    /** The rendered ConfigMap the settings were read from, when there is one. */
    readonly configMap?: SourceRef;
    /** The Helm release or chart, when the install is one. */
    readonly helm?: HelmSource;
    /** Chart version and the carried version standing in for it (Helm installs only). */
    readonly chartVersion?: ChartVersion;
    readonly settings: CiliumSettings;
}

/**
 * Kube-proxy replacement is in force: "true", or 1.15's "strict" (docs/cilium-istio-facts.md#cilium-values-to-config).
 */
export function kubeProxyReplacementOn(setting: Setting<string>): boolean | undefined {
    return setting.value === undefined ? undefined : setting.value === "true" || setting.value === "strict";
}

/** Whether Cilium routes in BPF on the host, and why; undefined when a setting it depends on could not be read. */
export interface HostRouting {
    readonly bpf: boolean | undefined;
    readonly detail: string;
}

/**
 * BPF host routing is active only when legacy routing is not set (a chaining mode sets it), kube-proxy replacement is
 * "true", and no iptables masquerading runs (masquerading off, or done by BPF); otherwise the agent falls back to
 * legacy routing by itself. The kernel condition (5.10+) holds on EKS's AMIs (docs/cilium-datapath.md#host-routing).
 */
export function hostRouting(settings: CiliumSettings): HostRouting {
    const { hostLegacyRouting, kubeProxyReplacement, ipv4Masquerade, bpfMasquerade } = settings;
    if (hostLegacyRouting.value === true) {
        return { bpf: false, detail: describeSetting(hostLegacyRouting) };
    }
    for (const setting of [hostLegacyRouting, kubeProxyReplacement]) {
        if (setting.value === undefined) {
            return { bpf: undefined, detail: describeSetting(setting) };
        }
    }
    if (kubeProxyReplacement.value !== "true") {
        return {
            bpf: false,
            detail: `${describeSetting(kubeProxyReplacement)}, and BPF host routing needs kube-proxy replacement "true"`,
        };
    }
    if (bpfMasquerade.value === true) {
        return { bpf: true, detail: `${describeSetting(hostLegacyRouting)} and ${describeSetting(bpfMasquerade)}` };
    }
    if (ipv4Masquerade.value === undefined || bpfMasquerade.value === undefined) {
        return {
            bpf: undefined,
            detail: describeSetting(ipv4Masquerade.value === undefined ? ipv4Masquerade : bpfMasquerade),
        };
    }
    return ipv4Masquerade.value
        ? { bpf: false, detail: `${describeSetting(ipv4Masquerade)} by iptables, which forces legacy host routing` }
        : {
              bpf: true,
              detail: `${describeSetting(hostLegacyRouting)}, kube-proxy replacement is "true" and ${describeSetting(ipv4Masquerade)}`,
          };
}

/** Whether Cilium honours `enableDefaultDeny` in a policy (false or undefined: the field is ignored or unknown). */
export interface DefaultDenyOptOut {
    readonly honoured: boolean | undefined;
    readonly detail: string;
}

/**
 * `enableDefaultDeny` exists from Cilium 1.16 (cilium/cilium#30572); from 1.17 `enableNonDefaultDenyPolicies: false`
 * makes Cilium ignore it (cilium/cilium#34940). docs/cilium-datapath.md#enable-default-deny.
 */
export function defaultDenyOptOut(install: CiliumInstall): DefaultDenyOptOut {
    const flag = install.settings.nonDefaultDenyPolicies;
    if (flag.value === false) {
        return { honoured: false, detail: describeSetting(flag) };
    }
    const version = install.chartVersion;
    if (version === undefined) {
        return flag.value === true
            ? { honoured: true, detail: describeSetting(flag) }
            : { honoured: undefined, detail: `${describeSetting(flag)}, and the Cilium version is not known` };
    }
    if (version.unreadableReason) {
        return { honoured: undefined, detail: `the chart version ${version.unreadableReason}` };
    }
    const requested = version.requested === undefined ? undefined : /(\d+)\.(\d+)/.exec(version.requested);
    // An unpinned chart installs the newest, which has the field; a range or patch is judged by its minor.
    const minor = requested ? Number(requested[2]) : Number(version.carried.split(".")[1]);
    const chart = describeChartVersion("cilium", version);
    if (requested && Number(requested[1]) === 1 && minor < 16) {
        return { honoured: false, detail: `the ${chart} predates enableDefaultDeny (Cilium 1.16)` };
    }
    if (flag.origin === "unchecked" && minor >= 17) {
        return { honoured: undefined, detail: describeSetting(flag) };
    }
    return { honoured: true, detail: `the ${chart} honours enableDefaultDeny` };
}

/** "`socketLB.hostNamespaceOnly` (cilium-config `bpf-lb-sock-hostns-only`) is false (left unset; ...)". */
export function describeSetting(setting: Setting<unknown>): string {
    const value = setting.value === undefined ? "could not be read" : `is ${JSON.stringify(setting.value)}`;
    return `\`${setting.helmPath}\` (cilium-config \`${setting.configKey}\`) ${value} (${setting.detail})`;
}

export function isCiliumChart(helm: HelmSource): boolean {
    return helm.chartName.state === "known" && helm.chartName.value === "cilium";
}

// ---------------------------------------------------------------------------------------------------------------
// Helm sources

type Parse<T> = (raw: unknown) => T | undefined;
const asBoolean: Parse<boolean> = parseBoolean;
const asString: Parse<string> = (raw) =>
    typeof raw === "string" ? raw : typeof raw === "boolean" ? String(raw) : undefined;
const asList: Parse<readonly unknown[]> = (raw) => (Array.isArray(raw) ? raw : undefined);
/** A whole number, as Helm values carry it or as cilium-config writes it ("1"). */
const asInteger: Parse<number> = (raw) => {
    const value = typeof raw === "string" && /^\d+$/.test(raw.trim()) ? Number(raw) : raw;
    return typeof value === "number" && Number.isInteger(value) ? value : undefined;
};
/** A list of CIDRs: a YAML list in Helm values, space-separated in cilium-config (and accepted so in values). */
const asCidrList: Parse<readonly string[]> = (raw) => {
    const list = typeof raw === "string" ? raw.split(/[\s,]+/).filter((c) => c !== "") : raw;
    return Array.isArray(list) && list.every((c) => typeof c === "string") ? list : undefined;
};

/** A Helm value as set, else the chart version's default (`whenNull` stands for a default of `~`, e.g. chainingMode none). */
function fromHelm<T>(
    helm: HelmSource,
    version: ChartVersion,
    helmPath: string,
    configKey: string,
    parse: Parse<T>,
    whenNull?: T,
): Setting<T> {
    const read = helmValue(helm, helmPath);
    if (read.state === "known") {
        const value = parse(read.value);
        return value === undefined
            ? {
                  value,
                  origin: "unchecked",
                  helmPath,
                  configKey,
                  detail: `set to ${JSON.stringify(read.value)}, which is not a valid value`,
              }
            : { value, origin: "set", helmPath, configKey, detail: `set to ${JSON.stringify(read.value)}` };
    }
    if (read.state === "unreadable") {
        return { value: undefined, origin: "unchecked", helmPath, configKey, detail: `${read.path} ${read.reason}` };
    }
    const chartDefault = ciliumDefault(version, helmPath);
    return defaultSetting(
        chartDefault.value === null ? whenNull : parse(chartDefault.value),
        chartDefault.certain,
        version,
        helmPath,
        configKey,
    );
}

function defaultSetting<T>(
    value: T | undefined,
    certain: boolean,
    version: ChartVersion,
    helmPath: string,
    configKey: string,
): Setting<T> {
    const chart = describeChartVersion("cilium", version);
    if (value === undefined) {
        return {
            value,
            origin: "unchecked",
            helmPath,
            configKey,
            detail: `left unset, and the ${chart} documents no default`,
        };
    }
    return certain
        ? { value, origin: "default", helmPath, configKey, detail: `left unset; default of ${chart}` }
        : {
              value: undefined,
              origin: "unchecked",
              helmPath,
              configKey,
              detail: `left unset; its default differs between the carried chart versions, and the ${chart}`,
          };
}

function settingsFromHelm(helm: HelmSource, version: ChartVersion): CiliumSettings {
    const chainingSetting = fromHelm(helm, version, "cni.chainingMode", "cni-chaining-mode", asString, "none");
    const chainingNone = chainingSetting.value === "" ? { ...chainingSetting, value: "none" } : chainingSetting;
    const eniEnabled = fromHelm(helm, version, "eni.enabled", "ipam", asBoolean);
    return {
        socketLbHostNamespaceOnly: fromHelm(
            helm,
            version,
            "socketLB.hostNamespaceOnly",
            "bpf-lb-sock-hostns-only",
            asBoolean,
        ),
        cniExclusive: helmCniExclusive(helm, version),
        chainingMode: chainingNone,
        kubeProxyReplacement: fromHelm(helm, version, "kubeProxyReplacement", "kube-proxy-replacement", asString),
        routingMode: helmRoutingMode(helm, version, eniEnabled),
        bpfMasquerade: fromHelm(helm, version, "bpf.masquerade", "enable-bpf-masquerade", asBoolean),
        hostLegacyRouting: helmHostLegacyRouting(helm, version, chainingNone),
        eniEnabled,
        k8sServiceHost: helmK8sServiceHost(helm, version),
        agentNotReadyTaintKey: fromHelm(helm, version, "agentNotReadyTaintKey", "agent-not-ready-taint-key", asString),
        ipv4Masquerade: helmIpv4Masquerade(helm, version, eniEnabled),
        nonDefaultDenyPolicies: helmNonDefaultDenyPolicies(helm, version),
        operatorTolerations: fromHelm(helm, version, "operator.tolerations", "operator.tolerations", asList),
        gatewayApi: fromHelm(helm, version, "gatewayAPI.enabled", "enable-gateway-api", asBoolean),
        clusterName: fromHelm(helm, version, "cluster.name", "cluster-name", asString),
        clusterId: fromHelm(helm, version, "cluster.id", "cluster-id", asInteger),
        maxConnectedClusters: fromHelm(
            helm,
            version,
            "clustermesh.maxConnectedClusters",
            "max-connected-clusters",
            asInteger,
        ),
        ipamMode: helmIpamMode(helm, version, eniEnabled),
        clusterPoolIpv4Cidrs: fromHelm(
            helm,
            version,
            "ipam.operator.clusterPoolIPv4PodCIDRList",
            "cluster-pool-ipv4-cidr",
            asCidrList,
        ),
        nativeRoutingCidr: fromHelm(helm, version, "ipv4NativeRoutingCIDR", "ipv4-native-routing-cidr", asString, ""),
        tunnelProtocol: fromHelm(helm, version, "tunnelProtocol", "tunnel-protocol", asString),
        policyDefaultLocalCluster: fromHelm(
            helm,
            version,
            "clustermesh.policyDefaultLocalCluster",
            "policy-default-local-cluster",
            asBoolean,
            false,
        ),
    };
}

/** `eni.enabled` means ENI IPAM whatever `ipam.mode` says (the chart's EKS install sets both). */
function helmIpamMode(helm: HelmSource, version: ChartVersion, eniEnabled: Setting<boolean>): Setting<string> {
    const mode = fromHelm(helm, version, "ipam.mode", "ipam", asString);
    return eniEnabled.value === true && mode.value !== "eni"
        ? { ...mode, value: "eni", detail: `${describeSetting(eniEnabled)}` }
        : mode;
}

/**
 * enableIPv4Masquerade unset: 1.18+ charts render false with eni.enabled unless upgradeCompatibility is below 1.18
 * (docs/cilium-datapath.md#eni-egress-masquerading).
 */
function helmIpv4Masquerade(helm: HelmSource, version: ChartVersion, eniEnabled: Setting<boolean>): Setting<boolean> {
    const masquerade = fromHelm(helm, version, "enableIPv4Masquerade", "enable-ipv4-masquerade", asBoolean);
    if (masquerade.origin !== "default" || eniEnabled.value !== true) {
        return masquerade;
    }
    const compatibility = helmValue(helm, "upgradeCompatibility");
    const compatibleMinor = compatibility.state === "known" ? /^1\.(\d+)/.exec(String(compatibility.value)) : undefined;
    const withEni = ciliumIpv4MasqueradeWithEni(version);
    if (compatibleMinor && Number(compatibleMinor[1]) < 18 && withEni.value === false) {
        return {
            ...masquerade,
            detail: `left unset; upgradeCompatibility ${compatibleMinor[0]} keeps the pre-1.18 default`,
        };
    }
    const setting = defaultSetting(
        withEni.value,
        withEni.certain,
        version,
        "enableIPv4Masquerade",
        "enable-ipv4-masquerade",
    );
    return setting.value === false ? { ...setting, detail: `${setting.detail} with eni.enabled` } : setting;
}

/** enableNonDefaultDenyPolicies: charts before 1.17 have no such value (its absence is reported as unchecked). */
function helmNonDefaultDenyPolicies(helm: HelmSource, version: ChartVersion): Setting<boolean> {
    return fromHelm(helm, version, "enableNonDefaultDenyPolicies", "enable-non-default-deny-policies", asBoolean);
}

/**
 * The chart writes `cni-exclusive` only when it installs its CNI config (`cni.install` and not `cni.customConf`;
 * docs/cilium-istio-facts.md#cilium-values-to-config).
 */
function helmCniExclusive(helm: HelmSource, version: ChartVersion): Setting<boolean> {
    const exclusive = fromHelm(helm, version, "cni.exclusive", "cni-exclusive", asBoolean);
    const install = fromHelm(helm, version, "cni.install", "cni-exclusive", asBoolean);
    const customConf = fromHelm(helm, version, "cni.customConf", "cni-exclusive", asBoolean);
    if (install.value === false) {
        return {
            ...exclusive,
            value: false,
            origin: install.origin,
            detail: `cni.install is false, so Cilium does not manage the CNI config`,
        };
    }
    if (customConf.value === true) {
        return {
            ...exclusive,
            value: false,
            origin: customConf.origin,
            detail: `cni.customConf is true, so the chart does not write cni-exclusive`,
        };
    }
    return exclusive;
}

/**
 * routingMode unset renders "tunnel", except 1.19.6 renders "native" with eni.enabled
 * (docs/cilium-istio-facts.md#cilium-values-to-config).
 */
function helmRoutingMode(helm: HelmSource, version: ChartVersion, eniEnabled: Setting<boolean>): Setting<string> {
    const routing = fromHelm(helm, version, "routingMode", "routing-mode", asString);
    if (routing.origin !== "default" || eniEnabled.value !== true) {
        return routing;
    }
    const withEni = ciliumRoutingModeWithEni(version);
    return defaultSetting(withEni.value, withEni.certain, version, "routingMode", "routing-mode");
}

/**
 * A chaining mode other than none renders `enable-host-legacy-routing: "true"` unless the value is set
 * (docs/cilium-istio-facts.md#cilium-values-to-config).
 */
function helmHostLegacyRouting(
    helm: HelmSource,
    version: ChartVersion,
    chainingMode: Setting<string>,
): Setting<boolean> {
    const legacy = fromHelm(helm, version, "bpf.hostLegacyRouting", "enable-host-legacy-routing", asBoolean);
    if (legacy.origin === "default" && chainingMode.value !== undefined && chainingMode.value !== "none") {
        return {
            ...legacy,
            value: true,
            detail: `left unset; the chart turns it on for cni.chainingMode ${chainingMode.value}`,
        };
    }
    return legacy;
}

/** `k8sServiceHost` (or, from 1.18, `k8sServiceHostRef`) points the agent at the API server without kube-proxy. */
function helmK8sServiceHost(helm: HelmSource, version: ChartVersion): Setting<string> {
    const host = fromHelm(helm, version, "k8sServiceHost", "KUBERNETES_SERVICE_HOST", asString);
    if (host.value === "") {
        const ref = helmValue(helm, "k8sServiceHostRef.name");
        if (ref.state === "known" && ref.value !== "") {
            return {
                ...host,
                value: `ref:${String(ref.value)}`,
                origin: "set",
                detail: "set through k8sServiceHostRef",
            };
        }
    }
    return host;
}

// ---------------------------------------------------------------------------------------------------------------
// cilium-config ConfigMap

export function isCiliumConfigMap(resource: StackResource): boolean {
    if (!isKubernetes(resource.type, "core", "ConfigMap")) {
        return false;
    }
    const name = readString(guarded(resource.props), ["metadata", "name"]);
    return name.state === "known" && name.value === "cilium-config";
}

function fromConfigMap<T>(
    data: Read<object>,
    configKey: string,
    helmPath: string,
    parse: Parse<T>,
    absent: T,
    absentDetail: string,
): Setting<T> {
    if (data.state === "unreadable") {
        return {
            value: undefined,
            origin: "unchecked",
            helmPath,
            configKey,
            detail: `data (${data.path}) ${data.reason}`,
        };
    }
    const read = data.state === "known" ? readPath(data.value, [configKey]) : data;
    if (read.state === "unreadable") {
        return {
            value: undefined,
            origin: "unchecked",
            helmPath,
            configKey,
            detail: `data.${configKey} ${read.reason}`,
        };
    }
    if (read.state === "absent") {
        return {
            value: absent,
            origin: "default",
            helmPath,
            configKey,
            detail: `not in cilium-config; ${absentDetail}`,
        };
    }
    const value = parse(read.value);
    return value === undefined
        ? {
              value,
              origin: "unchecked",
              helmPath,
              configKey,
              detail: `cilium-config has ${JSON.stringify(read.value)}, not a valid value`,
          }
        : { value, origin: "set", helmPath, configKey, detail: `cilium-config has "${String(read.value)}"` };
}

/** The agent's default for a key the ConfigMap leaves out: the documented chart default (newest carried chart). */
function agentDefault<T>(helmPath: string, parse: Parse<T>): T {
    return parse(ciliumDefault(newestCiliumChart(), helmPath).value) as T;
}

function settingsFromConfigMap(
    configMap: StackResource,
    agent: StackResource | undefined,
    helm: HelmSource | undefined,
    version: ChartVersion | undefined,
): CiliumSettings {
    const data = readObject(guarded(configMap.props), ["data"]);
    const agentDefaultApplies = "the agent default applies";
    const chainingMode = fromConfigMap(
        data,
        "cni-chaining-mode",
        "cni.chainingMode",
        asString,
        "none",
        agentDefaultApplies,
    );
    const chained = chainingMode.value !== undefined && chainingMode.value !== "none";
    const ipam = fromConfigMap(
        data,
        "ipam",
        "ipam.mode",
        asString,
        agentDefault("ipam.mode", asString),
        agentDefaultApplies,
    );
    return {
        socketLbHostNamespaceOnly: fromConfigMap(
            data,
            "bpf-lb-sock-hostns-only",
            "socketLB.hostNamespaceOnly",
            asBoolean,
            agentDefault("socketLB.hostNamespaceOnly", asBoolean),
            "the agent default (false) applies",
        ),
        // The chart writes cni-exclusive whenever Cilium installs its CNI config, so a missing key means Cilium does not own it.
        cniExclusive: fromConfigMap(
            data,
            "cni-exclusive",
            "cni.exclusive",
            asBoolean,
            false,
            "the chart writes it whenever Cilium installs its CNI config, so Cilium does not own the CNI config directory",
        ),
        chainingMode,
        kubeProxyReplacement: fromConfigMap(
            data,
            "kube-proxy-replacement",
            "kubeProxyReplacement",
            asString,
            agentDefault("kubeProxyReplacement", asString),
            agentDefaultApplies,
        ),
        routingMode: fromConfigMap(
            data,
            "routing-mode",
            "routingMode",
            asString,
            agentDefault("routingMode", asString),
            agentDefaultApplies,
        ),
        bpfMasquerade: fromConfigMap(
            data,
            "enable-bpf-masquerade",
            "bpf.masquerade",
            asBoolean,
            agentDefault("bpf.masquerade", asBoolean),
            agentDefaultApplies,
        ),
        hostLegacyRouting: fromConfigMap(
            data,
            "enable-host-legacy-routing",
            "bpf.hostLegacyRouting",
            asBoolean,
            chained || agentDefault("bpf.hostLegacyRouting", asBoolean),
            agentDefaultApplies,
        ),
        eniEnabled:
            ipam.value === undefined
                ? {
                      value: undefined,
                      origin: "unchecked",
                      helmPath: "eni.enabled",
                      configKey: "ipam",
                      detail: ipam.detail,
                  }
                : {
                      value: ipam.value === "eni",
                      origin: ipam.origin,
                      helmPath: "eni.enabled",
                      configKey: "ipam",
                      detail: `ipam is "${ipam.value}"`,
                  },
        k8sServiceHost: configMapK8sServiceHost(agent, helm, version),
        agentNotReadyTaintKey: fromConfigMap(
            data,
            "agent-not-ready-taint-key",
            "agentNotReadyTaintKey",
            asString,
            agentDefault("agentNotReadyTaintKey", asString),
            agentDefaultApplies,
        ),
        // The agent's flag defaults to true; the chart always writes the key.
        ipv4Masquerade: fromConfigMap(
            data,
            "enable-ipv4-masquerade",
            "enableIPv4Masquerade",
            asBoolean,
            true,
            "the agent default (true) applies",
        ),
        nonDefaultDenyPolicies: configMapNonDefaultDenyPolicies(data),
        operatorTolerations:
            helm && version
                ? fromHelm(helm, version, "operator.tolerations", "operator.tolerations", asList)
                : {
                      value: undefined,
                      origin: "unchecked",
                      helmPath: "operator.tolerations",
                      configKey: "operator.tolerations",
                      detail: "cilium-config does not carry the operator's tolerations",
                  },
        gatewayApi: fromConfigMap(
            data,
            "enable-gateway-api",
            "gatewayAPI.enabled",
            asBoolean,
            false,
            "the chart writes it only when Gateway API is on",
        ),
        clusterName: fromConfigMap(
            data,
            "cluster-name",
            "cluster.name",
            asString,
            agentDefault("cluster.name", asString),
            agentDefaultApplies,
        ),
        clusterId: fromConfigMap(
            data,
            "cluster-id",
            "cluster.id",
            asInteger,
            agentDefault("cluster.id", asInteger),
            agentDefaultApplies,
        ),
        maxConnectedClusters: fromConfigMap(
            data,
            "max-connected-clusters",
            "clustermesh.maxConnectedClusters",
            asInteger,
            agentDefault("clustermesh.maxConnectedClusters", asInteger),
            agentDefaultApplies,
        ),
        ipamMode: ipam,
        clusterPoolIpv4Cidrs: fromConfigMap(
            data,
            "cluster-pool-ipv4-cidr",
            "ipam.operator.clusterPoolIPv4PodCIDRList",
            asCidrList,
            agentDefault("ipam.operator.clusterPoolIPv4PodCIDRList", asCidrList),
            agentDefaultApplies,
        ),
        nativeRoutingCidr: fromConfigMap(
            data,
            "ipv4-native-routing-cidr",
            "ipv4NativeRoutingCIDR",
            asString,
            "",
            "not set (in ENI mode the agent takes the VPC's CIDR)",
        ),
        tunnelProtocol: fromConfigMap(
            data,
            "tunnel-protocol",
            "tunnelProtocol",
            asString,
            agentDefault("tunnelProtocol", asString),
            agentDefaultApplies,
        ),
        policyDefaultLocalCluster: configMapPolicyDefaultLocalCluster(data),
    };
}

/**
 * `policy-default-local-cluster` absent: an agent before 1.18 (no such flag: every cluster is selected) or one left at
 * its default, which 1.19 turned to true (chart-defaults/cilium.json), so the agent's version decides.
 */
function configMapPolicyDefaultLocalCluster(data: Read<object>): Setting<boolean> {
    const setting = fromConfigMap(
        data,
        "policy-default-local-cluster",
        "clustermesh.policyDefaultLocalCluster",
        asBoolean,
        false,
        "",
    );
    return setting.origin === "default"
        ? {
              ...setting,
              value: undefined,
              origin: "unchecked",
              detail: "not in cilium-config: an agent before 1.18 selects every cluster, a 1.19 one defaults to the local cluster",
          }
        : setting;
}

/** `enable-non-default-deny-policies` absent: an agent before 1.17 (no such flag) or one left at its default true. */
function configMapNonDefaultDenyPolicies(data: Read<object>): Setting<boolean> {
    const setting = fromConfigMap(
        data,
        "enable-non-default-deny-policies",
        "enableNonDefaultDenyPolicies",
        asBoolean,
        true,
        "",
    );
    return setting.origin === "default"
        ? {
              ...setting,
              value: undefined,
              origin: "unchecked",
              detail: "not in cilium-config: an agent before 1.17 has no such flag, a later one defaults to true",
          }
        : setting;
}

/**
 * cilium-config does not carry the API server host: the chart puts it in the agent's environment
 * (docs/cilium-istio-facts.md#cilium-values-to-config). Read it from the chart's values when the chart is known, else
 * from the `cilium` DaemonSet's `KUBERNETES_SERVICE_HOST`.
 */
function configMapK8sServiceHost(
    agent: StackResource | undefined,
    helm: HelmSource | undefined,
    version: ChartVersion | undefined,
): Setting<string> {
    if (helm && version) {
        return helmK8sServiceHost(helm, version);
    }
    const helmPath = "k8sServiceHost";
    const configKey = "KUBERNETES_SERVICE_HOST";
    if (!agent) {
        return {
            value: undefined,
            origin: "unchecked",
            helmPath,
            configKey,
            detail: "cilium-config does not carry it and the stack has no cilium DaemonSet to read it from",
        };
    }
    const containers = readArray(guarded(agent.props), ["spec", "template", "spec", "containers"]);
    if (containers.state !== "known") {
        return {
            value: undefined,
            origin: "unchecked",
            helmPath,
            configKey,
            detail: whyNotRead(containers, "the cilium DaemonSet has no containers"),
        };
    }
    for (let c = 0; c < containers.value.length; c++) {
        const env = readArray(containers.value, [c, "env"]);
        if (env.state === "unreadable") {
            return {
                value: undefined,
                origin: "unchecked",
                helmPath,
                configKey,
                detail: `containers[${c}].env ${env.reason}`,
            };
        }
        const entries = env.state === "known" ? env.value : [];
        for (let e = 0; e < entries.length; e++) {
            const name = readString(entries, [e, "name"]);
            if (name.state === "known" && name.value === configKey) {
                const value = readString(entries, [e, "value"]);
                return value.state === "unreadable"
                    ? {
                          value: undefined,
                          origin: "unchecked",
                          helmPath,
                          configKey,
                          detail: `env ${configKey} ${value.reason}`,
                      }
                    : {
                          value: value.state === "known" ? value.value : "",
                          origin: "set",
                          helmPath,
                          configKey,
                          detail: `the cilium DaemonSet sets ${configKey}`,
                      };
            }
        }
    }
    return {
        value: "",
        origin: "default",
        helmPath,
        configKey,
        detail: `the cilium DaemonSet does not set ${configKey}`,
    };
}

function isCiliumAgentDaemonSet(resource: StackResource): boolean {
    if (!isKubernetes(resource.type, "apps", "DaemonSet")) {
        return false;
    }
    const name = readString(guarded(resource.props), ["metadata", "name"]);
    return name.state === "known" && name.value === "cilium";
}

// ---------------------------------------------------------------------------------------------------------------

/**
 * Every Cilium install in the stack. A ConfigMap rendered by a chart joins that chart (the chart whose resource name
 * prefixes the ConfigMap's, as helm.v4.Chart names its children `<chart>:<namespace>/<name>`, or the only Cilium
 * chart); any other ConfigMap is an install of its own.
 */
export function readCiliumInstalls(resources: readonly StackResource[]): CiliumInstall[] {
    const helmInstalls: HelmSource[] = [];
    const configMaps: StackResource[] = [];
    let agent: StackResource | undefined;
    for (const resource of resources) {
        const helm = readHelmSource(resource);
        if (helm && isCiliumChart(helm)) {
            helmInstalls.push(helm);
        } else if (isCiliumConfigMap(resource)) {
            configMaps.push(resource);
        } else if (isCiliumAgentDaemonSet(resource)) {
            agent = resource;
        }
    }
    const charts = helmInstalls.filter((helm) => helm.kind === "chart");
    const joined = new Map<HelmSource, StackResource>();
    const installs: CiliumInstall[] = [];
    for (const configMap of configMaps) {
        const chart = renderedByChart(configMap.urn)
            ? (charts.find((c) => configMap.name.startsWith(`${c.source.name}:`)) ??
              (charts.length === 1 ? charts[0] : undefined))
            : undefined;
        if (chart) {
            joined.set(chart, configMap);
            continue;
        }
        installs.push({
            source: sourceOf(configMap),
            configMap: sourceOf(configMap),
            settings: settingsFromConfigMap(configMap, agent, undefined, undefined),
        });
    }
    for (const helm of helmInstalls) {
        const chartVersion = ciliumChartVersion(helm.version);
        const configMap = joined.get(helm);
        installs.push({
            source: helm.source,
            helm,
            chartVersion,
            configMap: configMap ? sourceOf(configMap) : undefined,
            settings: configMap
                ? settingsFromConfigMap(configMap, agent, helm, chartVersion)
                : settingsFromHelm(helm, chartVersion),
        });
    }
    return installs;
}

/** `Release "cilium"` or `Release "cilium" (rendered ConfigMap "cilium:kube-system/cilium-config")`. */
export function describeInstall(install: CiliumInstall): string {
    return install.configMap && install.configMap.urn !== install.source.urn
        ? `${describeSource(install.source)} (rendered ${describeSource(install.configMap)})`
        : describeSource(install.source);
}
