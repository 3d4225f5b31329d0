/**
 * Network policies as Cilium and Kubernetes enforce them: CiliumNetworkPolicy (one rule in `spec`, or a list in
 * `specs`), CiliumClusterwideNetworkPolicy, and Kubernetes NetworkPolicy (which Cilium enforces too). Every section is
 * read — `ingress`, `ingressDeny`, `egress`, `egressDeny` — into one shape per rule item (`RuleItem`): its peers, its
 * ports and the L7 rules on them. The pack's rules read the ingress side through `PolicyRule.ingress`; the
 * connectivity predictor (policies/connectivity/) evaluates all four sections.
 *
 * Semantics (each with its upstream source in docs/connectivity-semantics.md):
 *  - A pod selected by a rule with a non-empty `ingress` or `ingressDeny` list is in default deny for ingress (the
 *    same for egress), unless the rule sets `enableDefaultDeny.<direction>: false` (Cilium `Rule.Sanitize`:
 *    `len(r.Ingress) > 0 || len(r.IngressDeny) > 0`; docs/connectivity-semantics.md#default-deny). A NetworkPolicy
 *    isolates the directions its `policyTypes` name (default: Ingress, plus Egress when it has an egress section).
 *  - Allow rules add up across every policy that selects the pod; a matching deny wins over any allow.
 *  - A Cilium rule item with no peer field but `toPorts` admits every peer on those ports; an empty item `{}` admits
 *    nothing; a peer field present but empty (`fromEndpoints: []`) selects no one (`mergeEndpointSelectors`).
 *  - A Cilium `fromEndpoints`/`toEndpoints` selector without a namespace key is confined to the policy's namespace,
 *    unless it names a namespace label (`io.cilium.k8s.namespace.labels.*`): then it spans every namespace. That is
 *    `getEndpointSelector` in cilium/cilium pkg/k8s/apis/cilium.io/utils/utils.go and its test "Don't add namespace
 *    when namespace label prefix is already present"; Cilium's docs (security/policy/kubernetes.rst, "Known
 *    Pitfalls") say such labels are ignored in a CiliumNetworkPolicy — the code is followed here.
 *  - `toPorts[].rules.http` (or `kafka`, `l7proto`, `dns`) sends the matching traffic through Cilium's proxy.
 * `nodeSelector` rules (host policies) select nodes, not pods.
 */
import { LabelRequirement, Selector, SELECT_ALL, readSelector } from "./label-selectors";
import {
    Read,
    guarded,
    keysOf,
    known,
    readArray,
    readBoolean,
    readObject,
    readPath,
    readString,
    readStringList,
    unreadable,
    whyNotRead,
} from "./property-reader";
import { SourceRef, StackResource, kubernetesKind, sourceOf } from "./resources";
import { namespaceOf } from "./workloads";
import { cidrContains } from "./ipv4-cidrs";

export type PolicyKind = "CiliumNetworkPolicy" | "CiliumClusterwideNetworkPolicy" | "NetworkPolicy";

export interface PortRange {
    readonly from: number;
    readonly to: number;
    /** "TCP", "UDP", "SCTP" or "ANY". */
    readonly protocol: string;
}

export interface CidrBlock {
    readonly cidr: string;
    readonly except: readonly string[];
}

/** A port given by its name (`port: http`): it resolves on the destination pod's container ports. */
export interface NamedPort {
    readonly name: string;
    readonly protocol: string;
}

/** One `headers` string or `headerMatches` entry of a Cilium HTTP rule. */
export interface HeaderRequirement {
    readonly name: string;
    /** The exact value required; undefined: the header must only be present. */
    readonly value?: string;
    /** The value is held in a Secret the stack's props do not show. */
    readonly fromSecret: boolean;
    /** A `mismatch` action other than failing (LOG, ADD, DELETE, REPLACE): a mismatch does not deny the request. */
    readonly mismatchAllowed: boolean;
}

/** One `rules.http` entry: every field present must match (RE2 expressions, whole value). */
export interface HttpRuleSpec {
    readonly method?: string;
    readonly path?: string;
    readonly host?: string;
    readonly headers: readonly HeaderRequirement[];
}

/** One `rules.dns` entry. */
export interface DnsRuleSpec {
    readonly matchName?: string;
    readonly matchPattern?: string;
}

/** One `toPorts` entry (or a NetworkPolicy's `ports` list). */
export interface PortEntry {
    /** Numeric ports and ranges (`endPort`). */
    readonly ranges: readonly PortRange[];
    /** Port "0", or no `ports` list: every port. */
    readonly everyPort: boolean;
    readonly named: readonly NamedPort[];
    readonly http?: readonly HttpRuleSpec[];
    readonly dns?: readonly DnsRuleSpec[];
    /** Other L7 parsers the entry sends traffic through: "kafka", "l7proto". */
    readonly otherL7: readonly string[];
}

