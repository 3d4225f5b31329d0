/**
 * What Cilium does with one connection at one end: the egress policies of the pod that sends it, or the ingress
 * policies of the pod that receives it (CiliumNetworkPolicy, CiliumClusterwideNetworkPolicy and Kubernetes
 * NetworkPolicy, which Cilium enforces too). A connection needs both ends to let it through
 * (docs/connectivity-semantics.md#both-ends).
 *
 * At one end (docs/connectivity-semantics.md for each source):
 *  1. `policyEnforcementMode: never` lets everything through; `always` puts every pod in default deny.
 *  2. A matching `ingressDeny`/`egressDeny` item drops the connection, whatever allows it (deny wins).
 *  3. A pod no rule puts in default deny for this direction lets through what no item matches.
 *  4. Otherwise an allow item must match the peer and the port; the L7 rules of the matching items then apply:
 *     a matching item without L7 rules allows every request, but the port still goes through the proxy.
 *  5. `fromRequires`/`toRequires` of every rule selecting the pod are ANDed into each endpoint selector (Cilium
 *     before 1.19; 1.19 removed the fields from the CRDs, so the API server drops them).
 * A value the decision needs that is unknown, a rule part that could not be read, `toFQDNs` (live DNS answers) or a
 * policy that could not be read at all make the answer `unknown`, with why.
 */
import { LabelLookup, Match, Selector, describeSelector, lookupIn, matches } from "../model/label-selectors";
import {
    DnsRuleSpec,
    HttpRuleSpec,
    PolicyRule,
    PortEntry,
    RuleItem,
    SectionName,
    describePolicy,
} from "../model/network-policies";
import { Workload } from "../model/workloads";
import { Direction, TrafficModel } from "./traffic-model";

export type Protocol = "TCP" | "UDP";

export interface Hop {
    readonly direction: Direction;
    /** The pod whose policies are evaluated: the sender for egress, the receiver for ingress. */
    readonly subject: Workload;
    /** The other end. */
    readonly peer: Workload;
    readonly port: number;
    readonly protocol: Protocol;
}

export interface ItemMatch {
    readonly rule: PolicyRule;
    readonly item: RuleItem;
}

/** The L7 rules a proxy applies on the port; `undefined` members: that parser is not involved. */
export interface L7Rules {
    readonly http?: readonly HttpRuleSpec[];
    readonly dns?: readonly DnsRuleSpec[];
    readonly other: readonly string[];
    /** The rules whose items carry them. */
    readonly from: readonly PolicyRule[];
}

export type CiliumDecision =
    /** Nothing restricts the connection at this end. */
    | { readonly kind: "open"; readonly why: string; readonly notes: readonly string[] }
    | {
          readonly kind: "allowed";
          readonly by: readonly ItemMatch[];
          readonly l7?: L7Rules;
          /** Rules with HTTP rules on other ports of this pod that match the peer (they do not apply here). */
          readonly httpOnOtherPorts: readonly PolicyRule[];
          readonly notes: readonly string[];
      }
    | {
          readonly kind: "dropped";
          readonly deniedBy?: ItemMatch;
          /** The rules that put the pod in default deny (when no deny matched). */
          readonly defaultDenyBy: readonly PolicyRule[];
          readonly notes: readonly string[];
      }
    | { readonly kind: "unknown"; readonly why: string };

type Tri = boolean | { readonly unknown: string };

/** "CiliumNetworkPolicy blue/default" (the rule's path too when the policy has several). */
export function describeRule(rule: PolicyRule): string {
    const several = rule.policy.rules.length > 1;
    return `${describePolicy(rule.policy)}${several ? ` (${rule.path})` : ""}`;
}

export function describeWorkloadRef(workload: Workload): string {
    return `${workload.namespace}/${workload.name}`;
}

const sectionOf = (direction: Direction, deny: boolean): SectionName =>
    direction === "ingress" ? (deny ? "ingressDeny" : "ingress") : deny ? "egressDeny" : "egress";

/** Pod-to-pod traffic comes from or goes to a Cilium-managed pod: these entities include every such pod. */
const POD_ENTITIES = new Set(["all", "cluster"]);
/** Entities a host-network pod may be, depending on its node. */
const HOST_ENTITIES = new Set(["host", "remote-node"]);

