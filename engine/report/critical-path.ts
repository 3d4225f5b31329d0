/**
 * The deployment's critical path: the longest chain of resources that `pulumi up` must create one after another.
 * The engine runs steps in parallel as soon as what they wait for is done, so this chain bounds the wall time.
 *
 * What a resource waits for, and why:
 * - its `dependencies` (explicit `dependsOn` plus the resources its inputs come from) and its provider: the engine
 *   does not start a step before those are created;
 * - its parent, when the parent is a custom resource: the Node SDK awaits the parent's URN before registering a child
 *   (sdk/nodejs/runtime/resource.ts prepareResource), and a custom resource's registration only answers once the
 *   engine has created it. A component parent answers at once, so it delays nothing: no edge;
 * - a component is finished when its children are: depending on a component waits for them (the SDK expands a
 *   component in `dependsOn` to its children; a remote component's registration returns after its provider built
 *   them).
 * - a Helm release or a workload (Deployment, DaemonSet, StatefulSet), on the stack's node groups: Pulumi waits until
 *   a release's resources are ready (@pulumi/kubernetes helm/v3 Release, `skipAwait` false by default) and a
 *   workload's pods are ready, and pods need nodes. No dependency says so — the Cilium release must not depend on the
 *   node group, whose nodes turn Ready only once Cilium runs (components/Cluster.ts) — but the wait is real
 *   (inferred from the await semantics; not observed on a cluster).
 * What takes time: custom resources other than providers (configuring a provider calls no cloud API), and
 * components with no children in the stack, which are remote components whose children we cannot see (eks.Cluster
 * under the mock runtime). Everything else has no duration and is left out of the printed chain.
 */
import { ResourceV3, parseProviderReference, parseUrn } from "../state/stack-export";

/**
 * Rough seconds per step, so that the longest chain is the slowest one and not the one with most resources: an EKS
 * control plane takes about ten minutes, a managed node group a few, a Helm release that waits for its pods a minute
 * or two, an EKS add-on about one, anything else (IAM, Kubernetes objects) seconds. Estimates from typical
 * `pulumi up` runs of EKS stacks, not measured for this repository (nothing here is deployed); the report says so.
 */
const ROUGH_SECONDS: readonly [RegExp, number][] = [
    [/^(eks:index:Cluster|aws:eks\/cluster:Cluster)$/, 600],
    [/^(aws:eks\/nodeGroup:NodeGroup|eks:index:ManagedNodeGroup|eks:index:NodeGroupV2)$/, 240],
    [/^kubernetes:helm\.sh\/v3:Release$/, 90],
    [/^aws:eks\/addon:Addon$/, 60],
];
const OTHER_SECONDS = 5;

/** The rough duration of a step that takes time (ROUGH_SECONDS). */
export function roughSeconds(type: string): number {
    return ROUGH_SECONDS.find(([pattern]) => pattern.test(type))?.[1] ?? OTHER_SECONDS;
}

/**
 * The critical path's headline, as every report states it: how many steps and roughly how long they take together
 * (each step's type read from its URN, weighed by ROUGH_SECONDS).
 */
export function criticalPathSummary(path: readonly string[]): string {
    const minutes = Math.round(path.reduce((sum, urn) => sum + roughSeconds(parseUrn(urn).type), 0) / 60);
    const steps = path.length === 1 ? "1 step" : `${path.length} steps`;
    return `${steps}, each waiting for the one before; about ${minutes} min by rough per-step estimates, not measured`;
}

function takesTime(resource: ResourceV3, hasChildren: boolean): boolean {
    if (resource.type.startsWith("pulumi:providers:") || resource.type === "pulumi:pulumi:Stack") {
        return false;
    }
    return resource.custom || !hasChildren;
}

const NODE_GROUP_TYPES = ["aws:eks/nodeGroup:NodeGroup", "eks:index:ManagedNodeGroup", "eks:index:NodeGroupV2"];
const NEEDS_NODES = /^kubernetes:(helm\.sh\/v3:Release|apps\/v1:(Deployment|DaemonSet|StatefulSet))$/;

/** URNs of the slowest chain (by ROUGH_SECONDS), first-created first. Ties go to the resource registered first. */
export function criticalPath(resources: readonly ResourceV3[]): string[] {
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const waitsFor = new Map<string, Set<string>>(resources.map((r) => [r.urn, new Set<string>()]));
    const hasChildren = new Set<string>();
    const nodeGroups = resources.filter((r) => NODE_GROUP_TYPES.includes(r.type)).map((r) => r.urn);
    for (const r of resources) {
        const edges = waitsFor.get(r.urn)!;
        if (NEEDS_NODES.test(r.type)) {
            nodeGroups.forEach((group) => edges.add(group));
        }
        for (const d of r.dependencies ?? []) {
            if (byUrn.has(d)) {
                edges.add(d);
            }
        }
        if (r.provider) {
            const provider = parseProviderReference(r.provider).urn;
            if (byUrn.has(provider)) {
                edges.add(provider);
            }
        }
        const parent = r.parent ? byUrn.get(r.parent) : undefined;
        if (parent) {
            hasChildren.add(parent.urn);
            if (parent.custom) {
                edges.add(parent.urn);
            } else {
                waitsFor.get(parent.urn)!.add(r.urn);
            }
        }
    }

    // Longest weighted path ending at each resource, by depth-first search with memoisation. An edge that closes a
    // cycle (which a valid program cannot produce, but a hand-edited file can) is ignored.
    const best = new Map<string, { length: number; previous?: string }>();
    const visiting = new Set<string>();
    const visit = (urn: string): number => {
        const known = best.get(urn);
        if (known) {
            return known.length;
        }
        visiting.add(urn);
        let longest = 0;
        let previous: string | undefined;
        for (const dep of waitsFor.get(urn)!) {
            if (visiting.has(dep)) {
                continue;
            }
            const length = visit(dep);
            if (length > longest) {
                longest = length;
                previous = dep;
            }
        }
        visiting.delete(urn);
        const resource = byUrn.get(urn)!;
        const own = takesTime(resource, hasChildren.has(urn)) ? roughSeconds(resource.type) : 0;
        best.set(urn, { length: longest + own, previous });
        return longest + own;
    };

    let end: string | undefined;
    let endLength = 0;
    for (const r of resources) {
        const length = visit(r.urn);
        if (length > endLength) {
            endLength = length;
            end = r.urn;
        }
    }
    const chain: string[] = [];
    for (let urn = end; urn !== undefined; urn = best.get(urn)!.previous) {
        if (takesTime(byUrn.get(urn)!, hasChildren.has(urn))) {
            chain.unshift(urn);
        }
    }
    return chain;
}
