/**
 * The root program's stack config (namespace `eks-cilium-istio`), read and checked as plain strings so that the
 * same function serves `pulumi up`, the tests and the offline plan. A key left unset takes the default of the
 * component it feeds (README, "Stack config").
 */
import { CILIUM_DEFAULTS } from "./components/cilium-values";
import {
    CLUSTER_DEFAULTS,
    INSTANCE_TYPE,
    KNOWN_KUBERNETES_VERSIONS,
    MAX_NODES_PER_GROUP,
} from "./components/cluster-settings";
import { NAMESPACE_DEMO_DEFAULTS } from "./components/demo-objects";
import { ISTIO_RELEASE_DEFAULTS } from "./components/istio-values";
import { CiliumDatapath, DemoStage, IstioMode, MtlsMode, TunnelProtocol } from "./components/types";
import { InputError, ipv4Cidr, oneOf } from "./components/validation";
import { parseKubernetesVersion, parseVersion } from "./components/versions";
import type { GeneratedSection } from "./policies/kit/generated-section";

export const STACK_CONFIG_NAMESPACE = "eks-cilium-istio";

/** How one key is read and documented: the README's config table is generated from these rows (`npm run docs`). */
interface ConfigKeySpec<T> {
    /** The default as the README states it (the default of the component the key feeds). */
    default: string;
    /** What values are allowed, for the README. */
    allowed: string;
    /** What the key sets. */
    sets: string;
    /** The value in its type; throws an InputError naming `key` (the full config key) for a bad one. */
    parse(key: string, raw: string): T;
}

const choice =
    <T extends string>(allowed: readonly T[]) =>
    (key: string, raw: string): T =>
        oneOf(key, raw, allowed);

/**
 * A chart version as Helm takes it from a chart repository: `1.19.6`, exactly as the chart's Chart.yaml spells it. A
 * leading `v` or a zero-padded number would name no chart (Cilium's and Istio's chart versions have neither), so each
 * is refused saying which part is wrong, before the components see it.
 */
const chartVersion = (example: string) => (key: string, raw: string) => {
    if (/^[vV]\d/.test(raw)) {
        throw new InputError(
            key,
            raw,
            `a chart version without the leading "${raw[0]}": ${raw.slice(1)} (chart versions have none)`,
        );
    }
    if (/(^|\.)0\d/.test(raw.split("-")[0])) {
        throw new InputError(key, raw, `a chart version without leading zeros in its numbers, such as ${example}`);
    }
    parseVersion(key, raw, example);
    return raw;
};

const kubernetesVersion = (key: string, raw: string) => {
    parseKubernetesVersion(key, raw);
    return raw;
};

function parseBoolean(key: string, raw: string): boolean {
    if (raw !== "true" && raw !== "false") {
        throw new InputError(key, raw, "true or false");
    }
    return raw === "true";
}

/** Node counts: whole numbers. Their ranges belong to Cluster; the order min <= desired <= max is checked below. */
function parseCount(key: string, raw: string): number {
    if (!/^\d+$/.test(raw)) {
        throw new InputError(key, raw, "a whole number of nodes such as 2");
    }
    const count = Number(raw);
    if (count > MAX_NODES_PER_GROUP) {
        // Refused here, with the value as given: past 2^53 the number would print as another one.
        throw new InputError(key, raw, `a whole number of nodes from 0 to ${MAX_NODES_PER_GROUP}`);
    }
    return count;
}

/** A comma-separated list of AWS resource IDs with `prefix` (`subnet-0a1b2c3d,subnet-4e5f6a7b`). */
const idList =
    (prefix: string, what: string) =>
    (key: string, raw: string): string[] => {
        const ids = raw.split(",").map((id) => id.trim());
        const bad = ids.find((id) => !new RegExp(`^${prefix}-[0-9a-f]{8,17}$`).test(id));
        if (bad !== undefined) {
            throw new InputError(key, raw, `a comma-separated list of ${what} IDs such as ${prefix}-0123456789abcdef0`);
        }
        return ids;
    };

function parseVpcId(key: string, raw: string): string {
    if (!/^vpc-[0-9a-f]{8,17}$/.test(raw)) {
        throw new InputError(key, raw, "a VPC ID such as vpc-0123456789abcdef0");
    }
    return raw;
}

/** Comma-separated IPv4 CIDR blocks. */
function parseCidrList(key: string, raw: string): string[] {
    return raw.split(",").map((cidr) => ipv4Cidr(key, cidr.trim()));
}

function parseInstanceType(key: string, raw: string): string {
    if (!INSTANCE_TYPE.test(raw)) {
        throw new InputError(key, raw, "an EC2 instance type such as t3.large");
    }
    return raw;
}

