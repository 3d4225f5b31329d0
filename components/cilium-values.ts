/**
 * The Helm values of the Cilium chart on EKS, per datapath, with what Istio needs from Cilium. A pure function, so
 * every value can be checked (and tested) before any resource exists.
 *
 * Sources: docs/cilium-istio-facts.md#cilium-on-eks (the EKS install values per datapath),
 * docs/cilium-istio-facts.md#cilium-istio-docs (Cilium's Istio integration page),
 * docs/cilium-istio-facts.md#cilium-values-to-config (what each value does, chart validate rules);
 * docs/failure-modes.md#f1, #f2, #f5, #f9.
 */
import { carriedSchemaVersions, ciliumSchemaErrors } from "./chart-schemas/cilium-schemas";
import { ISTIO_CNI_NOT_READY_TAINT } from "./cluster-settings";
import { toleratesIstioCniTaint } from "cilium-istio-guard/model/istio-node-placement";
import { CiliumDatapath, IstioMode, TunnelProtocol } from "./types";
import { bool, InputError, intInRange, ipv4Cidr, oneOf } from "./validation";
import { HelmValues, isMap, mergeValues, valueAt } from "./values-merge";
import { atLeast, parseVersion } from "./versions";
import { checkCiliumRelease } from "./release-support";
import { CILIUM_CHART_VERSIONS, NEWEST_CILIUM_CHART } from "cilium-istio-guard/model/carried-charts";
import {
    CLUSTER_NAME,
    CLUSTER_NAME_MAX,
    CLUSTERMESH_APISERVER_PORT,
    MAX_CLUSTER_ID,
} from "cilium-istio-guard/model/cluster-mesh-facts";

/** Where the chart comes from and where it goes (docs/cilium-istio-facts.md#cilium-chart). */
export const CILIUM_CHART = {
    chart: "cilium",
    repo: "https://helm.cilium.io",
    namespace: "kube-system",
    /** The release name the Cilium docs install under. */
    releaseName: "cilium",
} as const;

/** The defaults of every CiliumRelease input, in one place. */
export const CILIUM_DEFAULTS = {
    version: NEWEST_CILIUM_CHART,
    datapath: CiliumDatapath.Eni,
    tunnelProtocol: TunnelProtocol.Vxlan,
    k8sServicePort: 443,
    istio: true,
    istioMode: IstioMode.Sidecar,
    // The chart's own defaults (values.yaml: hubble.enabled true, relay and UI off; operator.replicas 2).
    hubble: { enabled: true, relay: false, ui: false },
    prometheus: false,
    gatewayApi: false,
    operatorReplicas: 2,
    /**
     * ENI mode masquerades pods' IPv4 traffic that leaves the VPC, on any interface, on every chart version: the
     * charts stop masquerading in ENI mode from 1.18 and expect nodes behind a NAT gateway (cilium/cilium#38663), and
     * `egressMasqueradeInterfaces: eth+` matches nothing on AL2023 nodes (`ens*`, cilium/cilium#39515). The default
     * VPC's public subnets then carry pods' Internet traffic on the node's address
     * (docs/cilium-datapath.md#masquerading-default-choice). Nodes behind a NAT gateway may set it false through
     * extraValues.
     */
    eniIpv4Masquerade: true,
} as const;

/**
 * The chart versions the project carries data for, by minor (see chart-schemas/NOTICE.md). A version of one of
 * these minors is accepted and checked with that minor's carried data: Helm checks the chart's own schema again at
 * install, so a patch-level difference can make the early check miss something but never lets a bad value through.
 * Other minors are rejected: their values layout (1.14 and older: `tunnel` instead of `routingMode`, KPR `strict`)
 * or schema is unknown here.
 */
const CARRIED_CHARTS: { [minor: string]: string } = Object.fromEntries(
    CILIUM_CHART_VERSIONS.map((version) => [version.split(".").slice(0, 2).join("."), version]),
);

