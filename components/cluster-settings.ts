/**
 * The Cluster component's decisions as pure functions: its defaults, the validation of its inputs, which EKS
 * add-ons each Cilium datapath wants, and the node settings Cilium and IMDSv2 call for. Cluster.ts only turns the
 * result into resources.
 *
 * Sources: docs/cilium-istio-facts.md#cilium-on-eks (Cilium on EKS), #eks (EKS facts), #versions (EKS versions);
 * docs/pulumi-facts.md#eks-cluster-args (@pulumi/eks v4 arguments); docs/failure-modes.md#f8, #f9.
 */
import type { ClusterArgs } from "./Cluster";
import { CiliumDatapath } from "./types";
import { bool, InputError, intInRange, ipv4Cidr, oneOf } from "./validation";
import { parseKubernetesVersion } from "./versions";
import {
    ISTIO_CNI_NOT_READY_TAINT_KEY,
    ISTIO_CNI_NOT_READY_TAINT_VALUE,
} from "cilium-istio-guard/model/istio-node-placement";

/** The defaults of every Cluster input, in one place. */
export const CLUSTER_DEFAULTS = {
    kubernetesVersion: "1.34",
    ciliumDatapath: CiliumDatapath.Eni,
    endpointPublicAccess: true,
    // On, so that nodes (and Cilium's agents, which reach the API server at this host) resolve it to private
    // addresses inside the VPC instead of leaving it through the internet gateway.
    endpointPrivateAccess: true,
    nodeGroup: {
        // 33 pod addresses per node under Cilium's ENI IPAM: 3 ENIs x (12 addresses - the ENI's own primary); the
        // kubelet admits 35 (EKS's max-pods adds 2 host-network pods), docs/cilium-datapath.md#eni-pod-capacity.
        // Room for Cilium, Istio and the demo; Cilium's agent, operator and envoy take no pod address.
        instanceTypes: ["t3.large"],
        desiredSize: 2,
        minSize: 1,
        maxSize: 3,
        // The EKS-optimized AMI's root snapshot is 20 GiB, the smallest a root volume can be.
        diskSizeGiB: 20,
    },
    istioCniTaint: true,
} as const;

/**
 * EKS Kubernetes versions this project knows: standard support 1.32–1.34, extended support 1.29–1.31, and 1.35
 * (released on EKS 2026-01-28) — docs/cilium-istio-facts.md#versions (awsdocs kubernetes-versions, endoflife.date).
 */
export const KNOWN_KUBERNETES_VERSIONS: readonly string[] = ["1.29", "1.30", "1.31", "1.32", "1.33", "1.34", "1.35"];

/**
 * EKS limits a managed node group to 450 nodes (EKS service quotas, "Nodes per managed node group"). At least one
 * node is needed: Cilium's operator and CoreDNS have nowhere else to run.
 */
export const MAX_NODES_PER_GROUP = 450;
/** gp3 volumes go up to 16 TiB. */
const MAX_DISK_GIB = 16384;

/**
 * Cilium's taint for nodes its agent has not set up yet, as an EKS node group taint
 * (docs/cilium-istio-facts.md#cilium-on-eks, #eks).
 */
export const CILIUM_AGENT_NOT_READY_TAINT = {
    key: "node.cilium.io/agent-not-ready",
    value: "true",
    effect: "NO_EXECUTE",
} as const;

/**
 * Istio's taint for nodes whose istio-cni agent is not ready yet, which istiod's untaint controller removes
 * (docs/istio-install.md#untaint-controller; effect NoSchedule as in Istio's own test). Whatever must run before it is
 * lifted tolerates it: istiod, istio-cni and ztunnel by their charts, Cilium's agent by its chart, Cilium's operator
 * through CiliumRelease, CoreDNS through its add-on configuration (docs/istio-install.md#taint-tolerations).
 */
export const ISTIO_CNI_NOT_READY_TAINT = {
    key: ISTIO_CNI_NOT_READY_TAINT_KEY,
    value: ISTIO_CNI_NOT_READY_TAINT_VALUE,
    effect: "NO_SCHEDULE",
} as const;

