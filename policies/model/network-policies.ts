/**
 * Ingress policies as Cilium and Kubernetes enforce them: CiliumNetworkPolicy (one rule in `spec`, or a list in
 * `specs`), CiliumClusterwideNetworkPolicy, and Kubernetes NetworkPolicy. Egress rules are read in egress-policies.ts.
 *
 * Semantics used (docs.cilium.io "Policy Enforcement Modes", "Layer 4", CRD reference; kubernetes.io NetworkPolicy):
 *  - A pod selected by a rule with an ingress section (`ingress` or `ingressDeny`) is in default-deny for ingress,
 *    unless the rule sets `enableDefaultDeny.ingress: false`; one policy requesting default deny is enough. A
 *    NetworkPolicy whose policyTypes include Ingress (the default) does the same.
 *  - Allow rules add up across every policy that selects the pod.
 *  - A Cilium ingress rule with no `from*` peer but with `toPorts` admits every source on those ports; an empty rule
 *    `{}` admits nothing. A NetworkPolicy rule without `from` admits every source; without `ports`, every port.
 *  - `toPorts[].rules.http` (or `kafka`, or `l7proto`) sends the traffic through Cilium's L7 proxy.
 * `nodeSelector` rules (host policies) select nodes, not pods, and are not read.
 */
import { Selector, SELECT_ALL, readSelector } from "./label-selectors";
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
} from "./property-reader";
import { SourceRef, StackResource, kubernetesKind, sourceOf } from "./resources";
import { namespaceOf } from "./workloads";

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

export interface IngressAllow {
    /** Admits every source (a Cilium L4-only rule, a NetworkPolicy rule without `from`). */
    readonly anySource: boolean;
    readonly cidrs: readonly CidrBlock[];
    /** Cilium entities such as "world", "all", "cluster". */
    readonly entities: readonly string[];
    /** Undefined: every port. Named ports are listed in `namedPorts`. */
    readonly ports?: readonly PortRange[];
    readonly namedPorts: readonly string[];
    /** L7 parsers the rule sends traffic through: "http", "kafka", "l7proto". */
    readonly l7: readonly string[];
    /** True for an empty rule: it admits nothing. */
    readonly admitsNothing: boolean;
}

export interface PolicyRule {
    readonly policy: NetworkPolicyInfo;
    /** Where the rule sits in the object: "spec", "specs[1]". */
    readonly path: string;
    readonly selector: Read<Selector>;
    readonly ingress: readonly IngressAllow[];
    /** Whether selected pods are in default-deny for ingress because of this rule. */
    readonly defaultDenyIngress: Read<boolean>;
    /** True when `enableDefaultDeny.ingress` is set to false explicitly. */
    readonly defaultDenyDisabled: boolean;
    /** Why part of the rule could not be read; the rule is then judged only where that part does not matter. */
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
    const namespace = kind === "CiliumClusterwideNetworkPolicy" ? undefined : namespaceOf(props);
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
            policy.unreadable = spec.state === "unreadable" ? `${spec.path} ${spec.reason}` : "it has no spec";
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
        return policy;
    }
    return policy;
}

function ciliumRule(policy: NetworkPolicyInfo, rule: object, path: string): PolicyRule {
    const endpointSelector = readSelector(rule, ["endpointSelector"], "cilium");
    // A rule without endpointSelector is a host policy (nodeSelector): it selects no pod.
    const selector: Read<Selector> =
        endpointSelector.state === "absent" ? known({ ...SELECT_ALL, selectsNoPod: true }) : endpointSelector;
    const ingressList = readArray(rule, ["ingress"]);
    const denyList = readArray(rule, ["ingressDeny"]);
    const hasSection = (list: Read<readonly unknown[]>) => list.state === "known" && list.value.length > 0;
    const explicit = readBoolean(rule, ["enableDefaultDeny", "ingress"]);

    const ingress: IngressAllow[] = [];
    let unreadableIngress: string | undefined;
    if (ingressList.state === "unreadable") {
        unreadableIngress = `${path}.${ingressList.path} ${ingressList.reason}`;
    } else if (ingressList.state === "known") {
        for (let i = 0; i < ingressList.value.length; i++) {
            const allow = ciliumIngress(ingressList.value, i);
            if (allow.state === "known") {
                ingress.push(allow.value);
            } else if (allow.state === "unreadable") {
                unreadableIngress = `${path}.ingress[${i}]: ${allow.path} ${allow.reason}`;
            }
        }
    }
    let defaultDenyIngress: Read<boolean>;
    if (explicit.state !== "absent") {
        defaultDenyIngress = explicit;
    } else if (ingressList.state === "unreadable" || denyList.state === "unreadable") {
        defaultDenyIngress = unreadable(path, "has an ingress section that is unknown");
    } else {
        defaultDenyIngress = known(hasSection(ingressList) || hasSection(denyList));
    }
    return {
        policy,
        path,
        selector,
        ingress,
        defaultDenyIngress,
        unreadableIngress,
        defaultDenyDisabled: explicit.state === "known" && explicit.value === false,
    };
}

