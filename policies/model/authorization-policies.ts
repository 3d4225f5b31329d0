/**
 * Istio AuthorizationPolicy (security.istio.io v1 and v1beta1) as written: scope, action and rules. How sidecars,
 * ztunnel and waypoints evaluate them is the connectivity predictor's business (policies/connectivity/
 * istio-authorization.ts); this reads the objects, reporting what could not be read.
 *
 * Shape (istio/api security/v1beta1/authorization_policy.proto, tag 1.30.3): `selector` (workloads of the policy's
 * namespace, or of every namespace from the root namespace) or `targetRefs` (Gateway, GatewayClass, Service,
 * ServiceEntry; what waypoints use); `action` ALLOW (default), DENY, AUDIT or CUSTOM (`provider`); `rules`: absent
 * means the policy never matches, `[{}]` matches everything. A rule is `from` (sources) AND `to` (operations) AND
 * every `when` condition; each of `from` and `to` matches when one of its entries does, and an entry's fields are ANDed.
 * The annotation `istio.io/dry-run: "true"` keeps a policy from being enforced. `to.operation` fields `methods`,
 * `paths`, `hosts` and their `not*` forms are HTTP conditions; `ports` alone is L4 (docs/mesh-policy.md#l7-split-brain).
 */
import { SELECT_ALL, Selector, readSelector } from "./label-selectors";
import {
    Read,
    guarded,
    keysOf,
    known,
    readArray,
    readObject,
    readString,
    readStringList,
    unreadable,
} from "./property-reader";
import { SourceRef, StackResource, isKubernetes, sourceOf } from "./resources";
import { namespaceOf } from "./workloads";

/** The string-list fields of a source or an operation, by name as written (`principals`, `notMethods`...). */
export type MatchFields = Readonly<Record<string, readonly string[]>>;

export interface AuthorizationCondition {
    readonly key: string;
    readonly values?: readonly string[];
    readonly notValues?: readonly string[];
}

export interface AuthorizationRule {
    /** Undefined: any source. */
    readonly from?: readonly MatchFields[];
    /** Undefined: any operation. */
    readonly to?: readonly MatchFields[];
    readonly when: readonly AuthorizationCondition[];
}

export interface PolicyTargetRef {
    readonly group: string;
    readonly kind: string;
    readonly name: string;
}

export interface AuthorizationPolicyInfo {
    readonly source: SourceRef;
    readonly name: string;
    /** Unreadable during preview; whoever reads the policy reports what it could not check. */
    readonly namespace: Read<string>;
    /** `SELECT_ALL` when the policy has no selector. */
    readonly selector: Read<Selector>;
    /** Undefined when the policy has no targetRefs (nor the older single targetRef). */
    readonly targetRefs?: Read<readonly PolicyTargetRef[]>;
    /** True when the policy is bound through `targetRefs`/`targetRef` rather than a selector. */
    readonly targeted: boolean;
    /** "ALLOW", "DENY", "AUDIT", "CUSTOM" (upper-cased as written; ALLOW when absent). */
    readonly action: Read<string>;
    /** Undefined: `rules` absent, the policy never matches. */
    readonly rules: Read<readonly AuthorizationRule[] | undefined>;
    /** The HTTP condition fields its rules use (`methods`, `paths`, ...); unreadable when the rules are unknown. */
    readonly httpConditions: Read<readonly string[]>;
    readonly dryRun: boolean;
}

const SOURCE_FIELDS = [
    "principals",
    "notPrincipals",
    "requestPrincipals",
    "notRequestPrincipals",
    "namespaces",
    "notNamespaces",
    "serviceAccounts",
    "notServiceAccounts",
    "ipBlocks",
    "notIpBlocks",
    "remoteIpBlocks",
    "notRemoteIpBlocks",
    "trustDomains",
    "notTrustDomains",
] as const;

const OPERATION_FIELDS = [
    "hosts",
    "notHosts",
    "ports",
    "notPorts",
    "methods",
    "notMethods",
    "paths",
    "notPaths",
] as const;

const HTTP_FIELDS: readonly string[] = ["methods", "paths", "hosts", "notMethods", "notPaths", "notHosts"];

export function readAuthorizationPolicies(resources: readonly StackResource[]): AuthorizationPolicyInfo[] {
    const policies: AuthorizationPolicyInfo[] = [];
    for (const resource of resources) {
        if (!isKubernetes(resource.type, "security.istio.io", "AuthorizationPolicy")) {
            continue;
        }
        const props = guarded(resource.props);
        const name = readString(props, ["metadata", "name"]);
        const selector = readSelector(props, ["spec", "selector"], "kubernetes");
        const targetRefs = readTargetRefs(props);
        const action = readString(props, ["spec", "action"]);
        const rules = readRules(props);
        const dryRun = readString(props, ["metadata", "annotations", "istio.io/dry-run"]);
        policies.push({
            source: sourceOf(resource),
            name: name.state === "known" ? name.value : resource.name,
            namespace: namespaceOf(resource, props),
            selector: selector.state === "absent" ? known(SELECT_ALL) : selector,
            targetRefs,
            targeted: targetRefs !== undefined,
            action:
                action.state === "absent"
                    ? known("ALLOW")
                    : action.state === "known"
                      ? known(action.value.toUpperCase())
                      : action,
            rules,
            httpConditions: httpConditions(rules),
            dryRun: dryRun.state === "known" && dryRun.value.toLowerCase() === "true",
        });
    }
    return policies;
}

