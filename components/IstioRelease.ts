/**
 * Istio by Helm, set up to run beside Cilium: the `base`, `istiod`, `cni` and (ambient) `ztunnel` charts in
 * istio-system, istio-cni chained into Cilium's CNI config, istiod removing istio-cni's readiness taint from nodes,
 * istiod on the host network (sized to the node group) when Cilium runs an overlay on EKS, and a mesh-wide
 * PeerAuthentication. The values are decided in istio-values.ts.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
    ambientHostProbesPolicy,
    buildIstioValues,
    cacertsData,
    cacertsSecret,
    crossNetworkGateway,
    EAST_WEST_GATEWAY,
    eastWestGatewayValues,
    istioNamespace,
    remoteSecret,
    ISTIO_CHART_REPO,
    ISTIO_CHARTS,
    ISTIO_NAMESPACE,
    istiodHostNetworkPatch,
    IstioSettings,
    meshPeerAuthentication,
    resolveIstioSettings,
} from "./istio-values";
import { CiliumDatapath, IstioMode, MtlsMode } from "./types";
import { HelmValues } from "./values-merge";

/** Helm values merged over what IstioRelease sets, per chart; overrides that break the Cilium pairing are errors. */
export interface IstioExtraValuesArgs {
    /** Values for the `base` chart. Default none. */
    base?: { [key: string]: any };
    /** Values for the `istiod` chart. Default none. */
    istiod?: { [key: string]: any };
    /** Values for the `cni` chart; `chained` must stay true. Default none. */
    cni?: { [key: string]: any };
    /** Values for the `ztunnel` chart (ambient mode only). Default none. */
    ztunnel?: { [key: string]: any };
}

/** The plug-in CA of one cluster: its intermediate, signed by the mesh's one root (istio.io, "Plug in CA Certificates"). */
export interface IstioCacertsArgs {
    /** The mesh's root certificate, PEM. No default. */
    rootCertPem: pulumi.Input<string>;
    /** This cluster's intermediate certificate, PEM. No default. */
    caCertPem: pulumi.Input<string>;
    /** Its private key, PEM; secret. No default. */
    caKeyPem: pulumi.Input<string>;
}

/** Another cluster whose Services and endpoints this istiod reads: a remote secret. */
export interface IstioRemoteClusterArgs {
    /** Its Istio clusterName. No default. */
    name: string;
    /** A kubeconfig for its API server that istiod can use (a bearer token, not `aws eks get-token`); secret. No default. */
    kubeconfig: pulumi.Input<string>;
}

/** Istio multi-primary settings of this cluster; ClusterMesh.istioSettings(name) gives all of them. */
export interface IstioMultiClusterArgs {
    /** `global.meshID`, the same in every cluster. No default. */
    meshId: string;
    /** `global.multiCluster.clusterName`, unique in the mesh. No default. */
    clusterName: string;
    /** `global.network`, also the istio-system namespace's `topology.istio.io/network` label. No default. */
    network: string;
    /** The plug-in CA (Secret `cacerts`), created before istiod starts. Default: none (istiod self-signs; the clusters then do not trust each other). */
    cacerts?: IstioCacertsArgs;
    /** The other clusters, each given a remote secret. Default none. */
    remoteClusters?: IstioRemoteClusterArgs[];
    /**
     * An east-west gateway for this cluster's network (the `gateway` chart with `networkGateway`, behind an internal
     * load balancer) and the Gateway passing port 15443 through: for clusters on different networks. Default false.
     */
    eastWestGateway?: boolean;
}

