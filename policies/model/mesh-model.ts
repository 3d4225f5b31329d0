/**
 * One model of the mesh per stack, built from every resource once, and what the stack-level rules decide from.
 * Pure: resources in, model out. The offline engine's connectivity prediction reuses it (tools/).
 *
 * Shape (each part is documented where it is defined):
 *  - `cilium`: every Cilium install with its effective settings (cilium-settings.ts);
 *  - `istio`: the Istio charts and components (istio-install.ts) plus, joined with the workloads, why the stack is
 *    said to run Istio, ambient mode, istio-cni and sidecar injection (`*Because`: empty means no);
 *  - `namespaces`, `workloads` (pod templates plus one stand-in per declared namespace) with their mesh enrolment
 *    (workloads.ts), `workloadsByNamespace`;
 *  - `policies` (CiliumNetworkPolicy, CiliumClusterwideNetworkPolicy, NetworkPolicy; network-policies.ts) and the
 *    selection functions `selectedBy(rule)` / `rulesSelecting(workload)`, indexed by namespace so their cost is what
 *    one namespace holds;
 *  - `peerAuthentications` (peer-authentication.ts) with `effectiveMtls`; `authorizationPolicies`
 *    (authorization-policies.ts); `egressRules` (egress-policies.ts); `gatewayApi` (gateways.ts); `selectPods` for any
 *    label selection;
 *  - `eks` (eks.ts) and `onEksBecause`;
 *  - `unplaced`: workloads and PeerAuthentications whose namespace is unknown (e.g. during preview); a policy whose
 *    namespace is unknown stays in `policies`, marked `unreadable`.
 */
import { CiliumInstall, readCiliumInstalls } from "./cilium-settings";
import { EksInfo, readEks } from "./eks";
import { IstioInstall, readIstioInstall } from "./istio-install";
import { AuthorizationPolicyInfo, readAuthorizationPolicies } from "./authorization-policies";
import { EgressRule, egressRulesOf } from "./egress-policies";
import { GatewayApiInfo, readGatewayApi } from "./gateways";
import {
    Dialect,
    LabelLookup,
    Match,
    Selector,
    ciliumEndpointLabels,
    describeSelector,
    lookupIn,
    matches,
} from "./label-selectors";
import { Read } from "./property-reader";
import { NetworkPolicyInfo, PolicyRule, readNetworkPolicies } from "./network-policies";
import { EffectiveMtls, PeerAuthenticationIndex, readPeerAuthentications } from "./peer-authentication";
import { StackResource } from "./resources";
import {
    NamespaceInfo,
    Unplaced,
    Workload,
    describeWorkload,
    namespaceNamed,
    readNamespaces,
    readWorkloads,
} from "./workloads";

export interface Selection {
    readonly workload: Workload;
    /** true, or "unchecked" when a label the selector needs is unknown. */
    readonly match: Exclude<Match, false>;
}

/** Anything that selects pods by labels: a namespace (undefined: every namespace) and a selector in a dialect. */
export interface PodSelector {
    readonly namespace: string | undefined;
    readonly selector: Read<Selector>;
    readonly dialect: Dialect;
}

export interface RuleSelection {
    readonly rule: PolicyRule;
    readonly match: Exclude<Match, false>;
}

export interface MeshModel {
    readonly cilium: readonly CiliumInstall[];
    readonly istio: IstioInstall;
    /** Why the stack runs Istio (charts, components, enrolled namespaces or pods); empty when it does not. */
    readonly istioBecause: readonly string[];
    /** Why the stack runs ambient mode; empty when it does not. */
    readonly ambientBecause: readonly string[];
    /** Why istio-cni runs (the cni chart, its DaemonSet, or ambient, which requires it); empty when it does not. */
    readonly istioCniBecause: readonly string[];
    /** Why sidecar injection is in use (an istiod for sidecar mode, or enrolled namespaces/pods). */
    readonly sidecarInjectionBecause: readonly string[];
    /** Why the stack targets EKS; empty when nothing says so. */
    readonly onEksBecause: readonly string[];
    readonly namespaces: ReadonlyMap<string, NamespaceInfo>;
    readonly workloads: readonly Workload[];
    readonly workloadsByNamespace: ReadonlyMap<string, readonly Workload[]>;
    readonly policies: readonly NetworkPolicyInfo[];
    readonly peerAuthentications: PeerAuthenticationIndex;
    readonly eks: EksInfo;
    readonly unplaced: readonly Unplaced[];
    /** Workloads a policy rule selects (never-matching ones left out). */
    selectedBy(rule: PolicyRule): readonly Selection[];
    /** Workloads any pod selector selects: egress rules, AuthorizationPolicies (never-matching ones left out). */
    selectPods(selector: PodSelector): readonly Selection[];
    /** Istio AuthorizationPolicies (authorization-policies.ts). */
    readonly authorizationPolicies: readonly AuthorizationPolicyInfo[];
    /** Gateway API GatewayClasses and Gateways (gateways.ts). */
    readonly gatewayApi: GatewayApiInfo;
    /** Egress rules of Cilium and Kubernetes policies (egress-policies.ts). */
    readonly egressRules: readonly EgressRule[];
    /** Policy rules that select a workload. */
    rulesSelecting(workload: Workload): readonly RuleSelection[];
    /**
     * Why the rule may select pods the model cannot see (its namespace is not declared, or it selects specific labels
     * and no workload of the stack has them, so pods deployed elsewhere would decide); undefined when it cannot.
     */
    unseenPodsReason(rule: PolicyRule): string | undefined;
    /** The mTLS mode a sidecar workload accepts on `port` (undefined: the workload as a whole). */
    effectiveMtls(workload: Workload, port: number | undefined, rootNamespace: string): EffectiveMtls;
}

