/**
 * What Cilium does with a connection from one pod to another pod's port, under the stack's CiliumNetworkPolicies,
 * CiliumClusterwideNetworkPolicies and Kubernetes NetworkPolicies (which Cilium enforces too). Built on the policy
 * pack's mesh model (policies/model: which rules select the server pod, default deny, ports); this module adds what
 * the model does not carry: which peers a rule admits, and the HTTP rules on the port.
 *
 * Semantics (docs.cilium.io "Layer 3 Policies", "Layer 4 Examples", "Layer 7 Examples"; kubernetes.io NetworkPolicy):
 * - a pod no ingress rule puts in default deny accepts everything; otherwise a connection must match an allow rule:
 *   a peer (`fromEndpoints` selector, `fromEntities` all/cluster, or no peer at all) and a port;
 * - in a CiliumNetworkPolicy, a `fromEndpoints` selector without `io.kubernetes.pod.namespace` only matches pods of
 *   the policy's own namespace; in a clusterwide policy it matches any namespace;
 * - `fromCIDR`/`fromCIDRSet` and NetworkPolicy `ipBlock` never match traffic between pods Cilium manages ("CIDR rules
 *   do not apply to traffic where both sides of the connection are managed by Cilium");
 * - a matching `toPorts` entry with `rules.http` sends the connection through Cilium's HTTP proxy, which answers 403
 *   to a request no HTTP rule allows (docs/cilium-istio-facts.md#demo); the HTTP rules of every matching entry on the
 *   port add up, and a matching entry without HTTP rules admits every request.
 * `ingressDeny` and `fromRequires` are not read: a stack using them gets no prediction for the pods they select.
 */
import { MeshModel } from "../model/mesh-model";
import {
    LabelLookup,
    Selector,
    ciliumEndpointLabels,
    lookupIn,
    matches,
    readSelector,
    readSelectorList,
} from "../model/label-selectors";
import { IngressAllow, PolicyRule, admitsTcpPort } from "../model/network-policies";
import {
    LabelSet,
    Read,
    guarded,
    known,
    readArray,
    readObject,
    readPath,
    readString,
    readStringList,
} from "../model/property-reader";
import { NamespaceInfo, Workload, namespaceNamed } from "../model/workloads";

/** One entry of `toPorts[].rules.http`: every field present must match (regular expressions, whole value). */
export interface HttpRule {
    method?: string;
    path?: string;
    host?: string;
    /** Header requirements such as "X-Team: blue"; curl sends none, so a rule with headers never matches it. */
    headers: string[];
}

export type Admission =
    /** No rule puts the pod in default deny for ingress. */
    | { verdict: "open" }
    /**
     * An allow rule matches. `http` lists the HTTP rules the proxy applies, or is undefined when the connection does
     * not go through Cilium's HTTP proxy; `httpOnOtherPorts` names policies with HTTP rules on other ports of the pod.
     */
    | { verdict: "admitted"; by: PolicyRule[]; http?: HttpRule[]; httpOnOtherPorts: PolicyRule[] }
    | { verdict: "dropped"; by: PolicyRule[] }
    /** A value the decision needs is unknown (preview) or not read by this module. */
    | { verdict: "unknown"; why: string };

const NAMESPACE_LABEL = "io.kubernetes.pod.namespace";
const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";
/** Entities that include every pod of the cluster (docs.cilium.io "Layer 3 Policies", Entities Based). */
const POD_ENTITIES = new Set(["all", "cluster"]);

export function describeRule(rule: PolicyRule): string {
    const where =
        rule.policy.namespace === undefined ? rule.policy.name : `${rule.policy.namespace}/${rule.policy.name}`;
    return `${rule.policy.kind} ${where}`;
}

function labelsOfNamespace(model: MeshModel, namespace: string): LabelSet {
    return namespaceNamed(model.namespaces as Map<string, NamespaceInfo>, namespace).labels;
}

function ciliumLabels(model: MeshModel, pod: Workload): LabelLookup {
    return ciliumEndpointLabels(
        pod.podLabels,
        pod.namespace,
        labelsOfNamespace(model, pod.namespace),
        pod.serviceAccount,
    );
}

/** A namespace's labels, with the `kubernetes.io/metadata.name` label Kubernetes sets on every namespace. */
function namespaceLabels(model: MeshModel, namespace: string): LabelLookup {
    const lookup = lookupIn(labelsOfNamespace(model, namespace));
    return (key) => (key === NAMESPACE_NAME_LABEL ? known(namespace) : lookup(key));
}

/** A Cilium selector, confined to the policy's namespace when it is namespaced and names none. */
function confined(selector: Selector, namespace: string | undefined): Selector {
    if (namespace === undefined || selector.requirements.some((r) => r.key === NAMESPACE_LABEL)) {
        return selector;
    }
    return {
        ...selector,
        requirements: [...selector.requirements, { key: NAMESPACE_LABEL, operator: "In", values: [namespace] }],
    };
}