/**
 * Instance metadata for the nodes: IMDSv2 only (session tokens required), and a hop limit of 1, so that only
 * host-network processes reach IMDS. Pods in their own network namespace are one hop further and cannot borrow the
 * node role — which, in the eni datapath, may create and attach network interfaces. Everything that needs the node's
 * credentials runs on the host network: the Cilium agent and operator
 * (docs/cilium-istio-facts.md#cilium-values-to-config: "Cilium agent, operator and cilium-envoy all run hostNetwork:
 * true"), and the VPC CNI's aws-node in chaining mode. Workloads that need AWS get their own role (IRSA, with the OIDC
 * provider this cluster creates).
 */
export const NODE_METADATA_OPTIONS = {
    httpEndpoint: "enabled",
    httpTokens: "required",
    httpPutResponseHopLimit: 1,
} as const;

/**
 * EC2 actions Cilium's operator needs for ENI IPAM (cilium/cilium Documentation/network/concepts/ipam/eni.rst,
 * "Required Privileges", including DescribeTags for ENI garbage collection, on by default). The operator runs on the
 * host network and uses the node role through IMDS.
 */
export const CILIUM_ENI_EC2_ACTIONS: readonly string[] = [
    "ec2:AssignPrivateIpAddresses",
    "ec2:AttachNetworkInterface",
    "ec2:CreateNetworkInterface",
    "ec2:CreateTags",
    "ec2:DeleteNetworkInterface",
    "ec2:DescribeInstanceTypes",
    "ec2:DescribeManagedPrefixLists",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeRouteTables",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeSubnets",
    "ec2:DescribeTags",
    "ec2:DescribeVpcs",
    "ec2:GetManagedPrefixListEntries",
    "ec2:ModifyNetworkInterfaceAttribute",
];

/** Which networking add-ons the cluster gets, per datapath. */
export interface AddonPlan {
    /**
     * Always false: EKS then installs no self-managed vpc-cni, kube-proxy or CoreDNS (docs/cilium-istio-facts.md#eks),
     * and every add-on the cluster has is an EKS managed add-on chosen below — nothing left behind that Cilium must
     * fight (docs/failure-modes.md#f9).
     */
    bootstrapSelfManagedAddons: false;
    /** The VPC CNI (`vpc-cni` add-on): only when Cilium is chained behind it. */
    vpcCni: boolean;
    /** kube-proxy: only when Cilium does not replace it. */
    kubeProxy: boolean;
}

/** The add-ons a Cilium datapath needs: eni and overlay replace both the VPC CNI and kube-proxy; chaining keeps them. */
export function addonPlan(datapath: CiliumDatapath): AddonPlan {
    const chaining = datapath === CiliumDatapath.Chaining;
    return { bootstrapSelfManagedAddons: false, vpcCni: chaining, kubeProxy: chaining };
}

/** Settings of the managed node group. */
export interface NodeSettings {
    instanceTypes: string[];
    desiredSize: number;
    minSize: number;
    maxSize: number;
    diskSizeGiB: number;
}

/** Validated Cluster inputs with defaults applied (the Input-typed ones stay with the caller). */
export interface ClusterSettings {
    kubernetesVersion: string;
    datapath: CiliumDatapath;
    endpointPublicAccess: boolean;
    endpointPrivateAccess: boolean;
    /** Only with public access; undefined leaves EKS's default (0.0.0.0/0). */
    publicAccessCidrs?: string[];
    nodes: NodeSettings;
    addons: AddonPlan;
    /** Taints of the managed node group: Cilium's always, Istio's istio-cni one when istioCniTaint is on. */
    nodeTaints: NodeTaint[];
    /** The CoreDNS add-on's configuration values (JSON), or undefined for the add-on's own. */
    corednsConfiguration?: string;
}

/** A managed node group taint, as `aws.eks.NodeGroup` takes it. */
export interface NodeTaint {
    key: string;
    value: string;
    effect: "NO_SCHEDULE" | "NO_EXECUTE" | "PREFER_NO_SCHEDULE";
}

