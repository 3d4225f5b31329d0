import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import {
    ApiServerAccess,
    ClusterMeshPlan,
    MeshMember,
    apiServerOf,
    planClusterMesh,
    remoteKubeconfig,
} from "./cluster-mesh-settings";
import type { CiliumClusterMeshArgs } from "./CiliumRelease";
import type { IstioMultiClusterArgs } from "./IstioRelease";
import { CiliumDatapath, TunnelProtocol } from "./types";
import { Cluster } from "./Cluster";
import { InputError } from "./validation";
import {
    CLUSTERMESH_APISERVER_PORT,
    CLUSTERMESH_APISERVER_SELECTOR,
} from "cilium-istio-guard/model/cluster-mesh-facts";

/** One cluster of the mesh: a `Cluster` of this package, or any EKS cluster with Cilium and Istio. */
export interface ClusterMeshMemberArgs {
    /**
     * The cluster's name in the mesh: Cilium's `cluster.name` and Istio's `clusterName`. At most 32 lower-case letters,
     * digits and dashes, beginning and ending with a letter or digit, not "default"; unique in the mesh. No default.
     */
    name: string;
    /**
     * Cilium's `cluster.id`: 1–255 (1–511 with maxConnectedClusters 511), unique in the mesh; with the eni and
     * chaining datapaths without the 128 bit (1–127; cilium/cilium#21330). No default.
     */
    id: number;
    /**
     * The cluster, built with this package's `Cluster`: the mesh's objects in it (the clustermesh-apiserver's load
     * balancer, Istio's reader account) go through its Kubernetes provider, the one its CiliumRelease and IstioRelease
     * are given, so that all are seen as one cluster; its API server and CA (from its kubeconfig) go into the other
     * clusters' remote secrets; its node security group admits the other clusters. No default. Typed `any` for the
     * package schema, whose inference cannot describe a component reference (nor a Kubernetes provider): like
     * `Cluster.provider`, a TypeScript-only input; it is checked to be a `Cluster` before anything is registered.
     */
    cluster: any;
    /** The cluster's AWS region, when it is not the provider's (`aws:region`). Default: the AWS provider's region. */
    region?: string;
    /** The cluster's VPC. No default. */
    vpcId: pulumi.Input<string>;
    /** The VPC's IPv4 CIDR block; disjoint from the other clusters' (peering and routing need it). No default. */
    vpcCidr: string;
    /** Route tables of the cluster's node subnets: each gets a route to every other cluster's VPC. No default. */
    routeTableIds: pulumi.Input<string>[];
    /**
     * With the overlay datapath only: the CIDR Cilium's cluster-pool IPAM hands pods out of, disjoint from every other
     * cluster's pods and VPC (the chart's 10.0.0.0/8 is the same everywhere). Default none.
     */
    podCidr?: string;
}

/** A CA given instead of generated: a PEM certificate and its private key (secret). */
export interface CaArgs {
    /** The CA certificate, PEM. No default. */
    certPem: pulumi.Input<string>;
    /** Its private key, PEM (secret). No default. */
    keyPem: pulumi.Input<string>;
}

export interface ClusterMeshArgs {
    /** The clusters, 2 to maxConnectedClusters. No default. */
    clusters: ClusterMeshMemberArgs[];
    /** Cilium's datapath, the same in every cluster (Cilium requires one mode across a mesh). Default "eni". */
    datapath?: CiliumDatapath;
    /** Encapsulation of the overlay datapath. Default "vxlan". */
    tunnelProtocol?: TunnelProtocol;
    /** Cilium's `clustermesh.maxConnectedClusters`, 255 or 511, fixed at installation. Default 255. */
    maxConnectedClusters?: number;
    /** Istio's `global.meshID`, the same in every cluster. Default "mesh1". */
    meshId?: string;
    /**
     * Istio's network for every cluster: one network, as ClusterMesh makes pod addresses reachable between the
     * clusters, so sidecars connect directly and no east-west gateway is needed (docs/cluster-mesh.md#istio-networks).
     * Default "network1".
     */
    istioNetwork?: string;
    /** The clustermesh CA every cluster's Cilium signs with. Default: generated (ECDSA P-256, 3 years). */
    ciliumCa?: CaArgs;
    /** The Istio root the clusters' intermediates are signed by. Default: generated (RSA 4096, 10 years). */
    istioRootCa?: CaArgs;
    /**
     * Peer the clusters' VPCs (one VPC peering per pair, accepted in the peer's region) and route between them; false
     * when the VPCs are already connected (e.g. a Transit Gateway) and routed. Security-group rules are added either way.
     * Default true.
     */
    vpcPeering?: boolean;
}