type PeerMatch = boolean | { unknown: string };

function ciliumPeerMatches(
    model: MeshModel,
    rule: PolicyRule,
    allow: IngressAllow,
    entry: object,
    client: Workload,
): PeerMatch {
    if (allow.anySource || allow.entities.some((e) => POD_ENTITIES.has(e))) {
        return true;
    }
    if (readPath(entry, ["fromRequires"]).state !== "absent") {
        return { unknown: `${describeRule(rule)} uses fromRequires, which this prediction does not read` };
    }
    const selectors = readSelectorList(entry, ["fromEndpoints"], "cilium");
    if (selectors.state === "unreadable") {
        return { unknown: `${describeRule(rule)}: ${selectors.path} ${selectors.reason}` };
    }
    const labels = ciliumLabels(model, client);
    for (const selector of selectors.state === "known" ? selectors.value : []) {
        const match = matches(confined(selector, rule.policy.namespace), labels);
        if (match === "unchecked") {
            return {
                unknown: `whether ${describeRule(rule)} admits ${client.namespace}/${client.name} depends on an unknown label`,
            };
        }
        if (match) {
            return true;
        }
    }
    return false;
}

function kubernetesPeerMatches(
    model: MeshModel,
    rule: PolicyRule,
    allow: IngressAllow,
    entry: object,
    client: Workload,
): PeerMatch {
    if (allow.anySource) {
        return true;
    }
    const peers = readArray(entry, ["from"]);
    if (peers.state !== "known") {
        return peers.state === "unreadable" ? { unknown: `${describeRule(rule)}: from ${peers.reason}` } : false;
    }
    for (let i = 0; i < peers.value.length; i++) {
        const pods = readSelector(peers.value, [i, "podSelector"], "kubernetes");
        const namespaces = readSelector(peers.value, [i, "namespaceSelector"], "kubernetes");
        if (pods.state === "unreadable" || namespaces.state === "unreadable") {
            return { unknown: `${describeRule(rule)}: from[${i}] is unknown` };
        }
        if (pods.state === "absent" && namespaces.state === "absent") {
            continue; // an ipBlock peer: never a pod Cilium manages
        }
        // podSelector alone: the policy's namespace; namespaceSelector: namespaces it selects; both: pods in those.
        const inNamespace =
            namespaces.state === "known"
                ? matches(namespaces.value, namespaceLabels(model, client.namespace))
                : client.namespace === rule.policy.namespace;
        const podMatch = pods.state === "known" ? matches(pods.value, lookupIn(client.podLabels)) : true;
        if (inNamespace === "unchecked" || podMatch === "unchecked") {
            return {
                unknown: `whether ${describeRule(rule)} admits ${client.namespace}/${client.name} depends on an unknown label`,
            };
        }
        if (inNamespace && podMatch) {
            return true;
        }
    }
    return false;
}

/** The HTTP rules of the entry's `toPorts` items that cover `port`; undefined when none carries HTTP rules. */
function httpRulesOn(entry: object, port: number): Read<HttpRule[] | undefined> {
    const toPorts = readArray(entry, ["toPorts"]);
    if (toPorts.state !== "known") {
        return toPorts.state === "unreadable" ? toPorts : known(undefined);
    }
    let rules: HttpRule[] | undefined;
    for (let i = 0; i < toPorts.value.length; i++) {
        const ports = readArray(toPorts.value, [i, "ports"]);
        if (ports.state === "unreadable") {
            return ports;
        }
        const covers =
            ports.state !== "known" ||
            ports.value.length === 0 ||
            ports.value.some((_, p) => {
                const value = readPath(ports.value, [p, "port"]);
                return value.state !== "known" || Number(value.value) === port || Number(value.value) === 0;
            });
        const http = readArray(toPorts.value, [i, "rules", "http"]);
        if (http.state === "unreadable") {
            return http;
        }
        if (!covers || http.state !== "known") {
            continue;
        }
        rules = rules ?? [];
        for (let h = 0; h < http.value.length; h++) {
            const field = (name: string) => {
                const read = readString(http.value, [h, name]);
                return read.state === "known" ? read.value : undefined;
            };
            const headers = readStringList(http.value, [h, "headers"]);
            const headerMatches = readArray(http.value, [h, "headerMatches"]);
            rules.push({
                method: field("method"),
                path: field("path"),
                host: field("host"),
                headers: [
                    ...(headers.state === "known" ? headers.value : []),
                    ...(headerMatches.state === "known" ? headerMatches.value.map(String) : []),
                ],
            });
        }
    }
    return known(rules);
}

