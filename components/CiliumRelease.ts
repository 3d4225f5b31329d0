import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
    API_HOST_KNOWN_LATER,
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
        // A host only known later (an Output, e.g. Cluster.endpointHost) cannot be looked at now; a stand-in of the
        // same type lets every other value be checked before registration, and the real host is checked on arrival.
        const host = args.k8sServiceHost;
        const hostIsPlain = host === undefined || typeof host === "string";
        const input: CiliumValuesInput = { ...args, k8sServiceHost: hostIsPlain ? host : API_HOST_KNOWN_LATER };
        const checkedValues = buildCiliumValues(input);

        super("eks-cilium-istio:index:CiliumRelease", name, args, opts);

        const values: pulumi.Output<HelmValues> = hostIsPlain
            ? pulumi.output(checkedValues)
            : pulumi.output(host).apply((resolved) => buildCiliumValues({ ...args, k8sServiceHost: resolved }));
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

        this.values = values;
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
