/**
 * Label selectors as Kubernetes (NetworkPolicy podSelector, PeerAuthentication selector) and Cilium
 * (endpointSelector, fromEndpoints) write them: `matchLabels` plus `matchExpressions` with In, NotIn, Exists and
 * DoesNotExist, all of which must hold.
 *
 * Cilium keys may carry a label source prefix: `k8s:` and `any:` match pod labels; any other source (`reserved:`,
 * `cidr:`, ...) names something that is not a pod, so a selector using one selects no pod. Cilium also gives every
 * pod the labels `io.kubernetes.pod.namespace`, `io.cilium.k8s.namespace.labels.<key>` (its namespace's labels),
 * `io.cilium.k8s.policy.serviceaccount` and `io.cilium.k8s.policy.cluster` (docs.cilium.io, "Layer 3 Policies",
 * "Kubernetes" sections; the endpoint list of Cilium's Star Wars guide shows all four).
 */
import {
    LabelSet,
    Read,
    keysOf,
    known,
    labelValue,
    readArray,
    readObject,
    readString,
    readStringList,
    unreadable,
} from "./property-reader";

export interface LabelRequirement {
    readonly key: string;
    readonly operator: "In" | "NotIn" | "Exists" | "DoesNotExist";
    readonly values: readonly string[];
}

export interface Selector {
    readonly requirements: readonly LabelRequirement[];
    /** True for a Cilium selector naming a non-pod label source: it selects no pod. */
    readonly selectsNoPod: boolean;
}

/** Selects everything (an empty selector `{}`). */
export const SELECT_ALL: Selector = { requirements: [], selectsNoPod: false };

export type Dialect = "kubernetes" | "cilium";

/** How to look up one label of the thing being matched. */
export type LabelLookup = (key: string) => Read<string>;

export function lookupIn(labels: LabelSet): LabelLookup {
    return (key) => labelValue(labels, key);
}

const NAMESPACE_LABEL = "io.kubernetes.pod.namespace";
const NAMESPACE_LABELS_PREFIX = "io.cilium.k8s.namespace.labels.";
const SERVICE_ACCOUNT_LABEL = "io.cilium.k8s.policy.serviceaccount";
const CLUSTER_LABEL = "io.cilium.k8s.policy.cluster";
/** Cilium's chart default `cluster.name` ("default", values.yaml of every carried chart version). */
const DEFAULT_CLUSTER_NAME = "default";

/** The labels Cilium matches for a pod: its own, its namespace's name and labels, its service account. */
export function ciliumEndpointLabels(
    podLabels: LabelSet,
    namespace: string,
    namespaceLabels: LabelSet,
    serviceAccount: string,
): LabelLookup {
    return (key) => {
        if (key === NAMESPACE_LABEL) {
            return known(namespace);
        }
        if (key === SERVICE_ACCOUNT_LABEL) {
            return known(serviceAccount);
        }
        if (key === CLUSTER_LABEL) {
            return known(DEFAULT_CLUSTER_NAME);
        }
        if (key.startsWith(NAMESPACE_LABELS_PREFIX)) {
            return labelValue(namespaceLabels, key.slice(NAMESPACE_LABELS_PREFIX.length));
        }
        return labelValue(podLabels, key);
    };
}

/** Strips a Cilium source prefix; undefined when the source is not a pod label source. */
function ciliumKey(key: string): string | undefined {
    const colon = key.indexOf(":");
    if (colon < 0) {
        return key;
    }
    const source = key.slice(0, colon);
    return source === "k8s" || source === "any" ? key.slice(colon + 1) : undefined;
}