/** A NetworkPolicy `from`/`to` element with a pod and/or namespace selector. */
export interface KubernetesPeer {
    readonly pods?: Selector;
    readonly namespaces?: Selector;
}

/** A Cilium `toServices` entry: the Service's own selector then selects the destination pods. */
export interface ServicePeer {
    readonly name?: string;
    readonly namespace?: string;
    /** `k8sServiceSelector`: Services by label. */
    readonly serviceSelector?: Selector;
}

/** The peers one rule item names; a field that is absent is undefined, one present but empty selects no one. */
export interface PeerSet {
    /** Cilium endpoint selectors, already scoped as `getEndpointSelector` scopes them (see the module comment). */
    readonly endpoints?: readonly Selector[];
    readonly kubernetes?: readonly KubernetesPeer[];
    readonly entities?: readonly string[];
    /** CIDR peers (`fromCIDR`, `fromCIDRSet`, `ipBlock`): never a pod Cilium manages. */
    readonly cidrs?: readonly CidrBlock[];
    /** `fromRequires`/`toRequires`, scoped like endpoints (they restrict other rules; docs/connectivity-semantics.md#requires). */
    readonly requires?: readonly Selector[];
    readonly services?: readonly ServicePeer[];
    /** `toFQDNs` is present: allowed addresses come from live DNS answers. */
    readonly fqdns: boolean;
    /** `fromNodes`/`toNodes`/`fromGroups`/`toGroups`: nodes and cloud groups, never a pod. */
    readonly nonPods: readonly string[];
}

export interface RuleItem {
    /** Position in its section, for messages: "ingress[1]". */
    readonly where: string;
    readonly peers: PeerSet;
    /** No peer field: every peer (a Cilium L4-only item, a NetworkPolicy item without `from`/`to`). */
    readonly anyPeer: boolean;
    /** An empty Cilium item `{}` (or one with only ICMP rules): no TCP peer or port. */
    readonly admitsNothing: boolean;
    /** Undefined: every port. */
    readonly toPorts?: readonly PortEntry[];
}

/** One section of a rule: its readable items, and why any item could not be read. */
export interface Section {
    readonly items: readonly RuleItem[];
    readonly unreadable?: string;
}

export type SectionName = "ingress" | "ingressDeny" | "egress" | "egressDeny";

/** What the pack's ingress rules read of one item (derived from the ingress section). */
export interface IngressAllow {
    /** Admits every source (a Cilium L4-only rule, a NetworkPolicy rule without `from`). */
    readonly anySource: boolean;
    readonly cidrs: readonly CidrBlock[];
    /** Cilium entities such as "world", "all", "cluster". */
    readonly entities: readonly string[];
    /** Undefined: every port. Named ports are listed in `namedPorts`. */
    readonly ports?: readonly PortRange[];
    readonly namedPorts: readonly string[];
    /** L7 parsers the rule sends traffic through: "http", "kafka", "l7proto" (DNS rules are egress's business). */
    readonly l7: readonly string[];
    /**
     * The ports of the `toPorts` entries that carry those L7 rules (an entry's rules apply to its own ports only: a
     * rule admitting 80 with HTTP rules and 15008 without sends only 80 through the proxy).
     */
    readonly l7Ports: Pick<IngressAllow, "ports" | "namedPorts">;
    /** True for an empty rule: it admits nothing. */
    readonly admitsNothing: boolean;
}

export interface PolicyRule {
    readonly policy: NetworkPolicyInfo;
    /** Where the rule sits in the object: "spec", "specs[1]". */
    readonly path: string;
    readonly selector: Read<Selector>;
    readonly ingress: readonly IngressAllow[];
    readonly sections: Readonly<Record<SectionName, Section>>;
    /** Whether selected pods are in default-deny for ingress because of this rule. */
    readonly defaultDenyIngress: Read<boolean>;
    readonly defaultDenyEgress: Read<boolean>;
    /** True when `enableDefaultDeny.ingress` is set to false explicitly. */
    readonly defaultDenyDisabled: boolean;
    /** Why part of the ingress sections could not be read; the rule is then judged only where that does not matter. */
    readonly unreadableIngress?: string;
}

export interface NetworkPolicyInfo {
    readonly source: SourceRef;
    readonly kind: PolicyKind;
    readonly name: string;
    /** Undefined for CiliumClusterwideNetworkPolicy. */
    readonly namespace?: string;
    readonly rules: PolicyRule[];
    /** Why the policy could not be read at all (its rules are then empty). */
    readonly unreadable?: string;
}

const KINDS: Record<string, PolicyKind> = {
    "cilium.io/CiliumNetworkPolicy": "CiliumNetworkPolicy",
    "cilium.io/CiliumClusterwideNetworkPolicy": "CiliumClusterwideNetworkPolicy",
    "networking.k8s.io/NetworkPolicy": "NetworkPolicy",
};