/**
 * CoreDNS's add-on configuration when the nodes carry Istio's istio-cni taint: CoreDNS is outside the mesh (istio-cni
 * leaves kube-system alone) and EKS waits for the add-on to turn ACTIVE, so it tolerates the taint rather than wait
 * for Istio (docs/istio-install.md#taint-tolerations). The list replaces the add-on's own tolerations, whose
 * `CriticalAddonsOnly` it keeps.
 */
export function corednsTolerations(): { tolerations: { key: string; operator: string; effect?: string }[] } {
    return {
        tolerations: [
            { key: "CriticalAddonsOnly", operator: "Exists" },
            { key: ISTIO_CNI_NOT_READY_TAINT.key, operator: "Exists", effect: "NoSchedule" },
        ],
    };
}

/** EC2 instance type names: family (with generation and attributes), a dot, the size, e.g. t3.large, m7i-flex.xlarge. */
export const INSTANCE_TYPE = /^[a-z][a-z0-9-]*\.[a-z0-9-]+$/;
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;

function resolveNodes(args: ClusterArgs["nodeGroup"]): NodeSettings {
    const defaults = CLUSTER_DEFAULTS.nodeGroup;
    const instanceTypes = args?.instanceTypes ?? [...defaults.instanceTypes];
    if (!Array.isArray(instanceTypes) || instanceTypes.length === 0) {
        throw new InputError(
            "Cluster.nodeGroup.instanceTypes",
            instanceTypes,
            "a non-empty list of EC2 instance types",
        );
    }
    instanceTypes.forEach((type, i) => {
        if (typeof type !== "string" || !INSTANCE_TYPE.test(type)) {
            throw new InputError(
                `Cluster.nodeGroup.instanceTypes[${i}]`,
                type,
                "an EC2 instance type such as t3.large",
            );
        }
    });
    const minSize = intInRange("Cluster.nodeGroup.minSize", args?.minSize ?? defaults.minSize, 0, MAX_NODES_PER_GROUP);
    const maxSize = intInRange("Cluster.nodeGroup.maxSize", args?.maxSize ?? defaults.maxSize, 1, MAX_NODES_PER_GROUP);
    const desiredSize = intInRange(
        "Cluster.nodeGroup.desiredSize",
        args?.desiredSize ?? defaults.desiredSize,
        1,
        MAX_NODES_PER_GROUP,
    );
    if (minSize > maxSize) {
        throw new InputError("Cluster.nodeGroup.minSize", minSize, `at most maxSize (${maxSize})`);
    }
    if (desiredSize < minSize || desiredSize > maxSize) {
        throw new InputError(
            "Cluster.nodeGroup.desiredSize",
            desiredSize,
            `from minSize (${minSize}) to maxSize (${maxSize})`,
        );
    }
    const diskSizeGiB = intInRange(
        "Cluster.nodeGroup.diskSizeGiB",
        args?.diskSizeGiB ?? defaults.diskSizeGiB,
        defaults.diskSizeGiB,
        MAX_DISK_GIB,
    );
    return { instanceTypes, desiredSize, minSize, maxSize, diskSizeGiB };
}

/**
 * Validates every Cluster input that can be looked at now (plain values; an Output is only checked for presence)
 * and applies the defaults. Throws an InputError naming the input, the value and what is allowed.
 */