export function buildMeshModel(resources: readonly StackResource[]): MeshModel {
    const unplaced: Unplaced[] = [];
    const namespaces = readNamespaces(resources);
    const workloads = readWorkloads(resources, namespaces, unplaced);
    const workloadsByNamespace = groupBy(workloads, (w) => w.namespace);
    const policies = readNetworkPolicies(resources);
    const rulesByNamespace = new Map<string, PolicyRule[]>();
    const clusterwideRules: PolicyRule[] = [];
    for (const policy of policies) {
        for (const rule of policy.rules) {
            if (policy.namespace === undefined) {
                clusterwideRules.push(rule);
            } else {
                const list = rulesByNamespace.get(policy.namespace) ?? [];
                list.push(rule);
                rulesByNamespace.set(policy.namespace, list);
            }
        }
    }
    const peerAuthentications = new PeerAuthenticationIndex(readPeerAuthentications(resources, unplaced));
    const cilium = readCiliumInstalls(resources);
    const istio = readIstioInstall(resources);
    const eks = readEks(resources);

    const labelsFor = memoizeBy((workload: Workload) => ({
        kubernetes: lookupIn(workload.podLabels),
        cilium: ciliumEndpointLabels(
            workload.podLabels,
            workload.namespace,
            namespaceNamed(namespaces, workload.namespace).labels,
            workload.serviceAccount,
        ),
    }));
    const selectsPod = (by: PodSelector, workload: Workload): Match => {
        if (by.selector.state !== "known") {
            return by.selector.state === "unreadable" ? "unchecked" : false;
        }
        if (by.namespace !== undefined && by.namespace !== workload.namespace) {
            return false;
        }
        const labels: LabelLookup =
            by.dialect === "kubernetes" ? labelsFor(workload).kubernetes : labelsFor(workload).cilium;
        return matches(by.selector.value, labels);
    };
    const ruleSelector = (rule: PolicyRule): PodSelector => ({
        namespace: rule.policy.namespace,
        selector: rule.selector,
        dialect: rule.policy.kind === "NetworkPolicy" ? "kubernetes" : "cilium",
    });
    const selects = (rule: PolicyRule, workload: Workload): Match => selectsPod(ruleSelector(rule), workload);

    const selectPods = (by: PodSelector): Selection[] => {
        const candidates = by.namespace === undefined ? workloads : (workloadsByNamespace.get(by.namespace) ?? []);
        const selected: Selection[] = [];
        for (const workload of candidates) {
            const match = selectsPod(by, workload);
            if (match !== false) {
                selected.push({ workload, match });
            }
        }
        return selected;
    };
    const selectedBy = (rule: PolicyRule): Selection[] => selectPods(ruleSelector(rule));
    let authorizationPolicies: AuthorizationPolicyInfo[] | undefined;
    let gatewayApi: GatewayApiInfo | undefined;
    let egressRules: EgressRule[] | undefined;

    const enrolled = (mode: string) =>
        workloads.filter((w) => w.enrolment.mode === mode).map((w) => `${describeWorkload(w)} (${w.enrolment.detail})`);
    const ambientWorkloads = enrolled("ambient");
    const sidecarWorkloads = enrolled("sidecar");
    const ambientBecause = [...istio.ambientBecause, ...ambientWorkloads.slice(0, 3)];
    const istioBecause = [
        ...istio.charts.map((c) => `the Istio ${c.chart} chart (${c.helm.source.name})`),
        ...istio.components.map((c) => `the ${c.component} workload (${c.source.name})`),
        ...ambientWorkloads.slice(0, 3),
        ...sidecarWorkloads.slice(0, 3),
    ];
    const onEksBecause = [
        ...eks.clusters.map((c) => `${c.type} "${c.name}"`),
        ...cilium.filter((c) => c.settings.eniEnabled.value === true).map((c) => `Cilium ENI mode on ${c.source.name}`),
        ...cilium
            .filter((c) => /\.eks\.amazonaws\.com$/.test(c.settings.k8sServiceHost.value ?? ""))
            .map((c) => `Cilium's k8sServiceHost is an EKS endpoint on ${c.source.name}`),
    ];

    return {
        cilium,
        istio,
        istioBecause,
        ambientBecause,
        istioCniBecause: [
            ...istio.istioCniBecause,
            ...(ambientBecause.length > 0 ? ["ambient mode, which requires istio-cni"] : []),
        ],
        sidecarInjectionBecause: [
            ...istio.sidecarIstiod.map((c) => `istiod without the ambient profile (${c.helm.source.name})`),
            ...sidecarWorkloads.slice(0, 3),
        ],
        onEksBecause,
        namespaces,
        workloads,
        workloadsByNamespace,
        policies,
        peerAuthentications,
        eks,
        unplaced,
        selectedBy,
        selectPods,
        // Read on first use: only the rules that need them pay for reading them.
        get authorizationPolicies() {
            return (authorizationPolicies ??= readAuthorizationPolicies(resources));
        },
        get gatewayApi() {
            return (gatewayApi ??= readGatewayApi(resources));
        },
        get egressRules() {
            return (egressRules ??= egressRulesOf(policies));
        },
        rulesSelecting(workload) {
            const result: RuleSelection[] = [];
            for (const rule of [...(rulesByNamespace.get(workload.namespace) ?? []), ...clusterwideRules]) {
                const match = selects(rule, workload);
                if (match !== false) {
                    result.push({ rule, match });
                }
            }
            return result;
        },
        unseenPodsReason(rule) {
            const namespace = rule.policy.namespace;
            if (namespace !== undefined && !namespaces.has(namespace)) {
                return `namespace ${namespace} is not declared in this stack, so the pods there are not known`;
            }
            if (rule.selector.state !== "known" || rule.selector.value.requirements.length === 0) {
                return undefined;
            }
            const workloadsSelected = selectedBy(rule).filter((s) => !s.workload.standIn);
            return workloadsSelected.length === 0
                ? `it selects ${describeSelector(rule.selector.value)}, which no workload of this stack has, so pods deployed elsewhere decide`
                : undefined;
        },
        effectiveMtls(workload, port, rootNamespace) {
            return peerAuthentications.effectiveMtls(
                { namespace: workload.namespace, standIn: workload.standIn, labels: labelsFor(workload).kubernetes },
                port,
                rootNamespace,
            );
        },
    };
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
    const groups = new Map<string, T[]>();
    for (const item of items) {
        const list = groups.get(key(item)) ?? [];
        list.push(item);
        groups.set(key(item), list);
    }
    return groups;
}