export const NAMESPACE_LABEL = "io.kubernetes.pod.namespace";
export const NAMESPACE_LABELS_PREFIX = "io.cilium.k8s.namespace.labels.";

export function readNetworkPolicies(resources: readonly StackResource[]): NetworkPolicyInfo[] {
    const policies: NetworkPolicyInfo[] = [];
    for (const resource of resources) {
        const parsed = kubernetesKind(resource.type);
        const kind = parsed ? KINDS[`${parsed.group}/${parsed.kind}`] : undefined;
        if (kind) {
            policies.push(readPolicy(resource, kind));
        }
    }
    return policies;
}

function readPolicy(resource: StackResource, kind: PolicyKind): NetworkPolicyInfo {
    const props = guarded(resource.props);
    const name = readString(props, ["metadata", "name"]);
    const namespace = kind === "CiliumClusterwideNetworkPolicy" ? undefined : namespaceOf(resource, props);
    const rules: PolicyRule[] = [];
    // Built in place so that each rule's back-reference sees the final policy, including why part of it was unreadable.
    const policy: { -readonly [K in keyof NetworkPolicyInfo]: NetworkPolicyInfo[K] } = {
        source: sourceOf(resource),
        kind,
        name: name.state === "known" ? name.value : resource.name,
        namespace: namespace?.state === "known" ? namespace.value : undefined,
        rules,
        unreadable: namespace?.state === "unreadable" ? `metadata.namespace ${namespace.reason}` : undefined,
    };
    if (policy.unreadable) {
        return policy;
    }
    if (kind === "NetworkPolicy") {
        const spec = readObject(props, ["spec"]);
        if (spec.state !== "known") {
            policy.unreadable = whyNotRead(spec, "it has no spec");
            return policy;
        }
        rules.push(kubernetesRule(policy, spec.value));
        return policy;
    }
    // A Cilium policy holds one rule in `spec` or several in `specs` (the upstream Istio demo uses `specs`).
    const spec = readObject(props, ["spec"]);
    const specs = readArray(props, ["specs"]);
    for (const read of [spec, specs]) {
        if (read.state === "unreadable") {
            policy.unreadable = `${read.path} ${read.reason}`;
            return policy;
        }
    }
    if (spec.state === "known") {
        rules.push(ciliumRule(policy, spec.value, "spec"));
    }
    if (specs.state === "known") {
        for (let i = 0; i < specs.value.length; i++) {
            const item = readObject(specs.value, [i]);
            if (item.state === "unreadable") {
                policy.unreadable = `specs[${i}] ${item.reason}`;
                return policy;
            }
            if (item.state === "known") {
                rules.push(ciliumRule(policy, item.value, `specs[${i}]`));
            }
        }
    }
    if (rules.length === 0) {
        policy.unreadable = "it has neither spec nor specs";
    }
    return policy;
}

// ---- Cilium ---------------------------------------------------------------------------------------------------

/** The peer fields of each direction; `requires`, entities, CIDRs etc. are read by name below. */
const CILIUM_PEER_FIELDS = {
    ingress: {
        endpoints: "fromEndpoints",
        requires: "fromRequires",
        entities: "fromEntities",
        cidr: "fromCIDR",
        cidrSet: "fromCIDRSet",
        services: undefined,
        fqdns: undefined,
        nonPods: ["fromNodes", "fromGroups"],
    },
    egress: {
        endpoints: "toEndpoints",
        requires: "toRequires",
        entities: "toEntities",
        cidr: "toCIDR",
        cidrSet: "toCIDRSet",
        services: "toServices",
        fqdns: "toFQDNs",
        nonPods: ["toNodes", "toGroups"],
    },
} as const;

function ciliumRule(policy: NetworkPolicyInfo, rule: object, path: string): PolicyRule {
    const endpointSelector = readSelector(rule, ["endpointSelector"], "cilium");
    // A rule without endpointSelector is a host policy (nodeSelector): it selects no pod.
    const selector: Read<Selector> =
        endpointSelector.state === "absent" ? known({ ...SELECT_ALL, selectsNoPod: true }) : endpointSelector;
    const sections = {
        ingress: ciliumSection(rule, "ingress", "ingress", policy.namespace),
        ingressDeny: ciliumSection(rule, "ingressDeny", "ingress", policy.namespace),
        egress: ciliumSection(rule, "egress", "egress", policy.namespace),
        egressDeny: ciliumSection(rule, "egressDeny", "egress", policy.namespace),
    };
    const ingressDefault = readBoolean(rule, ["enableDefaultDeny", "ingress"]);
    return {
        policy,
        path,
        selector,
        sections: Object.fromEntries(Object.entries(sections).map(([k, v]) => [k, v.section])) as Record<
            SectionName,
            Section
        >,
        ingress: sections.ingress.section.items.map(toIngressAllow),
        defaultDenyIngress: ciliumDefaultDeny(rule, "ingress", sections.ingress.list, sections.ingressDeny.list, path),
        defaultDenyEgress: ciliumDefaultDeny(rule, "egress", sections.egress.list, sections.egressDeny.list, path),
        defaultDenyDisabled: ingressDefault.state === "known" && !ingressDefault.value,
        unreadableIngress: prefixed(
            path,
            sections.ingress.section.unreadable ?? sections.ingressDeny.section.unreadable,
        ),
    };
}

