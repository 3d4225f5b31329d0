/**
 * Istio PeerAuthentication (security.istio.io v1 and v1beta1) and the mTLS mode a sidecar pod ends up with.
 *
 * Resolution (istio.io reference "PeerAuthentication"): a policy with a workload `selector` in the pod's namespace,
 * else the namespace-wide policy (no selector), else the mesh-wide policy (no selector, in the root namespace); a mode
 * of UNSET inherits from the next level; with none, PERMISSIVE. `portLevelMtls` applies only with a workload selector,
 * and policies with a selector in the root namespace are ignored. When two policies of one level disagree Istio keeps
 * the oldest, which a preview cannot know, so the pack reports that it could not check.
 */
import { LabelLookup, Match, Selector, matches, readSelector } from "./label-selectors";
import { Read, guarded, keysOf, known, readObject, readString } from "./property-reader";
import { SourceRef, StackResource, isKubernetes, sourceOf } from "./resources";
import { Unplaced, namespaceOf } from "./workloads";

export type MtlsMode = "STRICT" | "PERMISSIVE" | "DISABLE";

export interface PeerAuthenticationInfo {
    readonly source: SourceRef;
    readonly name: string;
    readonly namespace: string;
    /** Undefined: namespace-wide (or mesh-wide in the root namespace). */
    readonly selector?: Read<Selector>;
    /** "STRICT", "PERMISSIVE", "DISABLE" or "UNSET" (also when `mtls` is absent). */
    readonly mode: Read<string>;
    /** Port number -> mode, from `portLevelMtls`. */
    readonly portModes: Read<ReadonlyMap<number, string>>;
}

export interface EffectiveMtls {
    /** Undefined when it could not be decided. */
    readonly mode?: MtlsMode;
    /** The policy that decided it; undefined for Istio's default PERMISSIVE. */
    readonly decidedBy?: PeerAuthenticationInfo;
    readonly detail: string;
}

function isPeerAuthentication(type: string): boolean {
    return isKubernetes(type, "security.istio.io", "PeerAuthentication");
}

export function readPeerAuthentications(
    resources: readonly StackResource[],
    unplaced: Unplaced[],
): PeerAuthenticationInfo[] {
    const result: PeerAuthenticationInfo[] = [];
    for (const resource of resources) {
        if (!isPeerAuthentication(resource.type)) {
            continue;
        }
        const props = guarded(resource.props);
        const namespace = namespaceOf(resource, props);
        if (namespace.state === "unreadable") {
            unplaced.push({
                source: sourceOf(resource),
                kind: "peer-authentication",
                detail: `${namespace.path} ${namespace.reason}`,
            });
            continue;
        }
        const name = readString(props, ["metadata", "name"]);
        const selector = readSelector(props, ["spec", "selector"], "kubernetes");
        const mode = readString(props, ["spec", "mtls", "mode"]);
        result.push({
            source: sourceOf(resource),
            name: name.state === "known" ? name.value : resource.name,
            namespace: namespace.value,
            selector: selector.state === "absent" ? undefined : selector,
            mode:
                mode.state === "absent"
                    ? known("UNSET")
                    : mode.state === "known"
                      ? known(mode.value.toUpperCase())
                      : mode,
            portModes: readPortModes(props),
        });
    }
    return result;
}

function readPortModes(props: unknown): Read<ReadonlyMap<number, string>> {
    const ports = readObject(props, ["spec", "portLevelMtls"]);
    if (ports.state !== "known") {
        return ports.state === "absent" ? known(new Map()) : ports;
    }
    const modes = new Map<number, string>();
    for (const key of keysOf(ports.value)) {
        const mode = readString(ports.value, [key, "mode"]);
        if (mode.state === "unreadable") {
            return mode;
        }
        if (mode.state === "known") {
            modes.set(Number(key), mode.value.toUpperCase());
        }
    }
    return known(modes);
}

/** PeerAuthentications grouped by namespace, so a lookup costs what one namespace holds. */
export class PeerAuthenticationIndex {
    private readonly byNamespace = new Map<string, PeerAuthenticationInfo[]>();

    constructor(readonly all: readonly PeerAuthenticationInfo[]) {
        for (const policy of all) {
            const list = this.byNamespace.get(policy.namespace) ?? [];
            list.push(policy);
            this.byNamespace.set(policy.namespace, list);
        }
    }

