/**
 * Egress rules of CiliumNetworkPolicy (`spec` or `specs`), CiliumClusterwideNetworkPolicy and Kubernetes
 * NetworkPolicy, as the pack's egress rules read them: which pods a rule puts in egress default-deny, and which ports
 * and peers its `egress` items admit. The policies are read once, every section alike, in network-policies.ts (with
 * the semantics and sources there); this is the egress side of that reading:
 *  - a Cilium rule with an `egress` or `egressDeny` section puts its pods in egress default-deny unless
 *    `enableDefaultDeny.egress: false`; a NetworkPolicy does when its policyTypes include Egress (or, unset, when it
 *    has an egress section);
 *  - a Cilium egress item with `toPorts` and no peer admits every destination on those ports, one with neither admits
 *    nothing; a NetworkPolicy item without `to` admits every destination, without `ports` every port.
 * Peers kept for the rules that need them: Cilium `toEndpoints` (scoped to the policy's namespace as Cilium scopes
 * them, so each names its namespace) and `toEntities`, NetworkPolicy `podSelector` / `namespaceSelector`; CIDR, FQDN
 * and Service peers are not pods and only mark the item as naming a peer.
 */
import { Selector } from "./label-selectors";
import { NetworkPolicyInfo, PolicyKind, PortRange, PolicyRule, portsOf } from "./network-policies";
import { Read, unreadable } from "./property-reader";
import { SourceRef } from "./resources";

export interface EgressAllow {
    /** Undefined: every port. */
    readonly ports?: readonly PortRange[];
    readonly namedPorts: readonly string[];
    /** No peer at all: every destination. */
    readonly anyDestination: boolean;
    /** Cilium `toEndpoints` selectors, scoped (network-policies.ts `scopeSelector`). */
    readonly endpoints: readonly Selector[];
    /** Cilium `toEntities` ("cluster", "all", "world", ...). */
    readonly entities: readonly string[];
    /** NetworkPolicy `to` peers: pods by label, in the policy's namespace or in namespaces selected by label. */
    readonly kubernetesPeers: readonly { readonly podSelector?: Selector; readonly namespaceSelector?: Selector }[];
    /** An empty Cilium item `{}`: admits nothing. */
    readonly admitsNothing: boolean;
}

export interface EgressRule {
    readonly source: SourceRef;
    readonly kind: PolicyKind;
    readonly name: string;
    /** Undefined for a CiliumClusterwideNetworkPolicy. */
    readonly namespace?: string;
    /** Where the rule sits: "spec", "specs[1]". */
    readonly path: string;
    readonly selector: Read<Selector>;
    readonly defaultDenyEgress: Read<boolean>;
    readonly egress: readonly EgressAllow[];
    /** Why part of the rule (or the whole policy) could not be read. */
    readonly unreadable?: string;
}

export function egressRulesOf(policies: readonly NetworkPolicyInfo[]): EgressRule[] {
    const rules: EgressRule[] = [];
    for (const policy of policies) {
        const base = { source: policy.source, kind: policy.kind, name: policy.name, namespace: policy.namespace };
        if (policy.unreadable !== undefined) {
            rules.push({
                ...base,
                path: "spec",
                selector: unreadable("spec", "is unknown"),
                defaultDenyEgress: unreadable("spec", "is unknown"),
                egress: [],
                unreadable: policy.unreadable,
            });
            continue;
        }
        rules.push(...policy.rules.map((rule) => egressRule(base, rule)));
    }
    return rules;
}

function egressRule(base: Pick<EgressRule, "source" | "kind" | "name" | "namespace">, rule: PolicyRule): EgressRule {
    const why = rule.sections.egress.unreadable ?? rule.sections.egressDeny.unreadable;
    return {
        ...base,
        path: rule.path,
        selector: rule.selector,
        defaultDenyEgress: rule.defaultDenyEgress,
        egress: rule.sections.egress.items.map((item) => ({
            ...portsOf(item),
            anyDestination: item.anyPeer,
            endpoints: item.peers.endpoints ?? [],
            entities: item.peers.entities ?? [],
            kubernetesPeers: (item.peers.kubernetes ?? []).map((peer) => ({
                podSelector: peer.pods,
                namespaceSelector: peer.namespaces,
            })),
            admitsNothing: item.admitsNothing,
        })),
        unreadable: why === undefined ? undefined : `${rule.path}.${why}`,
    };
}

/** `CiliumNetworkPolicy red/egress`. */
export function describeEgressRule(rule: EgressRule): string {
    return `${rule.kind} ${rule.namespace === undefined ? "" : `${rule.namespace}/`}${rule.name} (${rule.path})`;
}