function prefixed(path: string, reason: string | undefined): string | undefined {
    return reason === undefined ? undefined : `${path}.${reason}`;
}

/** `enableDefaultDeny.<direction>` when set, else whether the allow or deny list has an item (`Rule.Sanitize`). */
function ciliumDefaultDeny(
    rule: object,
    direction: "ingress" | "egress",
    allow: Read<readonly unknown[]>,
    deny: Read<readonly unknown[]>,
    path: string,
): Read<boolean> {
    const explicit = readBoolean(rule, ["enableDefaultDeny", direction]);
    if (explicit.state !== "absent") {
        return explicit;
    }
    for (const list of [allow, deny]) {
        if (list.state === "unreadable") {
            return unreadable(`${path}.${list.path}`, list.reason);
        }
    }
    const nonEmpty = (list: Read<readonly unknown[]>) => list.state === "known" && list.value.length > 0;
    return known(nonEmpty(allow) || nonEmpty(deny));
}

function ciliumSection(
    rule: object,
    name: SectionName,
    direction: "ingress" | "egress",
    namespace: string | undefined,
): { section: Section; list: Read<readonly unknown[]> } {
    const list = readArray(rule, [name]);
    if (list.state === "unreadable") {
        return { section: { items: [], unreadable: `${list.path} ${list.reason}` }, list };
    }
    const items: RuleItem[] = [];
    let reason: string | undefined;
    for (let i = 0; list.state === "known" && i < list.value.length; i++) {
        const item = ciliumItem(list.value, i, `${name}[${i}]`, direction, namespace);
        if (item.state === "known") {
            items.push(item.value);
        } else if (item.state === "unreadable") {
            reason = `${name}[${i}]: ${item.path} ${item.reason}`;
        } else {
            items.push(emptyItem(`${name}[${i}]`));
        }
    }
    return { section: { items, unreadable: reason }, list };
}

function emptyItem(where: string): RuleItem {
    return { where, peers: { fqdns: false, nonPods: [] }, anyPeer: false, admitsNothing: true };
}

function ciliumItem(
    list: readonly unknown[],
    index: number,
    where: string,
    direction: "ingress" | "egress",
    namespace: string | undefined,
): Read<RuleItem> {
    const item = readObject(list, [index]);
    if (item.state !== "known") {
        return item;
    }
    const fields = CILIUM_PEER_FIELDS[direction];
    const keys = keysOf(item.value);
    const peerKeys: string[] = Object.values(fields)
        .flat()
        .filter((key): key is string => typeof key === "string");
    const hasPeer = keys.some((key) => peerKeys.includes(key));

    const endpoints = readScopedSelectors(item.value, fields.endpoints, namespace);
    // getEndpointSelector scopes fromRequires/toRequires exactly as fromEndpoints (only reserved labels differ).
    const requires = readScopedSelectors(item.value, fields.requires, namespace);
    const entities = readStringList(item.value, [fields.entities]);
    const cidrs = ciliumCidrs(item.value, fields.cidr, fields.cidrSet);
    const services = fields.services === undefined ? known(undefined) : readServicePeers(item.value, fields.services);
    const toPorts = readArray(item.value, ["toPorts"]);
    for (const read of [endpoints, requires, entities, cidrs, services, toPorts]) {
        if (read.state === "unreadable") {
            return read;
        }
    }
    const ports = toPorts.state === "known" ? ciliumPorts(toPorts.value) : known(undefined);
    if (ports.state === "unreadable") {
        return ports;
    }
    const value = <T>(read: Read<T>): T | undefined => (read.state === "known" ? read.value : undefined);
    return known({
        where,
        peers: {
            endpoints: value(endpoints),
            requires: value(requires),
            entities: value(entities),
            cidrs: value(cidrs),
            services: value(services),
            fqdns: fields.fqdns !== undefined && keys.includes(fields.fqdns),
            nonPods: fields.nonPods.filter((key) => keys.includes(key)),
        },
        anyPeer: !hasPeer && toPorts.state === "known",
        admitsNothing: !hasPeer && toPorts.state !== "known",
        toPorts: value(ports),
    });
}

/**
 * `fromEndpoints`/`toEndpoints` as Cilium scopes them (`getEndpointSelector`, see the module comment): a namespaced
 * policy's selector without a namespace key gets `io.kubernetes.pod.namespace=<policy namespace>` unless it names a
 * namespace label. A clusterwide policy's gets "has a namespace label" (`Exists`), which every pod has: only
 * Cilium-managed pods, never the host or the world.
 */