const CILIUM_PEERS = [
    "fromEndpoints",
    "fromRequires",
    "fromEntities",
    "fromCIDR",
    "fromCIDRSet",
    "fromGroups",
    "fromNodes",
];

function ciliumIngress(list: readonly unknown[], index: number): Read<IngressAllow> {
    const rule = readObject(list, [index]);
    if (rule.state !== "known") {
        return rule.state === "absent" ? known(emptyRule()) : rule;
    }
    const keys = keysOf(rule.value);
    const hasPeer = keys.some((key) => CILIUM_PEERS.includes(key));
    const toPorts = readArray(rule.value, ["toPorts"]);
    if (toPorts.state === "unreadable") {
        return toPorts;
    }
    const entities = readStringList(rule.value, ["fromEntities"]);
    const cidrs = ciliumCidrs(rule.value);
    for (const read of [entities, cidrs]) {
        if (read.state === "unreadable") {
            return read;
        }
    }
    const ports =
        toPorts.state === "known" ? ciliumPorts(toPorts.value) : known({ ranges: undefined, named: [], l7: [] });
    if (ports.state !== "known") {
        return ports;
    }
    return known({
        anySource: !hasPeer && toPorts.state === "known",
        cidrs: cidrs.state === "known" ? cidrs.value : [],
        entities: entities.state === "known" ? entities.value : [],
        ports: ports.value.ranges,
        namedPorts: ports.value.named,
        l7: ports.value.l7,
        admitsNothing: !hasPeer && toPorts.state !== "known",
    });
}

function emptyRule(): IngressAllow {
    return { anySource: false, cidrs: [], entities: [], namedPorts: [], l7: [], admitsNothing: true };
}

function ciliumCidrs(rule: object): Read<CidrBlock[]> {
    const blocks: CidrBlock[] = [];
    const plain = readStringList(rule, ["fromCIDR"]);
    if (plain.state === "unreadable") {
        return plain;
    }
    for (const cidr of plain.state === "known" ? plain.value : []) {
        blocks.push({ cidr, except: [] });
    }
    const sets = readArray(rule, ["fromCIDRSet"]);
    if (sets.state === "unreadable") {
        return sets;
    }
    const list = sets.state === "known" ? sets.value : [];
    for (let i = 0; i < list.length; i++) {
        const cidr = readString(list, [i, "cidr"]);
        const except = readStringList(list, [i, "except"]);
        if (cidr.state === "unreadable" || except.state === "unreadable") {
            return unreadable(`fromCIDRSet[${i}]`, "is unknown");
        }
        if (cidr.state === "known") {
            blocks.push({ cidr: cidr.value, except: except.state === "known" ? except.value : [] });
        }
    }
    return known(blocks);
}

/** The ports a `toPorts` list opens: ranges (undefined: every port), named ports, and the L7 parsers it uses. */
export interface PortSet {
    ranges?: PortRange[];
    named: string[];
    l7: string[];
}

/** A Cilium `toPorts` list, ingress or egress alike. */
export function ciliumPorts(toPorts: readonly unknown[]): Read<PortSet> {
    const ranges: PortRange[] = [];
    const named: string[] = [];
    const l7: string[] = [];
    let everyPort = false;
    for (let i = 0; i < toPorts.length; i++) {
        const rules = readObject(toPorts, [i, "rules"]);
        if (rules.state === "unreadable") {
            return rules;
        }
        if (rules.state === "known") {
            for (const parser of ["http", "kafka", "l7proto"]) {
                if (readPath(rules.value, [parser]).state !== "absent" && !l7.includes(parser)) {
                    l7.push(parser);
                }
            }
        }
        const ports = readArray(toPorts, [i, "ports"]);
        if (ports.state === "unreadable") {
            return ports;
        }
        if (ports.state !== "known" || ports.value.length === 0) {
            everyPort = true;
            continue;
        }
        for (let p = 0; p < ports.value.length; p++) {
            const port = readPath(ports.value, [p, "port"]);
            const endPort = readPath(ports.value, [p, "endPort"]);
            const protocol = readString(ports.value, [p, "protocol"]);
            if (port.state === "unreadable" || endPort.state === "unreadable" || protocol.state === "unreadable") {
                return unreadable(`toPorts[${i}].ports[${p}]`, "is unknown");
            }
            const added = addPort(ranges, named, port, endPort, protocol);
            everyPort = everyPort || added === "every";
        }
    }
    return known({ ranges: everyPort ? undefined : ranges, named, l7 });
}

