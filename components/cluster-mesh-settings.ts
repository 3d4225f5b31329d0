/**
 * The ClusterMesh component's decisions as pure functions: its args checked and resolved, the network rules between
 * the clusters' VPCs, and the kubeconfig a remote secret carries. ClusterMesh.ts only turns the result into resources.
 *
 * Sources (docs/cluster-mesh.md, which cites upstream): cluster names and IDs, #cluster-identity; pod CIDRs,
 * #pod-cidrs; one datapath, #datapath; native routing CIDR, #native-routing-cidr; ports between the clusters, #ports;
 * the clustermesh-apiserver's load balancer, #apiserver-exposure; Istio's networks, #istio-networks.
 */
import type { ClusterMeshArgs, ClusterMeshMemberArgs } from "./ClusterMesh";
import { CiliumDatapath, TunnelProtocol } from "./types";
import { InputError, intInRange, ipv4Cidr, oneOf } from "./validation";
import {
    CLUSTER_NAME,
    CLUSTER_NAME_MAX,
    ISTIO_NETWORK_NAME,
    MAX_CLUSTER_ID,
    TUNNEL_PORTS,
} from "cilium-istio-guard/model/cluster-mesh-facts";
import { Ipv4Range, coveringCidr, parseIpv4Cidr, rangesOverlap } from "cilium-istio-guard/model/ipv4-cidrs";

/** The defaults of every ClusterMesh input, in one place. */
export const CLUSTER_MESH_DEFAULTS = {
    datapath: CiliumDatapath.Eni,
    tunnelProtocol: TunnelProtocol.Vxlan,
    maxConnectedClusters: 255,
    meshId: "mesh1",
    istioNetwork: "network1",
    vpcPeering: true,
} as const;

/** One member, checked. */
export interface MeshMember {
    readonly index: number;
    readonly name: string;
    readonly id: number;
    readonly region?: string;
    readonly vpcCidr: Ipv4Range;
    /** The pods' CIDR: the cluster-pool CIDR on an overlay, the VPC's otherwise. */
    readonly podCidr: Ipv4Range;
}

/** An ingress rule a member's node security group needs from each other member's VPC. */
export interface PeerIngressRule {
    readonly protocol: "-1" | "tcp" | "udp" | "icmp";
    readonly fromPort: number;
    readonly toPort: number;
    readonly description: string;
}

export interface ClusterMeshPlan {
    readonly members: readonly MeshMember[];
    readonly datapath: CiliumDatapath;
    readonly tunnelProtocol: TunnelProtocol;
    readonly maxConnectedClusters: 255 | 511;
    readonly meshId: string;
    readonly istioNetwork: string;
    readonly vpcPeering: boolean;
    /** With native routing: one CIDR covering every member's pods, for Cilium's `ipv4NativeRoutingCIDR`. */
    readonly nativeRoutingCidr?: string;
    /** What every member's node security group admits from the other members' VPCs. */
    readonly peerIngress: readonly PeerIngressRule[];
}

/** An AWS region name such as us-west-2 (the partitions' form: letters, a direction, a digit). */
const AWS_REGION = /^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/;

function memberInput(index: number, field: string): string {
    return `ClusterMesh.clusters[${index}].${field}`;
}

/**
 * Checks ClusterMesh's plain args and resolves them; throws an InputError naming the input, the value and what is
 * allowed, before anything is registered. Outputs (kubeconfig, VPC IDs...) are not looked at here.
 */