function readScopedSelectors(root: object, field: string, namespace: string | undefined): Read<Selector[]> {
    const selectors = readSelectorsAsWritten(root, field);
    if (selectors.state !== "known") {
        return selectors;
    }
    return known(selectors.value.map((selector) => scopeSelector(selector, namespace)));
}

function scopeSelector(selector: Selector, namespace: string | undefined): Selector {
    const keys = selector.requirements.map((r) => r.key);
    if (selector.selectsNoPod || keys.includes(NAMESPACE_LABEL)) {
        return selector;
    }
    if (namespace === undefined) {
        const exists: LabelRequirement = { key: NAMESPACE_LABEL, operator: "Exists", values: [] };
        return { ...selector, requirements: [...selector.requirements, exists] };
    }
    if (keys.some((key) => key.startsWith(NAMESPACE_LABELS_PREFIX))) {
        return selector;
    }
    const confined: LabelRequirement = { key: NAMESPACE_LABEL, operator: "In", values: [namespace] };
    return { ...selector, requirements: [...selector.requirements, confined] };
}

/** A list of Cilium selectors; one unreadable element makes the list unreadable. */
function readSelectorsAsWritten(root: object, field: string): Read<Selector[]> {
    const list = readArray(root, [field]);
    if (list.state !== "known") {
        return list;
    }
    const selectors: Selector[] = [];
    for (let i = 0; i < list.value.length; i++) {
        const selector = readSelector(list.value, [i], "cilium");
        if (selector.state === "unreadable") {
            return unreadable(`${field}[${i}]`, `${selector.path} ${selector.reason}`);
        }
        selectors.push(selector.state === "known" ? selector.value : SELECT_ALL);
    }
    return known(selectors);
}

function readServicePeers(root: object, field: string): Read<ServicePeer[] | undefined> {
    const list = readArray(root, [field]);
    if (list.state !== "known") {
        return list.state === "absent" ? known(undefined) : list;
    }
    const peers: ServicePeer[] = [];
    for (let i = 0; i < list.value.length; i++) {
        const name = readString(list.value, [i, "k8sService", "serviceName"]);
        const namespace = readString(list.value, [i, "k8sService", "namespace"]);
        const bySelector = readSelector(list.value, [i, "k8sServiceSelector", "selector"], "kubernetes");
        const bySelectorNamespace = readString(list.value, [i, "k8sServiceSelector", "namespace"]);
        const bad = [name, namespace, bySelector, bySelectorNamespace].find((read) => read.state === "unreadable");
        if (bad?.state === "unreadable") {
            return unreadable(`${field}[${i}]`, `${bad.path} ${bad.reason}`);
        }
        peers.push({
            name: name.state === "known" ? name.value : undefined,
            namespace:
                namespace.state === "known"
                    ? namespace.value
                    : bySelectorNamespace.state === "known"
                      ? bySelectorNamespace.value
                      : undefined,
            serviceSelector: bySelector.state === "known" ? bySelector.value : undefined,
        });
    }
    return known(peers);
}

function ciliumCidrs(rule: object, cidrField: string, setField: string): Read<CidrBlock[] | undefined> {
    const plain = readStringList(rule, [cidrField]);
    const sets = readArray(rule, [setField]);
    if (plain.state === "unreadable") {
        return plain;
    }
    if (sets.state === "unreadable") {
        return sets;
    }
    if (plain.state === "absent" && sets.state === "absent") {
        return known(undefined);
    }
    const blocks: CidrBlock[] = (plain.state === "known" ? plain.value : []).map((cidr) => ({ cidr, except: [] }));
    const list = sets.state === "known" ? sets.value : [];
    for (let i = 0; i < list.length; i++) {
        const cidr = readString(list, [i, "cidr"]);
        const except = readStringList(list, [i, "except"]);
        if (cidr.state === "unreadable" || except.state === "unreadable") {
            return unreadable(`${setField}[${i}]`, "is unknown");
        }
        // A `cidrGroupRef` entry names a CiliumCIDRGroup: still addresses, never a pod.
        blocks.push({
            cidr: cidr.state === "known" ? cidr.value : "",
            except: except.state === "known" ? except.value : [],
        });
    }
    return known(blocks);
}

