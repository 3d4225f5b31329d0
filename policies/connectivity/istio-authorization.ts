/**
 * Istio AuthorizationPolicy applied to one request by the proxy that enforces it: the server's sidecar, the
 * destination's ztunnel (ambient, L4 only) or a waypoint (docs/connectivity-semantics.md#authorization).
 *
 * Evaluation (istio/api security/v1beta1/authorization_policy.proto, tag 1.30.3): CUSTOM policies that match are
 * decided by an external authorizer (not predictable: `unknown`); then a matching DENY denies; then, with no ALLOW
 * policy the request is allowed, with some it must match one; AUDIT never changes the outcome.
 * Which policies apply: sidecar and ztunnel take `selector` (or namespace-wide) policies of the workload's namespace
 * and of the root namespace, never `targetRefs` ones; a waypoint takes only `targetRefs` policies naming its Service,
 * its Gateway or the istio-waypoint GatewayClass ("Waypoint proxies are required to use this field").
 * What ztunnel cannot see: HTTP attributes. It drops an ALLOW rule that has any, and enforces a DENY rule without
 * them (istio/istio pilot/pkg/serviceregistry/ambient/authorization.go, `handleRule`, tag 1.30.3); istio.io's
 * ambient "Use Layer 4 security policy" page says ztunnel then drops all traffic — the code, which drops only the
 * offending rule, is followed. ztunnel ignores AUDIT and CUSTOM policies ("ztunnel does not support the %s action").
 */
import {
    AuthorizationCondition,
    AuthorizationPolicyInfo,
    AuthorizationRule,
    MatchFields,
    describeAuthorizationPolicy,
} from "../model/authorization-policies";
import { matches, lookupIn } from "../model/label-selectors";
import { ServiceInfo } from "../model/services";
import { WaypointInfo, WAYPOINT_CLASS } from "../model/waypoints";
import { Workload } from "../model/workloads";
import { HttpRequest } from "./http-rules";
import { TrafficModel } from "./traffic-model";

export type Enforcer = "sidecar" | "ztunnel" | "waypoint";

export interface AuthorizationRequest {
    /** `<trust domain>/ns/<namespace>/sa/<service account>` of the mTLS peer; undefined for plain text. */
    readonly principal?: string;
    /** The port the connection reaches on the workload. */
    readonly port: number;
    readonly http: HttpRequest;
}

export type AuthorizationDecision =
    | { readonly verdict: "allow"; readonly why: string; readonly by: readonly AuthorizationPolicyInfo[] }
    | { readonly verdict: "deny"; readonly why: string; readonly by: readonly AuthorizationPolicyInfo[] }
    | { readonly verdict: "unknown"; readonly why: string };

/** Where the request is enforced: the workload for sidecar and ztunnel, the Service and Gateway for a waypoint. */
export interface AuthorizationTarget {
    readonly workload?: Workload;
    readonly service?: ServiceInfo;
    readonly waypoint?: WaypointInfo;
}

type Tri = boolean | { readonly unknown: string };

const L4_CONDITION_KEYS = new Set([
    "source.ip",
    "source.namespace",
    "source.principal",
    "destination.ip",
    "destination.port",
]);
const HTTP_OPERATION_FIELDS = ["hosts", "notHosts", "methods", "notMethods", "paths", "notPaths"];
const HTTP_SOURCE_FIELDS = ["remoteIpBlocks", "notRemoteIpBlocks", "requestPrincipals", "notRequestPrincipals"];

/** Istio's string match: exact, `prefix*`, `*suffix`, or `*` (any non-empty value). */
function stringMatch(pattern: string, value: string, caseInsensitive = false): boolean {
    const p = caseInsensitive ? pattern.toLowerCase() : pattern;
    const v = caseInsensitive ? value.toLowerCase() : value;
    if (p === "*") {
        return v !== "";
    }
    if (p.endsWith("*")) {
        return v.startsWith(p.slice(0, -1));
    }
    if (p.startsWith("*")) {
        return v.endsWith(p.slice(1));
    }
    return v === p;
}

/** A `paths` entry: Istio's string match, or an Envoy URI template with `{*}` (one segment) and `{**}` (the rest). */
function pathMatch(pattern: string, path: string): boolean {
    if (!pattern.includes("{*")) {
        return stringMatch(pattern, path);
    }
    const escaped = pattern
        .split(/(\{\*\*\}|\{\*\})/)
        .map((part) =>
            part === "{**}" ? ".*" : part === "{*}" ? "[^/]+" : part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"),
        )
        .join("");
    return new RegExp(`^${escaped}$`).test(path);
}

