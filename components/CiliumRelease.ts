import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
    API_HOST_KNOWN_LATER,
    CA_KNOWN_LATER,
    KEY_KNOWN_LATER,
    buildCiliumValues,
    CILIUM_CHART,
    CILIUM_DEFAULTS,
    CiliumValuesInput,
} from "./cilium-values";
import { CiliumDatapath, IstioMode, TunnelProtocol } from "./types";
import { HelmValues } from "./values-merge";

/** Hubble, Cilium's flow observability. */
export interface HubbleArgs {
    /** Run Hubble in the agents. Default true (the chart's default). */
    enabled?: boolean;
    /** Deploy hubble-relay (needs `enabled`). Default false. */
    relay?: boolean;
    /** Deploy the Hubble UI (needs `relay`). Default false. */
    ui?: boolean;
}

/** Another cluster of the mesh, as this cluster's Cilium connects to it. */
export interface CiliumClusterMeshPeerArgs {
    /** Its `cluster.name`. No default. */
    name: string;
    /** Host name (or address) of its clustermesh-apiserver (ClusterMesh.apiServerHosts). No default. */
    address: pulumi.Input<string>;
    /** Port of its clustermesh-apiserver. Default 2379. */
    port?: number;
}

/** This cluster's part of a Cilium ClusterMesh; ClusterMesh.ciliumSettings(name) gives all of it. */
export interface CiliumClusterMeshArgs {
    /** `cluster.name`: at most 32 lower-case letters, digits and dashes, not "default". No default. */
    clusterName: string;
    /** `cluster.id`: 1–255 (1–511 with maxConnectedClusters 511); 1–127 with eni and chaining. No default. */
    clusterId: number;
    /** `clustermesh.maxConnectedClusters`: 255 or 511. Default 255. */
    maxConnectedClusters?: number;
    /** Host name of this cluster's clustermesh-apiserver load balancer: its server certificate names it. No default. */
    apiServerHost: pulumi.Input<string>;
    /** The other clusters. No default. */
    peers: CiliumClusterMeshPeerArgs[];
    /** The clustermesh CA every cluster shares (`tls.ca.cert`), PEM. No default. */
    caCertPem: pulumi.Input<string>;
    /** Its private key (`tls.ca.key`), PEM; secret. No default. */
    caKeyPem: pulumi.Input<string>;
    /** `ipv4NativeRoutingCIDR` covering every cluster's pods (eni, chaining). Default: unset (the VPC's CIDR). */
    nativeRoutingCidr?: string;
    /** The overlay's cluster-pool CIDR (`ipam.operator.clusterPoolIPv4PodCIDRList`); required with overlay. Default none. */
    podCidr?: string;
}

export interface CiliumReleaseArgs {
    /**
     * Cilium chart version: a release of 1.15.x–1.19.x (the minors whose chart data the project carries), no later
     * than the newest patch the carried release data lists (docs/versions.md). Default "1.19.6".
     */
    version?: string;
    /**
     * The cluster's Kubernetes minor (e.g. "1.34"): when given, `version` must be a Cilium release that supports it
     * (docs/versions.md). Default: not checked.
     */
    kubernetesVersion?: string;
    /**
     * Accept a `version` the carried release data does not list, or one that does not list `kubernetesVersion` (a
     * newer patch, a combination you tested yourself). Its minor must still be a carried one. Default false.
     */
    allowUnsupportedVersions?: boolean;
    /** How Cilium provides pod networking. Default "eni". */
    datapath?: CiliumDatapath;
    /** Encapsulation of the `overlay` datapath (checked, but unused, for the others). Default "vxlan". */
    tunnelProtocol?: TunnelProtocol;
    /**
     * The API server's host name, without scheme (use `Cluster.endpointHost`). Required for `eni` and `overlay`,
     * which replace kube-proxy; optional for `chaining`. No default.
     */
    k8sServiceHost?: pulumi.Input<string>;
    /** The API server's port. Default 443 (EKS). */
    k8sServicePort?: number;
    /**
     * The stack runs Istio: forces `socketLB.hostNamespaceOnly: true` and `cni.exclusive: false` (and, for
     * `istioMode` ambient, `bpf.masquerade: false` and `bpf.hostLegacyRouting: true`). Default true.
     */
    istio?: boolean;
    /** Istio's data plane, when `istio` is true. Default "sidecar". */
    istioMode?: IstioMode;
    /** Hubble options. Default: Hubble on, relay and UI off. */
    hubble?: HubbleArgs;
    /** Prometheus metrics from the agents and the operator. Default false. */
    prometheus?: boolean;
    /** Cilium's Gateway API controller (needs kube-proxy replacement: not with `chaining`). Default false. */
    gatewayApi?: boolean;
    /** cilium-operator replicas, 1–10. Default 2 (the chart's default). */
    operatorReplicas?: number;
    /**
     * kubeProxyReplacement as the chart version spells it: "true" or "false" for charts 1.16+ (written as a
     * boolean); 1.15 also accepts "strict" and "disabled". Must mean "on" for eni/overlay and "off" for chaining.
     * Default: "true" for eni and overlay, "false" for chaining.
     */
    kubeProxyReplacement?: string;
    /**
     * Helm values merged last, over everything above (maps merge, anything else replaces). Plain values only: they
     * are checked at construction. Overrides that undo what the datapath or Istio needs are rejected. Default none.
     */
    extraValues?: { [key: string]: any };
    /** This cluster's part of a ClusterMesh (ClusterMesh.ciliumSettings). Default: not in a mesh. */
    clusterMesh?: CiliumClusterMeshArgs;
}

