import * as aws from "@pulumi/aws";
import * as eks from "@pulumi/eks";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
    CILIUM_ENI_EC2_ACTIONS,
    endpointHost,
    NODE_METADATA_OPTIONS,
    resolveClusterSettings,
} from "./cluster-settings";
import { CiliumDatapath } from "./types";

/** The cluster's managed node group. */
export interface NodeGroupArgs {
    /** EC2 instance types. Default ["t3.large"]. */
    instanceTypes?: string[];
    /** Nodes to run, from minSize to maxSize, at least 1. Default 2. */
    desiredSize?: number;
    /** Fewest nodes, 0–450. Default 1. */
    minSize?: number;
    /** Most nodes, 1–450. Default 3. */
    maxSize?: number;
    /** Root volume size in GiB (gp3, encrypted), 20–16384. Default 20. */
    diskSizeGiB?: number;
}

export interface ClusterArgs {
    /** EKS Kubernetes version, MAJOR.MINOR, 1.29–1.35. Default "1.34". */
    kubernetesVersion?: string;
    /** The Cilium datapath the cluster is prepared for (which add-ons it gets). Default "eni". */
    ciliumDatapath?: CiliumDatapath;
    /** VPC of the cluster; set together with the subnets. Default: the account's default VPC and its subnets. */
    vpcId?: pulumi.Input<string>;
    /** Public subnets of `vpcId` (load balancers). Default none. */
    publicSubnetIds?: pulumi.Input<pulumi.Input<string>[]>;
    /** Private subnets of `vpcId`; the nodes go here when given. Default none. */
    privateSubnetIds?: pulumi.Input<pulumi.Input<string>[]>;
    /** The node group. Defaults as in NodeGroupArgs. */
    nodeGroup?: NodeGroupArgs;
    /** Public API server endpoint. Default true. */
    endpointPublicAccess?: boolean;
    /** Private API server endpoint inside the VPC. Default true. */
    endpointPrivateAccess?: boolean;
    /** IPv4 CIDR blocks allowed to reach the public endpoint; only with endpointPublicAccess. Default: EKS's 0.0.0.0/0. */
    publicAccessCidrs?: string[];
    /** KMS key ARN for envelope encryption of Kubernetes secrets. Default: none (EKS's default encryption only). */
    secretsKmsKeyArn?: pulumi.Input<string>;
    /**
     * Taint every managed node `cni.istio.io/not-ready=true:NoSchedule` until istio-cni runs on it; istiod's untaint
     * controller (IstioRelease.untaintNodes) removes the taint. Pods that start before istio-cni is ready run
     * without Istio's redirection (docs/istio-install.md#cni-node-readiness). CoreDNS tolerates the taint. Set false
     * for a cluster without Istio, where nothing would remove it. Default true.
     */
    istioCniTaint?: boolean;
    /** Tags for every AWS resource the component creates. Default none. */
    tags?: { [key: string]: string };
}

/**
 * Where each Cluster keeps its Kubernetes provider. Not a class property: Pulumi's schema inference makes every
 * property of a component a schema output, and it would describe a Provider as the resource
 * `/kubernetes/v4.x/schema.json#/resources/kubernetes`, which the kubernetes schema does not have (provider references
 * are `#/provider`), so generating an SDK for another language would fail. A getter is not a property to it
 * (`isPropertyDeclaration` in @pulumi/pulumi provider/experimental/analyzer.js); test/schema.spec.ts checks the refs.
 */
const clusterProviders = new WeakMap<Cluster, k8s.Provider>();

/**
 * An EKS cluster (through `@pulumi/eks` v4) prepared for Cilium and Istio: the networking add-ons the Cilium datapath
 * calls for, a managed node group tainted until Cilium (and istio-cni) run on each node, IMDSv2-only nodes, and a Kubernetes
 * provider built from the cluster's kubeconfig.
 *
 * Ordering on a real deploy, for eni and overlay: a node only turns Ready once a CNI runs on it, and EKS fails a
 * managed node group whose nodes stay NotReady ("NodeCreationFailure: Unhealthy nodes",
 * terraform-aws-modules/terraform-aws-eks#1972, terraform-aws-modules/terraform-aws-eks#3446). Cilium's Helm release,
 * for its part, waits for its operator, which needs a node. So Cilium must be installed WHILE the node group comes up,
 * not after it: wire CiliumRelease to `provider` and `endpointHost` only (they depend on the control plane alone), and
 * never `dependsOn` this whole component, which includes the node group. CoreDNS waits for the node group inside this
 * component (its pods need schedulable nodes, i.e. Cilium running and the agent-not-ready taint removed).
 */