function portMatches(entry: PortEntry, hop: Hop, destination: Workload): Tri {
    if (entry.everyPort) {
        return true;
    }
    const protocolOk = (protocol: string) => protocol === "ANY" || protocol === hop.protocol;
    if (entry.ranges.some((r) => protocolOk(r.protocol) && r.from <= hop.port && hop.port <= r.to)) {
        return true;
    }
    for (const named of entry.named) {
        if (!protocolOk(named.protocol)) {
            continue;
        }
        // A named port resolves on the destination pod's container ports (docs/connectivity-semantics.md#ports).
        if (destination.containerPorts.state === "unreadable") {
            return {
                unknown: `the port name "${named.name}" resolves on ${describeWorkloadRef(destination)}'s container ports, which are unknown`,
            };
        }
        const ports = destination.containerPorts.state === "known" ? destination.containerPorts.value : [];
        if (ports.some((p) => p.name === named.name && p.containerPort === hop.port && protocolOk(p.protocol))) {
            return true;
        }
    }
    return false;
}

/** The item's entries that cover the port (undefined: the item names no ports, so all of them). */
function matchingEntries(
    item: RuleItem,
    hop: Hop,
    destination: Workload,
): PortEntry[] | undefined | { unknown: string } {
    if (item.toPorts === undefined) {
        return undefined;
    }
    const found: PortEntry[] = [];
    for (const entry of item.toPorts) {
        const match = portMatches(entry, hop, destination);
        if (typeof match === "object") {
            return match;
        }
        if (match) {
            found.push(entry);
        }
    }
    return found;
}

function and(a: Match, b: Match): Match {
    return a === false || b === false ? false : a === "unchecked" || b === "unchecked" ? "unchecked" : true;
}

/** Whether one item's peers include the other end (`requires`: the ANDed fromRequires/toRequires). */
function peerMatches(
    model: TrafficModel,
    rule: PolicyRule,
    item: RuleItem,
    hop: Hop,
    requires: readonly Selector[],
): Tri {
    if (item.admitsNothing) {
        return false;
    }
    if (item.anyPeer) {
        return true;
    }
    const peer = hop.peer;
    const hostNetwork = peer.hostNetwork.state === "known" && peer.hostNetwork.value;
    const peers = item.peers;
    let unknown: string | undefined;
    const note = (why: string) => {
        unknown = unknown ?? why;
    };
    const who = describeWorkloadRef(peer);
    for (const entity of peers.entities ?? []) {
        if (POD_ENTITIES.has(entity)) {
            return true;
        }
        if (hostNetwork && HOST_ENTITIES.has(entity)) {
            note(
                `${describeRule(rule)} admits the entity ${entity}; whether host-network ${who} is it depends on its node`,
            );
        }
    }
    if (!hostNetwork) {
        const labels: LabelLookup = model.ciliumLabels(peer);
        for (const selector of peers.endpoints ?? []) {
            const match = requires.reduce(
                (m, required) => and(m, matches(required, labels)),
                matches(selector, labels),
            );
            if (match === true) {
                return true;
            }
            if (match === "unchecked") {
                note(
                    `whether ${describeRule(rule)} (${describeSelector(selector)}) matches ${who} depends on an unknown label`,
                );
            }
        }
        for (const kubernetesPeer of peers.kubernetes ?? []) {
            const inNamespace: Match =
                kubernetesPeer.namespaces !== undefined
                    ? matches(kubernetesPeer.namespaces, lookupIn(model.namespace(peer.namespace).labels))
                    : peer.namespace === rule.policy.namespace;
            const podMatch: Match =
                kubernetesPeer.pods !== undefined ? matches(kubernetesPeer.pods, lookupIn(peer.podLabels)) : true;
            const match = and(inNamespace, podMatch);
            if (match === true) {
                return true;
            }
            if (match === "unchecked") {
                note(`whether ${describeRule(rule)} matches ${who} depends on an unknown label`);
            }
        }
        for (const service of peers.services ?? []) {
            const match = servicePeerMatches(model, rule, service, peer);
            if (match === true) {
                return true;
            }
            if (typeof match === "object") {
                note(match.unknown);
            }
        }
    }
    if (peers.fqdns) {
        note(
            `${describeRule(rule)} ${item.where} allows toFQDNs, whose addresses come from live DNS answers (and which ` +
                "Cilium's docs intend for destinations outside the cluster), so whether it covers this pod cannot be decided offline",
        );
    }
    return unknown === undefined ? false : { unknown };
}