/** A requested chart version and the carried chart data that applies to it. */
export interface CiliumChartVersion {
    /** The version to install, as given. */
    version: string;
    /** The carried chart version whose data checks it. */
    carried: string;
    /** Charts 1.16+ accept only true/false for kubeProxyReplacement; 1.15 also the deprecated strings. */
    booleanKubeProxyReplacement: boolean;
    /**
     * Cilium policies have `enableDefaultDeny` (1.16+, cilium/cilium#30572), which Istio's ambient probe policy
     * relies on (docs/cilium-datapath.md#enable-default-deny).
     */
    enableDefaultDeny: boolean;
    /** The chart has `enableNonDefaultDenyPolicies` (1.17+, cilium/cilium#34940); false there ignores the field. */
    nonDefaultDenyPoliciesValue: boolean;
    /**
     * The operator's default tolerations when they do not tolerate every taint (1.18+ charts; undefined before,
     * where the default `[{operator: Exists}]` does), docs/cilium-datapath.md#operator-tolerations.
     */
    operatorTolerations?: readonly Toleration[];
    /**
     * Whether a values.schema.json is carried for it (none exists for 1.15.x charts,
     * docs/cilium-istio-facts.md#cilium-chart).
     */
    hasSchema: boolean;
}

/** Resolves a chart version; an InputError for a malformed, pre-release, or not carried one. */
export function resolveCiliumChartVersion(value: unknown): CiliumChartVersion {
    const parsed = parseVersion("CiliumRelease.version", value, NEWEST_CILIUM_CHART);
    const carried = CARRIED_CHARTS[`${parsed.major}.${parsed.minor}`];
    if (carried === undefined || !/^\d+\.\d+\.\d+$/.test(parsed.text)) {
        throw new InputError(
            "CiliumRelease.version",
            value,
            `a released chart version of a minor this project carries chart data for: ${Object.keys(CARRIED_CHARTS)
                .map((minor) => `${minor}.x`)
                .join(", ")} (data from ${Object.values(CARRIED_CHARTS).join(", ")})`,
        );
    }
    return {
        version: parsed.text,
        carried,
        booleanKubeProxyReplacement: atLeast(parsed, 1, 16),
        enableDefaultDeny: atLeast(parsed, 1, 16),
        nonDefaultDenyPoliciesValue: atLeast(parsed, 1, 17),
        operatorTolerations: atLeast(parsed, 1, 18) ? OPERATOR_TOLERATIONS_1_18 : undefined,
        hasSchema: carriedSchemaVersions().includes(carried),
    };
}

/** A Kubernetes toleration as Helm values carry it. */
export interface Toleration {
    key?: string;
    operator?: string;
    value?: string;
    effect?: string;
}

/** `operator.tolerations` in the 1.18.12 and 1.19.6 charts' values.yaml. */
const OPERATOR_TOLERATIONS_1_18: readonly Toleration[] = [
    { key: "node-role.kubernetes.io/control-plane", operator: "Exists" },
    { key: "node-role.kubernetes.io/master", operator: "Exists" },
    { key: "node.kubernetes.io/not-ready", operator: "Exists" },
    { key: "node.cloudprovider.kubernetes.io/uninitialized", operator: "Exists" },
];

/** The toleration of Istio's istio-cni taint that Cilium's operator needs (cluster-settings.ts). */
const ISTIO_CNI_TOLERATION: Toleration = { key: ISTIO_CNI_NOT_READY_TAINT.key, operator: "Exists" };

/**
 * Stands in for an API server host that is still an Output (e.g. Cluster.endpointHost) while every other value is
 * checked before registration; `.invalid` is reserved and never resolves (RFC 2606). The real host is checked when
 * it arrives.
 */
export const API_HOST_KNOWN_LATER = "api-server.known-later.invalid";

