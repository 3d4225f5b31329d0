/**
 * The resources the pack reads, as the engine shows them: a Pulumi type token, a URN, a name and the props (inputs in
 * Analyze, outputs in AnalyzeStack). Kubernetes objects register as `kubernetes:<apiVersion>:<Kind>` — including
 * CustomResources such as `kubernetes:cilium.io/v2:CiliumNetworkPolicy`
 * (docs/pulumi-facts.md#kubernetes-resources-in-policies) — so they are matched by API group and kind, whatever the
 * version.
 */

/** What `buildMeshModel` takes: a `PolicyResource` from `validateStack`, or a row of a stack export. */
export interface StackResource {
    type: string;
    urn: string;
    name: string;
    props: any;
    /**
     * The resource's provider, as `PolicyResource.provider` gives it (its props are the provider's inputs); a
     * Kubernetes provider's `namespace` is where its namespaced objects without `metadata.namespace` land.
     */
    provider?: { type: string; urn: string; props: any };
    /** The resource's parent (a `PolicyResource.parent` in AnalyzeStack); only its URN is read. */
    parent?: { urn: string };
}

/** The resource a finding is about, for messages and for the violation's URN. */
export interface SourceRef {
    readonly urn: string;
    readonly type: string;
    readonly name: string;
}

export function sourceOf(resource: StackResource): SourceRef {
    return { urn: resource.urn, type: resource.type, name: resource.name };
}

/** `Release "cilium"`, `CiliumNetworkPolicy "blue/default"`: how messages name a resource. */
export function describeSource(source: SourceRef): string {
    const kind = source.type.split(":").pop() ?? source.type;
    return `${kind} "${source.name}"`;
}

export interface KubernetesKind {
    /** API group; "core" for the core group (`kubernetes:core/v1:Namespace`). */
    readonly group: string;
    readonly version: string;
    readonly kind: string;
}

/** Group, version and kind of a `kubernetes:<group>/<version>:<Kind>` type token; undefined for other providers. */
export function kubernetesKind(type: string): KubernetesKind | undefined {
    const match = /^kubernetes:([^:/]+)\/([^:/]+):([^:]+)$/.exec(type);
    return match ? { group: match[1], version: match[2], kind: match[3] } : undefined;
}

export function isKubernetes(type: string, group: string, kind: string): boolean {
    const parsed = kubernetesKind(type);
    return parsed !== undefined && parsed.group === group && parsed.kind === kind;
}

/**
 * Type tokens of the Helm resources whose chart and values the pack reads
 * (docs/pulumi-facts.md#kubernetes-resources-in-policies).
 */
export const HELM_RELEASE = "kubernetes:helm.sh/v3:Release";
export const HELM_CHART_V4 = "kubernetes:helm.sh/v4:Chart";
export const HELM_CHART_V3 = "kubernetes:helm.sh/v3:Chart";

/** The type token of a Kubernetes provider: the resources it manages are in one cluster (policies/model/clusters.ts). */
export const KUBERNETES_PROVIDER = "pulumi:providers:kubernetes";

/** Type tokens of the EKS resources the pack reads (@pulumi/eks v4, @pulumi/aws v7). */
export const EKS_CLUSTER = "eks:index:Cluster";
export const AWS_EKS_CLUSTER = "aws:eks/cluster:Cluster";
export const AWS_EKS_ADDON = "aws:eks/addon:Addon";
export const EKS_ADDON = "eks:index:Addon";
export const EKS_VPC_CNI_ADDON = "eks:index:VpcCniAddon";
export const AWS_EKS_NODE_GROUP = "aws:eks/nodeGroup:NodeGroup";
export const EKS_MANAGED_NODE_GROUP = "eks:index:ManagedNodeGroup";
export const EKS_NODE_GROUP = "eks:index:NodeGroup";
export const EKS_NODE_GROUP_V2 = "eks:index:NodeGroupV2";

/**
 * True when the URN's parent chain runs through a Helm chart component, i.e. the resource was rendered by a
 * `helm.v4.Chart` (or v3 Chart). The engine's URN keeps the qualified type chain `parentType$childType`.
 */
export function renderedByChart(urn: string): boolean {
    const qualifiedType = urn.split("::")[2] ?? "";
    return qualifiedType.includes(`${HELM_CHART_V4}$`) || qualifiedType.includes(`${HELM_CHART_V3}$`);
}
