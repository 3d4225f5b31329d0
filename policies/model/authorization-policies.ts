/**
 * Istio AuthorizationPolicies (`security.istio.io/v1` and `v1beta1`): which pods they select and whether they hold
 * HTTP-level conditions. Semantics (istio.io, AuthorizationPolicy reference): `selector.matchLabels` picks the pods of
 * the policy's namespace; without a selector it applies to the whole namespace, and in the root namespace to every
 * namespace. `rules[].to[].operation` fields `methods`, `paths`, `hosts` and their `not*` forms are HTTP conditions;
 * `ports` alone is L4 (docs/mesh-policy.md#l7-split-brain). A policy bound with `targetRefs` (a Gateway, a Service's
 * waypoint) is not followed to its pods here.
 */
import { SELECT_ALL, Selector, readSelector } from "./label-selectors";
import { Read, guarded, known, readArray, readObject, readPath, readString } from "./property-reader";
import { SourceRef, StackResource, kubernetesKind, sourceOf } from "./resources";
import { namespaceOf } from "./workloads";

export interface AuthorizationPolicyInfo {
    readonly source: SourceRef;
    readonly name: string;
    /** Unreadable during preview; the rule reports what it could not check. */
    readonly namespace: Read<string>;
    /** `SELECT_ALL` when the policy has no selector. */
    readonly selector: Read<Selector>;
    /** True when the policy is bound through `targetRefs`/`targetRef` rather than a selector. */
    readonly targeted: boolean;
    /** The HTTP condition fields its rules use (`methods`, `paths`, ...); unreadable when the rules are unknown. */
    readonly httpConditions: Read<readonly string[]>;
}

const HTTP_FIELDS = ["methods", "paths", "hosts", "notMethods", "notPaths", "notHosts"];

export function readAuthorizationPolicies(resources: readonly StackResource[]): AuthorizationPolicyInfo[] {
    const policies: AuthorizationPolicyInfo[] = [];
    for (const resource of resources) {
        const kind = kubernetesKind(resource.type);
        if (kind?.group !== "security.istio.io" || kind.kind !== "AuthorizationPolicy") {
            continue;
        }
        const props = guarded(resource.props);
        const name = readString(props, ["metadata", "name"]);
        const selector = readSelector(props, ["spec", "selector"], "kubernetes");
        policies.push({
            source: sourceOf(resource),
            name: name.state === "known" ? name.value : resource.name,
            namespace: namespaceOf(props),
            selector: selector.state === "absent" ? known(SELECT_ALL) : selector,
            targeted:
                readPath(props, ["spec", "targetRefs"]).state !== "absent" ||
                readPath(props, ["spec", "targetRef"]).state !== "absent",
            httpConditions: httpConditions(props),
        });
    }
    return policies;
}

function httpConditions(props: unknown): Read<readonly string[]> {
    const rules = readArray(props, ["spec", "rules"]);
    if (rules.state !== "known") {
        return rules.state === "absent" ? known([]) : rules;
    }
    const found = new Set<string>();
    for (let r = 0; r < rules.value.length; r++) {
        const to = readArray(rules.value, [r, "to"]);
        if (to.state === "unreadable") {
            return to;
        }
        const targets = to.state === "known" ? to.value : [];
        for (let t = 0; t < targets.length; t++) {
            const operation = readObject(targets, [t, "operation"]);
            if (operation.state === "unreadable") {
                return operation;
            }
            for (const field of HTTP_FIELDS) {
                if (operation.state === "known" && readPath(operation.value, [field]).state !== "absent") {
                    found.add(field);
                }
            }
        }
    }
    return known([...found]);
}

/** `AuthorizationPolicy blue/l7`. */
export function describeAuthorizationPolicy(policy: AuthorizationPolicyInfo): string {
    const ns = policy.namespace.state === "known" ? `${policy.namespace.value}/` : "";
    return `AuthorizationPolicy ${ns}${policy.name}`;
}