/** A `toServices` entry: the named Service's (or labelled Services') selector picks the destination pods. */
function servicePeerMatches(
    model: TrafficModel,
    rule: PolicyRule,
    service: NonNullable<RuleItem["peers"]["services"]>[number],
    peer: Workload,
): Tri {
    // Inferred: a toServices entry without a namespace means the policy's own namespace.
    const namespace = service.namespace ?? rule.policy.namespace;
    if (namespace !== undefined && namespace !== peer.namespace) {
        return false;
    }
    const candidates = model.services.filter(
        (s) =>
            s.namespace === peer.namespace &&
            (service.name === undefined || s.name === service.name) &&
            (service.serviceSelector === undefined || matches(service.serviceSelector, lookupIn(s.labels)) === true),
    );
    for (const candidate of candidates) {
        if (candidate.selector.state === "unreadable") {
            return { unknown: `the selector of Service ${candidate.namespace}/${candidate.name} is unknown` };
        }
        if (
            candidate.selector.state === "known" &&
            matches(candidate.selector.value, lookupIn(peer.podLabels)) === true
        ) {
            return true;
        }
    }
    return false;
}

/** One direction's `fromRequires`/`toRequires`, per the Cilium version (docs/connectivity-semantics.md#requires). */
function requirementsFor(
    model: TrafficModel,
    selecting: readonly PolicyRule[],
    direction: Direction,
): { requires: Selector[]; note?: string } | { unknown: string } {
    const requires = selecting.flatMap((rule) =>
        rule.sections[sectionOf(direction, false)].items.flatMap((item) => item.peers.requires ?? []),
    );
    if (requires.length === 0) {
        return { requires: [] };
    }
    const field = direction === "ingress" ? "fromRequires" : "toRequires";
    const version = model.cilium.version;
    if (version === undefined) {
        return {
            unknown: `${field} is used, which Cilium 1.19 removed from its CRDs (before 1.19 it restricts every rule selecting the pod); the stack does not say which Cilium version runs`,
        };
    }
    if (version.major > 1 || version.minor >= 19) {
        return {
            requires: [],
            note: `${field} is ignored: Cilium ${version.text} has no such field (removed in 1.19), so the API server drops it`,
        };
    }
    return {
        requires,
        note: `${field} of the rules selecting the pod applies (Cilium ${version.text}): ${requires.map(describeSelector).join("; ")}`,
    };
}

function l7Of(entries: PortEntry[] | undefined): L7Rules | "none" {
    if (
        entries === undefined ||
        entries.every((e) => e.http === undefined && e.dns === undefined && e.otherL7.length === 0)
    ) {
        return "none";
    }
    return {
        http: entries.some((e) => e.http) ? entries.flatMap((e) => e.http ?? []) : undefined,
        dns: entries.some((e) => e.dns) ? entries.flatMap((e) => e.dns ?? []) : undefined,
        other: [...new Set(entries.flatMap((e) => e.otherL7))],
        from: [],
    };
}

/** The L7 rules of all matching items: an item without L7 rules allows every request of its parser. */
function mergeL7(matched: readonly { match: ItemMatch; l7: L7Rules | "none" }[]): L7Rules | undefined {
    const withL7 = matched.filter((m) => m.l7 !== "none") as { match: ItemMatch; l7: L7Rules }[];
    if (withL7.length === 0) {
        return undefined;
    }
    const allowAll = matched.length > withL7.length;
    const http = withL7.some((m) => m.l7.http) ? withL7.flatMap((m) => m.l7.http ?? []) : undefined;
    const dns = withL7.some((m) => m.l7.dns) ? withL7.flatMap((m) => m.l7.dns ?? []) : undefined;
    return {
        http: http && allowAll ? [{ headers: [] }, ...http] : http,
        dns: dns && allowAll ? [{ matchPattern: "*" }, ...dns] : dns,
        other: [...new Set(withL7.flatMap((m) => m.l7.other))],
        from: [...new Set(withL7.map((m) => m.match.rule))],
    };
}

