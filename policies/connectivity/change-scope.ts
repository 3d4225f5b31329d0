/**
 * What a change between two versions of a stack can reach, for the connectivity diff (connectivity-diff.ts): the
 * namespaces whose objects changed, or why every request may have changed. Pure: two stacks in, the reach out.
 *
 * Why a request outside that reach keeps its answer. The predictor (predict.ts and what it calls) decides a request
 * from a client workload to a Service port by reading only:
 *  1. settings that apply to every request: Cilium's (enforcement mode, L7 proxy, chaining mode, version), Istio's
 *     (an istiod, ambient mode, root namespace, trust domain) and which pods answer DNS — the environment, compared
 *     whole between the two sides;
 *  2. objects of the namespaces the request passes through: the client's, the Service's (a Service selects pods of its
 *     own namespace) and that of the waypoint the Service names (`istio.io/use-waypoint`). There it reads the workloads
 *     (labels, ports, mesh enrolment), the Namespace itself (declared or not, its labels), the Services, the Cilium and
 *     Kubernetes network policies (a namespaced policy selects pods of its own namespace only: Cilium's
 *     `endpointSelector`, Kubernetes' `podSelector`; docs/connectivity-semantics.md#selectors), PeerAuthentications and
 *     AuthorizationPolicies (they apply in their own namespace) and Gateways. A rule's peer is the other end of the
 *     hop — the client, the server's pod, a waypoint's pod, a DNS pod — matched on its own labels and its namespace's
 *     labels, so in one of these namespaces or in 3;
 *  3. objects of the namespaces that act on every request: Istio's root namespace (mesh-wide PeerAuthentication and
 *     AuthorizationPolicy) and the DNS pods' namespace (every client resolves the name first: its egress to DNS and
 *     the DNS pods' ingress);
 *  4. cluster-scoped objects: CiliumClusterwideNetworkPolicy, GatewayClass, and whatever holds Cilium's and Istio's
 *     settings (Helm releases and charts, EKS add-ons).
 * So when the environment is the same, nothing of 3 or 4 changed, and no namespace of a request's route holds a
 * changed object, every input of the request is the same on both sides, and so is its answer. What this module cannot
 * place in one namespace — a kind it does not know to be namespaced, a namespace unknown during preview, any resource
 * that is not a Kubernetes object — reaches everything: the diff then predicts every request, never fewer than it must.
 */
import { guarded, readString } from "../model/property-reader";
import { StackResource, kubernetesKind } from "../model/resources";
import { namespaceOf, podTemplatePath } from "../model/workloads";
import { describeClient } from "./targets";
import { TrafficModel } from "./traffic-model";

/** One side of the comparison: its resources and the traffic model built from them. */
export interface StackSide {
    readonly resources: readonly StackResource[];
    readonly model: TrafficModel;
}

/** Where a changed resource can change answers. */
export type Reach = { readonly namespace: string } | { readonly everything: string } | { readonly nothing: string };

export interface ChangedResource {
    /** The URN without its stack and project, which names the resource on both sides. */
    readonly key: string;
    /** The URN on the side that has it (HEAD's when both do). */
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    readonly change: "added" | "removed" | "modified";
    /** For `modified`, BASE's and HEAD's reach each count: a policy that moves namespace changes both. */
    readonly reach: readonly Reach[];
}

export interface ChangeScope {
    readonly changed: readonly ChangedResource[];
    /** Why every request may have changed; undefined when the change stays within `namespaces`. */
    readonly everything?: string;
    /** The namespaces holding a changed object that the predictor reads. */
    readonly namespaces: ReadonlySet<string>;
}

/** Resources the predictor never reads itself: the root Stack (its outputs), and providers, which reach the model
 * only through the resources they manage (StackResource.provider), compared with them. */
function notRead(type: string): boolean {
    return type === "pulumi:pulumi:Stack" || type.startsWith("pulumi:providers:");
}

/** Cluster-scoped kinds the predictor reads: they act on pods of every namespace. */
const CLUSTER_WIDE = new Set(["cilium.io/CiliumClusterwideNetworkPolicy", "gateway.networking.k8s.io/GatewayClass"]);

/**
 * Namespaced kinds that may omit `metadata.namespace` (they land in the provider's namespace, else `default`):
 * those the predictor reads, and the commonest namespaced kinds of the core group. Other kinds without a namespace
 * may be cluster-scoped.
 */
const NAMESPACED = new Set([
    "core/Service",
    "core/ConfigMap",
    "core/Secret",
    "core/ServiceAccount",
    "cilium.io/CiliumNetworkPolicy",
    "networking.k8s.io/NetworkPolicy",
    "security.istio.io/PeerAuthentication",
    "security.istio.io/AuthorizationPolicy",
    "gateway.networking.k8s.io/Gateway",
]);