export function planClusterMesh(args: ClusterMeshArgs): ClusterMeshPlan {
    const datapath = oneOf(
        "ClusterMesh.datapath",
        args.datapath ?? CLUSTER_MESH_DEFAULTS.datapath,
        Object.values(CiliumDatapath),
    );
    const tunnelProtocol = oneOf(
        "ClusterMesh.tunnelProtocol",
        args.tunnelProtocol ?? CLUSTER_MESH_DEFAULTS.tunnelProtocol,
        Object.values(TunnelProtocol),
    );
    const max = args.maxConnectedClusters ?? CLUSTER_MESH_DEFAULTS.maxConnectedClusters;
    if (max !== 255 && max !== 511) {
        throw new InputError(
            "ClusterMesh.maxConnectedClusters",
            max,
            "255 or 511 (the only values Cilium's agent accepts; docs/cluster-mesh.md#cluster-identity)",
        );
    }
    const meshId = args.meshId ?? CLUSTER_MESH_DEFAULTS.meshId;
    const istioNetwork = args.istioNetwork ?? CLUSTER_MESH_DEFAULTS.istioNetwork;
    for (const [input, value] of [
        ["ClusterMesh.meshId", meshId],
        ["ClusterMesh.istioNetwork", istioNetwork],
    ] as const) {
        if (typeof value !== "string" || !ISTIO_NETWORK_NAME.test(value)) {
            throw new InputError(input, value, "a DNS label: lower-case letters, digits and dashes, at most 63");
        }
    }
    if (!Array.isArray(args.clusters) || args.clusters.length < 2 || args.clusters.length > max) {
        throw new InputError(
            "ClusterMesh.clusters",
            Array.isArray(args.clusters) ? `${args.clusters.length} cluster(s)` : args.clusters,
            `from 2 to ${max} clusters (clustermesh.maxConnectedClusters)`,
        );
    }
    const members = args.clusters.map((cluster, index) => resolveMember(cluster, index, datapath, max));
    for (const member of members) {
        for (const other of members.slice(0, member.index)) {
            if (other.name === member.name) {
                throw new InputError(
                    memberInput(member.index, "name"),
                    member.name,
                    `a name no other cluster has (clusters[${other.index}] has it)`,
                );
            }
            if (other.id === member.id) {
                throw new InputError(
                    memberInput(member.index, "id"),
                    member.id,
                    `an ID no other cluster has (clusters[${other.index}] has it)`,
                );
            }
            if (rangesOverlap(other.vpcCidr, member.vpcCidr)) {
                throw new InputError(
                    memberInput(member.index, "vpcCidr"),
                    member.vpcCidr.text,
                    `a CIDR disjoint from clusters[${other.index}].vpcCidr ${other.vpcCidr.text}: VPC peering and routing between the ` +
                        "clusters need distinct address ranges",
                );
            }
            if (datapath === CiliumDatapath.Overlay && rangesOverlap(other.podCidr, member.podCidr)) {
                throw new InputError(
                    memberInput(member.index, "podCidr"),
                    member.podCidr.text,
                    `a CIDR disjoint from clusters[${other.index}].podCidr ${other.podCidr.text} (pod addresses must be unique across ` +
                        "the mesh; docs/cluster-mesh.md#pod-cidrs)",
                );
            }
        }
        if (datapath === CiliumDatapath.Overlay) {
            const clash = members.find((other) => rangesOverlap(other.vpcCidr, member.podCidr));
            if (clash) {
                throw new InputError(
                    memberInput(member.index, "podCidr"),
                    member.podCidr.text,
                    `a CIDR outside every cluster's VPC (it overlaps clusters[${clash.index}].vpcCidr ${clash.vpcCidr.text})`,
                );
            }
        }
    }
    const native = datapath !== CiliumDatapath.Overlay;
    return {
        members,
        datapath,
        tunnelProtocol,
        maxConnectedClusters: max,
        meshId,
        istioNetwork,
        vpcPeering: args.vpcPeering ?? CLUSTER_MESH_DEFAULTS.vpcPeering,
        nativeRoutingCidr: native ? coveringCidr(members.map((m) => m.podCidr)) : undefined,
        peerIngress: native
            ? // Native routing: pods of all clusters reach each other on any port (docs/cluster-mesh.md#ports), which
              // covers the health checks and the clustermesh-apiserver's load balancer too.
              [
                  {
                      protocol: "-1",
                      fromPort: 0,
                      toPort: 0,
                      description: "pods and nodes of the other clusters (native routing)",
                  },
              ]
            : [
                  {
                      protocol: "udp",
                      fromPort: TUNNEL_PORTS[tunnelProtocol],
                      toPort: TUNNEL_PORTS[tunnelProtocol],
                      description: `Cilium ${tunnelProtocol} tunnel from the other clusters' nodes`,
                  },
                  {
                      protocol: "tcp",
                      fromPort: 4240,
                      toPort: 4240,
                      description: "cilium-health from the other clusters' nodes",
                  },
                  {
                      protocol: "icmp",
                      fromPort: 8,
                      toPort: 0,
                      description: "cilium-health ping from the other clusters' nodes",
                  },
              ],
    };
}