/**
 * Cilium from its Helm chart (`cilium` from helm.cilium.io) into kube-system, configured for EKS and for Istio.
 * The Kubernetes provider comes in through `opts.provider`/`opts.providers`; the Release inherits it as a child.
 * Every input is checked, and the values validated against the chart's own values.schema.json, before anything is
 * registered.
 */
export class CiliumRelease extends pulumi.ComponentResource {
    /** The Helm release of the `cilium` chart in kube-system. */
    public readonly release: k8s.helm.v3.Release;
    /** The Helm values given to the chart. */
    public readonly values: pulumi.Output<{ [key: string]: any }>;
    /** The chart version installed. */
    public readonly version: pulumi.Output<string>;
    /** The datapath Cilium runs. */
    public readonly datapath: pulumi.Output<CiliumDatapath>;

    constructor(name: string, args: CiliumReleaseArgs, opts?: pulumi.ComponentResourceOptions) {
        // Values only known later (Outputs: the API server host, the mesh's addresses and CA) cannot be looked at now;
        // stand-ins of the same shape let every other value be checked before registration. Each Output then takes
        // its stand-in's place in the values, checked on arrival, so that what is known stays known at preview (a
        // policy sees cluster.id while the load balancer's host name is still unknown).
        const mesh = args.clusterMesh;
        const peers = mesh !== undefined && Array.isArray(mesh.peers) ? mesh.peers : [];
        const later: [string, pulumi.Input<string> | undefined, string][] = [
            ["k8sServiceHost", args.k8sServiceHost, API_HOST_KNOWN_LATER],
            ...(mesh === undefined
                ? []
                : ([
                      ["apiServerHost", mesh.apiServerHost, `mesh.${API_HOST_KNOWN_LATER}`],
                      ["caCertPem", mesh.caCertPem, CA_KNOWN_LATER],
                      ["caKeyPem", mesh.caKeyPem, KEY_KNOWN_LATER],
                      ...peers.map((peer, i) => [`peers.${i}`, peer?.address, `peer-${i}.${API_HOST_KNOWN_LATER}`]),
                  ] as [string, pulumi.Input<string> | undefined, string][])),
        ];
        const plain = (value: unknown) => value === undefined || typeof value === "string";
        const withValues = (resolved: (string | undefined)[]): CiliumValuesInput => {
            const at = (key: string) => resolved[later.findIndex(([k]) => k === key)];
            return {
                ...args,
                k8sServiceHost: at("k8sServiceHost"),
                clusterMesh:
                    mesh === undefined
                        ? undefined
                        : {
                              ...mesh,
                              apiServerHost: at("apiServerHost"),
                              caCertPem: at("caCertPem"),
                              caKeyPem: at("caKeyPem"),
                              peers: Array.isArray(mesh.peers)
                                  ? mesh.peers.map((peer, i) => ({ ...peer, address: at(`peers.${i}`) }))
                                  : mesh.peers,
                          },
            };
        };
        const standIns = later.map(([, value, standIn]) => (plain(value) ? (value as string | undefined) : standIn));
        const checkedValues = buildCiliumValues(withValues(standIns));

        super("eks-cilium-istio:index:CiliumRelease", name, args, opts);

        const arriving = later.map(([, value], i) =>
            plain(value)
                ? undefined
                : pulumi.output(value as pulumi.Input<string>).apply((resolved) => {
                      buildCiliumValues(withValues(standIns.map((standIn, j) => (j === i ? resolved : standIn))));
                      return resolved;
                  }),
        );
        // Given to the Release as an object with Outputs at its leaves, not as one Output: a secret leaf (the CA's key)
        // then keeps only itself secret in the state, and the cluster's name and ID stay readable to a policy.
        const values = replaceStandIns(checkedValues, standIns, arriving) as HelmValues;
        const version = args.version ?? CILIUM_DEFAULTS.version;

        this.release = new k8s.helm.v3.Release(
            name,
            {
                name: CILIUM_CHART.releaseName,
                chart: CILIUM_CHART.chart,
                repositoryOpts: { repo: CILIUM_CHART.repo },
                version,
                namespace: CILIUM_CHART.namespace,
                values,
                // Helm waits for Cilium's pods, and on a new cluster the operator has no node until the node group, created
                // at the same time, has booted (with eni/overlay the nodes only turn Ready once Cilium runs on them).
                // Helm's default of 300 s is shorter than that; 20 minutes is in line with EKS's own node group waits.
                timeout: 1200,
            },
            { parent: this },
        );

        this.values = pulumi.output(values);
        this.version = pulumi.output(version);
        this.datapath = pulumi.output(args.datapath ?? CILIUM_DEFAULTS.datapath);
        this.registerOutputs({
            release: this.release,
            values: this.values,
            version: this.version,
            datapath: this.datapath,
        });
    }
}

/**
 * The values with each stand-in replaced by the Output it stands for: as is, or base64-encoded where the values
 * carry it so (the CA's `tls.ca.cert` and `tls.ca.key`).
 */
function replaceStandIns(
    node: unknown,
    standIns: (string | undefined)[],
    arriving: (pulumi.Output<string> | undefined)[],
): unknown {
    if (typeof node === "string") {
        for (const [i, output] of arriving.entries()) {
            if (output === undefined) {
                continue;
            }
            if (node === standIns[i]) {
                return output;
            }
            if (node === Buffer.from(standIns[i]!).toString("base64")) {
                return output.apply((value) => Buffer.from(value).toString("base64"));
            }
        }
        return node;
    }
    if (Array.isArray(node)) {
        return node.map((item) => replaceStandIns(item, standIns, arriving));
    }
    if (typeof node === "object" && node !== null) {
        return Object.fromEntries(
            Object.entries(node).map(([key, item]) => [key, replaceStandIns(item, standIns, arriving)]),
        );
    }
    return node;
}