const nodeGroup = CLUSTER_DEFAULTS.nodeGroup;

/** One entry of `meshClusters`: what a member of the mesh stack is made of. */
export interface MeshClusterConfig {
    name: string;
    id: number;
    vpcCidr: string;
    region?: string;
    podCidr?: string;
}

const MESH_CLUSTER_FIELDS: Record<keyof MeshClusterConfig, "string" | "number"> = {
    name: "string",
    id: "number",
    vpcCidr: "string",
    region: "string",
    podCidr: "string",
};

/** The list's shape; the values themselves are ClusterMesh's to check (planClusterMesh), before any resource. */
function parseMeshClusters(key: string, raw: string): MeshClusterConfig[] {
    let parsed: unknown;
    try {
        parsed = JSON.parse(raw);
    } catch {
        throw new InputError(key, raw, "a list of clusters (a YAML list of objects in the stack file)");
    }
    if (!Array.isArray(parsed)) {
        throw new InputError(key, parsed, "a list of clusters, each `{name, id, vpcCidr, region?, podCidr?}`");
    }
    return parsed.map((entry: unknown, i) => {
        if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
            throw new InputError(`${key}[${i}]`, entry, "an object `{name, id, vpcCidr, region?, podCidr?}`");
        }
        for (const [field, value] of Object.entries(entry)) {
            const type = MESH_CLUSTER_FIELDS[field as keyof MeshClusterConfig];
            if (type === undefined) {
                throw new InputError(
                    `${key}[${i}]`,
                    field,
                    `only the fields ${Object.keys(MESH_CLUSTER_FIELDS).join(", ")}`,
                );
            }
            if (typeof value !== type) {
                throw new InputError(`${key}[${i}].${field}`, value, `a ${type}`);
            }
        }
        for (const field of ["name", "id", "vpcCidr"] as const) {
            if (!(field in entry)) {
                throw new InputError(`${key}[${i}].${field}`, undefined, `required: a ${MESH_CLUSTER_FIELDS[field]}`);
            }
        }
        return entry as MeshClusterConfig;
    });
}