/** The builder's input: CiliumReleaseArgs with the API host already resolved to a string. */
export interface CiliumValuesInput {
    version?: string;
    datapath?: string;
    tunnelProtocol?: string;
    k8sServiceHost?: string;
    k8sServicePort?: number;
    istio?: boolean;
    istioMode?: string;
    hubble?: { enabled?: boolean; relay?: boolean; ui?: boolean };
    prometheus?: boolean;
    gatewayApi?: boolean;
    operatorReplicas?: number;
    kubeProxyReplacement?: string;
    extraValues?: HelmValues;
    kubernetesVersion?: string;
    allowUnsupportedVersions?: boolean;
    /** CiliumReleaseArgs.clusterMesh with its Outputs resolved to strings. */
    clusterMesh?: ClusterMeshValuesInput;
}

/** The cluster's part of a ClusterMesh (CiliumReleaseArgs.clusterMesh), every value known. */
export interface ClusterMeshValuesInput {
    clusterName?: unknown;
    clusterId?: unknown;
    maxConnectedClusters?: unknown;
    apiServerHost?: unknown;
    peers?: unknown;
    caCertPem?: unknown;
    caKeyPem?: unknown;
    nativeRoutingCidr?: unknown;
    podCidr?: unknown;
}

/**
 * Stands in for a clustermesh CA, or a peer's address, that is still an Output while the rest is checked before
 * registration (like API_HOST_KNOWN_LATER).
 */
export const CA_KNOWN_LATER = "-----BEGIN CERTIFICATE-----\nknown later\n-----END CERTIFICATE-----\n";
export const KEY_KNOWN_LATER = "-----BEGIN PRIVATE KEY-----\nknown later\n-----END PRIVATE KEY-----\n";

/**
 * kubeProxyReplacement strings each chart accepts (docs/cilium-istio-facts.md#cilium-values-to-config; values.yaml
 * comments of 1.15.19, 1.16.19).
 */
const KPR_ACCEPTED_1_15 = ["true", "false", "disabled", "partial", "strict"];
const KPR_ACCEPTED_1_16 = ["true", "false"];
const KPR_OFF = ["false", "disabled"];

/** A value the builder sets because the datapath or Istio cannot work without it, and why. */
interface Essential {
    value: unknown;
    reasons: string[];
}

const BECAUSE = {
    eni: "the eni datapath (Cilium's EKS ENI install, docs/cilium-istio-facts.md#cilium-on-eks)",
    chaining: "the chaining datapath (Cilium's aws-cni chaining install, docs/cilium-istio-facts.md#cilium-on-eks)",
    overlay: "the overlay datapath (Cilium's EKS overlay install, docs/cilium-istio-facts.md#cilium-on-eks)",
    noKubeProxy:
        "this datapath runs without kube-proxy, so Cilium must replace it and reach the API server directly " +
        "(docs/cilium-istio-facts.md#socket-lb-bypass; docs/failure-modes.md#f9)",
    keepsKubeProxy:
        "the chaining datapath keeps the kube-proxy add-on, and kube-proxy replacement must not run beside " +
        "it (docs/failure-modes.md#f9)",
    socketLb:
        "Istio: socket load balancing in pod namespaces bypasses sidecar/ztunnel redirection (docs/failure-modes.md#f1)",
    cniExclusive:
        "Istio: istio-cni chains its plugin into Cilium's CNI config, which an exclusive Cilium removes " +
        "(docs/failure-modes.md#f2)",
    ambientMasquerade: "Istio ambient: BPF masquerading breaks ambient health probes (docs/failure-modes.md#f5)",
    ambientHostRouting:
        "Istio ambient: BPF host routing drops the replies to ambient's probe SNAT address; legacy " +
        "host routing is the fix with most evidence, set explicitly because whether Cilium falls back to it by " +
        "itself depends on masquerading and the chart version (docs/failure-modes.md#f5, docs/cilium-datapath.md#host-routing)",
    ambientProbePolicy:
        "Istio ambient: Istio's allow-ambient-hostprobes policy opts out of default deny with enableDefaultDeny, " +
        "which enableNonDefaultDenyPolicies false ignores, turning it into default deny for every pod " +
        "(docs/cilium-datapath.md#enable-default-deny)",
    gatewayApi: "Cilium's Gateway API needs the L7 proxy (docs.cilium.io, Gateway API Support, prerequisites)",
    clusterMesh:
        "the ClusterMesh (clusterMesh): the cluster's name, ID and peers, one CA for every cluster, and the " +
        "clustermesh-apiserver behind the ClusterMesh component's load balancer (docs/cluster-mesh.md)",
};