function principalParts(
    principal: string | undefined,
): { trustDomain: string; namespace: string; account: string } | undefined {
    const match = principal === undefined ? null : /^(.*)\/ns\/([^/]+)\/sa\/([^/]+)$/.exec(principal);
    return match ? { trustDomain: match[1], namespace: match[2], account: match[3] } : undefined;
}

/** One positive field and its `not` twin; `value` undefined means the attribute is absent (plain text, no JWT). */
function field(
    values: readonly string[] | undefined,
    negated: readonly string[] | undefined,
    value: string | undefined,
    test: (p: string, v: string) => boolean,
): boolean {
    if (values !== undefined && (value === undefined || !values.some((p) => test(p, value)))) {
        return false;
    }
    if (negated !== undefined && value !== undefined && negated.some((p) => test(p, value))) {
        return false;
    }
    return true;
}

function sourceMatches(source: MatchFields, request: AuthorizationRequest, policyNamespace: string): Tri {
    const peer = principalParts(request.principal);
    for (const ip of ["ipBlocks", "notIpBlocks", "remoteIpBlocks", "notRemoteIpBlocks"]) {
        if (source[ip] !== undefined) {
            return { unknown: `the rule matches ${ip}, and pod addresses are not known before deployment` };
        }
    }
    const account = (entry: string) => (entry.includes("/") ? entry : `${policyNamespace}/${entry}`);
    const checks = [
        field(source.principals, source.notPrincipals, request.principal, (p, v) => stringMatch(p, v)),
        field(source.namespaces, source.notNamespaces, peer?.namespace, (p, v) => stringMatch(p, v)),
        field(source.trustDomains, source.notTrustDomains, peer?.trustDomain, (p, v) => stringMatch(p, v)),
        field(
            source.serviceAccounts,
            source.notServiceAccounts,
            peer && `${peer.namespace}/${peer.account}`,
            (p, v) => account(p) === v,
        ),
        // A probe carries no JWT: no request principal.
        field(source.requestPrincipals, source.notRequestPrincipals, undefined, (p, v) => stringMatch(p, v)),
    ];
    return checks.every(Boolean);
}

function operationMatches(operation: MatchFields, request: AuthorizationRequest): boolean {
    const host = request.http.host.replace(/:\d+$/, "");
    // Authorization paths exclude the query (Envoy's url_path).
    const path = request.http.path.replace(/\?.*$/, "");
    return [
        field(operation.hosts, operation.notHosts, host, (p, v) => stringMatch(p, v, true)),
        field(operation.ports, operation.notPorts, String(request.port), (p, v) => p === v),
        field(operation.methods, operation.notMethods, request.http.method, (p, v) => stringMatch(p, v)),
        field(operation.paths, operation.notPaths, path, pathMatch),
    ].every(Boolean);
}

function conditionMatches(condition: AuthorizationCondition, request: AuthorizationRequest): Tri {
    const peer = principalParts(request.principal);
    const test = (value: string | undefined): boolean =>
        field(condition.values, condition.notValues, value, (p, v) => stringMatch(p, v));
    const header = /^request\.headers\[(.+)\]$/.exec(condition.key);
    if (header) {
        const name = header[1].toLowerCase();
        if (request.http.headers.has(name) && request.http.headers.get(name) === undefined) {
            return { unknown: `the rule tests the header ${header[1]}, whose value curl chooses` };
        }
        return test(request.http.headers.get(name));
    }
    switch (condition.key) {
        case "source.principal":
            return test(request.principal);
        case "source.namespace":
            return test(peer?.namespace);
        case "destination.port":
            return test(String(request.port));
        default:
            if (condition.key.startsWith("request.auth.")) {
                return test(undefined);
            }
            return { unknown: `the rule's condition ${condition.key} depends on what only a live request shows` };
    }
}

function anyOf(list: readonly MatchFields[] | undefined, test: (entry: MatchFields) => Tri): Tri {
    if (list === undefined) {
        return true;
    }
    let unknown: Tri = false;
    for (const entry of list) {
        const match = test(entry);
        if (match === true) {
            return true;
        }
        if (match !== false) {
            unknown = match;
        }
    }
    return unknown;
}