/** Every key the root program reads from namespace `eks-cilium-istio`, in the README's order. */
export const STACK_CONFIG_TABLE = {
    ciliumDatapath: {
        default: CILIUM_DEFAULTS.datapath,
        allowed: Object.values(CiliumDatapath).join(", "),
        sets: "how Cilium does pod networking; also which EKS add-ons the cluster gets",
        parse: choice(Object.values(CiliumDatapath)),
    },
    tunnelProtocol: {
        default: CILIUM_DEFAULTS.tunnelProtocol,
        allowed: `${Object.values(TunnelProtocol).join(", ")}; only with \`overlay\``,
        sets: "the overlay's encapsulation",
        parse: choice(Object.values(TunnelProtocol)),
    },
    istioMode: {
        default: ISTIO_RELEASE_DEFAULTS.mode,
        allowed: Object.values(IstioMode).join(", "),
        sets: "Istio's data plane, and how the demo enrols namespaces",
        parse: choice(Object.values(IstioMode)),
    },
    meshMtlsMode: {
        default: ISTIO_RELEASE_DEFAULTS.meshMtlsMode,
        allowed: Object.values(MtlsMode).join(", "),
        sets: "the mesh-wide PeerAuthentication; the shipped stacks set `PERMISSIVE`, as the demo expects (green has no sidecar)",
        parse: choice(Object.values(MtlsMode)),
    },
    ciliumVersion: {
        default: CILIUM_DEFAULTS.version,
        allowed: "a 1.15.x–1.19.x release the carried data lists, supporting `kubernetesVersion` (docs/versions.md)",
        sets: "Cilium chart version",
        parse: chartVersion(CILIUM_DEFAULTS.version),
    },
    istioVersion: {
        default: ISTIO_RELEASE_DEFAULTS.version,
        allowed:
            "a 1.22.x–1.30.x release the carried data lists, supporting `kubernetesVersion` (1.26.0 or later for ambient " +
            "on `overlay`; docs/versions.md)",
        sets: "version of every Istio chart",
        parse: chartVersion(ISTIO_RELEASE_DEFAULTS.version),
    },
    kubernetesVersion: {
        default: CLUSTER_DEFAULTS.kubernetesVersion,
        allowed: `${KNOWN_KUBERNETES_VERSIONS[0]}–${KNOWN_KUBERNETES_VERSIONS[KNOWN_KUBERNETES_VERSIONS.length - 1]}`,
        sets: "EKS Kubernetes version",
        parse: kubernetesVersion,
    },
    allowUnsupportedVersions: {
        default: "false",
        allowed: "true, false",
        sets:
            "`true` accepts a Cilium or Istio release the carried release data does not list, or a Kubernetes version " +
            "it does not list for them (a newer patch, a combination you tested); malformed versions are still refused",
        parse: parseBoolean,
    },
    nodeInstanceType: {
        default: nodeGroup.instanceTypes[0],
        allowed: "an EC2 instance type",
        sets: "the managed node group's instance type",
        parse: parseInstanceType,
    },
    nodeDesiredSize: {
        default: String(nodeGroup.desiredSize),
        allowed: "between min and max",
        sets: "nodes to run",
        parse: parseCount,
    },
    nodeMinSize: {
        default: String(nodeGroup.minSize),
        allowed: `0–${MAX_NODES_PER_GROUP}`,
        sets: "fewest nodes",
        parse: parseCount,
    },
    nodeMaxSize: {
        default: String(nodeGroup.maxSize),
        allowed: `1–${MAX_NODES_PER_GROUP}`,
        sets: "most nodes",
        parse: parseCount,
    },
    createVpc: {
        default: "false",
        allowed: "true, false; not with `vpcId`",
        sets:
            "`true` creates a VPC (10.0.0.0/16, two zones, public and private subnets, one NAT gateway) and puts the " +
            "nodes in its private subnets; `false` uses `vpcId`, else the account's default VPC",
        parse: parseBoolean,
    },
    vpcId: {
        default: "the default VPC",
        allowed: "a VPC ID, with `publicSubnetIds` and/or `privateSubnetIds`",
        sets: "an existing VPC for the cluster",
        parse: parseVpcId,
    },
    publicSubnetIds: {
        default: "none",
        allowed: "comma-separated subnet IDs of `vpcId`",
        sets: "its public subnets (load balancers; the nodes too when no private subnets are given)",
        parse: idList("subnet", "subnet"),
    },
    privateSubnetIds: {
        default: "none",
        allowed: "comma-separated subnet IDs of `vpcId`",
        sets: "its private subnets, where the nodes go (they need a NAT gateway or VPC endpoints to pull images)",
        parse: idList("subnet", "subnet"),
    },
    endpointPublicAccess: {
        default: String(CLUSTER_DEFAULTS.endpointPublicAccess),
        allowed: "true, false",
        sets:
            "the API server's public endpoint (IAM-authenticated); `false` leaves the private one only, reachable from " +
            "the VPC, where `pulumi up` must then run",
        parse: parseBoolean,
    },
    publicAccessCidrs: {
        default: "EKS's 0.0.0.0/0",
        allowed: "comma-separated IPv4 CIDR blocks; only with `endpointPublicAccess`",
        sets: "who may reach the public endpoint: set it to your own addresses",
        parse: parseCidrList,
    },
    demoEnabled: {
        default: "true",
        allowed: "true, false",
        sets: "deploy the red/blue/green demo at all",
        parse: parseBoolean,
    },
    demoStage: {
        default: NAMESPACE_DEMO_DEFAULTS.stage,
        allowed: Object.values(DemoStage).join(", "),
        sets: "the Cilium policy on blue's httpbin",
        parse: choice(Object.values(DemoStage)),
    },
    demoMtlsFix: {
        default: String(NAMESPACE_DEMO_DEFAULTS.mtlsFix),
        allowed: "true, false",
        sets:
            "with `l7`: disable mTLS for blue (sidecar) or take red and blue out of ambient; `false` reproduces the " +
            "broken state on purpose, and the policy pack rejects it",
        parse: parseBoolean,
    },
    meshClusters: {
        default: "unset (one cluster)",
        allowed:
            "a list of 2 or more `{name, id, vpcCidr, region?, podCidr?}` (ClusterMesh's members; `podCidr` with `overlay` only)",
        sets:
            "a mesh stack: a VPC, Cluster, CiliumRelease and IstioRelease per entry, joined by ClusterMesh; the demo in " +
            "the first cluster calls an httpbin in the second (mesh-program.ts)",
        parse: parseMeshClusters,
    },
} satisfies Record<string, ConfigKeySpec<unknown>>;

export type StackConfigKey = keyof typeof STACK_CONFIG_TABLE;
export const STACK_CONFIG_KEYS = Object.keys(STACK_CONFIG_TABLE) as StackConfigKey[];

/** The checked stack config; undefined means "not set: the component's default applies". */
export type StackConfig = {
    [K in StackConfigKey]?: ReturnType<(typeof STACK_CONFIG_TABLE)[K]["parse"]>;
} & {
    /** Whether the red/blue/green demo is deployed; the root program's own setting, default true. */
    demoEnabled: boolean;
};

/** What an AWS region's name looks like: `us-west-2`, `us-gov-east-1`, `cn-northwest-1`, `eusc-de-east-1`. */
const AWS_REGION_NAME = /^[a-z]{2,4}(-[a-z]+)+-\d+$/;

