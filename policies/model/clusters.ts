/**
 * Which Kubernetes cluster each resource is in, so that one stack holding several clusters (a mesh stack), or the
 * exports of several stacks judged together (`check a.json b.json`), is judged cluster by cluster.
 *
 * A Kubernetes object is in the cluster its Kubernetes provider talks to: one cluster per provider URN (the URN holds
 * the stack and project, so the providers of two stack exports never meet). Objects without a provider (fixtures, or a
 * stack on the default provider) are in their stack's default cluster, which joins the stack's one explicit provider
 * when it has exactly one. Any other resource (AWS, EKS, components) is in the cluster of its nearest ancestor that
 * holds exactly one cluster's Kubernetes provider — `Cluster` parents both its EKS resources and its provider — else in
 * its stack's cluster when the stack has one, else it is shared (VPC peering between two clusters, a ClusterMesh
 * component's own resources). With one cluster, everything is in it and nothing is shared.
 *
 * Pure: resources in, partition out.
 */
import { KUBERNETES_PROVIDER, StackResource } from "./resources";

export interface ClusterPartition {
    /** Stable key: the Kubernetes provider's URN, or `default <stack>::<project>` for objects without one. */
    readonly key: string;
    /** A name before the cluster's own names are read: the provider's resource name, else the stack's name. */
    readonly label: string;
    readonly resources: readonly StackResource[];
}

export interface ClusterPartitioning {
    readonly clusters: readonly ClusterPartition[];
    /** Resources no single cluster claims; empty when there is one cluster. */
    readonly shared: readonly StackResource[];
}

const ROOT_STACK = "pulumi:pulumi:Stack";

/** `urn:pulumi:<stack>::<project>`: what two stacks never share. */
function stackPart(urn: string): string {
    return urn.split("::").slice(0, 2).join("::");
}

function nameOf(urn: string): string {
    return urn.split("::").slice(3).join("::");
}

function isKubernetesObject(type: string): boolean {
    return type.startsWith("kubernetes:");
}

export function partitionByCluster(resources: readonly StackResource[]): ClusterPartitioning {
    const labels = new Map<string, string>();
    const clusterOf = new Map<StackResource, string>();
    const defaultKeys = new Map<string, string>();
    const explicitByStack = new Map<string, Set<string>>();
    for (const resource of resources) {
        if (!isKubernetesObject(resource.type)) {
            continue;
        }
        const provider = resource.provider;
        if (provider !== undefined && provider.type === KUBERNETES_PROVIDER) {
            clusterOf.set(resource, provider.urn);
            labels.set(provider.urn, nameOf(provider.urn));
            const stack = stackPart(resource.urn);
            explicitByStack.set(stack, (explicitByStack.get(stack) ?? new Set()).add(provider.urn));
        } else {
            const stack = stackPart(resource.urn);
            const key = `default ${stack.replace(/^urn:pulumi:/, "")}`;
            defaultKeys.set(stack, key);
            clusterOf.set(resource, key);
            labels.set(key, stack.replace(/^urn:pulumi:/, "").split("::")[0]);
        }
    }
    // A stack's objects on the default provider join its one explicit provider (the same cluster, most likely:
    // splitting them would judge one cluster as two).
    for (const [stack, key] of defaultKeys) {
        const explicit = explicitByStack.get(stack);
        if (explicit?.size === 1) {
            const [only] = explicit;
            for (const [resource, cluster] of clusterOf) {
                if (cluster === key) {
                    clusterOf.set(resource, only);
                }
            }
            labels.delete(key);
        }
    }
    const keys = [...labels.keys()];
    if (keys.length <= 1) {
        const key = keys[0] ?? `default ${stackPart(resources[0]?.urn ?? "urn:pulumi:stack::project")}`;
        const label = labels.get(key) ?? key;
        return { clusters: [{ key, label, resources: [...resources] }], shared: [] };
    }

    const parentOf = new Map<string, string>();
    for (const resource of resources) {
        const parent = resource.parent?.urn;
        if (parent) {
            parentOf.set(resource.urn, parent);
        }
    }
    // The clusters whose provider each resource is an ancestor of (the provider itself included).
    const clustersUnder = new Map<string, Set<string>>();
    for (const key of keys) {
        for (let urn: string | undefined = key; urn !== undefined; urn = parentOf.get(urn)) {
            if (urn.split("::")[2] === ROOT_STACK) {
                break;
            }
            clustersUnder.set(urn, (clustersUnder.get(urn) ?? new Set()).add(key));
        }
    }
    const clustersByStack = new Map<string, Set<string>>();
    for (const key of keys) {
        const stack = key.startsWith("default ") ? `urn:pulumi:${key.slice("default ".length)}` : stackPart(key);
        clustersByStack.set(stack, (clustersByStack.get(stack) ?? new Set()).add(key));
    }
    const attribute = (resource: StackResource): string | undefined => {
        for (let urn: string | undefined = resource.urn; urn !== undefined; urn = parentOf.get(urn)) {
            const under = clustersUnder.get(urn);
            if (under !== undefined) {
                return under.size === 1 ? [...under][0] : undefined;
            }
        }
        const inStack = clustersByStack.get(stackPart(resource.urn));
        return inStack?.size === 1 ? [...inStack][0] : undefined;
    };

    const byKey = new Map<string, StackResource[]>(keys.map((key) => [key, []]));
    const shared: StackResource[] = [];
    for (const resource of resources) {
        const key = clusterOf.get(resource) ?? attribute(resource);
        if (key === undefined) {
            shared.push(resource);
        } else {
            byKey.get(key)!.push(resource);
        }
    }
    return {
        clusters: keys.map((key) => ({ key, label: labels.get(key)!, resources: byKey.get(key)! })),
        shared,
    };
}