function ruleMatches(rule: AuthorizationRule, request: AuthorizationRequest, policyNamespace: string): Tri {
    const parts: Tri[] = [
        anyOf(rule.from, (source) => sourceMatches(source, request, policyNamespace)),
        anyOf(rule.to, (operation) => operationMatches(operation, request)),
        ...rule.when.map((condition) => conditionMatches(condition, request)),
    ];
    if (parts.includes(false)) {
        return false;
    }
    return parts.find((part) => part !== true) ?? true;
}

/** The HTTP attributes a rule uses, which ztunnel cannot see. */
function httpAttributes(rule: AuthorizationRule): string[] {
    const found = new Set<string>();
    for (const operation of rule.to ?? []) {
        HTTP_OPERATION_FIELDS.filter((f) => operation[f] !== undefined).forEach((f) => found.add(f));
    }
    for (const source of rule.from ?? []) {
        HTTP_SOURCE_FIELDS.filter((f) => source[f] !== undefined).forEach((f) => found.add(f));
    }
    rule.when.filter((c) => !L4_CONDITION_KEYS.has(c.key)).forEach((c) => found.add(c.key));
    return [...found];
}

/** A DENY rule as ztunnel enforces it: its HTTP parts left out, so they match anything. */
function withoutHttp(rule: AuthorizationRule): AuthorizationRule {
    const strip = (entry: MatchFields, fields: string[]) =>
        Object.fromEntries(Object.entries(entry).filter(([key]) => !fields.includes(key)));
    return {
        from: rule.from?.map((source) => strip(source, HTTP_SOURCE_FIELDS)),
        to: rule.to?.map((operation) => strip(operation, HTTP_OPERATION_FIELDS)),
        when: rule.when.filter((c) => L4_CONDITION_KEYS.has(c.key)),
    };
}

function targetsWaypoint(
    model: TrafficModel,
    policy: AuthorizationPolicyInfo,
    namespace: string,
    target: AuthorizationTarget,
): Tri {
    const refs = policy.targetRefs;
    if (refs === undefined) {
        return false;
    }
    if (refs.state !== "known") {
        return refs.state === "unreadable"
            ? { unknown: `${describeAuthorizationPolicy(policy)}: targetRefs ${refs.reason}` }
            : false;
    }
    return refs.value.some(
        (ref) =>
            (ref.kind === "Service" &&
                (ref.group === "" || ref.group === "core") &&
                target.service !== undefined &&
                ref.name === target.service.name &&
                namespace === target.service.namespace) ||
            (ref.kind === "Gateway" &&
                target.waypoint !== undefined &&
                ref.name === target.waypoint.name &&
                namespace === target.waypoint.namespace) ||
            (ref.kind === "GatewayClass" && ref.name === WAYPOINT_CLASS && namespace === model.istio.rootNamespace),
    );
}

function selectsWorkload(
    model: TrafficModel,
    policy: AuthorizationPolicyInfo,
    namespace: string,
    workload: Workload,
): Tri {
    if (policy.targeted) {
        return false;
    }
    // Every workload of its namespace, or of the mesh from the root namespace, that its selector (if any) picks.
    if (namespace !== workload.namespace && namespace !== model.istio.rootNamespace) {
        return false;
    }
    if (policy.selector.state !== "known") {
        return policy.selector.state === "unreadable"
            ? { unknown: `${describeAuthorizationPolicy(policy)}: ${policy.selector.path} ${policy.selector.reason}` }
            : true;
    }
    const match = matches(policy.selector.value, lookupIn(workload.podLabels));
    return match === "unchecked"
        ? { unknown: `whether ${describeAuthorizationPolicy(policy)} selects the pod is unknown` }
        : match;
}