/**
 * The hostname form Cilium's k8sServiceHost needs: no scheme, port or path (docs/cilium-istio-facts.md#cilium-on-eks).
 */
const HOSTNAME = /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/;

/** `values` with `value` written at the dotted `path`, creating maps on the way (mutates `values`). */
function setAt(values: HelmValues, path: string, value: unknown): void {
    const steps = path.split(".");
    let node = values;
    for (const step of steps.slice(0, -1)) {
        if (!isMap(node[step])) {
            node[step] = {};
        }
        node = node[step];
    }
    node[steps[steps.length - 1]] = value;
}

/**
 * The values a ClusterMesh member needs (docs/cluster-mesh.md#cilium-values), by dotted path; throws an InputError
 * naming `CiliumRelease.clusterMesh.<field>`. The CA is taken as base64 of its PEM, as `tls.ca.cert`/`tls.ca.key`
 * want it (values.yaml, every carried chart). The chart's own clustermesh-apiserver Service stays ClusterIP: the
 * ClusterMesh component exposes it through an internal load balancer, whose host name goes into the server
 * certificate (`extraDnsNames`), since peers connect to that name and verify it.
 */
function clusterMeshValues(mesh: ClusterMeshValuesInput, datapath: CiliumDatapath): Record<string, unknown> {
    const input = (field: string) => `CiliumRelease.clusterMesh.${field}`;
    if (typeof mesh !== "object" || mesh === null) {
        throw new InputError(
            "CiliumRelease.clusterMesh",
            mesh,
            "the cluster's ClusterMesh settings (ClusterMesh.ciliumSettings)",
        );
    }
    const name = mesh.clusterName;
    if (typeof name !== "string" || name.length > CLUSTER_NAME_MAX || !CLUSTER_NAME.test(name) || name === "default") {
        throw new InputError(
            input("clusterName"),
            name,
            `at most ${CLUSTER_NAME_MAX} lower-case letters, digits and dashes, beginning and ending with one, not "default"`,
        );
    }
    const max = mesh.maxConnectedClusters ?? 255;
    if (max !== 255 && max !== 511) {
        throw new InputError(input("maxConnectedClusters"), max, "255 or 511");
    }
    const id = intInRange(input("clusterId"), mesh.clusterId, 1, MAX_CLUSTER_ID[max]);
    if (datapath !== CiliumDatapath.Overlay && (id & 0x80) !== 0) {
        throw new InputError(
            input("clusterId"),
            id,
            `an ID without its 128 bit with the ${datapath} datapath (cilium/cilium#21330)`,
        );
    }
    const host = mesh.apiServerHost;
    if (typeof host !== "string" || !HOSTNAME.test(host)) {
        throw new InputError(
            input("apiServerHost"),
            host,
            "the host name of this cluster's clustermesh-apiserver load balancer",
        );
    }
    if (!Array.isArray(mesh.peers) || mesh.peers.length === 0) {
        throw new InputError(input("peers"), mesh.peers, "the other clusters of the mesh, one or more");
    }
    const peers = mesh.peers.map((peer: any, i: number) => {
        const where = (field: string) => input(`peers[${i}].${field}`);
        if (typeof peer?.name !== "string" || !CLUSTER_NAME.test(peer.name) || peer.name === name) {
            throw new InputError(
                where("name"),
                peer?.name,
                `another cluster's cluster.name (not this cluster's "${name}")`,
            );
        }
        if (typeof peer.address !== "string" || !HOSTNAME.test(peer.address)) {
            throw new InputError(
                where("address"),
                peer.address,
                "the host name or address of that cluster's clustermesh-apiserver",
            );
        }
        const port = intInRange(where("port"), peer.port ?? CLUSTERMESH_APISERVER_PORT, 1, 65535);
        return { name: peer.name, address: peer.address, port };
    });
    // Checked without echoing the value: a key is a secret.
    const pem = (field: string, value: unknown, block: RegExp, what: string) => {
        if (typeof value !== "string" || !block.test(value)) {
            throw new InputError(input(field), "[secret]", `a PEM ${what}`);
        }
        return Buffer.from(value).toString("base64");
    };
    const values: Record<string, unknown> = {
        "cluster.name": name,
        "cluster.id": id,
        "clustermesh.useAPIServer": true,
        "clustermesh.maxConnectedClusters": max,
        "clustermesh.config.enabled": true,
        "clustermesh.config.clusters": peers,
        "clustermesh.apiserver.service.type": "ClusterIP",
        "clustermesh.apiserver.tls.server.extraDnsNames": [host],
        "tls.ca.cert": pem("caCertPem", mesh.caCertPem, /-----BEGIN CERTIFICATE-----/, "certificate"),
        "tls.ca.key": pem("caKeyPem", mesh.caKeyPem, /-----BEGIN [A-Z ]*PRIVATE KEY-----/, "private key"),
    };
    if (datapath === CiliumDatapath.Overlay) {
        if (mesh.nativeRoutingCidr !== undefined) {
            throw new InputError(
                input("nativeRoutingCidr"),
                mesh.nativeRoutingCidr,
                "unset with the overlay datapath (it tunnels)",
            );
        }
        values["ipam.operator.clusterPoolIPv4PodCIDRList"] = [ipv4Cidr(input("podCidr"), mesh.podCidr)];
    } else {
        if (mesh.podCidr !== undefined) {
            throw new InputError(
                input("podCidr"),
                mesh.podCidr,
                `unset with the ${datapath} datapath (pods take VPC addresses)`,
            );
        }
        if (mesh.nativeRoutingCidr !== undefined) {
            values.ipv4NativeRoutingCIDR = ipv4Cidr(input("nativeRoutingCidr"), mesh.nativeRoutingCidr);
        }
    }
    return values;
}