/** Reads the selector at `path`; `absent` when there is none (callers decide what that means for their kind). */
export function readSelector(root: unknown, path: readonly (string | number)[], dialect: Dialect): Read<Selector> {
    const selector = readObject(root, path);
    if (selector.state !== "known") {
        return selector;
    }
    const requirements: LabelRequirement[] = [];
    let selectsNoPod = false;
    const addKey = (rawKey: string): string | undefined => {
        const key = dialect === "cilium" ? ciliumKey(rawKey) : rawKey;
        if (key === undefined) {
            selectsNoPod = true;
        }
        return key;
    };

    const matchLabels = readObject(selector.value, ["matchLabels"]);
    if (matchLabels.state === "unreadable") {
        return matchLabels;
    }
    if (matchLabels.state === "known") {
        for (const rawKey of keysOf(matchLabels.value)) {
            const value = readString(matchLabels.value, [rawKey]);
            if (value.state === "unreadable") {
                return unreadable(`${path.join(".")}.matchLabels.${rawKey}`, value.reason);
            }
            const key = addKey(rawKey);
            if (key !== undefined) {
                requirements.push({ key, operator: "In", values: [value.state === "known" ? value.value : ""] });
            }
        }
    }

    const expressions = readArray(selector.value, ["matchExpressions"]);
    if (expressions.state === "unreadable") {
        return expressions;
    }
    const list = expressions.state === "known" ? expressions.value : [];
    for (let i = 0; i < list.length; i++) {
        const rawKey = readString(list, [i, "key"]);
        const operator = readString(list, [i, "operator"]);
        const values = readStringList(list, [i, "values"]);
        const bad = [rawKey, operator, values].find((read) => read.state === "unreadable");
        if (bad && bad.state === "unreadable") {
            return unreadable(`${path.join(".")}.matchExpressions[${i}]`, bad.reason);
        }
        if (
            rawKey.state !== "known" ||
            operator.state !== "known" ||
            !["In", "NotIn", "Exists", "DoesNotExist"].includes(operator.value)
        ) {
            return unreadable(`${path.join(".")}.matchExpressions[${i}]`, "is not a key/operator/values expression");
        }
        const key = addKey(rawKey.value);
        if (key !== undefined) {
            requirements.push({
                key,
                operator: operator.value as LabelRequirement["operator"],
                values: values.state === "known" ? values.value : [],
            });
        }
    }
    return known({ requirements, selectsNoPod });
}

/** A list of selectors (Cilium `fromEndpoints`); one unreadable element makes the list unreadable. */
export function readSelectorList(
    root: unknown,
    path: readonly (string | number)[],
    dialect: Dialect,
): Read<Selector[]> {
    const list = readArray(root, path);
    if (list.state !== "known") {
        return list;
    }
    const selectors: Selector[] = [];
    for (let i = 0; i < list.value.length; i++) {
        const selector = readSelector(list.value, [i], dialect);
        if (selector.state === "unreadable") {
            return selector;
        }
        selectors.push(selector.state === "known" ? selector.value : SELECT_ALL);
    }
    return known(selectors);
}

/** true, false, or "unchecked" when a label the decision needs is unknown. */
export type Match = boolean | "unchecked";

export function matches(selector: Selector, lookup: LabelLookup): Match {
    if (selector.selectsNoPod) {
        return false;
    }
    let result: Match = true;
    for (const requirement of selector.requirements) {
        const value = lookup(requirement.key);
        if (value.state === "unreadable") {
            result = "unchecked";
            continue;
        }
        const present = value.state === "known";
        const holds =
            requirement.operator === "Exists"
                ? present
                : requirement.operator === "DoesNotExist"
                  ? !present
                  : requirement.operator === "In"
                    ? present && requirement.values.includes(value.value)
                    : !present || !requirement.values.includes(value.value);
        if (!holds) {
            return false;
        }
    }
    return result;
}

/** A selector in one line for messages: `app=httpbin, tier in (a, b)`, or "every pod" for `{}`. */
export function describeSelector(selector: Selector): string {
    if (selector.requirements.length === 0) {
        return selector.selectsNoPod ? "no pod" : "every pod";
    }
    return selector.requirements
        .map((r) => {
            switch (r.operator) {
                case "In":
                    return r.values.length === 1 ? `${r.key}=${r.values[0]}` : `${r.key} in (${r.values.join(", ")})`;
                case "NotIn":
                    return `${r.key} not in (${r.values.join(", ")})`;
                case "Exists":
                    return r.key;
                default:
                    return `!${r.key}`;
            }
        })
        .join(", ");
}