function ciliumPorts(toPorts: readonly unknown[]): Read<PortEntry[]> {
    const entries: PortEntry[] = [];
    for (let i = 0; i < toPorts.length; i++) {
        const ports = readArray(toPorts, [i, "ports"]);
        const rules = readObject(toPorts, [i, "rules"]);
        if (ports.state === "unreadable") {
            return ports;
        }
        if (rules.state === "unreadable") {
            return rules;
        }
        const ranges: PortRange[] = [];
        const named: NamedPort[] = [];
        let everyPort = ports.state !== "known" || ports.value.length === 0;
        for (let p = 0; ports.state === "known" && p < ports.value.length; p++) {
            const port = readPath(ports.value, [p, "port"]);
            const endPort = readPath(ports.value, [p, "endPort"]);
            const protocol = readString(ports.value, [p, "protocol"]);
            if (port.state === "unreadable" || endPort.state === "unreadable" || protocol.state === "unreadable") {
                return unreadable(`toPorts[${i}].ports[${p}]`, "is unknown");
            }
            // Cilium's protocol defaults to ANY (security/policy/layer4.rst, PortProtocol).
            const proto = protocol.state === "known" ? protocol.value.toUpperCase() : "ANY";
            everyPort = addPort(ranges, named, port, endPort, proto) === "every" || everyPort;
        }
        const l7 = rules.state === "known" ? readL7(rules.value, `toPorts[${i}].rules`) : known({ otherL7: [] });
        if (l7.state !== "known") {
            return l7;
        }
        entries.push({ ranges, everyPort, named, ...l7.value });
    }
    return known(entries);
}

function readL7(rules: object, where: string): Read<{ http?: HttpRuleSpec[]; dns?: DnsRuleSpec[]; otherL7: string[] }> {
    const http = readArray(rules, ["http"]);
    const dns = readArray(rules, ["dns"]);
    if (http.state === "unreadable") {
        return unreadable(`${where}.http`, http.reason);
    }
    if (dns.state === "unreadable") {
        return unreadable(`${where}.dns`, dns.reason);
    }
    const otherL7 = ["kafka", "l7proto"].filter((parser) => readPath(rules, [parser]).state !== "absent");
    const result: { http?: HttpRuleSpec[]; dns?: DnsRuleSpec[]; otherL7: string[] } = { otherL7 };
    if (http.state === "known") {
        result.http = [];
        for (let h = 0; h < http.value.length; h++) {
            const rule = readHttpRule(http.value, h);
            if (rule.state !== "known") {
                return rule.state === "unreadable"
                    ? unreadable(`${where}.http[${h}]`, `${rule.path} ${rule.reason}`)
                    : rule;
            }
            result.http.push(rule.value);
        }
    }
    if (dns.state === "known") {
        result.dns = [];
        for (let d = 0; d < dns.value.length; d++) {
            const matchName = readString(dns.value, [d, "matchName"]);
            const matchPattern = readString(dns.value, [d, "matchPattern"]);
            if (matchName.state === "unreadable" || matchPattern.state === "unreadable") {
                return unreadable(`${where}.dns[${d}]`, "is unknown");
            }
            result.dns.push({
                matchName: matchName.state === "known" ? matchName.value : undefined,
                matchPattern: matchPattern.state === "known" ? matchPattern.value : undefined,
            });
        }
    }
    return known(result);
}

/**
 * One HTTP rule as Cilium hands it to Envoy (cilium/cilium pkg/envoy `getHTTPRule`): `headers` entries are
 * "Name: value" (split at the first space, the colon trimmed: exact value) or "Name" (presence); `headerMatches` are
 * `{name, value | secret, mismatch}`, failing the request on a mismatch unless `mismatch` says otherwise.
 */
function readHttpRule(list: readonly unknown[], index: number): Read<HttpRuleSpec> {
    const method = readString(list, [index, "method"]);
    const path = readString(list, [index, "path"]);
    const host = readString(list, [index, "host"]);
    const headers = readStringList(list, [index, "headers"]);
    const matches = readArray(list, [index, "headerMatches"]);
    const bad = [method, path, host, headers, matches].find((read) => read.state === "unreadable");
    if (bad?.state === "unreadable") {
        return bad;
    }
    const requirements: HeaderRequirement[] = (headers.state === "known" ? headers.value : []).map((text) => {
        const space = text.indexOf(" ");
        return space < 0
            ? { name: text, fromSecret: false, mismatchAllowed: false }
            : {
                  name: text.slice(0, space).replace(/:+$/, ""),
                  value: text.slice(space + 1),
                  fromSecret: false,
                  mismatchAllowed: false,
              };
    });
    for (let m = 0; matches.state === "known" && m < matches.value.length; m++) {
        const name = readString(matches.value, [m, "name"]);
        const value = readString(matches.value, [m, "value"]);
        const mismatch = readString(matches.value, [m, "mismatch"]);
        const secret = readPath(matches.value, [m, "secret"]);
        if ([name, value, mismatch, secret].some((read) => read.state === "unreadable")) {
            return unreadable(`headerMatches[${m}]`, "is unknown");
        }
        if (name.state === "known") {
            requirements.push({
                name: name.value,
                value: value.state === "known" && value.value !== "" ? value.value : undefined,
                fromSecret: secret.state === "known",
                mismatchAllowed: mismatch.state === "known" && mismatch.value !== "",
            });
        }
    }
    const text = (read: Read<string>) => (read.state === "known" && read.value !== "" ? read.value : undefined);
    return known({ method: text(method), path: text(path), host: text(host), headers: requirements });
}