/** The reader account each cluster's istiod uses in the others (bound to the istiod chart's reader ClusterRole). */
const READER = { namespace: "kube-system", name: "istio-multicluster-reader" } as const;
/** ClusterRole the istiod chart creates for remote readers (istio-discovery templates/reader-clusterrole.yaml@1.30.3). */
const READER_CLUSTER_ROLE = "istio-reader-clusterrole-istio-system";
/** The Service exposing a cluster's clustermesh-apiserver to the others. */
const APISERVER_LB = { namespace: "kube-system", name: "clustermesh-apiserver-lb" } as const;

/** One cluster's part: what its CiliumRelease and IstioRelease need from the mesh. */
interface MemberParts {
    member: MeshMember;
    provider: k8s.Provider;
    apiServerHost: pulumi.Output<string>;
    access: pulumi.Output<ApiServerAccess>;
    readerToken: pulumi.Output<string>;
    intermediate: { certPem: pulumi.Output<string>; keyPem: pulumi.Output<string> };
}

/**
 * What each ClusterMesh keeps for ciliumSettings and istioSettings. Not class properties: Pulumi's schema inference
 * makes every property of a component a schema output (see components/Cluster.ts, clusterProviders).
 */
const meshStates = new WeakMap<
    ClusterMesh,
    {
        plan: ClusterMeshPlan;
        parts: MemberParts[];
        ciliumCa: { certPem: pulumi.Output<string>; keyPem: pulumi.Output<string> };
        istioRoot: { certPem: pulumi.Output<string> };
    }
>();

/**
 * Joins two or more EKS clusters running this package's CiliumRelease and IstioRelease (or equivalent) into one mesh:
 * Cilium ClusterMesh (names, IDs, one clustermesh CA, each cluster's clustermesh-apiserver behind an internal AWS load
 * balancer, peers) and Istio multi-primary on one network (mesh ID, cluster names, one root with an intermediate per
 * cluster, remote secrets), over peered VPCs with the routes and security-group rules both need.
 *
 * It creates the mesh's parts that do not belong to one cluster's releases; the releases take theirs through
 * `ciliumSettings(name)` (CiliumRelease's `clusterMesh`) and `istioSettings(name)` (IstioRelease's `multiCluster`),
 * so every cluster's Cilium and Istio are configured once, by their own components. Order: the Clusters, then this,
 * then each cluster's CiliumRelease and IstioRelease (README, "How to deploy a two-cluster mesh for real").
 */
export class ClusterMesh extends pulumi.ComponentResource {
    /** Each cluster's clustermesh-apiserver address (its internal load balancer's host name), by cluster name. */
    public readonly apiServerHosts: pulumi.Output<{ [name: string]: string }>;
    /** The clustermesh CA certificate (PEM) every cluster's Cilium is given. */
    public readonly ciliumCaCertPem: pulumi.Output<string>;
    /** The Istio root certificate (PEM) of the mesh. */
    public readonly istioRootCertPem: pulumi.Output<string>;
    /** The VPC peering connections, one per pair of clusters; empty when vpcPeering is false. */
    public readonly peeringConnectionIds: pulumi.Output<string[]>;

