/**
 * A probe: one request a user asks about, written as `[<cluster>:]<namespace>/<workload> <METHOD> <URL>`.
 *
 * - `<cluster>:` names the client's cluster when the judged resources hold several (a mesh stack, or `check` of
 *   several stacks): a name of policies/model/mesh-of-clusters.ts (Cilium's cluster.name, else Istio's clusterName,
 *   else its provider's or stack's name). The URL is resolved in that cluster (connectivity/across-clusters.ts).
 * - `<workload>` is a workload's name, or `<kind>/<name>` when a name is used by two kinds (`default/pod/tiefighter`);
 *   kinds: pod, deployment, statefulset, daemonset, replicaset, job, cronjob.
 * - `<URL>` is `http://<service>.<namespace>[.svc[.cluster.local]][:<port>]<path>`; the port defaults to 80, the path
 *   to `/`. With `.svc` spelled out, `http://<pod>.<service>.<namespace>.svc...` names one pod behind a headless
 *   Service (its hostname, e.g. a StatefulSet's `<name>-0`).
 * Parsing is pure: a malformed probe throws a ProbeError naming the part, the value and what is allowed.
 */

const WORKLOAD_KINDS = ["pod", "deployment", "statefulset", "daemonset", "replicaset", "job", "cronjob"] as const;

export class ProbeError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "ProbeError";
    }
}

export interface Probe {
    /** The probe exactly as given (for an object, `<from> <method> <url>`). */
    readonly text: string;
    /** The client's cluster, when the probe names one. */
    readonly cluster?: string;
    readonly from: { readonly namespace: string; readonly kind?: string; readonly name: string };
    readonly method: string;
    readonly url: string;
    /** The host as written, and what it names. */
    readonly host: string;
    readonly service: string;
    readonly namespace: string;
    /** A pod's hostname under a headless Service, when the URL names one. */
    readonly podHostname?: string;
    readonly port: number;
    /** Path and query, as curl sends them. */
    readonly path: string;
}

/** An HTTP method is a token (RFC 9110 §5.6.2). */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** Object names are DNS subdomains (dots allowed); namespaces are DNS labels. */
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
/** A cluster's name: Cilium's (lower-case, dashes) or Istio's (letters, digits, dots, dashes, underscores). */
const CLUSTER_NAME = /^[A-Za-z0-9]([-A-Za-z0-9._]*[A-Za-z0-9])?$/;
const URL_PATTERN = /^http:\/\/([^/:?#\s]+)(?::(\d+))?([/?][^\s#]*)?$/;

function fail(probe: string, part: string, value: string, allowed: string): never {
    throw new ProbeError(`probe "${probe}": ${part} "${value}" is not valid; expected ${allowed}`);
}

function parseFrom(probe: string, text: string): Probe["from"] {
    const parts = text.split("/");
    const allowed = "<namespace>/<workload> or <namespace>/<kind>/<name>";
    if (
        (parts.length !== 2 && parts.length !== 3) ||
        !DNS_LABEL.test(parts[0]) ||
        !DNS_SUBDOMAIN.test(parts[parts.length - 1]) ||
        (parts.length === 3 && !/^[a-z]+$/i.test(parts[1]))
    ) {
        fail(probe, "the client", text, allowed);
    }
    if (parts.length === 2) {
        return { namespace: parts[0], name: parts[1] };
    }
    const kind = parts[1].toLowerCase();
    if (!(WORKLOAD_KINDS as readonly string[]).includes(kind)) {
        fail(probe, "the client's kind", parts[1], `one of ${WORKLOAD_KINDS.join(", ")}`);
    }
    return { namespace: parts[0], kind, name: parts[2] };
}

function parseUrl(
    probe: string,
    url: string,
): Pick<Probe, "host" | "service" | "namespace" | "podHostname" | "port" | "path"> {
    const allowed = "http://<service>.<namespace>[.svc[.cluster.local]][:<port>]<path>";
    const match = URL_PATTERN.exec(url);
    if (!match) {
        fail(probe, "the URL", url, allowed);
    }
    const host = match[1].toLowerCase();
    const port = match[2] === undefined ? 80 : Number(match[2]);
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
        fail(probe, "the URL's port", match[2], "a port from 1 to 65535");
    }
    // The `.svc[.cluster.local]` suffix, when what is left still names a Service and a namespace (a namespace may
    // itself be called "svc").
    let labels = host.split(".");
    const suffix = host.endsWith(".svc.cluster.local") ? 3 : labels[labels.length - 1] === "svc" ? 1 : 0;
    const svc = suffix > 0 && labels.length - suffix >= 2;
    labels = svc ? labels.slice(0, labels.length - suffix) : labels;
    if (labels.some((label) => !DNS_LABEL.test(label)) || labels.length < 2 || labels.length > (svc ? 3 : 2)) {
        fail(probe, "the URL's host", host, allowed);
    }
    const path = match[3] === undefined ? "/" : match[3].startsWith("?") ? `/${match[3]}` : match[3];
    const [first, second, third] = labels;
    return labels.length === 3
        ? { host, podHostname: first, service: second, namespace: third, port, path }
        : { host, service: first, namespace: second, port, path };
}

/** `"<namespace>/<workload> <METHOD> <URL>"`. */
export function parseProbe(text: string): Probe {
    const parts = text.trim().split(/\s+/);
    if (parts.length !== 3) {
        throw new ProbeError(
            `probe "${text}" has ${parts.length} part${parts.length === 1 ? "" : "s"}; expected "[<cluster>:]<namespace>/<workload> <METHOD> <URL>"`,
        );
    }
    const [given, method, url] = parts;
    if (!TOKEN.test(method)) {
        fail(text, "the method", method, "an HTTP method such as GET or POST");
    }
    const colon = given.indexOf(":");
    const cluster = colon < 0 ? undefined : given.slice(0, colon);
    if (cluster !== undefined && !CLUSTER_NAME.test(cluster)) {
        fail(text, "the cluster", cluster, "a cluster's name before the colon, such as east in east:red/netshoot");
    }
    const from = parseFrom(text, colon < 0 ? given : given.slice(colon + 1));
    return { text, ...(cluster === undefined ? {} : { cluster }), from, method, url, ...parseUrl(text, url) };
}

/** One entry of a probes file: a probe string, or `{from, method, url}`. */
export function parseProbeEntry(entry: unknown, where: string): Probe {
    if (typeof entry === "string") {
        return parseProbe(entry);
    }
    if (entry === null || typeof entry !== "object" || Array.isArray(entry)) {
        throw new ProbeError(`${where} is ${JSON.stringify(entry)}; expected a probe string or {from, method, url}`);
    }
    const record = entry as Record<string, unknown>;
    for (const key of Object.keys(record)) {
        if (!["from", "method", "url"].includes(key)) {
            throw new ProbeError(`${where} has the field "${key}"; allowed: from, method, url`);
        }
    }
    for (const key of ["from", "method", "url"]) {
        if (typeof record[key] !== "string" || (record[key] as string).trim() === "") {
            throw new ProbeError(`${where}.${key} is ${JSON.stringify(record[key])}; expected a non-empty string`);
        }
    }
    return parseProbe(`${record.from} ${record.method} ${record.url}`);
}

/** The probe the default matrix asks for: `GET /` from a workload to a Service port. */
export function probeText(from: { namespace: string; kind: string; name: string }, host: string, port: number): string {
    return `${from.namespace}/${from.kind.toLowerCase()}/${from.name} GET http://${host}${port === 80 ? "" : `:${port}`}/`;
}