/** Adds one port entry; "every" when it opens every port (port "0" or no port). */
function addPort(
    ranges: PortRange[],
    named: NamedPort[],
    port: Read<unknown>,
    endPort: Read<unknown>,
    protocol: string,
): "added" | "every" {
    if (port.state !== "known") {
        return "every";
    }
    const number =
        typeof port.value === "number" ? port.value : /^\d+$/.test(String(port.value)) ? Number(port.value) : undefined;
    if (number === undefined) {
        // `endPort` is ignored for a named port (layer4.rst, PortProtocol).
        named.push({ name: String(port.value), protocol });
        return "added";
    }
    if (number === 0) {
        return "every";
    }
    const end = endPort.state === "known" && Number.isInteger(Number(endPort.value)) ? Number(endPort.value) : number;
    ranges.push({ from: number, to: Math.max(end, number), protocol });
    return "added";
}

// ---- Kubernetes NetworkPolicy ---------------------------------------------------------------------------------

function kubernetesRule(policy: NetworkPolicyInfo, spec: object): PolicyRule {
    const podSelector = readSelector(spec, ["podSelector"], "kubernetes");
    const selector: Read<Selector> = podSelector.state === "absent" ? known(SELECT_ALL) : podSelector;
    const policyTypes = readStringList(spec, ["policyTypes"]);
    const ingress = kubernetesSection(spec, "ingress", "from");
    const egress = kubernetesSection(spec, "egress", "to");
    // policyTypes defaults to ["Ingress"], plus "Egress" when there is an egress section (kubernetes.io NetworkPolicy).
    const types = (hasEgress: boolean): Read<readonly string[]> =>
        policyTypes.state === "known" && policyTypes.value.length > 0
            ? policyTypes
            : policyTypes.state === "unreadable"
              ? policyTypes
              : known(["Ingress", ...(hasEgress ? ["Egress"] : [])]);
    const typed = types(egress.list.state === "known");
    const isolates = (type: string): Read<boolean> =>
        typed.state === "known" ? known(typed.value.includes(type)) : typed;
    const empty: Section = { items: [] };
    return {
        policy,
        path: "spec",
        selector,
        sections: { ingress: ingress.section, egress: egress.section, ingressDeny: empty, egressDeny: empty },
        ingress: ingress.section.items.map(toIngressAllow),
        defaultDenyIngress: isolates("Ingress"),
        defaultDenyEgress:
            egress.list.state === "unreadable" ? unreadable("spec.egress", egress.list.reason) : isolates("Egress"),
        defaultDenyDisabled: false,
        unreadableIngress: prefixed("spec", ingress.section.unreadable),
    };
}

function kubernetesSection(
    spec: object,
    name: "ingress" | "egress",
    peersField: "from" | "to",
): { section: Section; list: Read<readonly unknown[]> } {
    const list = readArray(spec, [name]);
    if (list.state === "unreadable") {
        return { section: { items: [], unreadable: `${list.path} ${list.reason}` }, list };
    }
    const items: RuleItem[] = [];
    let reason: string | undefined;
    for (let i = 0; list.state === "known" && i < list.value.length; i++) {
        const item = kubernetesItem(list.value, i, `${name}[${i}]`, peersField);
        if (item.state === "known") {
            items.push(item.value);
        } else if (item.state === "unreadable") {
            reason = `${name}[${i}]: ${item.path} ${item.reason}`;
        }
    }
    return { section: { items, unreadable: reason }, list };
}