/** Adds one port entry; "every" when it opens every port (Cilium port "0" or no port). */
function addPort(
    ranges: PortRange[],
    named: string[],
    port: Read<unknown>,
    endPort: Read<unknown>,
    protocol: Read<string>,
): "added" | "every" {
    const proto = protocol.state === "known" ? protocol.value.toUpperCase() : "ANY";
    if (port.state !== "known") {
        return "every";
    }
    const number =
        typeof port.value === "number" ? port.value : /^\d+$/.test(String(port.value)) ? Number(port.value) : undefined;
    if (number === undefined) {
        named.push(String(port.value));
        return "added";
    }
    if (number === 0) {
        return "every";
    }
    const end = endPort.state === "known" && typeof endPort.value === "number" ? endPort.value : number;
    ranges.push({ from: number, to: end, protocol: proto });
    return "added";
}

function kubernetesRule(policy: NetworkPolicyInfo, spec: object): PolicyRule {
    const podSelector = readSelector(spec, ["podSelector"], "kubernetes");
    const selector: Read<Selector> = podSelector.state === "absent" ? known(SELECT_ALL) : podSelector;
    const policyTypes = readStringList(spec, ["policyTypes"]);
    const ingressList = readArray(spec, ["ingress"]);
    // policyTypes defaults to ["Ingress"] (plus "Egress" when there is an egress section): kubernetes.io NetworkPolicy.
    const defaultDenyIngress: Read<boolean> =
        policyTypes.state === "unreadable"
            ? policyTypes
            : known(
                  policyTypes.state === "absent" ||
                      policyTypes.value.length === 0 ||
                      policyTypes.value.includes("Ingress"),
              );
    const ingress: IngressAllow[] = [];
    let unreadableIngress: string | undefined;
    if (ingressList.state === "unreadable") {
        unreadableIngress = `spec.${ingressList.path} ${ingressList.reason}`;
    }
    const list = ingressList.state === "known" ? ingressList.value : [];
    for (let i = 0; i < list.length; i++) {
        const allow = kubernetesIngress(list, i);
        if (allow.state === "known") {
            ingress.push(allow.value);
        } else if (allow.state === "unreadable") {
            unreadableIngress = `spec.ingress[${i}]: ${allow.path} ${allow.reason}`;
        }
    }
    return {
        policy,
        path: "spec",
        selector,
        ingress,
        defaultDenyIngress,
        defaultDenyDisabled: false,
        unreadableIngress,
    };
}

function kubernetesIngress(list: readonly unknown[], index: number): Read<IngressAllow> {
    const from = readArray(list, [index, "from"]);
    const ports = readArray(list, [index, "ports"]);
    if (from.state === "unreadable") {
        return from;
    }
    if (ports.state === "unreadable") {
        return ports;
    }
    const peers = from.state === "known" ? from.value : [];
    const cidrs: CidrBlock[] = [];
    for (let i = 0; i < peers.length; i++) {
        const cidr = readString(peers, [i, "ipBlock", "cidr"]);
        const except = readStringList(peers, [i, "ipBlock", "except"]);
        if (cidr.state === "unreadable" || except.state === "unreadable") {
            return unreadable(`from[${i}].ipBlock`, "is unknown");
        }
        if (cidr.state === "known") {
            cidrs.push({ cidr: cidr.value, except: except.state === "known" ? except.value : [] });
        }
    }
    const portSet = kubernetesPorts(ports);
    if (portSet.state !== "known") {
        return portSet;
    }
    return known({
        anySource: peers.length === 0,
        cidrs,
        entities: [],
        ports: portSet.value.ranges,
        namedPorts: portSet.value.named,
        l7: [],
        admitsNothing: false,
    });
}

/** A NetworkPolicy rule's `ports` (ingress or egress): none or an empty list opens every port (ranges undefined). */
export function kubernetesPorts(ports: Read<readonly unknown[]>): Read<Omit<PortSet, "l7">> {
    const ranges: PortRange[] = [];
    const named: string[] = [];
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
        const withProtocol: Read<string> = protocol.state === "absent" ? known("TCP") : protocol;
        everyPort = addPort(ranges, named, port, endPort, withProtocol) === "every" || everyPort;
    }
    return known({ ranges: everyPort ? undefined : ranges, named });
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

function ipv4ToNumber(ip: string): number | undefined {
    const parts = ip.split(".");
    if (parts.length !== 4 || parts.some((part) => !/^\d{1,3}$/.test(part) || Number(part) > 255)) {
        return undefined;
    }
    return parts.reduce((sum, part) => sum * 256 + Number(part), 0);
}

/** True when the IPv4 CIDR contains the address (an address alone counts as /32). */
function cidrContains(cidr: string, ip: string): boolean {
    const [base, bitsText] = cidr.split("/");
    const bits = bitsText === undefined ? 32 : Number(bitsText);
    const baseNumber = ipv4ToNumber(base);
    const ipNumber = ipv4ToNumber(ip);
    if (baseNumber === undefined || ipNumber === undefined || !Number.isInteger(bits) || bits < 0 || bits > 32) {
        return false;
    }
    const size = 2 ** (32 - bits);
    return Math.floor(baseNumber / size) === Math.floor(ipNumber / size);
}
