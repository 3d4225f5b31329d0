/**
 * Egress rules of CiliumNetworkPolicy (`spec` or `specs`), CiliumClusterwideNetworkPolicy and Kubernetes
 * NetworkPolicy: which pods they put in egress default-deny, and which ports and peers they admit. The same semantics
 * as ingress (network-policies.ts), mirrored:
 *  - a Cilium rule with an `egress` or `egressDeny` section puts its pods in egress default-deny unless
 *    `enableDefaultDeny.egress: false`; a NetworkPolicy does when its policyTypes include Egress (or, unset, when it
 *    has an egress section);
 *  - a Cilium egress rule with `toPorts` and no peer admits every destination on those ports, one with neither admits
 *    nothing; a NetworkPolicy rule without `to` admits every destination, without `ports` every port.
 * Peers kept for the rules that need them: Cilium `toEndpoints` and `toEntities`, NetworkPolicy `podSelector` /
 * `namespaceSelector`; CIDR, FQDN and Service peers are not pods and only mark the rule as naming a peer.
 */
import { SELECT_ALL, Selector, readSelector, readSelectorList } from "./label-selectors";
import { PolicyKind, PortRange, ciliumPorts, kubernetesPorts } from "./network-policies";
import {
    Read,
    guarded,
    keysOf,
    known,
    readArray,
    readBoolean,
    readObject,
    readString,
    readStringList,
    unreadable,
} from "./property-reader";
import { SourceRef, StackResource, kubernetesKind, sourceOf } from "./resources";
import { namespaceOf } from "./workloads";

/** A NetworkPolicy `to` peer: pods by label, in the policy's namespace or in namespaces selected by label. */
export interface KubernetesPeer {
    readonly podSelector?: Selector;
    readonly namespaceSelector?: Selector;
}

export interface EgressAllow {
    /** Undefined: every port. */
    readonly ports?: readonly PortRange[];
    readonly namedPorts: readonly string[];
    /** No peer at all: every destination. */
    readonly anyDestination: boolean;
    /** Cilium `toEndpoints` selectors. */
    readonly endpoints: readonly Selector[];
    /** Cilium `toEntities` ("cluster", "all", "world", ...). */
    readonly entities: readonly string[];
    readonly kubernetesPeers: readonly KubernetesPeer[];
    /** An empty Cilium rule `{}`: admits nothing. */
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

const KINDS: Record<string, PolicyKind> = {
    "cilium.io/CiliumNetworkPolicy": "CiliumNetworkPolicy",
    "cilium.io/CiliumClusterwideNetworkPolicy": "CiliumClusterwideNetworkPolicy",
    "networking.k8s.io/NetworkPolicy": "NetworkPolicy",
};

const CILIUM_PEERS = [
    "toEndpoints",
    "toRequires",
    "toEntities",
    "toCIDR",
    "toCIDRSet",
    "toFQDNs",
    "toServices",
    "toGroups",
    "toNodes",
];

export function readEgressRules(resources: readonly StackResource[]): EgressRule[] {
    const rules: EgressRule[] = [];
    for (const resource of resources) {
        const parsed = kubernetesKind(resource.type);
        const kind = parsed ? KINDS[`${parsed.group}/${parsed.kind}`] : undefined;
        if (!kind) {
            continue;
        }
        const props = guarded(resource.props);
        const name = readString(props, ["metadata", "name"]);
        const namespace = kind === "CiliumClusterwideNetworkPolicy" ? undefined : namespaceOf(props);
        const base = {
            source: sourceOf(resource),
            kind,
            name: name.state === "known" ? name.value : resource.name,
            namespace: namespace?.state === "known" ? namespace.value : undefined,
        };
        if (namespace?.state === "unreadable") {
            rules.push(unreadableRule(base, "spec", `metadata.namespace ${namespace.reason}`));
            continue;
        }
        if (kind === "NetworkPolicy") {
            const spec = readObject(props, ["spec"]);
            if (spec.state === "known") {
                rules.push(kubernetesRule(base, spec.value));
            } else if (spec.state === "unreadable") {
                rules.push(unreadableRule(base, "spec", `${spec.path} ${spec.reason}`));
            }
            continue;
        }
        const spec = readObject(props, ["spec"]);
        if (spec.state === "known") {
            rules.push(ciliumRule(base, spec.value, "spec"));
        }
        const specs = readArray(props, ["specs"]);
        for (const read of [spec, specs]) {
            if (read.state === "unreadable") {
                rules.push(unreadableRule(base, read.path, `${read.path} ${read.reason}`));
            }
        }
        const list = specs.state === "known" ? specs.value : [];
        for (let i = 0; i < list.length; i++) {
            const item = readObject(list, [i]);
            if (item.state === "known") {
                rules.push(ciliumRule(base, item.value, `specs[${i}]`));
            } else if (item.state === "unreadable") {
                rules.push(unreadableRule(base, `specs[${i}]`, `specs[${i}] ${item.reason}`));
            }
        }
    }
    return rules;
}

type Base = Pick<EgressRule, "source" | "kind" | "name" | "namespace">;

function unreadableRule(base: Base, path: string, why: string): EgressRule {
    return {
        ...base,
        path,
        selector: unreadable(path, "is unknown"),
        defaultDenyEgress: unreadable(path, "is unknown"),
        egress: [],
        unreadable: why,
    };
}

function ciliumRule(base: Base, rule: object, path: string): EgressRule {
    const endpointSelector = readSelector(rule, ["endpointSelector"], "cilium");
    // A rule without endpointSelector is a host policy (nodeSelector): it selects no pod.
    const selector: Read<Selector> =
        endpointSelector.state === "absent" ? known({ requirements: [], selectsNoPod: true }) : endpointSelector;
    const egressList = readArray(rule, ["egress"]);
    const denyList = readArray(rule, ["egressDeny"]);
    const explicit = readBoolean(rule, ["enableDefaultDeny", "egress"]);
    const hasSection = (list: Read<readonly unknown[]>) => list.state === "known" && list.value.length > 0;
    const egress: EgressAllow[] = [];
    let why: string | undefined;
    for (const read of [egressList, denyList]) {
        if (read.state === "unreadable") {
            why = `${path}.${read.path} ${read.reason}`;
        }
    }
    const list = egressList.state === "known" ? egressList.value : [];
    for (let i = 0; i < list.length; i++) {
        const allow = ciliumEgress(list, i);
        if (allow.state === "known") {
            egress.push(allow.value);
        } else if (allow.state === "unreadable") {
            why = `${path}.egress[${i}]: ${allow.path} ${allow.reason}`;
        }
    }
    const defaultDenyEgress: Read<boolean> =
        explicit.state !== "absent"
            ? explicit
            : egressList.state === "unreadable" || denyList.state === "unreadable"
              ? unreadable(path, "has an egress section that is unknown")
              : known(hasSection(egressList) || hasSection(denyList));
    return { ...base, path, selector, defaultDenyEgress, egress, unreadable: why };
}

function ciliumEgress(list: readonly unknown[], index: number): Read<EgressAllow> {
    const rule = readObject(list, [index]);
    if (rule.state !== "known") {
        return rule.state === "absent" ? known(nothing()) : rule;
    }
    const hasPeer = keysOf(rule.value).some((key) => CILIUM_PEERS.includes(key));
    const toPorts = readArray(rule.value, ["toPorts"]);
    const endpoints = readSelectorList(rule.value, ["toEndpoints"], "cilium");
    const entities = readStringList(rule.value, ["toEntities"]);
    for (const read of [toPorts, endpoints, entities]) {
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
        ports: ports.value.ranges,
        namedPorts: ports.value.named,
        anyDestination: !hasPeer && toPorts.state === "known",
        endpoints: endpoints.state === "known" ? endpoints.value : [],
        entities: entities.state === "known" ? entities.value : [],
        kubernetesPeers: [],
        admitsNothing: !hasPeer && toPorts.state !== "known",
    });
}