function kubernetesItem(list: readonly unknown[], index: number, where: string, peersField: string): Read<RuleItem> {
    const peersList = readArray(list, [index, peersField]);
    const ports = readArray(list, [index, "ports"]);
    if (peersList.state === "unreadable") {
        return peersList;
    }
    if (ports.state === "unreadable") {
        return ports;
    }
    const elements = peersList.state === "known" ? peersList.value : [];
    const kubernetes: KubernetesPeer[] = [];
    const cidrs: CidrBlock[] = [];
    for (let i = 0; i < elements.length; i++) {
        const pods = readSelector(elements, [i, "podSelector"], "kubernetes");
        const namespaces = readSelector(elements, [i, "namespaceSelector"], "kubernetes");
        const cidr = readString(elements, [i, "ipBlock", "cidr"]);
        const except = readStringList(elements, [i, "ipBlock", "except"]);
        const bad = [pods, namespaces, cidr, except].find((read) => read.state === "unreadable");
        if (bad?.state === "unreadable") {
            return unreadable(`${peersField}[${i}]`, `${bad.path} ${bad.reason}`);
        }
        if (pods.state === "known" || namespaces.state === "known") {
            kubernetes.push({
                pods: pods.state === "known" ? pods.value : undefined,
                namespaces: namespaces.state === "known" ? namespaces.value : undefined,
            });
        } else if (cidr.state === "known") {
            cidrs.push({ cidr: cidr.value, except: except.state === "known" ? except.value : [] });
        }
    }
    const ranges: PortRange[] = [];
    const named: NamedPort[] = [];
    let everyPort = ports.state !== "known" || ports.value.length === 0;
    const portList = ports.state === "known" ? ports.value : [];
    for (let p = 0; p < portList.length; p++) {
        const port = readPath(portList, [p, "port"]);
        const endPort = readPath(portList, [p, "endPort"]);
        const protocol = readString(portList, [p, "protocol"]);
        if (port.state === "unreadable" || endPort.state === "unreadable" || protocol.state === "unreadable") {
            return unreadable(`ports[${p}]`, "is unknown");
        }
        // A NetworkPolicy port's protocol defaults to TCP.
        const proto = protocol.state === "known" ? protocol.value.toUpperCase() : "TCP";
        everyPort = addPort(ranges, named, port, endPort, proto) === "every" || everyPort;
    }
    return known({
        where,
        // An empty or missing `from`/`to` matches every peer (kubernetes.io NetworkPolicy).
        peers: { kubernetes, cidrs, fqdns: false, nonPods: [] },
        anyPeer: elements.length === 0,
        admitsNothing: false,
        toPorts:
            everyPort && named.length === 0 && ranges.length === 0
                ? undefined
                : [{ ranges, everyPort, named, otherL7: [] }],
    });
}

// ---- What the pack's ingress rules read ------------------------------------------------------------------------

function toIngressAllow(item: RuleItem): IngressAllow {
    const l7 = new Set<string>();
    const l7Entries: PortEntry[] = [];
    for (const entry of item.toPorts ?? []) {
        if (entry.http) {
            l7.add("http");
        }
        entry.otherL7.forEach((parser) => l7.add(parser));
        if (entry.http || entry.otherL7.length > 0) {
            l7Entries.push(entry);
        }
    }
    return {
        ...portsOf(item),
        anySource: item.anyPeer,
        cidrs: item.peers.cidrs ?? [],
        entities: item.peers.entities ?? [],
        l7: [...l7],
        l7Ports: portsOf({ ...item, toPorts: l7Entries }),
        admitsNothing: item.admitsNothing,
    };
}

/** An item's ports flattened, ingress or egress alike: the ranges (undefined: every port) and the port names. */
export function portsOf(item: RuleItem): Pick<IngressAllow, "ports" | "namedPorts"> {
    const entries = item.toPorts;
    const everyPort = entries === undefined || entries.some((entry) => entry.everyPort);
    return {
        ports: everyPort ? undefined : (entries ?? []).flatMap((entry) => entry.ranges),
        namedPorts: (entries ?? []).flatMap((entry) => entry.named.map((port) => port.name)),
    };
}

/** `CiliumNetworkPolicy blue/default`, `CiliumClusterwideNetworkPolicy allow-ambient-hostprobes`. */
export function describePolicy(policy: NetworkPolicyInfo): string {
    return `${policy.kind} ${policy.namespace === undefined ? "" : `${policy.namespace}/`}${policy.name}`;
}

/** "80/TCP, 8080-8090/TCP" */
export function describePorts(allows: readonly Pick<IngressAllow, "ports" | "namedPorts">[]): string {
    const ports = allows.flatMap((allow) => [
        ...(allow.ports ?? []).map((p) => `${p.from === p.to ? p.from : `${p.from}-${p.to}`}/${p.protocol}`),
        ...allow.namedPorts,
    ]);
    return [...new Set(ports)].join(", ");
}

/** Whether the rule's allowed ports include `port` for TCP (ingress or egress alike). */
export function admitsTcpPort(allow: Pick<IngressAllow, "admitsNothing" | "ports">, port: number): boolean {
    if (allow.admitsNothing) {
        return false;
    }
    return (
        allow.ports === undefined ||
        allow.ports.some(
            (range) => (range.protocol === "TCP" || range.protocol === "ANY") && range.from <= port && port <= range.to,
        )
    );
}

/** Whether the rule admits traffic from the IPv4 address `ip` (a CIDR peer, an entity, or any source). */
export function admitsSourceAddress(allow: IngressAllow, ip: string): boolean {
    if (allow.admitsNothing) {
        return false;
    }
    // "world" is every address outside the cluster, which a link-local SNAT address is (docs.cilium.io "Layer 3 Policies", Entities).
    return (
        allow.anySource ||
        allow.entities.some((entity) => entity === "all" || entity === "world") ||
        allow.cidrs.some(
            (block) => cidrContains(block.cidr, ip) && !block.except.some((except) => cidrContains(except, ip)),
        )
    );
}