export interface IstioReleaseArgs {
    /**
     * Istio release, one for every chart; 1.22.0 or later (1.26.0 or later for ambient on an overlay), and a release
     * the carried release data lists (docs/versions.md). Default "1.30.3".
     */
    version?: string;
    /**
     * The cluster's Kubernetes minor (e.g. "1.34"): when given, `version` must be an Istio release that supports it
     * (docs/versions.md). Default: not checked.
     */
    kubernetesVersion?: string;
    /**
     * Accept a `version` the carried release data does not list, or one that does not list `kubernetesVersion` (a
     * release newer than the data, a combination you tested yourself). Default false.
     */
    allowUnsupportedVersions?: boolean;
    /** Data plane: sidecar or ambient (installs ztunnel, `profile: ambient`). Default "sidecar". */
    mode?: IstioMode;
    /** Cilium's datapath in this cluster; "overlay" puts istiod on the host network. Default "eni". */
    ciliumDatapath?: CiliumDatapath;
    /** Mode of the mesh-wide PeerAuthentication `istio-system/default`: STRICT or PERMISSIVE. Default "STRICT". */
    meshMtlsMode?: MtlsMode;
    /**
     * In ambient mode, install Istio's `allow-ambient-hostprobes` CiliumClusterwideNetworkPolicy, which admits the
     * kubelet probes ambient sends from 169.254.7.127 into every pod, so that a default-deny Cilium or Kubernetes
     * policy does not fail ambient pods' health probes. It puts no pod in default deny itself. Ignored in sidecar
     * mode. Default true.
     */
    ambientHostProbes?: boolean;
    /**
     * Run istiod's node untaint controller (`taint.enabled`; before Istio 1.30 also
     * `PILOT_ENABLE_NODE_UNTAINT_CONTROLLERS`), which removes the `cni.istio.io/not-ready` taint (Cluster.istioCniTaint)
     * from a node once istio-cni is ready there. Default true.
     */
    untaintNodes?: boolean;
    /**
     * The most nodes istiod can run on: the node group's maxSize. On an overlay istiod runs on the host network, where
     * one fits per node, so its autoscaleMax is bounded by this. 1–450. Default 3 (Cluster's default maxSize).
     */
    nodeGroupMaxSize?: number;
    /** Extra Helm values per chart, merged last. Default none. */
    extraValues?: IstioExtraValuesArgs;
    /** Istio multi-primary (sidecar mode): mesh ID, cluster name, network, plug-in CA, remote secrets. Default: none. */
    multiCluster?: IstioMultiClusterArgs;
}

/**
 * Installs Istio with the k8s provider given in `opts.provider`/`opts.providers`. `opts.dependsOn` (e.g. the
 * CiliumRelease) holds back the first chart, and through the chain all the others.
 */
export class IstioRelease extends pulumi.ComponentResource {
    /** CRDs and cluster roles; the namespace istio-system is created with it (by the component with multiCluster). */
    public readonly base: k8s.helm.v3.Release;
    /** The control plane, with its injection and validation webhooks. */
    public readonly istiod: k8s.helm.v3.Release;
    /** The istio-cni node agent, chained into Cilium's CNI config. */
    public readonly cni: k8s.helm.v3.Release;
    /** The ambient node proxy; only in ambient mode. */
    public readonly ztunnel?: k8s.helm.v3.Release;
    /** istiod moved to the host network; only when ciliumDatapath is overlay. */
    public readonly istiodHostNetwork?: k8s.apps.v1.DeploymentPatch;
    /**
     * `allow-ambient-hostprobes`, the CiliumClusterwideNetworkPolicy admitting ambient's health probes; only in
     * ambient mode with ambientHostProbes on. (A name, not the CustomResource, for the reason below.)
     */
    public readonly ambientHostProbesPolicy?: pulumi.Output<string>;
    /**
     * `istio-system/default`, the mesh-wide PeerAuthentication, as namespace/name; resolves once it exists. (A
     * string, not the CustomResource: schema inference cannot describe a CustomResource, which has no fixed type.)
     */
    public readonly meshPeerAuthentication: pulumi.Output<string>;
    /** The east-west gateway; only with multiCluster.eastWestGateway. */
    public readonly eastWestGateway?: k8s.helm.v3.Release;