    inNamespace(namespace: string): readonly PeerAuthenticationInfo[] {
        return this.byNamespace.get(namespace) ?? [];
    }

    /**
     * The mTLS mode a sidecar pod accepts on `port` (undefined: the pod as a whole). `standIn` pods (any pod of the
     * namespace) have no labels of their own, so only the namespace and mesh levels apply to them.
     * `ambient`: what ztunnel accepts for an ambient pod, where "it is not possible to use the DISABLE mode in a
     * policy. Such policies will be ignored." (istio.io docs/ambient/usage/l4-policy): DISABLE counts as UNSET.
     */
    effectiveMtls(
        pod: { namespace: string; standIn: boolean; labels: LabelLookup },
        port: number | undefined,
        rootNamespace: string,
        ambient = false,
    ): EffectiveMtls {
        const levels: { name: string; candidates: PeerAuthenticationInfo[]; usePorts: boolean }[] = [];
        const local = this.inNamespace(pod.namespace);
        if (pod.namespace !== rootNamespace && !pod.standIn) {
            const selected: PeerAuthenticationInfo[] = [];
            for (const policy of local) {
                if (!policy.selector) {
                    continue;
                }
                const match: Match =
                    policy.selector.state === "known" ? matches(policy.selector.value, pod.labels) : "unchecked";
                if (match === "unchecked") {
                    return { detail: `whether ${describePeerAuthentication(policy)} selects the pod is unknown` };
                }
                if (match) {
                    selected.push(policy);
                }
            }
            levels.push({ name: "workload", candidates: selected, usePorts: true });
        }
        levels.push({ name: "namespace", candidates: local.filter((p) => !p.selector), usePorts: false });
        if (pod.namespace !== rootNamespace) {
            levels.push({
                name: "mesh-wide",
                candidates: this.inNamespace(rootNamespace).filter((p) => !p.selector),
                usePorts: false,
            });
        }
        for (const level of levels) {
            const decided = decideLevel(level.candidates, level.usePorts ? port : undefined, ambient);
            if (decided === "unset") {
                continue;
            }
            return decided;
        }
        return { mode: "PERMISSIVE", detail: "no PeerAuthentication applies, so Istio's default PERMISSIVE does" };
    }
}

function decideLevel(
    candidates: PeerAuthenticationInfo[],
    port: number | undefined,
    ambient: boolean,
): EffectiveMtls | "unset" {
    const modes = new Map<string, PeerAuthenticationInfo>();
    for (const policy of candidates) {
        if (policy.mode.state === "unreadable") {
            return { detail: `${describePeerAuthentication(policy)}: ${policy.mode.path} ${policy.mode.reason}` };
        }
        let mode = policy.mode.state === "known" ? policy.mode.value : "UNSET";
        if (port !== undefined) {
            if (policy.portModes.state === "unreadable") {
                return {
                    detail: `${describePeerAuthentication(policy)}: ${policy.portModes.path} ${policy.portModes.reason}`,
                };
            }
            const portMode = policy.portModes.state === "known" ? policy.portModes.value.get(port) : undefined;
            mode = portMode && portMode !== "UNSET" ? portMode : mode;
        }
        if (mode !== "UNSET" && !(ambient && mode === "DISABLE")) {
            modes.set(mode, policy);
        }
    }
    if (modes.size === 0) {
        return "unset";
    }
    if (modes.size > 1) {
        return {
            detail: `PeerAuthentications ${[...modes.values()].map(describePeerAuthentication).join(" and ")} disagree; Istio keeps the oldest`,
        };
    }
    const [mode, policy] = [...modes.entries()][0];
    if (mode !== "STRICT" && mode !== "PERMISSIVE" && mode !== "DISABLE") {
        return { detail: `${describePeerAuthentication(policy)} has mtls mode ${mode}, which is not a valid mode` };
    }
    return { mode, decidedBy: policy, detail: `${describePeerAuthentication(policy)} sets ${mode}` };
}

export function describePeerAuthentication(policy: PeerAuthenticationInfo): string {
    return `PeerAuthentication ${policy.namespace}/${policy.name}`;
}
