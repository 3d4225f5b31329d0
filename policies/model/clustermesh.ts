/**
 * Cilium ClusterMesh as a cluster's Cilium install configures it (docs/cluster-mesh.md#cilium-values): the
 * clustermesh-apiserver (`clustermesh.useAPIServer`), the peers (`clustermesh.config.enabled` and `.clusters`, a list
 * or, from 1.19, a map), and the CA the chart signs the clustermesh certificates with (`tls.ca.cert`; unset, the
 * chart generates one per cluster). Identity and addressing (cluster.name/id, maxConnectedClusters, pod CIDRs) are
 * Cilium settings (cilium-settings.ts). These values exist in Helm values only: for an install read from a
 * cilium-config ConfigMap they are reported unreadable.
 */
import { ciliumDefault } from "./chart-defaults";
import {
    GLOBAL_SERVICE_ANNOTATION,
    SERVICE_AFFINITY_ANNOTATION,
    SHARED_SERVICE_ANNOTATION,
} from "./cluster-mesh-facts";
import { CiliumInstall } from "./cilium-settings";
import { helmValue } from "./helm-sources";
import { Ipv4Range, parseIpv4Cidr } from "./ipv4-cidrs";
import {
    LabelSet,
    Read,
    guarded,
    keysOf,
    known,
    labelValue,
    parseBoolean,
    readArray,
    readPath,
    readString,
    unreadable,
} from "./property-reader";
import { StackResource, describeSource, sourceOf } from "./resources";

export interface ClusterMeshPeer {
    readonly name: string;
    /** `address` (a DNS name or IP) or, with `ips`, `<name>.<domain>`. */
    readonly address?: string;
    readonly port?: number;
    readonly ips: readonly string[];
    /** Why `address` could not be read (unknown during preview, not a string); undefined when it was read or absent. */
    readonly addressUnreadable?: string;
    /** Per-cluster client certificate given (deprecated in the chart when the CA is shared). */
    readonly ownTls: boolean;
}

export interface CiliumMeshSettings {
    readonly install: CiliumInstall;
    /** `clustermesh.useAPIServer`. */
    readonly apiServer: Read<boolean>;
    /** `clustermesh.config.enabled`. */
    readonly configEnabled: Read<boolean>;
    /** The peers `clustermesh.config.clusters` names (those not `enabled: false`). */
    readonly peers: Read<readonly ClusterMeshPeer[]>;
    /** `tls.ca.cert` as given (base64 PEM); absent when unset, so that each cluster's chart generates its own. */
    readonly caCert: Read<string>;
}

const NOT_IN_CONFIGMAP =
    "is not in cilium-config: the chart keeps the ClusterMesh settings in its values and the cilium-clustermesh Secret";

/** A value as set, else the chart version's default (`fallback` when the chart documents none). */
function valueOrDefault(install: CiliumInstall, path: string, fallback: unknown): Read<unknown> {
    if (install.helm === undefined) {
        return unreadable(path, NOT_IN_CONFIGMAP);
    }
    const read = helmValue(install.helm, path);
    if (read.state !== "absent") {
        return read;
    }
    const chartDefault = install.chartVersion ? ciliumDefault(install.chartVersion, path).value : null;
    return known(chartDefault ?? fallback);
}

function booleanAt(install: CiliumInstall, path: string): Read<boolean> {
    const read = valueOrDefault(install, path, false);
    if (read.state !== "known") {
        return read;
    }
    const value = parseBoolean(read.value);
    return value === undefined
        ? unreadable(`values.${path}`, `is ${JSON.stringify(read.value)}, not true or false`)
        : known(value);
}

/** One entry of `clustermesh.config.clusters`; undefined when it is `enabled: false`. */
function readPeer(entry: unknown, path: string, mapKey: string | undefined): ClusterMeshPeer | Read<never> | undefined {
    const name = mapKey === undefined ? readString(entry, ["name"]) : known(mapKey);
    if (name.state !== "known") {
        return unreadable(`${path}.name`, name.state === "absent" ? "is missing" : name.reason);
    }
    const enabled = readPath(entry, ["enabled"]);
    if (enabled.state === "known" && (enabled.value === false || enabled.value === "false")) {
        return undefined;
    }
    const address = readString(entry, ["address"]);
    const port = readPath(entry, ["port"]);
    const ips = readArray(entry, ["ips"]);
    const cert = readString(entry, ["tls", "cert"]);
    return {
        name: name.value,
        address: address.state === "known" ? address.value : undefined,
        addressUnreadable: address.state === "unreadable" ? `${path}.address ${address.reason}` : undefined,
        port: port.state === "known" && typeof port.value === "number" ? port.value : undefined,
        ips: ips.state === "known" ? ips.value.filter((ip): ip is string => typeof ip === "string") : [],
        ownTls: cert.state === "known" && cert.value !== "",
    };
}

function readPeers(install: CiliumInstall): Read<readonly ClusterMeshPeer[]> {
    const read = valueOrDefault(install, "clustermesh.config.clusters", []);
    if (read.state !== "known") {
        return read;
    }
    const path = "values.clustermesh.config.clusters";
    const clusters = read.value;
    if (typeof clusters !== "object" || clusters === null) {
        return unreadable(path, "is neither a list nor a map of clusters");
    }
    // A list of entries with `name`, or (1.19) a map from name to entry.
    const keys: (number | string)[] = Array.isArray(clusters) ? clusters.map((_, i) => i) : keysOf(clusters);
    const peers: ClusterMeshPeer[] = [];
    for (const key of keys) {
        const entryPath = typeof key === "number" ? `${path}[${key}]` : `${path}.${key}`;
        const entry = readPath(clusters, [key]);
        if (entry.state === "unreadable") {
            return unreadable(entryPath, entry.reason);
        }
        const peer = readPeer(
            entry.state === "known" ? entry.value : {},
            entryPath,
            typeof key === "string" ? key : undefined,
        );
        if (peer === undefined) {
            continue;
        }
        if ("state" in peer) {
            return peer;
        }
        peers.push(peer);
    }
    return known(peers);
}

