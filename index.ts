/**
 * The root program: one EKS cluster with Cilium and Istio working together, and the red/blue/green demo on it (or,
 * with `meshClusters`, several such clusters joined into one mesh: mesh-program.ts), configured by the stack (Pulumi.<stack>.yaml, namespace `eks-cilium-istio`; see stack-config.ts and the README).
 *
 * An exported function rather than top-level code, so that Pulumi runs it and takes its result as the stack outputs,
 * and the tests and the offline plan can run it again and again on the mock runtime.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { API_HOST_KNOWN_LATER, buildCiliumValues, CILIUM_DEFAULTS } from "./components/cilium-values";
import { CiliumRelease, CiliumReleaseArgs } from "./components/CiliumRelease";
import { Cluster, ClusterArgs } from "./components/Cluster";
import { CLUSTER_DEFAULTS, resolveClusterSettings } from "./components/cluster-settings";
import { createVpc } from "./network";
import { DemoCheck, resolveDemoSettings } from "./components/demo-objects";
import { buildIstioValues, ISTIO_RELEASE_DEFAULTS, resolveIstioSettings } from "./components/istio-values";
import { IstioRelease, IstioReleaseArgs } from "./components/IstioRelease";
import { NamespaceDemo, NamespaceDemoArgs } from "./components/NamespaceDemo";
import { meshProgram, MeshStackOutputs } from "./mesh-program";
import {
    checkStackConfigKeys,
    readAwsRegion,
    readStackConfig,
    STACK_CONFIG_NAMESPACE,
    StackConfig,
} from "./stack-config";

/** What `pulumi stack output` shows. */
interface StackOutputs {
    clusterName: pulumi.Output<string>;
    /** Secret: it names the cluster and its CA (access itself goes through `aws eks get-token`). */
    kubeconfig: pulumi.Output<string>;
    /** The demo's connectivity checks; empty when demoEnabled is false. */
    checks: pulumi.Output<DemoCheck[]>;
}

/** Each component's args, taken from the stack config. Cilium's host is filled in once the cluster exists. */
function componentArgs(
    config: StackConfig,
    network: Pick<ClusterArgs, "vpcId" | "publicSubnetIds" | "privateSubnetIds">,
) {
    // One datapath and one mesh mode for every component that needs them, so they can never disagree.
    const ciliumDatapath = config.ciliumDatapath ?? CILIUM_DEFAULTS.datapath;
    const istioMode = config.istioMode ?? ISTIO_RELEASE_DEFAULTS.mode;

    const cluster: ClusterArgs = {
        kubernetesVersion: config.kubernetesVersion,
        ciliumDatapath,
        ...network,
        endpointPublicAccess: config.endpointPublicAccess,
        publicAccessCidrs: config.publicAccessCidrs,
        nodeGroup: {
            instanceTypes: config.nodeInstanceType === undefined ? undefined : [config.nodeInstanceType],
            desiredSize: config.nodeDesiredSize,
            minSize: config.nodeMinSize,
            maxSize: config.nodeMaxSize,
        },
    };
    // Every release is checked against the one Kubernetes version the cluster runs (docs/versions.md).
    const kubernetesVersion = config.kubernetesVersion ?? CLUSTER_DEFAULTS.kubernetesVersion;
    const allowUnsupportedVersions = config.allowUnsupportedVersions;
    const cilium: CiliumReleaseArgs = {
        version: config.ciliumVersion,
        kubernetesVersion,
        allowUnsupportedVersions,
        datapath: ciliumDatapath,
        tunnelProtocol: config.tunnelProtocol,
        istio: true,
        istioMode,
    };
    const istio: IstioReleaseArgs = {
        version: config.istioVersion,
        kubernetesVersion,
        allowUnsupportedVersions,
        mode: istioMode,
        ciliumDatapath,
        meshMtlsMode: config.meshMtlsMode,
        // On an overlay istiod runs on the host network, one per node: its replicas are bounded by the node group.
        nodeGroupMaxSize: config.nodeMaxSize,
    };
    const demo: NamespaceDemoArgs = { istioMode, stage: config.demoStage, mtlsFix: config.demoMtlsFix };
    return { cluster, cilium, istio, demo };
}

export = async (): Promise<StackOutputs | MeshStackOutputs> => {
    checkStackConfigKeys(Object.keys(pulumi.runtime.allConfig()));
    const region = readAwsRegion(new pulumi.Config("aws").get("region"), Object.values(aws.Region));
    const stackConfig = new pulumi.Config(STACK_CONFIG_NAMESPACE);
    const config = readStackConfig((key) => stackConfig.get(key));
    // An existing VPC's IDs are checked by Cluster below, before anything is registered; a new VPC is created only once
    // every other setting has been checked.
    const existing = {
        vpcId: config.vpcId,
        publicSubnetIds: config.publicSubnetIds,
        privateSubnetIds: config.privateSubnetIds,
    };
    const args = componentArgs(config, existing);

    // Every component checks its own inputs before it registers anything, but the cluster registers before the
    // others are built: check theirs now, so that a bad stack config stops the program before any resource exists.
    // The cluster's first: the releases are checked against its Kubernetes version, which must be valid itself.
    resolveClusterSettings(args.cluster);
    buildCiliumValues({ ...args.cilium, k8sServiceHost: API_HOST_KNOWN_LATER });
    buildIstioValues(resolveIstioSettings(args.istio));
    if (config.demoEnabled) {
        resolveDemoSettings(args.demo);
    }
    // A mesh stack: several clusters configured alike, joined by ClusterMesh (mesh-program.ts).
    if (config.meshClusters !== undefined) {
        return meshProgram(config.meshClusters, args, region, config.demoEnabled);
    }

    const cluster = new Cluster(
        "cluster",
        config.createVpc ? { ...args.cluster, ...createVpc("cluster-vpc") } : args.cluster,
    );
    const provider = cluster.provider;

    // Cilium needs the control plane only (provider and API host), not the node group: the nodes turn Ready only
    // once Cilium runs on them (see Cluster's doc comment).
    const cilium = new CiliumRelease("cilium", { ...args.cilium, k8sServiceHost: cluster.endpointHost }, { provider });
    // istio-cni chains into the CNI config Cilium writes, with Cilium no longer exclusive (docs/failure-modes.md#f2),
    // and Istio's pods need a working pod network: Istio waits for Cilium.
    const istio = new IstioRelease("istio", args.istio, { provider, dependsOn: [cilium] });
    // The demo's namespaces need istiod's injection webhook (sidecar) or istio-cni and ztunnel (ambient) before
    // their pods start, and its CiliumNetworkPolicy needs Cilium's CRDs: it waits for Istio, which waited for Cilium.
    const demo = config.demoEnabled
        ? new NamespaceDemo("demo", args.demo, { provider, dependsOn: [istio] })
        : undefined;

    return {
        clusterName: cluster.clusterName,
        kubeconfig: pulumi.secret(cluster.kubeconfig),
        checks: demo?.checks ?? pulumi.output([]),
    };
};