    constructor(name: string, args: ClusterMeshArgs, opts?: pulumi.ComponentResourceOptions) {
        const plan = planClusterMesh(args);
        for (const member of plan.members) {
            const cluster = args.clusters[member.index];
            if (!(cluster.cluster instanceof Cluster)) {
                throw new InputError(
                    `ClusterMesh.clusters[${member.index}].cluster`,
                    cluster.cluster,
                    "a Cluster of this package (its provider, kubeconfig and node security group join the mesh)",
                );
            }
        }
        super("eks-cilium-istio:index:ClusterMesh", name, args, opts);

        const ciliumCa = args.ciliumCa
            ? { certPem: pulumi.output(args.ciliumCa.certPem), keyPem: pulumi.secret(args.ciliumCa.keyPem) }
            : this.generateCa(`${name}-cilium-ca`, "ECDSA", "Cilium ClusterMesh CA", 3 * 365 * 24);
        const istioRoot = args.istioRootCa
            ? { certPem: pulumi.output(args.istioRootCa.certPem), keyPem: pulumi.secret(args.istioRootCa.keyPem) }
            : this.generateCa(`${name}-istio-root`, "RSA", "Root CA", 10 * 365 * 24);

        const awsProviders = new Map<string, aws.Provider>();
        const awsFor = (member: MeshMember): pulumi.ProviderResource | undefined => {
            if (member.region === undefined) {
                return undefined;
            }
            let provider = awsProviders.get(member.region);
            if (!provider) {
                provider = new aws.Provider(
                    `${name}-${member.region}`,
                    { region: member.region as aws.Region },
                    { parent: this },
                );
                awsProviders.set(member.region, provider);
            }
            return provider;
        };

        const sourceRanges = plan.members.map((m) => m.vpcCidr.text);
        const parts: MemberParts[] = plan.members.map((member) => {
            const input = args.clusters[member.index];
            const provider = input.cluster.provider;
            const inCluster = { parent: this, provider };
            const access = pulumi
                .output(input.cluster.kubeconfig)
                .apply((text) => apiServerOf(`ClusterMesh.clusters[${member.index}].kubeconfig`, text));

            // The clustermesh-apiserver behind an internal load balancer of EKS's built-in service controller
            // (kubernetes/cloud-provider-aws docs/service_controller.md), open to the clusters' VPCs only; the chart's
            // own Service stays ClusterIP (docs/cluster-mesh.md#apiserver-exposure).
            const lb = new k8s.core.v1.Service(
                `${name}-${member.name}-apiserver`,
                {
                    metadata: {
                        ...APISERVER_LB,
                        annotations: { "service.beta.kubernetes.io/aws-load-balancer-internal": "true" },
                    },
                    spec: {
                        type: "LoadBalancer",
                        selector: { ...CLUSTERMESH_APISERVER_SELECTOR },
                        ports: [
                            {
                                name: "apiserv",
                                port: CLUSTERMESH_APISERVER_PORT,
                                targetPort: CLUSTERMESH_APISERVER_PORT,
                            },
                        ],
                        loadBalancerSourceRanges: sourceRanges,
                    },
                },
                inCluster,
            );
            const apiServerHost = lb.status.loadBalancer.ingress.apply((ingress) => {
                const host = ingress?.[0]?.hostname ?? ingress?.[0]?.ip;
                if (!host) {
                    throw new InputError(
                        `ClusterMesh.clusters[${member.index}]`,
                        member.name,
                        "a cluster whose load balancer gets an address",
                    );
                }
                return host;
            });

            // What `istioctl create-remote-secret` sets up in the cluster it reads: a service account bound to the
            // istiod chart's reader ClusterRole, and a long-lived token for it (istio/istio#38246), made declaratively.
            const reader = new k8s.core.v1.ServiceAccount(
                `${name}-${member.name}-istio-reader`,
                { metadata: { ...READER } },
                inCluster,
            );
            new k8s.rbac.v1.ClusterRoleBinding(
                `${name}-${member.name}-istio-reader`,
                {
                    metadata: { name: READER.name },
                    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: READER_CLUSTER_ROLE },
                    subjects: [{ kind: "ServiceAccount", ...READER }],
                },
                inCluster,
            );
            const token = new k8s.core.v1.Secret(
                `${name}-${member.name}-istio-reader-token`,
                {
                    metadata: {
                        namespace: READER.namespace,
                        name: `${READER.name}-token`,
                        annotations: { "kubernetes.io/service-account.name": READER.name },
                    },
                    type: "kubernetes.io/service-account-token",
                },
                { ...inCluster, dependsOn: [reader], additionalSecretOutputs: ["data"] },
            );
            const readerToken = pulumi.secret(
                token.data.apply((data) => Buffer.from(data?.token ?? "", "base64").toString("utf8")),
            );

            const intermediate = this.intermediateCa(name, member, istioRoot);
            return { member, provider, apiServerHost, access, readerToken, intermediate };
        });