/** kubeProxyReplacement as the chart version wants it, or an InputError naming what it accepts. */
function resolveKubeProxyReplacement(
    chart: CiliumChartVersion,
    datapath: CiliumDatapath,
    value: unknown,
    gatewayApi: boolean,
): boolean | string {
    const input = "CiliumRelease.kubeProxyReplacement";
    const replaces = datapath !== CiliumDatapath.Chaining;
    const given = value ?? (replaces ? "true" : "false");
    const accepted = chart.booleanKubeProxyReplacement ? KPR_ACCEPTED_1_16 : KPR_ACCEPTED_1_15;
    if (typeof given !== "string" || !accepted.includes(given)) {
        throw new InputError(
            input,
            given,
            `one of ${accepted.join(", ")} (what cilium chart ${chart.version} accepts)`,
        );
    }
    // 1.15 also accepts the deprecated "strict" for full replacement, but keeps it a value of its own that checks for
    // "true" do not accept (docs/cilium-datapath.md#kpr-strict-1-15), so "true" is asked for.
    if (replaces && given === "strict") {
        throw new InputError(
            input,
            given,
            'true: "strict" is its deprecated spelling, which parts of Cilium 1.15 do not treat as "true" ' +
                "(cilium/cilium#26577, cilium/cilium#32711; docs/cilium-datapath.md#kpr-strict-1-15)",
        );
    }
    if (replaces && given !== "true") {
        throw new InputError(input, given, `true with the ${datapath} datapath: ${BECAUSE.noKubeProxy}`);
    }
    if (!replaces && !KPR_OFF.includes(given)) {
        throw new InputError(
            input,
            given,
            `${KPR_OFF.filter((v) => accepted.includes(v)).join(" or ")} with the ` +
                `chaining datapath: ${BECAUSE.keepsKubeProxy}`,
        );
    }
    if (gatewayApi && !KPR_ACCEPTED_1_16.includes(given)) {
        // The chart's validate rule for Gateway API wants an explicit "true"/"false"
        // (docs/cilium-istio-facts.md#cilium-values-to-config).
        throw new InputError(input, given, "true when gatewayApi is on (the chart's Gateway API validate rule)");
    }
    return chart.booleanKubeProxyReplacement ? given === "true" : given;
}