/** Where one version of a resource reaches (see the module comment). */
export function reachOf(resource: StackResource): Reach {
    if (notRead(resource.type)) {
        return { nothing: `${resource.type} is not read by the predictor` };
    }
    const kind = kubernetesKind(resource.type);
    if (kind === undefined) {
        return { everything: `${resource.type} "${resource.name}" is not a Kubernetes object` };
    }
    // `...Patch` resources patch the object of the same kind.
    const groupKind = `${kind.group}/${kind.kind.replace(/Patch$/, "")}`;
    const props = guarded(resource.props);
    if (groupKind === "core/Namespace") {
        const name = readString(props, ["metadata", "name"]);
        return name.state === "known"
            ? { namespace: name.value }
            : { everything: `the name of Namespace "${resource.name}" is unknown` };
    }
    if (CLUSTER_WIDE.has(groupKind)) {
        return { everything: `${kind.kind} "${resource.name}" is cluster-wide` };
    }
    const declared = readString(props, ["metadata", "namespace"]).state !== "absent";
    if (!declared && !NAMESPACED.has(groupKind) && podTemplatePath(resource.type) === undefined) {
        return { everything: `${kind.kind} "${resource.name}" has no namespace and may be cluster-scoped` };
    }
    const namespace = namespaceOf(resource, props);
    return namespace.state === "known"
        ? { namespace: namespace.value }
        : { everything: `the namespace of ${kind.kind} "${resource.name}" is unknown (${namespace.reason})` };
}

/** `urn:pulumi:<stack>::<project>::<qualified type>::<name>` without its stack and project. */
function resourceKey(urn: string): string {
    return urn.split("::").slice(2).join("::");
}

/** JSON with every object's keys sorted: the same value whatever order a file wrote its keys in. */
function canonicalJson(value: unknown): string {
    return JSON.stringify(value, (_, v) =>
        v !== null && typeof v === "object" && !Array.isArray(v)
            ? Object.fromEntries(
                  Object.keys(v as object)
                      .sort()
                      .map((k) => [k, (v as Record<string, unknown>)[k]]),
              )
            : v,
    );
}

/** What the model reads of a resource: its type, its props, and its provider's. */
function comparable(resource: StackResource): string {
    return canonicalJson({
        type: resource.type,
        props: resource.props,
        provider: resource.provider && { type: resource.provider.type, props: resource.provider.props },
    });
}

/** The settings every request depends on (1 in the module comment), as one comparable value. */
function environment(model: TrafficModel): string {
    const { cilium, istio, dns } = model;
    return canonicalJson({
        cilium: {
            installed: cilium.install !== undefined,
            version: cilium.version?.text,
            chainingMode: cilium.chainingMode,
            enforcement: cilium.enforcement,
            l7Proxy: cilium.l7Proxy,
            detail: cilium.detail,
        },
        istio,
        dns: { assumed: dns.assumed, pods: dns.pods.map(describeClient) },
    });
}

/** Namespaces whose objects act on every request (3 in the module comment). */
function everyRequestNamespaces(model: TrafficModel): string[] {
    return [model.istio.rootNamespace, ...model.dns.pods.map((p) => p.namespace)];
}

export function changeScope(base: StackSide, head: StackSide): ChangeScope {
    const baseByKey = new Map(base.resources.map((r) => [resourceKey(r.urn), r]));
    const headByKey = new Map(head.resources.map((r) => [resourceKey(r.urn), r]));
    const changed: ChangedResource[] = [];
    const describe = (r: StackResource, change: ChangedResource["change"], reach: Reach[]): ChangedResource => ({
        key: resourceKey(r.urn),
        urn: r.urn,
        type: r.type,
        name: r.name,
        change,
        reach,
    });
    for (const [key, after] of headByKey) {
        const before = baseByKey.get(key);
        if (before === undefined) {
            changed.push(describe(after, "added", [reachOf(after)]));
        } else if (comparable(before) !== comparable(after)) {
            changed.push(describe(after, "modified", [reachOf(before), reachOf(after)]));
        }
    }
    for (const [key, before] of baseByKey) {
        if (!headByKey.has(key)) {
            changed.push(describe(before, "removed", [reachOf(before)]));
        }
    }

    const namespaces = new Set<string>();
    let everything: string | undefined;
    for (const resource of changed) {
        for (const reach of resource.reach) {
            if ("everything" in reach) {
                everything ??= reach.everything;
            } else if ("namespace" in reach) {
                namespaces.add(reach.namespace);
            }
        }
    }
    if (everything === undefined && environment(base.model) !== environment(head.model)) {
        everything = "the Cilium or Istio settings every request depends on, or the pods that answer DNS, changed";
    }
    if (everything === undefined) {
        const acting = [...everyRequestNamespaces(base.model), ...everyRequestNamespaces(head.model)];
        const touched = acting.find((namespace) => namespaces.has(namespace));
        if (touched !== undefined) {
            everything = `namespace ${touched} changed, whose objects act on every request (Istio's root namespace, or DNS)`;
        }
    }
    return { changed, everything, namespaces };
}

/** Whether a request through these namespaces may have changed. */
export function reaches(scope: ChangeScope, route: Iterable<string>): boolean {
    if (scope.everything !== undefined) {
        return true;
    }
    for (const namespace of route) {
        if (scope.namespaces.has(namespace)) {
            return true;
        }
    }
    return false;
}