        const peerings = plan.vpcPeering ? this.peerVpcs(name, args, plan, awsFor) : [];
        for (const member of plan.members) {
            const input = args.clusters[member.index];
            for (const peer of plan.members.filter((m) => m !== member)) {
                plan.peerIngress.forEach(
                    (rule, r) =>
                        new aws.vpc.SecurityGroupIngressRule(
                            `${name}-${member.name}-from-${peer.name}-${r}`,
                            {
                                securityGroupId: input.cluster.nodeSecurityGroupId,
                                cidrIpv4: peer.vpcCidr.text,
                                ipProtocol: rule.protocol,
                                fromPort: rule.protocol === "-1" ? undefined : rule.fromPort,
                                toPort: rule.protocol === "-1" ? undefined : rule.toPort,
                                description: `${rule.description} (${peer.name})`,
                            },
                            { parent: this, provider: awsFor(member) },
                        ),
                );
            }
        }

        this.apiServerHosts = pulumi
            .all(parts.map((p) => p.apiServerHost))
            .apply((hosts) => Object.fromEntries(hosts.map((host, i) => [parts[i].member.name, host])));
        this.ciliumCaCertPem = ciliumCa.certPem;
        this.istioRootCertPem = istioRoot.certPem;
        this.peeringConnectionIds = pulumi.all(peerings.map((p) => p.id));
        meshStates.set(this, { plan, parts, ciliumCa, istioRoot });
        this.registerOutputs({
            apiServerHosts: this.apiServerHosts,
            ciliumCaCertPem: this.ciliumCaCertPem,
            istioRootCertPem: this.istioRootCertPem,
            peeringConnectionIds: this.peeringConnectionIds,
        });
    }

    /** What cluster `name`'s CiliumRelease takes as `clusterMesh`. */
    public ciliumSettings(name: string): CiliumClusterMeshArgs {
        const { plan, parts, ciliumCa } = meshStates.get(this)!;
        const part = this.part(name);
        return {
            clusterName: part.member.name,
            clusterId: part.member.id,
            maxConnectedClusters: plan.maxConnectedClusters,
            apiServerHost: part.apiServerHost,
            peers: parts
                .filter((p) => p !== part)
                .map((p) => ({ name: p.member.name, address: p.apiServerHost, port: CLUSTERMESH_APISERVER_PORT })),
            caCertPem: ciliumCa.certPem,
            caKeyPem: ciliumCa.keyPem,
            nativeRoutingCidr: plan.nativeRoutingCidr,
            podCidr: plan.datapath === CiliumDatapath.Overlay ? part.member.podCidr.text : undefined,
        };
    }

    /** What cluster `name`'s IstioRelease takes as `multiCluster`. */
    public istioSettings(name: string): IstioMultiClusterArgs {
        const { plan, parts, istioRoot } = meshStates.get(this)!;
        const part = this.part(name);
        return {
            meshId: plan.meshId,
            clusterName: part.member.name,
            network: plan.istioNetwork,
            cacerts: {
                rootCertPem: istioRoot.certPem,
                caCertPem: part.intermediate.certPem,
                caKeyPem: part.intermediate.keyPem,
            },
            remoteClusters: parts
                .filter((p) => p !== part)
                .map((p) => ({
                    name: p.member.name,
                    kubeconfig: pulumi.secret(
                        pulumi
                            .all([p.access, p.readerToken])
                            .apply(([access, token]) => remoteKubeconfig(p.member.name, access, token)),
                    ),
                })),
        };
    }

    private part(name: string): MemberParts {
        const { parts } = meshStates.get(this)!;
        const part = parts.find((p) => p.member.name === name);
        if (!part) {
            throw new InputError("ClusterMesh member", name, `one of ${parts.map((p) => p.member.name).join(", ")}`);
        }
        return part;
    }

    private generateCa(name: string, algorithm: "ECDSA" | "RSA", commonName: string, hours: number) {
        const key = new tls.PrivateKey(
            name,
            algorithm === "ECDSA" ? { algorithm, ecdsaCurve: "P256" } : { algorithm, rsaBits: 4096 },
            { parent: this },
        );
        const cert = new tls.SelfSignedCert(
            name,
            {
                privateKeyPem: key.privateKeyPem,
                isCaCertificate: true,
                validityPeriodHours: hours,
                allowedUses: ["cert_signing", "crl_signing", "digital_signature", "key_encipherment"],
                subject: { organization: algorithm === "RSA" ? "Istio" : "Cilium", commonName },
            },
            { parent: this },
        );
        return { certPem: cert.certPem, keyPem: pulumi.secret(key.privateKeyPem) };
    }

    /**
     * An Istio intermediate for one cluster, as Istio's tools/certs make them: RSA 4096, CA with path length 0, SAN
     * istiod.istio-system.svc, O=Istio CN=Intermediate CA L=<cluster> (istio/istio tools/certs/common.mk@1.30.3).
     */
    private intermediateCa(
        name: string,
        member: MeshMember,
        root: { certPem: pulumi.Output<string>; keyPem: pulumi.Output<string> },
    ) {
        const key = new tls.PrivateKey(
            `${name}-${member.name}-istio-ca`,
            { algorithm: "RSA", rsaBits: 4096 },
            { parent: this },
        );
        const request = new tls.CertRequest(
            `${name}-${member.name}-istio-ca`,
            {
                privateKeyPem: key.privateKeyPem,
                dnsNames: ["istiod.istio-system.svc"],
                subject: { organization: "Istio", commonName: "Intermediate CA", locality: member.name },
            },
            { parent: this },
        );
        const cert = new tls.LocallySignedCert(
            `${name}-${member.name}-istio-ca`,
            {
                certRequestPem: request.certRequestPem,
                caCertPem: root.certPem,
                caPrivateKeyPem: root.keyPem,
                isCaCertificate: true,
                maxPathLength: 0,
                validityPeriodHours: 10 * 365 * 24,
                allowedUses: ["cert_signing", "crl_signing", "digital_signature", "key_encipherment"],
            },
            { parent: this },
        );
        return { certPem: cert.certPem, keyPem: pulumi.secret(key.privateKeyPem) };
    }

    /** One peering per pair, accepted in the peer's region, and routes both ways. */
    private peerVpcs(
        name: string,
        args: ClusterMeshArgs,
        plan: ClusterMeshPlan,
        awsFor: (member: MeshMember) => pulumi.ProviderResource | undefined,
    ): aws.ec2.VpcPeeringConnection[] {
        const peerings: aws.ec2.VpcPeeringConnection[] = [];
        const members = plan.members;
        for (const a of members) {
            for (const b of members.filter((m) => m.index > a.index)) {
                const crossRegion = a.region !== b.region && b.region !== undefined;
                const peering = new aws.ec2.VpcPeeringConnection(
                    `${name}-${a.name}-${b.name}`,
                    {
                        vpcId: args.clusters[a.index].vpcId,
                        peerVpcId: args.clusters[b.index].vpcId,
                        peerRegion: crossRegion ? b.region : undefined,
                        // Same account and region: accepted at once; across regions the peer's side accepts it.
                        autoAccept: !crossRegion,
                        tags: { Name: `${name}: ${a.name} to ${b.name}` },
                    },
                    { parent: this, provider: awsFor(a) },
                );
                const accepted = crossRegion
                    ? new aws.ec2.VpcPeeringConnectionAccepter(
                          `${name}-${a.name}-${b.name}`,
                          { vpcPeeringConnectionId: peering.id, autoAccept: true },
                          { parent: this, provider: awsFor(b) },
                      )
                    : peering;
                for (const [from, to] of [
                    [a, b],
                    [b, a],
                ]) {
                    args.clusters[from.index].routeTableIds.forEach(
                        (table, t) =>
                            new aws.ec2.Route(
                                `${name}-${from.name}-to-${to.name}-${t}`,
                                {
                                    routeTableId: table,
                                    destinationCidrBlock: to.vpcCidr.text,
                                    vpcPeeringConnectionId: peering.id,
                                },
                                { parent: this, provider: awsFor(from), dependsOn: [accepted] },
                            ),
                    );
                }
                peerings.push(peering);
            }
        }
        return peerings;
    }
}