function resolveMember(
    cluster: ClusterMeshMemberArgs,
    index: number,
    datapath: CiliumDatapath,
    max: number,
): MeshMember {
    if (typeof cluster !== "object" || cluster === null) {
        throw new InputError(`ClusterMesh.clusters[${index}]`, cluster, "a cluster's settings");
    }
    const name = cluster.name;
    if (typeof name !== "string" || name.length > CLUSTER_NAME_MAX || !CLUSTER_NAME.test(name) || name === "default") {
        throw new InputError(
            memberInput(index, "name"),
            name,
            `at most ${CLUSTER_NAME_MAX} lower-case letters, digits and dashes, beginning and ending with a letter or digit, ` +
                'not "default" (Cilium\'s cluster.name; docs/cluster-mesh.md#cluster-identity)',
        );
    }
    const id = intInRange(memberInput(index, "id"), cluster.id, 1, MAX_CLUSTER_ID[max]);
    // cilium/cilium#21330: with ENI IPAM or aws-cni chaining an ID with its 128 bit set breaks policy enforcement.
    if (datapath !== CiliumDatapath.Overlay && (id & 0x80) !== 0) {
        throw new InputError(
            memberInput(index, "id"),
            id,
            `an ID without its 128 bit (1–127${max === 511 ? ", 256–383" : ""}) with the ${datapath} datapath ` +
                "(cilium/cilium#21330; docs/cluster-mesh.md#cluster-identity)",
        );
    }
    if (cluster.region !== undefined && (typeof cluster.region !== "string" || !AWS_REGION.test(cluster.region))) {
        throw new InputError(memberInput(index, "region"), cluster.region, "an AWS region such as us-west-2");
    }
    const vpcCidr = parseIpv4Cidr(ipv4Cidr(memberInput(index, "vpcCidr"), cluster.vpcCidr))!;
    let podCidr = vpcCidr;
    if (datapath === CiliumDatapath.Overlay) {
        if (cluster.podCidr === undefined) {
            throw new InputError(
                memberInput(index, "podCidr"),
                undefined,
                "the cluster-pool CIDR of this cluster's pods, required with the overlay datapath (the chart's 10.0.0.0/8 " +
                    "is the same in every cluster; docs/cluster-mesh.md#pod-cidrs)",
            );
        }
        podCidr = parseIpv4Cidr(ipv4Cidr(memberInput(index, "podCidr"), cluster.podCidr))!;
    } else if (cluster.podCidr !== undefined) {
        throw new InputError(
            memberInput(index, "podCidr"),
            cluster.podCidr,
            `unset with the ${datapath} datapath: pods take addresses of the VPC (${vpcCidr.text})`,
        );
    }
    return { index, name, id, region: cluster.region, vpcCidr, podCidr };
}

/** The cluster entry of a kubeconfig as `Cluster.kubeconfig` (JSON) or YAML gives it: the API server and its CA. */
export interface ApiServerAccess {
    readonly server: string;
    readonly certificateAuthorityData: string;
}

/** The current context's cluster of a kubeconfig (JSON, as Cluster.kubeconfig is); throws naming `input`. */
export function apiServerOf(input: string, kubeconfig: string): ApiServerAccess {
    let parsed: any;
    try {
        parsed = JSON.parse(kubeconfig);
    } catch {
        throw new InputError(input, "[kubeconfig]", "a kubeconfig as JSON (Cluster.kubeconfig)");
    }
    const context =
        (parsed?.contexts ?? []).find((c: any) => c?.name === parsed?.["current-context"]) ?? parsed?.contexts?.[0];
    const cluster =
        (parsed?.clusters ?? []).find((c: any) => c?.name === context?.context?.cluster) ?? parsed?.clusters?.[0];
    const server = cluster?.cluster?.server;
    const ca = cluster?.cluster?.["certificate-authority-data"];
    if (typeof server !== "string" || typeof ca !== "string") {
        throw new InputError(
            input,
            "[kubeconfig]",
            "a kubeconfig whose cluster has a server and certificate-authority-data",
        );
    }
    return { server, certificateAuthorityData: ca };
}

/**
 * The kubeconfig of a remote secret, as `istioctl create-remote-secret` writes it: one cluster, context and user named
 * after the remote cluster, the CA data and a service account's bearer token (istioctl/pkg/multicluster/
 * remote_secret.go@1.30.3 `createBearerTokenKubeconfig`). JSON is YAML, which istiod reads.
 */
export function remoteKubeconfig(cluster: string, access: ApiServerAccess, token: string): string {
    return JSON.stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: [
            {
                name: cluster,
                cluster: { server: access.server, "certificate-authority-data": access.certificateAuthorityData },
            },
        ],
        contexts: [{ name: cluster, context: { cluster, user: cluster } }],
        "current-context": cluster,
        users: [{ name: cluster, user: { token } }],
        preferences: {},
    });
}
