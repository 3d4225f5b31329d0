/**
 * Cilium's HTTP rules applied to one request, as Cilium's proxy applies them: each rule becomes Envoy header
 * matchers (cilium/cilium pkg/envoy `getHTTPRule`): `:path`, `:method` and `:authority` against the rule's `path`,
 * `method` and `host` as Envoy safe regexes with the GoogleRE2 engine, which must match the WHOLE value (Envoy
 * route_components.proto, HeaderMatcher.safe_regex_match: "The rule will not match if only a subsequence of the
 * request header value matches the regex"); `headers` and `headerMatches` as exact values or presence. A request is
 * allowed when one rule matches (docs/connectivity-semantics.md#http-rules).
 *
 * Cilium's API reference calls these "extended POSIX regex"; the code hands them to RE2, so RE2 syntax is what
 * counts here (`(?i)`, `\z`, `[[:alpha:]]` are RE2; lookarounds and backreferences are not). Matching uses `re2js`,
 * a JavaScript port of RE2, never JavaScript's own RegExp.
 */
import { RE2JS } from "re2js";
import { HeaderRequirement, HttpRuleSpec } from "../model/network-policies";

/** A request as curl sends it. Header names are lower case; a value of `undefined` is sent but not known here. */
export interface HttpRequest {
    readonly method: string;
    /** Path and query, as sent on the request line: what `:path` holds. */
    readonly path: string;
    /** The Host header: `<host>` for port 80, `<host>:<port>` otherwise (curl's behaviour). */
    readonly host: string;
    readonly headers: ReadonlyMap<string, string | undefined>;
}

/**
 * The headers curl sends with no `-H`: Host, `User-Agent: curl/<version>` (version unknown here) and `Accept: *\/*`.
 */
export function curlRequest(method: string, path: string, host: string): HttpRequest {
    return {
        method,
        path,
        host,
        headers: new Map<string, string | undefined>([
            ["host", host],
            ["user-agent", undefined],
            ["accept", "*/*"],
        ]),
    };
}

export type HttpDecision =
    | { readonly allowed: true; readonly rule: HttpRuleSpec }
    | { readonly allowed: false }
    /** A pattern RE2 rejects (Cilium rejects the policy), or a header value the stack does not show. */
    | { readonly unknown: string };

const compiled = new Map<string, RE2JS | Error>();

function regex(pattern: string): RE2JS | Error {
    let result = compiled.get(pattern);
    if (result === undefined) {
        try {
            result = RE2JS.compile(pattern);
        } catch (error) {
            result = error instanceof Error ? error : new Error(String(error));
        }
        compiled.set(pattern, result);
    }
    return result;
}

/** Whether `value` matches `pattern` as a whole; a string when the pattern is not valid RE2. */
function fullMatch(pattern: string, value: string): boolean | string {
    const re = regex(pattern);
    return re instanceof Error ? `"${pattern}" is not a valid RE2 expression (${re.message})` : re.matches(value);
}

type Match = boolean | { unknown: string };

function header(requirement: HeaderRequirement, request: HttpRequest): Match {
    const name = requirement.name.toLowerCase();
    const sent = request.headers.has(name);
    if (requirement.mismatchAllowed) {
        // LOG, ADD, DELETE or REPLACE on mismatch: the request goes on either way.
        return true;
    }
    if (requirement.fromSecret && requirement.value === undefined) {
        return { unknown: `header ${requirement.name} must match the value of a Secret the stack does not show` };
    }
    if (!sent) {
        return false;
    }
    if (requirement.value === undefined) {
        return true;
    }
    const value = request.headers.get(name);
    return value === undefined
        ? { unknown: `header ${requirement.name} must be "${requirement.value}"; curl's value is not known here` }
        : value === requirement.value;
}

function ruleMatches(rule: HttpRuleSpec, request: HttpRequest): Match {
    const fields: [string | undefined, string, string][] = [
        [rule.path, request.path, "path"],
        [rule.method, request.method, "method"],
        [rule.host, request.host, "host"],
    ];
    let result: Match = true;
    for (const [pattern, value, field] of fields) {
        if (pattern === undefined) {
            continue;
        }
        const match = fullMatch(pattern, value);
        if (typeof match === "string") {
            // Cilium validates path and method with Go's regexp (RE2 syntax) and rejects the policy (api.PortRuleHTTP.Sanitize).
            return { unknown: `the HTTP rule's ${field} ${match}, so Cilium rejects the policy` };
        }
        if (!match) {
            return false;
        }
    }
    for (const requirement of rule.headers) {
        const match = header(requirement, request);
        if (match === false) {
            return false;
        }
        if (match !== true) {
            result = match;
        }
    }
    return result;
}

/** Whether one of the rules allows the request (an empty rule allows every request). */
export function decideHttp(rules: readonly HttpRuleSpec[], request: HttpRequest): HttpDecision {
    let unknown: string | undefined;
    for (const rule of rules) {
        const match = ruleMatches(rule, request);
        if (match === true) {
            return { allowed: true, rule };
        }
        if (match !== false) {
            unknown = unknown ?? match.unknown;
        }
    }
    return unknown === undefined ? { allowed: false } : { unknown };
}

/** `method POST path /v1/request-landing`, or "every request". */
export function describeHttpRule(rule: HttpRuleSpec): string {
    const parts = [
        rule.method === undefined ? undefined : `method ${rule.method}`,
        rule.path === undefined ? undefined : `path ${rule.path}`,
        rule.host === undefined ? undefined : `host ${rule.host}`,
        ...rule.headers.map((h) => `header ${h.name}${h.value === undefined ? "" : `: ${h.value}`}`),
    ].filter((part): part is string => part !== undefined);
    return parts.length === 0 ? "every request" : parts.join(", ");
}
