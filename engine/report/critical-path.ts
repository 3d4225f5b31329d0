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
 * What takes time: custom resources other than providers (configuring a provider calls no cloud API), and
 * components with no children in the stack, which are remote components whose children we cannot see (eks.Cluster
 * under the mock runtime). Everything else has no duration and is left out of the printed chain.
 */
import { ResourceV3, parseProviderReference } from "../state/stack-export";

function takesTime(resource: ResourceV3, hasChildren: boolean): boolean {
    if (resource.type.startsWith("pulumi:providers:") || resource.type === "pulumi:pulumi:Stack") {
        return false;
    }
    return resource.custom || !hasChildren;
}

/** URNs of the longest chain, first-created first. Ties go to the resource registered first. */
export function criticalPath(resources: readonly ResourceV3[]): string[] {
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const waitsFor = new Map<string, Set<string>>(resources.map((r) => [r.urn, new Set<string>()]));
    const hasChildren = new Set<string>();
    for (const r of resources) {
        const edges = waitsFor.get(r.urn)!;
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
        const own = takesTime(byUrn.get(urn)!, hasChildren.has(urn)) ? 1 : 0;
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
