/**
 * The root program of a mesh stack (stack config `meshClusters`, e.g. Pulumi.mesh.yaml): two or more EKS clusters,
 * each with a VPC of its own CIDR, a `Cluster`, a `CiliumRelease` and an `IstioRelease` configured as every other
 * stack configures them, joined by one `ClusterMesh` (Cilium ClusterMesh and Istio multi-primary on one network,
 * docs/cluster-mesh.md). One stack holds every cluster, so the policy pack judges them together, each resource in
 * the cluster of its provider (policies/README.md, "A mesh of clusters").
 *
 * The demo, extended across clusters: the red/blue/green demo in the first cluster, and an httpbin in namespace
 * `remote` of the second cluster that the first cluster's netshoot clients call. Its Service is in both clusters (a
 * sidecar client resolves the name in its own cluster, then Istio sends it to the endpoints istiod reads through the
 * remote secret; a client without sidecar goes through Cilium's global service) and is global for Cilium.
 */
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CiliumRelease, CiliumReleaseArgs } from "./components/CiliumRelease";
import { Cluster, ClusterArgs } from "./components/Cluster";
import { ClusterMesh } from "./components/ClusterMesh";
import { planClusterMesh } from "./components/cluster-mesh-settings";
import { DEMO_NAMESPACES, httpbinDeployment, httpbinService } from "./components/demo-objects";
import { IstioRelease, IstioReleaseArgs } from "./components/IstioRelease";
import { NamespaceDemo, NamespaceDemoArgs } from "./components/NamespaceDemo";
import { GLOBAL_SERVICE_ANNOTATION } from "cilium-istio-guard/model/cluster-mesh-facts";
import { parseIpv4Cidr } from "cilium-istio-guard/model/ipv4-cidrs";
import type { MeshClusterConfig } from "./stack-config";

/** The namespace of the cross-cluster httpbin. */
export const REMOTE_NAMESPACE = "remote";

/** A cross-cluster check: a netshoot of the first cluster calling the second cluster's httpbin. */
export interface MeshCheck {
    /** `<cluster>:<namespace>` of the client (its Deployment netshoot runs curl). */
    from: string;
    /** `<cluster>:<namespace>` of the httpbin it reaches. */
    to: string;
    path: string;
    /** What curl prints when the mesh works: 200 (nothing restricts the remote httpbin). */
    expected: string;
    /** The kubectl command, in the client's cluster's context. */
    command: string;
}

export interface MeshStackOutputs {
    /** Each cluster's EKS name and kubeconfig (secret), by its mesh name. */
    clusters: { [name: string]: { clusterName: pulumi.Output<string>; kubeconfig: pulumi.Output<string> } };
    /** The clustermesh-apiservers' load-balancer host names. */
    apiServerHosts: pulumi.Output<{ [name: string]: string }>;
    /** The cross-cluster checks; empty when demoEnabled is false. */
    checks: MeshCheck[];
}

/**
 * One cluster's resources grouped under one parent, the VPC included: the pack attributes a resource to the cluster
 * whose Kubernetes provider its nearest ancestor holds (policies/README.md, "A mesh of clusters"), so the VPC, made
 * before the Cluster, is still seen in its cluster (its CIDR is the cluster's pod addresses with ENI).
 */
class MeshMember extends pulumi.ComponentResource {
    constructor(name: string) {
        super("eks-cilium-istio:program:MeshMember", name, {});
        this.registerOutputs({});
    }
}

/** The two halves of a CIDR: a VPC's two subnets. */
export function subnetCidrs(cidr: string): [string, string] {
    const range = parseIpv4Cidr(cidr)!;
    const size = range.last - range.first + 1;
    const half = 32 - Math.log2(size) + 1;
    const dotted = (n: number) => [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join(".");
    return [`${dotted(range.first)}/${half}`, `${dotted(range.first + size / 2)}/${half}`];
}

/** The cross-cluster checks: every demo client of `from` against `to`'s httpbin, GET /ip. */
export function meshChecks(from: string, to: string): MeshCheck[] {
    return DEMO_NAMESPACES.map((ns) => ({
        from: `${from}:${ns}`,
        to: `${to}:${REMOTE_NAMESPACE}`,
        path: "/ip",
        expected: "200",
        command:
            `kubectl --context ${from} exec -n ${ns} deploy/netshoot -- ` +
            `curl -s -o /dev/null -m 1 -w "%{http_code}" http://httpbin.${REMOTE_NAMESPACE}/ip`,
    }));
}

/**
 * A VPC for one cluster: two public subnets in two zones (tagged for internet-facing and internal load balancers, as
 * EKS discovers them), one route table to an internet gateway, which ClusterMesh adds the peers' routes to.
 */
function clusterVpc(name: string, cidr: string, region: string, opts: pulumi.CustomResourceOptions) {
    const vpc = new aws.ec2.Vpc(
        `${name}-vpc`,
        { cidrBlock: cidr, enableDnsHostnames: true, enableDnsSupport: true, tags: { Name: name } },
        opts,
    );
    const gateway = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id }, opts);
    const routeTable = new aws.ec2.RouteTable(
        `${name}-routes`,
        { vpcId: vpc.id, routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: gateway.id }] },
        opts,
    );
    const subnets = subnetCidrs(cidr).map((subnetCidr, i) => {
        const subnet = new aws.ec2.Subnet(
            `${name}-subnet-${i}`,
            {
                vpcId: vpc.id,
                cidrBlock: subnetCidr,
                availabilityZone: `${region}${"ab"[i]}`,
                mapPublicIpOnLaunch: true,
                tags: { "kubernetes.io/role/elb": "1", "kubernetes.io/role/internal-elb": "1" },
            },
            opts,
        );
        new aws.ec2.RouteTableAssociation(
            `${name}-subnet-${i}`,
            { subnetId: subnet.id, routeTableId: routeTable.id },
            opts,
        );
        return subnet;
    });
    return { vpcId: vpc.id, subnetIds: subnets.map((s) => s.id), routeTableId: routeTable.id };
}