    constructor(name: string, args: IstioReleaseArgs = {}, opts?: pulumi.ComponentResourceOptions) {
        const settings = resolveIstioSettings(args);
        const values = buildIstioValues(settings);
        super("eks-cilium-istio:index:IstioRelease", name, args, opts);

        // Install order of the Istio Helm docs: base, istiod, cni, ztunnel (docs/cilium-istio-facts.md#istio-charts),
        // each waiting for the one before; Release waits for its resources to be ready, like `helm install --wait`.
        // Multi-primary: the namespace carries the network, and istiod must find cacerts when it starts (it does not
        // reload a CA that appears later), so both come before the charts (docs/cluster-mesh.md#istio-multi-primary).
        const multiCluster = args.multiCluster;
        const ahead: pulumi.Resource[] = [];
        if (settings.multiCluster && multiCluster) {
            const namespace = new k8s.core.v1.Namespace(
                `${name}-namespace`,
                istioNamespace(settings.multiCluster.network),
                {
                    parent: this,
                    dependsOn: opts?.dependsOn,
                },
            );
            ahead.push(namespace);
            const ca = multiCluster.cacerts;
            if (ca) {
                ahead.push(
                    new k8s.core.v1.Secret(
                        `${name}-cacerts`,
                        cacertsSecret(
                            pulumi.secret(
                                pulumi
                                    .all([ca.rootCertPem, ca.caCertPem, ca.caKeyPem])
                                    .apply(([rootCertPem, caCertPem, caKeyPem]) =>
                                        cacertsData({ rootCertPem, caCertPem, caKeyPem }),
                                    ),
                            ),
                        ),
                        { parent: this, dependsOn: [namespace], additionalSecretOutputs: ["stringData", "data"] },
                    ),
                );
            }
            (multiCluster.remoteClusters ?? []).forEach(
                (remote) =>
                    new k8s.core.v1.Secret(
                        `${name}-remote-${remote.name}`,
                        remoteSecret(remote.name, pulumi.secret(remote.kubeconfig)),
                        { parent: this, dependsOn: [namespace], additionalSecretOutputs: ["stringData", "data"] },
                    ),
            );
        }
        this.base = this.release(name, "base", settings, values.base, ahead.length > 0 ? ahead : opts?.dependsOn);
        this.istiod = this.release(name, "istiod", settings, values.istiod, [this.base, ...ahead]);
        this.cni = this.release(name, "cni", settings, values.cni, [this.istiod]);
        if (values.ztunnel) {
            this.ztunnel = this.release(name, "ztunnel", settings, values.ztunnel, [this.cni]);
        }

        if (settings.istiodHostNetwork) {
            const patch = istiodHostNetworkPatch();
            this.istiodHostNetwork = new k8s.apps.v1.DeploymentPatch(`${name}-istiod-host-network`, patch, {
                parent: this,
                dependsOn: [this.istiod],
            });
        }

        // The PeerAuthentication CRD comes with base and is admitted by istiod's validation webhook, which the API
        // server can only reach on an overlay once istiod is on the host network.
        const peerAuthentication = new k8s.apiextensions.CustomResource(
            `${name}-mesh-peer-authentication`,
            meshPeerAuthentication(settings.meshMtlsMode),
            { parent: this, dependsOn: [this.istiodHostNetwork ?? this.istiod] },
        );
        this.meshPeerAuthentication = pulumi.interpolate`${peerAuthentication.metadata.namespace}/${peerAuthentication.metadata.name}`;

        // Cilium registers its policy CRDs when it starts, which the first chart waits for through opts.dependsOn;
        // after ztunnel, so that the probes it admits are the ones ambient now sends.
        if (settings.ambientHostProbes) {
            const policy = new k8s.apiextensions.CustomResource(
                `${name}-ambient-host-probes`,
                ambientHostProbesPolicy(),
                { parent: this, dependsOn: [this.ztunnel ?? this.cni] },
            );
            this.ambientHostProbesPolicy = policy.metadata.name;
        }

        if (settings.multiCluster?.eastWestGateway) {
            this.eastWestGateway = new k8s.helm.v3.Release(
                `${name}-eastwestgateway`,
                {
                    name: EAST_WEST_GATEWAY.releaseName,
                    chart: "gateway",
                    version: settings.chartVersion,
                    repositoryOpts: { repo: ISTIO_CHART_REPO },
                    namespace: ISTIO_NAMESPACE,
                    values: eastWestGatewayValues(settings.multiCluster.network),
                },
                { parent: this, dependsOn: [this.istiodHostNetwork ?? this.istiod] },
            );
            new k8s.apiextensions.CustomResource(`${name}-cross-network-gateway`, crossNetworkGateway(), {
                parent: this,
                dependsOn: [this.eastWestGateway],
            });
        }

        this.registerOutputs({
            eastWestGateway: this.eastWestGateway,
            base: this.base,
            istiod: this.istiod,
            cni: this.cni,
            ztunnel: this.ztunnel,
            istiodHostNetwork: this.istiodHostNetwork,
            meshPeerAuthentication: this.meshPeerAuthentication,
            ambientHostProbesPolicy: this.ambientHostProbesPolicy,
        });
    }

    private release(
        name: string,
        chart: keyof typeof ISTIO_CHARTS,
        settings: IstioSettings,
        values: HelmValues,
        dependsOn: pulumi.Input<pulumi.Input<pulumi.Resource>[]> | pulumi.Input<pulumi.Resource> | undefined,
    ): k8s.helm.v3.Release {
        return new k8s.helm.v3.Release(
            `${name}-${chart}`,
            {
                name: ISTIO_CHARTS[chart].releaseName,
                chart: ISTIO_CHARTS[chart].chart,
                version: settings.chartVersion,
                repositoryOpts: { repo: ISTIO_CHART_REPO },
                namespace: ISTIO_NAMESPACE,
                // `helm install istio-base ... --create-namespace`; the later charts go into the namespace it made.
                // With multiCluster the component creates the labelled namespace itself.
                createNamespace: chart === "base" && settings.multiCluster === undefined,
                values,
            },
            { parent: this, dependsOn },
        );
    }
}