export function resolveClusterSettings(args: ClusterArgs): ClusterSettings {
    const version = parseKubernetesVersion(
        "Cluster.kubernetesVersion",
        args.kubernetesVersion ?? CLUSTER_DEFAULTS.kubernetesVersion,
    );
    if (!KNOWN_KUBERNETES_VERSIONS.includes(version.text)) {
        throw new InputError(
            "Cluster.kubernetesVersion",
            version.text,
            `an EKS Kubernetes version this project knows: ${KNOWN_KUBERNETES_VERSIONS.join(", ")}`,
        );
    }
    const datapath = oneOf(
        "Cluster.ciliumDatapath",
        args.ciliumDatapath ?? CLUSTER_DEFAULTS.ciliumDatapath,
        Object.values(CiliumDatapath),
    );

    const endpointPublicAccess = bool(
        "Cluster.endpointPublicAccess",
        args.endpointPublicAccess ?? CLUSTER_DEFAULTS.endpointPublicAccess,
    );
    const endpointPrivateAccess = bool(
        "Cluster.endpointPrivateAccess",
        args.endpointPrivateAccess ?? CLUSTER_DEFAULTS.endpointPrivateAccess,
    );
    if (!endpointPublicAccess && !endpointPrivateAccess) {
        throw new InputError(
            "Cluster.endpointPrivateAccess",
            false,
            "true when endpointPublicAccess is false (the API server needs at least one endpoint)",
        );
    }
    let publicAccessCidrs: string[] | undefined;
    if (args.publicAccessCidrs !== undefined) {
        if (!endpointPublicAccess) {
            // @pulumi/eks throws for this too (docs/pulumi-facts.md#eks-cluster-args); say so before anything is
            // registered.
            throw new InputError(
                "Cluster.publicAccessCidrs",
                args.publicAccessCidrs,
                "unset unless endpointPublicAccess is true",
            );
        }
        if (!Array.isArray(args.publicAccessCidrs) || args.publicAccessCidrs.length === 0) {
            throw new InputError(
                "Cluster.publicAccessCidrs",
                args.publicAccessCidrs,
                "a non-empty list of IPv4 CIDR blocks",
            );
        }
        publicAccessCidrs = args.publicAccessCidrs.map((cidr, i) => ipv4Cidr(`Cluster.publicAccessCidrs[${i}]`, cidr));
    }

    if (typeof args.secretsKmsKeyArn === "string" && !KMS_KEY_ARN.test(args.secretsKmsKeyArn)) {
        throw new InputError(
            "Cluster.secretsKmsKeyArn",
            args.secretsKmsKeyArn,
            "a KMS key ARN such as arn:aws:kms:us-west-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        );
    }
    const subnetsGiven = args.publicSubnetIds !== undefined || args.privateSubnetIds !== undefined;
    if (args.vpcId !== undefined && !subnetsGiven) {
        throw new InputError(
            "Cluster.publicSubnetIds",
            undefined,
            "publicSubnetIds and/or privateSubnetIds of the VPC when vpcId is set",
        );
    }
    if (args.vpcId === undefined && subnetsGiven) {
        throw new InputError(
            "Cluster.vpcId",
            undefined,
            "the VPC of the given subnets (without vpcId the cluster uses the default VPC and its subnets)",
        );
    }
    const istioCniTaint = bool("Cluster.istioCniTaint", args.istioCniTaint ?? CLUSTER_DEFAULTS.istioCniTaint);
    return {
        kubernetesVersion: version.text,
        datapath,
        endpointPublicAccess,
        endpointPrivateAccess,
        publicAccessCidrs,
        nodes: resolveNodes(args.nodeGroup),
        addons: addonPlan(datapath),
        nodeTaints: istioCniTaint
            ? [{ ...CILIUM_AGENT_NOT_READY_TAINT }, { ...ISTIO_CNI_NOT_READY_TAINT }]
            : [{ ...CILIUM_AGENT_NOT_READY_TAINT }],
        corednsConfiguration: istioCniTaint ? JSON.stringify(corednsTolerations()) : undefined,
    };
}

/**
 * The API server's host from its endpoint URL: no scheme, port or path. Cilium's k8sServiceHost needs exactly that;
 * with `https://` its agent crashes (Cilium EKS ENI blog, docs/cilium-istio-facts.md#cilium-on-eks).
 */
export function endpointHost(endpoint: string): string {
    const host = endpoint.replace(/^[A-Za-z][A-Za-z0-9+.-]*:\/\//, "").replace(/[:/].*$/, "");
    if (host === "") {
        throw new Error(`the EKS endpoint "${endpoint}" has no host`);
    }
    return host;
}