/** Builds the mesh stack from the members and the components' args every stack derives from its config. */
export function meshProgram(
    members: MeshClusterConfig[],
    args: { cluster: ClusterArgs; cilium: CiliumReleaseArgs; istio: IstioReleaseArgs; demo: NamespaceDemoArgs },
    region: string,
    demoEnabled: boolean,
): MeshStackOutputs {
    const datapath = args.cilium.datapath;
    // ClusterMesh's own checks, before any resource: the VPCs and clusters register before it is built.
    planClusterMesh({
        clusters: members.map((m) => ({ ...m, cluster: undefined, vpcId: "", routeTableIds: [] })),
        datapath,
        tunnelProtocol: args.cilium.tunnelProtocol,
    });

    const built = members.map((member) => {
        const group = new MeshMember(member.name);
        const awsProvider =
            member.region === undefined
                ? undefined
                : new aws.Provider(`${member.name}-aws`, { region: member.region as aws.Region }, { parent: group });
        const network = clusterVpc(member.name, member.vpcCidr, member.region ?? region, {
            parent: group,
            provider: awsProvider,
        });
        const cluster = new Cluster(
            member.name,
            { ...args.cluster, vpcId: network.vpcId, publicSubnetIds: network.subnetIds },
            { parent: group, providers: awsProvider ? [awsProvider] : undefined },
        );
        return { member, group, network, cluster };
    });

    const mesh = new ClusterMesh("mesh", {
        clusters: built.map(({ member, network, cluster }) => ({
            ...member,
            cluster,
            vpcId: network.vpcId,
            routeTableIds: [network.routeTableId],
        })),
        datapath,
        tunnelProtocol: args.cilium.tunnelProtocol,
    });

    const istios = built.map(({ member, group, cluster }) => {
        const provider = cluster.provider;
        // As in the one-cluster program: Cilium wired to the control plane only, Istio after Cilium.
        const cilium = new CiliumRelease(
            `${member.name}-cilium`,
            { ...args.cilium, k8sServiceHost: cluster.endpointHost, clusterMesh: mesh.ciliumSettings(member.name) },
            { parent: group, provider },
        );
        return new IstioRelease(
            `${member.name}-istio`,
            { ...args.istio, multiCluster: mesh.istioSettings(member.name) },
            { parent: group, provider, dependsOn: [cilium] },
        );
    });

    let checks: MeshCheck[] = [];
    if (demoEnabled) {
        const [client, server] = built;
        new NamespaceDemo(`${client.member.name}-demo`, args.demo, {
            parent: client.group,
            provider: client.cluster.provider,
            dependsOn: [istios[0]],
        });
        // The Service in both clusters, the pods in the second only.
        [client, server].forEach(({ member, group, cluster }, i) => {
            const inCluster = { parent: group, provider: cluster.provider, dependsOn: [istios[i]] };
            const namespace = new k8s.core.v1.Namespace(
                `${member.name}-${REMOTE_NAMESPACE}`,
                { metadata: { name: REMOTE_NAMESPACE, labels: { "istio-injection": "enabled" } } },
                inCluster,
            );
            const service = httpbinService(REMOTE_NAMESPACE);
            new k8s.core.v1.Service(
                `${member.name}-${REMOTE_NAMESPACE}-httpbin-service`,
                {
                    ...service,
                    metadata: {
                        ...service.metadata,
                        namespace: namespace.metadata.name,
                        annotations: { [GLOBAL_SERVICE_ANNOTATION]: "true" },
                    },
                },
                inCluster,
            );
            if (i === 1) {
                const deployment = httpbinDeployment(REMOTE_NAMESPACE);
                new k8s.apps.v1.Deployment(
                    `${member.name}-${REMOTE_NAMESPACE}-httpbin`,
                    { ...deployment, metadata: { ...deployment.metadata, namespace: namespace.metadata.name } },
                    inCluster,
                );
            }
        });
        checks = meshChecks(client.member.name, server.member.name);
    }

    return {
        clusters: Object.fromEntries(
            built.map(({ member, cluster }) => [
                member.name,
                { clusterName: cluster.clusterName, kubeconfig: pulumi.secret(cluster.kubeconfig) },
            ]),
        ),
        apiServerHosts: mesh.apiServerHosts,
        checks,
    };
}