function readTargetRefs(props: unknown): Read<readonly PolicyTargetRef[]> | undefined {
    const list = readArray(props, ["spec", "targetRefs"]);
    const single = readObject(props, ["spec", "targetRef"]);
    if (list.state === "unreadable") {
        return list;
    }
    if (single.state === "unreadable") {
        return single;
    }
    if (list.state === "absent" && single.state === "absent") {
        return undefined;
    }
    const holders: [readonly unknown[], number][] = [];
    if (list.state === "known") {
        list.value.forEach((_, i) => holders.push([list.value, i]));
    }
    if (single.state === "known") {
        holders.push([[single.value], 0]);
    }
    const refs: PolicyTargetRef[] = [];
    for (const [holder, i] of holders) {
        const group = readString(holder, [i, "group"]);
        const kind = readString(holder, [i, "kind"]);
        const name = readString(holder, [i, "name"]);
        if (group.state === "unreadable" || kind.state === "unreadable" || name.state === "unreadable") {
            return unreadable(`spec.targetRefs[${i}]`, "is unknown");
        }
        refs.push({
            group: group.state === "known" ? group.value : "",
            kind: kind.state === "known" ? kind.value : "",
            name: name.state === "known" ? name.value : "",
        });
    }
    return known(refs);
}

function readRules(props: unknown): Read<readonly AuthorizationRule[] | undefined> {
    const list = readArray(props, ["spec", "rules"]);
    if (list.state !== "known") {
        return list.state === "absent" ? known(undefined) : list;
    }
    const rules: AuthorizationRule[] = [];
    for (let i = 0; i < list.value.length; i++) {
        const from = readEntries(list.value, [i, "from"], "source", SOURCE_FIELDS);
        const to = readEntries(list.value, [i, "to"], "operation", OPERATION_FIELDS);
        const when = readConditions(list.value, i);
        for (const read of [from, to, when]) {
            if (read.state === "unreadable") {
                return unreadable(`spec.rules[${i}].${read.path}`, read.reason);
            }
        }
        rules.push({
            from: from.state === "known" ? from.value : undefined,
            to: to.state === "known" ? to.value : undefined,
            when: when.state === "known" ? when.value : [],
        });
    }
    return known(rules);
}

function httpConditions(rules: Read<readonly AuthorizationRule[] | undefined>): Read<readonly string[]> {
    if (rules.state !== "known") {
        return rules.state === "unreadable" ? rules : known([]);
    }
    const found = new Set<string>();
    for (const operation of (rules.value ?? []).flatMap((rule) => rule.to ?? [])) {
        Object.keys(operation)
            .filter((field) => HTTP_FIELDS.includes(field))
            .forEach((field) => found.add(field));
    }
    return known([...found]);
}

/** `from[].source` or `to[].operation` entries, each as its string-list fields. */
function readEntries(
    root: readonly unknown[],
    path: readonly (string | number)[],
    inner: "source" | "operation",
    fields: readonly string[],
): Read<MatchFields[]> {
    const list = readArray(root, path);
    if (list.state !== "known") {
        return list.state === "unreadable" ? unreadable(String(path[1]), list.reason) : list;
    }
    const entries: MatchFields[] = [];
    for (let j = 0; j < list.value.length; j++) {
        const entry = readObject(list.value, [j, inner]);
        if (entry.state === "unreadable") {
            return unreadable(`${String(path[1])}[${j}].${inner}`, entry.reason);
        }
        const match: Record<string, readonly string[]> = {};
        const fieldsOf = entry.state === "known" ? entry.value : {};
        for (const key of keysOf(fieldsOf)) {
            if (!fields.includes(key)) {
                return unreadable(`${String(path[1])}[${j}].${inner}.${key}`, "is not a field this model knows");
            }
            const values = readStringList(fieldsOf, [key]);
            if (values.state === "unreadable") {
                return unreadable(`${String(path[1])}[${j}].${inner}.${key}`, values.reason);
            }
            match[key] = values.state === "known" ? values.value : [];
        }
        entries.push(match);
    }
    return known(entries);
}

function readConditions(root: readonly unknown[], index: number): Read<AuthorizationCondition[]> {
    const list = readArray(root, [index, "when"]);
    if (list.state !== "known") {
        return list.state === "unreadable" ? unreadable("when", list.reason) : known([]);
    }
    const conditions: AuthorizationCondition[] = [];
    for (let j = 0; j < list.value.length; j++) {
        const key = readString(list.value, [j, "key"]);
        const values = readStringList(list.value, [j, "values"]);
        const notValues = readStringList(list.value, [j, "notValues"]);
        if (key.state !== "known" || values.state === "unreadable" || notValues.state === "unreadable") {
            return unreadable(`when[${j}]`, key.state === "known" ? "is unknown" : "has no key");
        }
        conditions.push({
            key: key.value,
            values: values.state === "known" ? values.value : undefined,
            notValues: notValues.state === "known" ? notValues.value : undefined,
        });
    }
    return known(conditions);
}

/** `AuthorizationPolicy default/allow-nothing` */
export function describeAuthorizationPolicy(policy: AuthorizationPolicyInfo): string {
    const namespace = policy.namespace.state === "known" ? `${policy.namespace.value}/` : "";
    return `AuthorizationPolicy ${namespace}${policy.name}`;
}