export class Cluster extends pulumi.ComponentResource {
    /** The `@pulumi/eks` cluster component underneath. */
    public readonly eksCluster: eks.Cluster;
    /** The EKS cluster's name. */
    public readonly clusterName: pulumi.Output<string>;
    /** The API server's host name, no scheme: what Cilium's k8sServiceHost needs. */
    public readonly endpointHost: pulumi.Output<string>;
    /** Kubeconfig as JSON (secret); it runs `aws eks get-token`, so the aws CLI must be on the PATH. */
    public readonly kubeconfig: pulumi.Output<string>;
    /** ARN of the cluster's IAM OIDC provider (for IAM roles for service accounts). */
    public readonly oidcProviderArn: pulumi.Output<string>;
    /** The cluster's OIDC issuer, without scheme. */
    public readonly oidcIssuer: pulumi.Output<string>;
    /** The EKS-created cluster security group (control plane and nodes). */
    public readonly clusterSecurityGroupId: pulumi.Output<string>;
    /** The security group of the nodes: the EKS-created cluster security group, which managed nodes carry. */
    public readonly nodeSecurityGroupId: pulumi.Output<string>;
    /** The managed node group (tainted until Cilium runs on each node). */
    public readonly nodeGroup: aws.eks.NodeGroup;
    /**
     * Kubernetes provider for this cluster (built from kubeconfigJson, not the lazy eks cluster.provider). A getter, so
     * TypeScript only: Python, Go, .NET and YAML programs build a `kubernetes` provider from `kubeconfig` instead
     * (see `clusterProviders`).
     */
    public get provider(): k8s.Provider {
        return clusterProviders.get(this)!;
    }