/** Whether the HTTP rules admit a request (an empty rule admits everything; Cilium matches regular expressions). */
export function httpAllows(
    rules: readonly HttpRule[],
    request: { method: string; path: string; host: string },
): boolean {
    const full = (pattern: string | undefined, value: string) =>
        pattern === undefined || pattern === "" || new RegExp(`^(?:${pattern})$`).test(value);
    return rules.some(
        (rule) =>
            rule.headers.length === 0 &&
            full(rule.method, request.method) &&
            full(rule.path, request.path) &&
            full(rule.host, request.host),
    );
}

/** What happens to a TCP connection from `client` to `server`'s `port` (see the module comment). */
export function admission(
    model: MeshModel,
    rawProps: ReadonlyMap<string, unknown>,
    client: Workload,
    server: Workload,
    port: number,
): Admission {
    const selecting = model.rulesSelecting(server);
    const unchecked = selecting.find((s) => s.match === "unchecked");
    if (unchecked) {
        return {
            verdict: "unknown",
            why: `whether ${describeRule(unchecked.rule)} selects ${server.namespace}/${server.name} is unknown`,
        };
    }
    const rules = selecting.map((s) => s.rule);
    for (const rule of rules) {
        if (rule.defaultDenyIngress.state === "unreadable") {
            return { verdict: "unknown", why: `${describeRule(rule)}: ${rule.defaultDenyIngress.reason}` };
        }
        if (rule.unreadableIngress) {
            return { verdict: "unknown", why: `${describeRule(rule)}: ${rule.unreadableIngress}` };
        }
        const raw = rawProps.get(rule.policy.source.urn);
        if (
            rule.policy.kind !== "NetworkPolicy" &&
            readPath(guarded(raw), [...pathOf(rule.path), "ingressDeny"]).state !== "absent"
        ) {
            return {
                verdict: "unknown",
                why: `${describeRule(rule)} has ingressDeny rules, which this prediction does not read`,
            };
        }
    }
    if (!rules.some((r) => r.defaultDenyIngress.state === "known" && r.defaultDenyIngress.value)) {
        return { verdict: "open" };
    }

    const by: PolicyRule[] = [];
    const httpOnOtherPorts = new Set<PolicyRule>();
    let http: HttpRule[] | undefined;
    let anyWithoutHttp = false;
    for (const rule of rules) {
        const raw = guarded(rawProps.get(rule.policy.source.urn));
        const entries = readArray(raw, [...pathOf(rule.path), "ingress"]);
        if (entries.state !== "known") {
            continue;
        }
        for (let i = 0; i < rule.ingress.length && i < entries.value.length; i++) {
            const allow = rule.ingress[i];
            const entry = readObject(entries.value, [i]);
            if (entry.state !== "known" || allow.admitsNothing) {
                continue;
            }
            const peer =
                rule.policy.kind === "NetworkPolicy"
                    ? kubernetesPeerMatches(model, rule, allow, entry.value, client)
                    : ciliumPeerMatches(model, rule, allow, entry.value, client);
            if (typeof peer === "object") {
                return { verdict: "unknown", why: peer.unknown };
            }
            if (!peer) {
                continue;
            }
            const httpHere = rule.policy.kind === "NetworkPolicy" ? known(undefined) : httpRulesOn(entry.value, port);
            if (httpHere.state === "unreadable") {
                return { verdict: "unknown", why: `${describeRule(rule)}: ${httpHere.path} ${httpHere.reason}` };
            }
            if (!admitsTcpPort(allow, port)) {
                if (allow.namedPorts.length > 0) {
                    return {
                        verdict: "unknown",
                        why: `${describeRule(rule)} names ports (${allow.namedPorts.join(", ")}), which this prediction does not resolve`,
                    };
                }
                if (allow.l7.includes("http")) {
                    httpOnOtherPorts.add(rule);
                }
                continue;
            }
            if (allow.l7.includes("http") && httpHere.state === "known" && httpHere.value === undefined) {
                httpOnOtherPorts.add(rule);
            }
            if (!by.includes(rule)) {
                by.push(rule);
            }
            if (httpHere.state === "known" && httpHere.value !== undefined) {
                http = [...(http ?? []), ...httpHere.value];
            } else {
                anyWithoutHttp = true;
            }
        }
    }
    if (by.length === 0) {
        return {
            verdict: "dropped",
            by: rules.filter((r) => r.defaultDenyIngress.state === "known" && r.defaultDenyIngress.value),
        };
    }
    // A matching entry without HTTP rules admits every request, but the port still goes through the proxy.
    return {
        verdict: "admitted",
        by,
        http: http && anyWithoutHttp ? [{ headers: [] }, ...http] : http,
        httpOnOtherPorts: [...httpOnOtherPorts],
    };
}

/** "spec" -> ["spec"], "specs[1]" -> ["specs", 1]. */
function pathOf(rulePath: string): (string | number)[] {
    const match = /^(\w+)\[(\d+)\]$/.exec(rulePath);
    return match ? [match[1], Number(match[2])] : [rulePath];
}