export function decideAuthorization(
    model: TrafficModel,
    enforcer: Enforcer,
    target: AuthorizationTarget,
    request: AuthorizationRequest,
): AuthorizationDecision {
    // Each policy that applies, with its namespace (which relative service accounts in `principals` name).
    const applicable: { policy: AuthorizationPolicyInfo; namespace: string }[] = [];
    for (const policy of model.authorizationPolicies) {
        if (policy.dryRun) {
            continue;
        }
        if (policy.namespace.state !== "known") {
            // Its namespace decides where it applies: unknown (during preview), it may apply here.
            return {
                verdict: "unknown",
                why: `${describeAuthorizationPolicy(policy)}: metadata.namespace ${policy.namespace.state === "unreadable" ? policy.namespace.reason : "is missing"}`,
            };
        }
        const namespace = policy.namespace.value;
        const applies =
            enforcer === "waypoint"
                ? targetsWaypoint(model, policy, namespace, target)
                : target.workload
                  ? selectsWorkload(model, policy, namespace, target.workload)
                  : false;
        if (typeof applies === "object") {
            return { verdict: "unknown", why: applies.unknown };
        }
        if (applies) {
            applicable.push({ policy, namespace });
        }
    }
    const where = enforcer === "sidecar" ? "the server's sidecar" : enforcer === "ztunnel" ? "ztunnel" : "the waypoint";
    const notes: string[] = [];
    const matchPolicy = ({ policy, namespace }: (typeof applicable)[number], action: string): Tri => {
        if (policy.rules.state === "unreadable") {
            return { unknown: `${describeAuthorizationPolicy(policy)}: ${policy.rules.path} ${policy.rules.reason}` };
        }
        const rules = policy.rules.state === "known" ? (policy.rules.value ?? []) : [];
        let result: Tri = false;
        for (const rule of rules) {
            let effective = rule;
            if (enforcer === "ztunnel") {
                const http = httpAttributes(rule);
                if (http.length > 0) {
                    if (action === "ALLOW") {
                        notes.push(
                            `ztunnel leaves out the rule of ${describeAuthorizationPolicy(policy)} that uses ${http.join(", ")} (HTTP attributes it cannot see)`,
                        );
                        continue;
                    }
                    notes.push(
                        `ztunnel enforces ${describeAuthorizationPolicy(policy)} without its HTTP attributes (${http.join(", ")})`,
                    );
                    effective = withoutHttp(rule);
                }
            }
            const match = ruleMatches(effective, request, namespace);
            if (match === true) {
                return true;
            }
            if (match !== false) {
                result = match;
            }
        }
        return result;
    };
    const byAction = (action: string) =>
        applicable.filter(({ policy }) => policy.action.state === "known" && policy.action.value === action);
    const badAction = applicable
        .map(({ policy }) => policy)
        .find((p) => p.action.state !== "known" || !["ALLOW", "DENY", "AUDIT", "CUSTOM"].includes(p.action.value));
    if (badAction) {
        return {
            verdict: "unknown",
            why: `${describeAuthorizationPolicy(badAction)} has action ${badAction.action.state === "known" ? badAction.action.value : "unknown"}`,
        };
    }
    if (enforcer !== "ztunnel") {
        for (const custom of byAction("CUSTOM")) {
            const match = matchPolicy(custom, "CUSTOM");
            if (match !== false) {
                return {
                    verdict: "unknown",
                    why: `${describeAuthorizationPolicy(custom.policy)} (CUSTOM) hands the request to an external authorizer, whose answer cannot be predicted`,
                };
            }
        }
    }
    for (const deny of byAction("DENY")) {
        const match = matchPolicy(deny, "DENY");
        const policy = deny.policy;
        if (match === true) {
            return {
                verdict: "deny",
                why: `${describeAuthorizationPolicy(policy)} (DENY) matches: ${where} denies it${noteText(notes)}`,
                by: [policy],
            };
        }
        if (match !== false) {
            return {
                verdict: "unknown",
                why: `whether ${describeAuthorizationPolicy(policy)} (DENY) matches: ${match.unknown}`,
            };
        }
    }
    const allows = byAction("ALLOW");
    if (allows.length === 0) {
        return {
            verdict: "allow",
            why:
                applicable.length === 0
                    ? `no AuthorizationPolicy applies at ${where}`
                    : `no ALLOW policy applies at ${where}${noteText(notes)}`,
            by: [],
        };
    }
    let unknown: string | undefined;
    for (const allow of allows) {
        const match = matchPolicy(allow, "ALLOW");
        const policy = allow.policy;
        if (match === true) {
            return {
                verdict: "allow",
                why: `${describeAuthorizationPolicy(policy)} (ALLOW) matches${noteText(notes)}`,
                by: [policy],
            };
        }
        if (match !== false) {
            unknown = unknown ?? match.unknown;
        }
    }
    if (unknown !== undefined) {
        return { verdict: "unknown", why: `whether an ALLOW policy matches: ${unknown}` };
    }
    const names = allows.map(({ policy }) => describeAuthorizationPolicy(policy)).join(", ");
    const plain = request.principal === undefined ? "; the request carries no mTLS identity" : "";
    return {
        verdict: "deny",
        why: `no ALLOW policy at ${where} matches it (${names})${plain}${noteText(notes)}`,
        by: allows.map(({ policy }) => policy),
    };
}

function noteText(notes: readonly string[]): string {
    return notes.length === 0 ? "" : `; ${[...new Set(notes)].join("; ")}`;
}