    constructor(name: string, args: ClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        const settings = resolveClusterSettings(args);
        super("eks-cilium-istio:index:Cluster", name, args, opts);

        const chaining = settings.datapath === CiliumDatapath.Chaining;
        this.eksCluster = new eks.Cluster(
            `${name}-eks`,
            {
                version: settings.kubernetesVersion,
                vpcId: args.vpcId,
                publicSubnetIds: args.publicSubnetIds,
                privateSubnetIds: args.privateSubnetIds,
                endpointPublicAccess: settings.endpointPublicAccess,
                endpointPrivateAccess: settings.endpointPrivateAccess,
                publicAccessCidrs: settings.publicAccessCidrs,
                encryptionConfigKeyArn: args.secretsKmsKeyArn,
                tags: args.tags,
                // Access entries: EKS itself then authorizes the managed node group's role (no aws-auth ConfigMap to
                // keep in step), and CONFIG_MAP modes are deprecated in @pulumi/eks
                // (docs/pulumi-facts.md#eks-cluster-args).
                authenticationMode: eks.AuthenticationMode.Api,
                createOidcProvider: true,
                // The node group below is ours (a local child, visible to tests and policies); eks makes none.
                skipDefaultNodeGroup: true,
                // No extra security groups: managed nodes then carry the EKS-created cluster security group, which
                // admits all traffic between control plane and nodes (Istio's webhook 15017, docs/failure-modes.md#f8;
                // Cilium's VXLAN/Geneve and health ports). @pulumi/eks then reports that group as both group ids.
                skipDefaultSecurityGroups: true,
                bootstrapSelfManagedAddons: settings.addons.bootstrapSelfManagedAddons,
                // useDefaultVpcCni: true stops @pulumi/eks creating its vpc-cni add-on
                // (docs/pulumi-facts.md#eks-cluster-args).
                useDefaultVpcCni: !settings.addons.vpcCni,
                kubeProxyAddonOptions: { enabled: settings.addons.kubeProxy },
                // CoreDNS is the local add-on below, ordered after the nodes.
                corednsAddonOptions: { enabled: false },
            },
            { parent: this },
        );

        this.clusterName = this.eksCluster.eksCluster.apply((cluster) => cluster.name);
        this.endpointHost = this.eksCluster.core.apply((core) => endpointHost(core.endpoint));
        this.kubeconfig = pulumi.secret(this.eksCluster.kubeconfigJson);
        this.oidcProviderArn = this.eksCluster.oidcProviderArn;
        this.oidcIssuer = this.eksCluster.oidcIssuer;
        this.clusterSecurityGroupId = this.eksCluster.clusterSecurityGroupId;
        this.nodeSecurityGroupId = this.eksCluster.nodeSecurityGroupId;

        const nodeRole = new aws.iam.Role(
            `${name}-node`,
            {
                assumeRolePolicy: JSON.stringify({
                    Version: "2012-10-17",
                    Statement: [
                        { Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" },
                    ],
                }),
                tags: args.tags,
            },
            { parent: this },
        );
        // The node role policies of the EKS user guide (worker node, ECR pull) plus what the datapath's IPAM needs:
        // the VPC CNI's policy when it stays (chaining), Cilium's ENI privileges when Cilium allocates (eni).
        const managedPolicies: [string, string][] = [
            ["worker", aws.iam.ManagedPolicy.AmazonEKSWorkerNodePolicy],
            ["ecr", aws.iam.ManagedPolicy.AmazonEC2ContainerRegistryReadOnly],
        ];
        if (chaining) {
            managedPolicies.push(["vpc-cni", aws.iam.ManagedPolicy.AmazonEKS_CNI_Policy]);
        }
        const rolePolicies: pulumi.Resource[] = managedPolicies.map(
            ([suffix, policyArn]) =>
                new aws.iam.RolePolicyAttachment(
                    `${name}-node-${suffix}`,
                    { role: nodeRole.name, policyArn },
                    { parent: this },
                ),
        );
        if (settings.datapath === CiliumDatapath.Eni) {
            rolePolicies.push(
                new aws.iam.RolePolicy(
                    `${name}-node-cilium-eni`,
                    {
                        role: nodeRole.name,
                        policy: JSON.stringify({
                            Version: "2012-10-17",
                            Statement: [{ Effect: "Allow", Action: CILIUM_ENI_EC2_ACTIONS, Resource: "*" }],
                        }),
                    },
                    { parent: this },
                ),
            );
        }

        const launchTemplate = new aws.ec2.LaunchTemplate(
            `${name}-nodes`,
            {
                metadataOptions: { ...NODE_METADATA_OPTIONS },
                // With a launch template EKS takes the disk size from it, not from the node group.
                blockDeviceMappings: [
                    {
                        deviceName: "/dev/xvda",
                        ebs: {
                            volumeSize: settings.nodes.diskSizeGiB,
                            volumeType: "gp3",
                            encrypted: "true",
                            deleteOnTermination: "true",
                        },
                    },
                ],
                updateDefaultVersion: true,
                tags: args.tags,
            },
            { parent: this },
        );

        this.nodeGroup = new aws.eks.NodeGroup(
            `${name}-nodes`,
            {
                clusterName: this.clusterName,
                nodeRoleArn: nodeRole.arn,
                // @pulumi/eks's core.subnetIds are all the cluster's subnets (the default VPC's when none were given).
                subnetIds: args.privateSubnetIds ?? this.eksCluster.core.subnetIds,
                instanceTypes: settings.nodes.instanceTypes,
                scalingConfig: {
                    desiredSize: settings.nodes.desiredSize,
                    minSize: settings.nodes.minSize,
                    maxSize: settings.nodes.maxSize,
                },
                launchTemplate: { id: launchTemplate.id, version: launchTemplate.latestVersion.apply(String) },
                // In every datapath Cilium manages the pods: none may start before its agent runs on the node; nor,
                // with istioCniTaint, before istio-cni redirects them (docs/istio-install.md#cni-node-readiness).
                taints: settings.nodeTaints,
                tags: args.tags,
            },
            { parent: this, dependsOn: rolePolicies },
        );

        // CoreDNS as an EKS managed add-on. After the node group: its pods need a Ready node free of Cilium's taint,
        // and EKS waits for the add-on to become ACTIVE; it tolerates Istio's taint (cluster-settings.ts).
        new aws.eks.Addon(
            `${name}-coredns`,
            {
                clusterName: this.clusterName,
                addonName: "coredns",
                configurationValues: settings.corednsConfiguration,
                tags: args.tags,
            },
            { parent: this, dependsOn: [this.nodeGroup] },
        );

        // Not the eks component's lazy `provider` mixin (pulumi/pulumi-eks#1466, pulumi/pulumi-eks#1826;
        // docs/pulumi-facts.md#eks-cluster-outputs).
        clusterProviders.set(
            this,
            new k8s.Provider(`${name}-k8s`, { kubeconfig: this.eksCluster.kubeconfigJson }, { parent: this }),
        );

        this.registerOutputs({
            eksCluster: this.eksCluster,
            clusterName: this.clusterName,
            endpointHost: this.endpointHost,
            kubeconfig: this.kubeconfig,
            oidcProviderArn: this.oidcProviderArn,
            oidcIssuer: this.oidcIssuer,
            clusterSecurityGroupId: this.clusterSecurityGroupId,
            nodeSecurityGroupId: this.nodeSecurityGroupId,
            nodeGroup: this.nodeGroup,
            provider: this.provider,
        });
    }
}