/**
 * The validated Cilium values for `input`, with `extraValues` merged last. Throws an InputError, naming the input,
 * the value and what is allowed, for any input out of range, for extraValues that undo what the datapath or Istio
 * needs, and for values the chart's own values.schema.json rejects.
 */
export function buildCiliumValues(input: CiliumValuesInput): HelmValues {
    const chart = resolveCiliumChartVersion(input.version ?? CILIUM_DEFAULTS.version);
    const datapath = oneOf(
        "CiliumRelease.datapath",
        input.datapath ?? CILIUM_DEFAULTS.datapath,
        Object.values(CiliumDatapath),
    );
    // Checked in every mode, used by overlay only (a stack may carry one tunnelProtocol setting for all datapaths).
    const tunnelProtocol = oneOf(
        "CiliumRelease.tunnelProtocol",
        input.tunnelProtocol ?? CILIUM_DEFAULTS.tunnelProtocol,
        Object.values(TunnelProtocol),
    );
    const istio = bool("CiliumRelease.istio", input.istio ?? CILIUM_DEFAULTS.istio);
    const istioMode = oneOf(
        "CiliumRelease.istioMode",
        input.istioMode ?? CILIUM_DEFAULTS.istioMode,
        Object.values(IstioMode),
    );
    const port = intInRange(
        "CiliumRelease.k8sServicePort",
        input.k8sServicePort ?? CILIUM_DEFAULTS.k8sServicePort,
        1,
        65535,
    );
    const host = input.k8sServiceHost;
    if (host === undefined && datapath !== CiliumDatapath.Chaining) {
        throw new InputError(
            "CiliumRelease.k8sServiceHost",
            host,
            `the API server host (e.g. Cluster.endpointHost), required by the ${datapath} datapath: ${BECAUSE.noKubeProxy}`,
        );
    }
    if (host !== undefined && (typeof host !== "string" || !HOSTNAME.test(host))) {
        throw new InputError(
            "CiliumRelease.k8sServiceHost",
            host,
            "a host name without scheme, port or path (Cilium's agent crashes on https://..., docs/cilium-istio-facts.md#cilium-on-eks)",
        );
    }
    const hubble = {
        enabled: bool("CiliumRelease.hubble.enabled", input.hubble?.enabled ?? CILIUM_DEFAULTS.hubble.enabled),
        relay: bool("CiliumRelease.hubble.relay", input.hubble?.relay ?? CILIUM_DEFAULTS.hubble.relay),
        ui: bool("CiliumRelease.hubble.ui", input.hubble?.ui ?? CILIUM_DEFAULTS.hubble.ui),
    };
    // The chart's validate rules: the UI needs the relay, the relay needs Hubble
    // (docs/cilium-istio-facts.md#cilium-values-to-config).
    if (hubble.ui && !hubble.relay) {
        throw new InputError(
            "CiliumRelease.hubble.ui",
            true,
            "false unless hubble.relay is true (the chart requires the relay for the UI)",
        );
    }
    if (hubble.relay && !hubble.enabled) {
        throw new InputError(
            "CiliumRelease.hubble.relay",
            true,
            "false unless hubble.enabled is true (the chart requires Hubble for the relay)",
        );
    }
    const prometheus = bool("CiliumRelease.prometheus", input.prometheus ?? CILIUM_DEFAULTS.prometheus);
    const gatewayApi = bool("CiliumRelease.gatewayApi", input.gatewayApi ?? CILIUM_DEFAULTS.gatewayApi);
    if (gatewayApi && datapath === CiliumDatapath.Chaining) {
        // Gateway API needs kube-proxy replacement (or NodePort, a value 1.19.6's chart no longer has), and chaining
        // keeps kube-proxy (docs.cilium.io/en/latest/network/servicemesh/gateway-api/gateway-api/, prerequisites).
        throw new InputError(
            "CiliumRelease.gatewayApi",
            true,
            "false with the chaining datapath: Cilium's Gateway API needs kube-proxy replacement, which chaining does not run",
        );
    }
    if (istio && istioMode === IstioMode.Ambient && !chart.enableDefaultDeny) {
        throw new InputError(
            "CiliumRelease.version",
            chart.version,
            "1.16.0 or later when Istio runs in ambient mode: Istio's allow-ambient-hostprobes policy relies on " +
                "enableDefaultDeny (cilium/cilium#30572), which Cilium 1.15 does not have, so there the policy puts " +
                "every pod in ingress default-deny (docs/cilium-datapath.md#enable-default-deny)",
        );
    }
    // After the mode's own requirements, which say more precisely what a release lacks.
    checkCiliumRelease(parseVersion("CiliumRelease.version", chart.version, NEWEST_CILIUM_CHART), {
        input: "CiliumRelease.version",
        kubernetesVersion: input.kubernetesVersion,
        allowUnsupported: bool("CiliumRelease.allowUnsupportedVersions", input.allowUnsupportedVersions ?? false),
    });
    const kubeProxyReplacement = resolveKubeProxyReplacement(chart, datapath, input.kubeProxyReplacement, gatewayApi);
    // The operator is leader-elected and its pods are kept on separate nodes (required anti-affinity in values.yaml):
    // more than a few replicas only adds pods that never schedule.
    const operatorReplicas = intInRange(
        "CiliumRelease.operatorReplicas",
        input.operatorReplicas ?? CILIUM_DEFAULTS.operatorReplicas,
        1,
        10,
    );
    if (input.extraValues !== undefined && !isMap(input.extraValues)) {
        throw new InputError("CiliumRelease.extraValues", input.extraValues, "a map of Helm values");
    }

    const essentials = new Map<string, Essential>();
    const need = (path: string, value: unknown, reason: string): void => {
        const known = essentials.get(path);
        if (known) {
            known.reasons.push(reason);
        } else {
            essentials.set(path, { value, reasons: [reason] });
        }
    };
    need(
        "kubeProxyReplacement",
        kubeProxyReplacement,
        datapath === CiliumDatapath.Chaining ? BECAUSE.keepsKubeProxy : BECAUSE.noKubeProxy,
    );
    switch (datapath) {
        case CiliumDatapath.Eni:
            need("eni.enabled", true, BECAUSE.eni);
            need("ipam.mode", "eni", BECAUSE.eni);
            need("routingMode", "native", BECAUSE.eni);
            break;
        case CiliumDatapath.Chaining:
            need("cni.chainingMode", "aws-cni", BECAUSE.chaining);
            need("cni.exclusive", false, BECAUSE.chaining);
            need("enableIPv4Masquerade", false, BECAUSE.chaining);
            need("routingMode", "native", BECAUSE.chaining);
            need("endpointRoutes.enabled", true, BECAUSE.chaining);
            break;
        case CiliumDatapath.Overlay:
            need("routingMode", "tunnel", BECAUSE.overlay);
            need("tunnelProtocol", tunnelProtocol, BECAUSE.overlay);
            break;
    }
    if (datapath !== CiliumDatapath.Chaining) {
        need("k8sServiceHost", host, BECAUSE.noKubeProxy);
        need("k8sServicePort", port, BECAUSE.noKubeProxy);
    }
    if (istio) {
        need("socketLB.hostNamespaceOnly", true, BECAUSE.socketLb);
        need("cni.exclusive", false, BECAUSE.cniExclusive);
        if (istioMode === IstioMode.Ambient) {
            need("bpf.masquerade", false, BECAUSE.ambientMasquerade);
            need("bpf.hostLegacyRouting", true, BECAUSE.ambientHostRouting);
            if (chart.nonDefaultDenyPoliciesValue) {
                need("enableNonDefaultDenyPolicies", true, BECAUSE.ambientProbePolicy);
            }
        }
    }
    if (gatewayApi) {
        need("gatewayAPI.enabled", true, BECAUSE.gatewayApi);
        need("l7Proxy", true, BECAUSE.gatewayApi);
    }
    if (input.clusterMesh !== undefined) {
        for (const [path, value] of Object.entries(clusterMeshValues(input.clusterMesh, datapath))) {
            need(path, value, BECAUSE.clusterMesh);
        }
    }

    const values: HelmValues = {};
    for (const [path, essential] of essentials) {
        setAt(values, path, essential.value);
    }
    if (host !== undefined && datapath === CiliumDatapath.Chaining) {
        // Not required with kube-proxy, but lets the agent reach the API server without the kubernetes Service.
        values.k8sServiceHost = host;
        values.k8sServicePort = port;
    }
    if (datapath === CiliumDatapath.Eni) {
        values.enableIPv4Masquerade = CILIUM_DEFAULTS.eniIpv4Masquerade;
    }
    if (istio && chart.operatorTolerations) {
        // Nodes tainted until istio-cni is ready still need the operator: in eni and overlay it hands out the pod
        // addresses istio-cni itself needs (docs/cilium-datapath.md#operator-tolerations).
        setAt(values, "operator.tolerations", [...chart.operatorTolerations, ISTIO_CNI_TOLERATION]);
    }
    setAt(values, "operator.replicas", operatorReplicas);
    setAt(values, "hubble.enabled", hubble.enabled);
    setAt(values, "hubble.relay.enabled", hubble.relay);
    setAt(values, "hubble.ui.enabled", hubble.ui);
    if (prometheus) {
        setAt(values, "prometheus.enabled", true);
        setAt(values, "operator.prometheus.enabled", true);
    }

    const merged = mergeValues(values, input.extraValues ?? {});
    for (const [path, essential] of essentials) {
        const actual = valueAt(merged, path);
        if (JSON.stringify(actual) !== JSON.stringify(essential.value)) {
            throw new InputError(
                `CiliumRelease.extraValues.${path}`,
                actual,
                `${JSON.stringify(essential.value)}, as required by ${essential.reasons.join("; and by ")}`,
            );
        }
    }
    if (valueAt(merged, "hubble.ui.enabled") === true && valueAt(merged, "hubble.relay.enabled") !== true) {
        throw new InputError(
            "CiliumRelease.extraValues.hubble.relay.enabled",
            valueAt(merged, "hubble.relay.enabled"),
            "true while hubble.ui.enabled is true (the chart requires the relay for the UI)",
        );
    }
    if (valueAt(merged, "hubble.relay.enabled") === true && valueAt(merged, "hubble.enabled") !== true) {
        throw new InputError(
            "CiliumRelease.extraValues.hubble.enabled",
            valueAt(merged, "hubble.enabled"),
            "true while hubble.relay.enabled is true (the chart requires Hubble for the relay)",
        );
    }
    if (istio && chart.operatorTolerations && !toleratesIstioCniTaint(valueAt(merged, "operator.tolerations"))) {
        throw new InputError(
            "CiliumRelease.extraValues.operator.tolerations",
            valueAt(merged, "operator.tolerations"),
            `a list that tolerates ${ISTIO_CNI_NOT_READY_TAINT.key}: on a node group tainted until istio-cni is ` +
                "ready the operator must run to hand out pod addresses (docs/cilium-datapath.md#operator-tolerations)",
        );
    }
    if (chart.hasSchema) {
        const errors = ciliumSchemaErrors(chart.carried, merged);
        if (errors.length > 0) {
            throw new InputError(
                "CiliumRelease.values",
                Object.fromEntries(errors.map((e) => [e.path, valueAt(merged, e.path)])),
                `values that cilium chart ${chart.carried}'s values.schema.json accepts; it reports: ` +
                    errors.map((e) => `${e.path} ${e.message}`).join("; "),
            );
        }
    }
    return merged;
}