/** What Cilium does with the connection at the hop's subject (see the module comment). */
export function decideHop(model: TrafficModel, hop: Hop): CiliumDecision {
    const { direction, subject } = hop;
    const destination = direction === "egress" ? hop.peer : subject;
    const enforcement = model.cilium.enforcement;
    if (typeof enforcement === "object") {
        return { kind: "unknown", why: enforcement.unknown };
    }
    if (enforcement === "never") {
        return { kind: "open", why: "Cilium's policyEnforcementMode is never: no policy is enforced", notes: [] };
    }
    const unreadablePolicy = model.mesh.policies.find(
        (p) =>
            p.rules.length === 0 &&
            p.unreadable !== undefined &&
            (p.kind === "CiliumClusterwideNetworkPolicy" ||
                p.namespace === undefined ||
                p.namespace === subject.namespace),
    );
    if (unreadablePolicy) {
        return {
            kind: "unknown",
            why: `${describePolicy(unreadablePolicy)} could not be read (${unreadablePolicy.unreadable}) and may select ${describeWorkloadRef(subject)}`,
        };
    }
    const selecting = model.rulesSelecting(subject);
    const unchecked = selecting.find((s) => s.match === "unchecked");
    if (unchecked) {
        return {
            kind: "unknown",
            why: `whether ${describeRule(unchecked.rule)} selects ${describeWorkloadRef(subject)} is unknown`,
        };
    }
    const rules = selecting.map((s) => s.rule);
    const notes: string[] = [];
    const required = requirementsFor(model, rules, direction);
    if ("unknown" in required) {
        return { kind: "unknown", why: required.unknown };
    }
    if (required.note) {
        notes.push(required.note);
    }

    // Deny first: it wins over any allow (security/policy/deny.rst).
    for (const rule of rules) {
        const section = rule.sections[sectionOf(direction, true)];
        if (section.unreadable) {
            return { kind: "unknown", why: `${describeRule(rule)}: ${section.unreadable}` };
        }
        for (const item of section.items) {
            const peer = peerMatches(model, rule, item, hop, []);
            const ports = matchingEntries(item, hop, destination);
            if (typeof peer === "object") {
                return { kind: "unknown", why: peer.unknown };
            }
            if (ports !== undefined && "unknown" in ports) {
                return { kind: "unknown", why: ports.unknown };
            }
            if (peer && (ports === undefined || ports.length > 0)) {
                return { kind: "dropped", deniedBy: { rule, item }, defaultDenyBy: [], notes };
            }
        }
    }

    const defaultDeny: PolicyRule[] = [];
    for (const rule of rules) {
        const flag = direction === "ingress" ? rule.defaultDenyIngress : rule.defaultDenyEgress;
        if (flag.state === "unreadable") {
            return { kind: "unknown", why: `${describeRule(rule)}: ${flag.path} ${flag.reason}` };
        }
        if (flag.state === "known" && flag.value) {
            defaultDeny.push(rule);
        }
    }
    const inDefaultDeny = defaultDeny.length > 0 || enforcement === "always";

    const matched: { match: ItemMatch; l7: L7Rules | "none" }[] = [];
    const httpOnOtherPorts = new Set<PolicyRule>();
    let unknown: string | undefined;
    for (const rule of rules) {
        const section = rule.sections[sectionOf(direction, false)];
        if (section.unreadable && inDefaultDeny) {
            unknown = unknown ?? `${describeRule(rule)}: ${section.unreadable}`;
        }
        for (const item of section.items) {
            const peer = peerMatches(model, rule, item, hop, required.requires);
            if (peer === false) {
                continue;
            }
            if (typeof peer === "object") {
                unknown = unknown ?? peer.unknown;
                continue;
            }
            const ports = matchingEntries(item, hop, destination);
            if (ports !== undefined && "unknown" in ports) {
                unknown = unknown ?? ports.unknown;
                continue;
            }
            if (item.toPorts?.some((entry) => entry.http && !(ports ?? []).includes(entry))) {
                httpOnOtherPorts.add(rule);
            }
            if (ports !== undefined && ports.length === 0) {
                continue;
            }
            matched.push({ match: { rule, item }, l7: l7Of(ports) });
        }
    }
    if (matched.length > 0) {
        const l7 = mergeL7(matched);
        return { kind: "allowed", by: matched.map((m) => m.match), l7, httpOnOtherPorts: [...httpOnOtherPorts], notes };
    }
    if (unknown !== undefined && inDefaultDeny) {
        return { kind: "unknown", why: unknown };
    }
    if (inDefaultDeny) {
        return { kind: "dropped", defaultDenyBy: defaultDeny, notes };
    }
    const why =
        rules.length === 0
            ? `no policy selects ${describeWorkloadRef(subject)} for ${direction}`
            : `no rule selecting ${describeWorkloadRef(subject)} puts it in default deny for ${direction}`;
    return { kind: "open", why, notes };
}