export function ciliumMeshSettings(install: CiliumInstall): CiliumMeshSettings {
    const ca = valueOrDefault(install, "tls.ca.cert", "");
    return {
        install,
        apiServer: booleanAt(install, "clustermesh.useAPIServer"),
        configEnabled: booleanAt(install, "clustermesh.config.enabled"),
        peers: readPeers(install),
        caCert:
            ca.state !== "known"
                ? ca
                : typeof ca.value !== "string"
                  ? unreadable("values.tls.ca.cert", "is not a string")
                  : ca.value === ""
                    ? { state: "absent" }
                    : known(ca.value),
    };
}

/** Whether the install takes part in a ClusterMesh of its own accord (API server or peers configured). */
export function joinsClusterMesh(settings: CiliumMeshSettings): boolean {
    return (
        (settings.apiServer.state === "known" && settings.apiServer.value) ||
        (settings.configEnabled.state === "known" && settings.configEnabled.value) ||
        (settings.peers.state === "known" && settings.peers.value.length > 0)
    );
}

/** The pod addresses a Cilium install hands out, as IPv4 ranges, with where they were read. */
export interface PodCidrs {
    readonly ranges: readonly Ipv4Range[];
    readonly detail: string;
}

const VPC = "aws:ec2/vpc:Vpc";
const VPC_CIDR_ASSOCIATION = "aws:ec2/vpcIpv4CidrBlockAssociation:VpcIpv4CidrBlockAssociation";

/**
 * Cluster-pool IPAM hands out `ipam.operator.clusterPoolIPv4PodCIDRList`; ENI IPAM (and the VPC CNI under aws-cni
 * chaining) gives pods addresses of the VPC's subnets, so the cluster's VPC CIDR blocks stand for them (docs/cluster-mesh.md#pod-cidrs).
 */
export function podCidrsOf(install: CiliumInstall, resources: readonly StackResource[]): Read<PodCidrs> {
    const { ipamMode, chainingMode, clusterPoolIpv4Cidrs } = install.settings;
    const fromVpc = ipamMode.value === "eni" || chainingMode.value === "aws-cni";
    if (fromVpc) {
        const cidrs: string[] = [];
        for (const resource of resources) {
            if (resource.type !== VPC && resource.type !== VPC_CIDR_ASSOCIATION) {
                continue;
            }
            const block = readString(guarded(resource.props), ["cidrBlock"]);
            if (block.state === "unreadable") {
                return unreadable(`cidrBlock of ${describeSource(sourceOf(resource))}`, block.reason);
            }
            if (block.state === "known") {
                cidrs.push(block.value);
            }
        }
        const how = ipamMode.value === "eni" ? "ENI IPAM" : "aws-cni chaining";
        return cidrs.length === 0
            ? unreadable(
                  "the cluster's VPC",
                  `is not among its resources, and with ${how} pods get addresses of the VPC's subnets`,
              )
            : rangesOf(cidrs, `the VPC's CIDR blocks (${how} gives pods VPC addresses)`);
    }
    if (ipamMode.value === undefined) {
        return unreadable(ipamMode.helmPath, ipamMode.detail);
    }
    if (ipamMode.value !== "cluster-pool") {
        return unreadable(ipamMode.helmPath, `is "${ipamMode.value}", whose pod CIDRs the pack does not read`);
    }
    if (clusterPoolIpv4Cidrs.value === undefined) {
        return unreadable(clusterPoolIpv4Cidrs.helmPath, clusterPoolIpv4Cidrs.detail);
    }
    return rangesOf(clusterPoolIpv4Cidrs.value, `${clusterPoolIpv4Cidrs.helmPath} (${clusterPoolIpv4Cidrs.detail})`);
}

function rangesOf(cidrs: readonly string[], detail: string): Read<PodCidrs> {
    const ranges: Ipv4Range[] = [];
    for (const cidr of cidrs) {
        const range = parseIpv4Cidr(cidr);
        if (range === undefined) {
            return unreadable(detail, `holds "${cidr}", not an IPv4 CIDR block`);
        }
        ranges.push(range);
    }
    return known({ ranges, detail: `${cidrs.join(", ")} from ${detail}` });
}

export interface GlobalService {
    /** `service.cilium.io/global: "true"`. */
    readonly global: Read<boolean>;
    /** `service.cilium.io/shared` (default true: the local backends are offered to the other clusters). */
    readonly shared: Read<boolean>;
    /** `service.cilium.io/affinity`: local, remote or none (the default). */
    readonly affinity: Read<string>;
}

export function globalServiceOf(annotations: LabelSet): GlobalService {
    const flag = (key: string, fallback: boolean): Read<boolean> => {
        const read = labelValue(annotations, key);
        if (read.state !== "known") {
            return read.state === "absent" ? known(fallback) : read;
        }
        const value = parseBoolean(read.value);
        return value === undefined
            ? unreadable(`metadata.annotations["${key}"]`, `is "${read.value}", not true or false`)
            : known(value);
    };
    const affinity = labelValue(annotations, SERVICE_AFFINITY_ANNOTATION);
    return {
        global: flag(GLOBAL_SERVICE_ANNOTATION, false),
        shared: flag(SHARED_SERVICE_ANNOTATION, true),
        affinity: affinity.state === "absent" ? known("none") : affinity,
    };
}