function nothing(): EgressAllow {
    return {
        namedPorts: [],
        anyDestination: false,
        endpoints: [],
        entities: [],
        kubernetesPeers: [],
        admitsNothing: true,
    };
}

function kubernetesRule(base: Base, spec: object): EgressRule {
    const podSelector = readSelector(spec, ["podSelector"], "kubernetes");
    const selector: Read<Selector> = podSelector.state === "absent" ? known(SELECT_ALL) : podSelector;
    const policyTypes = readStringList(spec, ["policyTypes"]);
    const egressList = readArray(spec, ["egress"]);
    // policyTypes defaults to ["Ingress"], plus "Egress" when there is an egress section (kubernetes.io NetworkPolicy).
    const defaultDenyEgress: Read<boolean> =
        policyTypes.state === "unreadable"
            ? policyTypes
            : policyTypes.state === "known" && policyTypes.value.length > 0
              ? known(policyTypes.value.includes("Egress"))
              : egressList.state === "unreadable"
                ? unreadable("spec.egress", "is unknown")
                : known(egressList.state === "known");
    const egress: EgressAllow[] = [];
    let why: string | undefined = egressList.state === "unreadable" ? `spec.egress ${egressList.reason}` : undefined;
    const list = egressList.state === "known" ? egressList.value : [];
    for (let i = 0; i < list.length; i++) {
        const allow = kubernetesEgress(list, i);
        if (allow.state === "known") {
            egress.push(allow.value);
        } else if (allow.state === "unreadable") {
            why = `spec.egress[${i}]: ${allow.path} ${allow.reason}`;
        }
    }
    return { ...base, path: "spec", selector, defaultDenyEgress, egress, unreadable: why };
}

function kubernetesEgress(list: readonly unknown[], index: number): Read<EgressAllow> {
    const to = readArray(list, [index, "to"]);
    const ports = readArray(list, [index, "ports"]);
    for (const read of [to, ports]) {
        if (read.state === "unreadable") {
            return read;
        }
    }
    const peers: KubernetesPeer[] = [];
    const peerList = to.state === "known" ? to.value : [];
    for (let i = 0; i < peerList.length; i++) {
        const pod = readSelector(peerList, [i, "podSelector"], "kubernetes");
        const ns = readSelector(peerList, [i, "namespaceSelector"], "kubernetes");
        for (const read of [pod, ns]) {
            if (read.state === "unreadable") {
                return read;
            }
        }
        if (pod.state === "known" || ns.state === "known") {
            peers.push({
                podSelector: pod.state === "known" ? pod.value : undefined,
                namespaceSelector: ns.state === "known" ? ns.value : undefined,
            });
        }
    }
    const portSet = kubernetesPorts(ports);
    if (portSet.state !== "known") {
        return portSet;
    }
    return known({
        ports: portSet.value.ranges,
        namedPorts: portSet.value.named,
        anyDestination: peerList.length === 0,
        endpoints: [],
        entities: [],
        kubernetesPeers: peers,
        admitsNothing: false,
    });
}

/** `CiliumNetworkPolicy red/egress`. */
export function describeEgressRule(rule: EgressRule): string {
    return `${rule.kind} ${rule.namespace === undefined ? "" : `${rule.namespace}/`}${rule.name} (${rule.path})`;
}