/** `compute` cached per key object (the model's per-workload label lookups; the connectivity model's too). */
export function memoizeBy<K extends object, V>(compute: (key: K) => V): (key: K) => V {
    const cache = new WeakMap<K, V>();
    return (key) => {
        let value = cache.get(key);
        if (value === undefined) {
            value = compute(key);
            cache.set(key, value);
        }
        return value;
    };
}

// ---------------------------------------------------------------------------------------------------------------
// One model per stack.
//
// The policy server does NOT hand every stack policy the same array: makeAnalyzeStackRpcFun (@pulumi/policy 1.21.0,
// server.js) deserializes the request's resources again inside its per-policy loop, so each policy gets a fresh array
// of fresh proxies. The model is therefore cached twice: by array (a caller that passes the same array, such as the
// tests), and by content — the last stack's types, URNs and raw props serialized — so the stack rules of one
// AnalyzeStack share one model while a second, different stack in the same process gets its own.

const byArray = new WeakMap<readonly StackResource[], MeshModel>();
let lastStack: { fingerprint: string; model: MeshModel } | undefined;

/** The server's proxies expose their target under this key (pulumi-policy proxy.js `getSpecialProxyTarget`). */
const PROXY_TARGET = "__getSpecialProxyTarget";

/** The stack's content (types, URNs, raw props), the key of the by-content caches; undefined when not serializable. */
export function stackFingerprint(resources: readonly StackResource[]): string | undefined {
    try {
        return JSON.stringify(resources.map((r) => [r.type, r.urn, (r.props && r.props[PROXY_TARGET]) ?? r.props]));
    } catch {
        // An unknown value read through a proxy throws; such a stack is simply not cached.
        return undefined;
    }
}

/** The stack's one model; `fingerprint` when the caller has already computed it (mesh-of-clusters.ts). */
export function meshModelFor(
    resources: readonly StackResource[],
    fingerprint: string | undefined = stackFingerprint(resources),
): MeshModel {
    const cached = byArray.get(resources);
    if (cached) {
        return cached;
    }
    const key = fingerprint;
    const model = key !== undefined && lastStack?.fingerprint === key ? lastStack.model : buildMeshModel(resources);
    byArray.set(resources, model);
    if (key !== undefined) {
        lastStack = { fingerprint: key, model };
    }
    return model;
}