/**
 * `aws:region`, which the root program needs (the AWS provider has no region without it offline): required, an AWS
 * region name, and one @pulumi/aws knows (its `Region` enum, types/enums/index.js), so that a typo fails here rather
 * than at the first AWS call.
 */
export function readAwsRegion(region: string | undefined, knownRegions: readonly string[]): string {
    const known = [...knownRegions].sort();
    if (region === undefined || region === "") {
        throw new InputError(
            "aws:region",
            region ?? null,
            `required: an AWS region such as us-west-2 (set it with \`pulumi config set aws:region us-west-2\`)`,
        );
    }
    if (!AWS_REGION_NAME.test(region)) {
        throw new InputError(
            "aws:region",
            region,
            "an AWS region name such as us-west-2 (lowercase, ending in a number)",
        );
    }
    if (!known.includes(region)) {
        throw new InputError("aws:region", region, `one of the regions @pulumi/aws knows: ${known.join(", ")}`);
    }
    return region;
}

/** The name an error reports for a key: the full config key as `pulumi config set` spells it. */
function configKey(key: StackConfigKey): string {
    return `${STACK_CONFIG_NAMESPACE}:${key}`;
}

/**
 * Reads every key through `get` (e.g. `key => new pulumi.Config("eks-cilium-istio").get(key)`) and checks it; an
 * InputError names `eks-cilium-istio:<key>`, the value and what is allowed.
 */
export function readStackConfig(get: (key: string) => string | undefined): StackConfig {
    const config: Record<string, unknown> = {};
    for (const key of STACK_CONFIG_KEYS) {
        const raw = get(key);
        if (raw !== undefined) {
            config[key] = STACK_CONFIG_TABLE[key].parse(configKey(key), raw);
        }
    }
    const read = config as StackConfig;
    checkTogether(read);
    return { ...read, demoEnabled: read.demoEnabled ?? true };
}

/** What no single key can say: settings that depend on each other. */
function checkTogether(config: StackConfig): void {
    // An encapsulation only means something on the overlay; set anywhere else it would be silently ignored.
    if (config.tunnelProtocol !== undefined && config.ciliumDatapath !== CiliumDatapath.Overlay) {
        throw new InputError(
            configKey("tunnelProtocol"),
            config.tunnelProtocol,
            `unset unless ${configKey("ciliumDatapath")} is overlay (it is ${config.ciliumDatapath ?? "unset, i.e. eni"})`,
        );
    }
    if (config.createVpc && (config.vpcId ?? config.publicSubnetIds ?? config.privateSubnetIds) !== undefined) {
        throw new InputError(
            configKey("createVpc"),
            true,
            `false when ${configKey("vpcId")} or its subnets are set (an existing VPC, or a new one: not both)`,
        );
    }
    const { nodeDesiredSize: desired, nodeMinSize: min, nodeMaxSize: max } = config;
    if (min !== undefined && desired !== undefined && desired < min) {
        throw new InputError(configKey("nodeDesiredSize"), desired, `at least ${configKey("nodeMinSize")} (${min})`);
    }
    if (max !== undefined && desired !== undefined && desired > max) {
        throw new InputError(configKey("nodeDesiredSize"), desired, `at most ${configKey("nodeMaxSize")} (${max})`);
    }
    if (min !== undefined && max !== undefined && min > max) {
        throw new InputError(configKey("nodeMinSize"), min, `at most ${configKey("nodeMaxSize")} (${max})`);
    }
}

export const CONFIG_TABLE: GeneratedSection = { name: "stack config table", writtenBy: "npm run docs" };

/** The README's config table, generated from STACK_CONFIG_TABLE (`npm run docs`). */
export function renderConfigTable(): string {
    const rows = STACK_CONFIG_KEYS.map((key) => {
        const spec: ConfigKeySpec<unknown> = STACK_CONFIG_TABLE[key];
        return `| \`${key}\` | \`${spec.default}\` | ${spec.allowed} | ${spec.sets} |`;
    });
    return ["| key | default | allowed | what it sets |", "|---|---|---|---|", ...rows].join("\n");
}

/**
 * Rejects keys of our namespace that the program does not read (a typo such as `demoStag` would otherwise be
 * ignored without a word). `keys` are full config keys, e.g. those of `pulumi.runtime.allConfig()`.
 */
export function checkStackConfigKeys(keys: string[]): void {
    const known: readonly string[] = STACK_CONFIG_KEYS;
    for (const key of keys) {
        const [namespace, name] = key.split(":");
        if (namespace === STACK_CONFIG_NAMESPACE && !known.includes(name)) {
            throw new InputError(key, name, `one of the keys ${STACK_CONFIG_KEYS.join(", ")}`);
        }
    }
}
