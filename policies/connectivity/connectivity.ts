/**
 * The predicted connectivity matrix of the demo: for every client (a Deployment `netshoot`, in any
 * namespace) and every server (a Service `httpbin`, in any namespace) the answer of
 * `curl -s -o /dev/null -m 1 -w "%{http_code}" http://httpbin.<ns>/<path>` for /ip and /deny, with the reason.
 * Pure: the stack's resources in, answers out. It reads namespaces, labels, Deployments, Services, Cilium and
 * Kubernetes policies, PeerAuthentications and the Istio mode from the resources, through the policy pack's mesh
 * model (policies/model: enrolment, policy selection, effective PeerAuthentication) and policies/connectivity/ingress-admission.ts.
 *
 * How a request travels (docs/cilium-istio-facts.md#demo, #cilium-istio-docs; docs/failure-modes.md#f4, #f6):
 * 1. The client's data plane picks the transport. A sidecar client upgrades to mTLS when the server has a sidecar,
 *    unless the server's effective PeerAuthentication is DISABLE, then it sends plain HTTP
 *    (docs/cilium-istio-facts.md#demo). An ambient client's ztunnel tunnels to an ambient server over HBONE, mTLS on
 *    the server pod's port 15008 (docs/cilium-istio-facts.md#demo, #ambient-prerequisites); to a server outside the
 *    mesh it sends plain text. A client outside the mesh sends plain HTTP.
 * 2. Cilium enforces the server pod's ingress policies on what arrives: the application port, or 15008 for HBONE.
 *    Not admitted: dropped, curl times out: `000`.
 * 3. A port with HTTP rules goes through Cilium's HTTP proxy. Plain HTTP is judged by the rules: a request no rule
 *    allows gets `403` from the proxy. mTLS cannot be parsed: the connection fails and the client's sidecar answers
 *    `503` (the demo's "client 'red' to server 'blue': 503", docs/failure-modes.md#f6). HBONE on a port with HTTP rules
 *    fails the same way, but no sidecar answers: ztunnel drops the client's connection, curl prints `000`. Known
 *    correction, not yet applied here: the ambient demo with its policy on 15008 answers `200` on every path without
 *    the fix, the HTTP rule bypassed rather than failing (docs/cilium-istio-facts.md#demo).
 * 4. HBONE is delivered by ztunnel inside the server pod, so HTTP rules on the application port never see tunnelled
 *    requests: Cilium's L7 policy is silently not applied between ambient pods
 *    (docs/cilium-istio-facts.md#cilium-istio-docs, "Cilium cannot see ... L7").
 * 5. The server's data plane: a sidecar or ztunnel under STRICT refuses plain text (connection reset, `000`);
 *    PERMISSIVE, Istio's default, accepts it (docs/cilium-istio-facts.md#demo). httpbin answers `200` for /ip and for
 *    /deny.
 * A pair is left out of the matrix when the stack does not say enough to decide it: a value unknown during preview,
 * a policy feature ingress-admission.ts does not read, or sidecar-to-ambient traffic, which this model does not cover.
 */
import { MeshModel, buildMeshModel } from "../model/mesh-model";
import { labelValue, guarded, readArray, readObject, readPath, readString } from "../model/property-reader";
import { StackResource, isKubernetes } from "../model/resources";
import { Workload, namespaceOf } from "../model/workloads";
import { PolicyRule } from "../model/network-policies";
import { admission, describeRule, httpAllows } from "./ingress-admission";
import { HBONE_PORT } from "../model/ambient-network";

export type HttpCode = "200" | "403" | "503" | "000";

export interface ConnectivityAnswer {
    /** The client's namespace (its Deployment netshoot runs curl). */
    from: string;
    /** The server's namespace (its Service httpbin is called). */
    to: string;
    /** `/ip` or `/deny`. */
    path: string;
    /** What curl prints: the HTTP status, or 000 when no HTTP answer came back. */
    code: HttpCode;
    reason: string;
    /** URNs of the policies and PeerAuthentications that decided the answer (not part of the printed report). */
    decidedBy: string[];
}

export const CHECK_PATHS = ["/ip", "/deny"] as const;
const CLIENT_NAME = "netshoot";
const SERVER_NAME = "httpbin";
/** The URL http://httpbin.<ns>/... names no port: HTTP's 80. */
const URL_PORT = 80;

type DataPlane = "sidecar" | "ambient" | "none";

interface Server {
    namespace: string;
    /** Pods behind the Service, with the pod port the Service sends port 80 to. */
    backends: { workload: Workload; port: number }[];
    /** Why the Service does not serve port 80, or has no pods; undefined when it does. */
    unserved?: string;
}

/** Decided answer, or why it cannot be decided. */
type Prediction = { code: HttpCode; reason: string; decidedBy: string[] } | { unknown: string };

/** "CiliumNetworkPolicy blue/default and NetworkPolicy blue/x", and their URNs. */
function named(rules: readonly PolicyRule[]): { text: string; urns: string[] } {
    const texts = [...new Set(rules.map(describeRule))];
    return { text: texts.join(" and "), urns: [...new Set(rules.map((r) => r.policy.source.urn))] };
}

function dataPlane(model: MeshModel, workload: Workload): DataPlane | { unknown: string } {
    const { mode, redirectionDisabled, detail } = workload.enrolment;
    if (mode === "unchecked") {
        return { unknown: detail };
    }
    // Enrolment labels only matter when Istio runs: an injector (istiod) for sidecars, ztunnel for ambient.
    const istiod =
        model.istio.charts.some((c) => c.chart === "istiod") ||
        model.istio.components.some((c) => c.component === "istiod");
    if (mode === "sidecar" && istiod) {
        return "sidecar";
    }
    if (mode === "ambient" && !redirectionDisabled && model.istio.ambientBecause.length > 0) {
        return "ambient";
    }
    return "none";
}

/** The pod port a Service sends port 80 to: `targetPort` (a number, or a container port's name), else 80. */
function targetPort(service: unknown, rawPods: unknown): number | undefined | { unknown: string } {
    const ports = readArray(service, ["spec", "ports"]);
    if (ports.state === "unreadable") {
        return { unknown: `Service httpbin: spec.ports ${ports.reason}` };
    }
    const list = ports.state === "known" ? ports.value : [];
    const portAt = (i: number) => {
        const port = readPath(list, [i, "port"]);
        return port.state === "known" ? Number(port.value) : undefined;
    };
    const index = list.findIndex((_, i) => portAt(i) === URL_PORT);
    if (index < 0) {
        return undefined;
    }
    const target = readPath(list, [index, "targetPort"]);
    if (target.state === "unreadable") {
        return { unknown: `Service httpbin: targetPort ${target.reason}` };
    }
    if (target.state === "absent") {
        return URL_PORT;
    }
    if (/^\d+$/.test(String(target.value))) {
        return Number(target.value);
    }
    const containers = readArray(rawPods, ["spec", "template", "spec", "containers"]);
    for (let c = 0; containers.state === "known" && c < containers.value.length; c++) {
        const cports = readArray(containers.value, [c, "ports"]);
        for (let p = 0; cports.state === "known" && p < cports.value.length; p++) {
            const name = readString(cports.value, [p, "name"]);
            const number = readPath(cports.value, [p, "containerPort"]);
            if (name.state === "known" && name.value === target.value && number.state === "known") {
                return Number(number.value);
            }
        }
    }
    return { unknown: `Service httpbin's targetPort "${String(target.value)}" names no container port of its pods` };
}

function readServers(
    model: MeshModel,
    resources: readonly StackResource[],
    rawProps: ReadonlyMap<string, unknown>,
): Server[] | { unknown: string } {
    const servers: Server[] = [];
    for (const resource of resources) {
        if (!isKubernetes(resource.type, "core", "Service")) {
            continue;
        }
        const props = guarded(resource.props);
        const name = readString(props, ["metadata", "name"]);
        if (name.state !== "known" || name.value !== SERVER_NAME) {
            continue;
        }
        const namespace = namespaceOf(props);
        const selector = readObject(props, ["spec", "selector"]);
        if (namespace.state !== "known" || selector.state === "unreadable") {
            return { unknown: `Service httpbin (${resource.name}): its namespace or selector is unknown` };
        }
        const wanted = selector.state === "known" ? Object.entries(selector.value as Record<string, unknown>) : [];
        const pods = (model.workloadsByNamespace.get(namespace.value) ?? []).filter(
            (w) =>
                !w.standIn &&
                wanted.length > 0 &&
                wanted.every(([key, value]) => {
                    const label = labelValue(w.podLabels, key);
                    return label.state === "known" && label.value === String(value);
                }),
        );
        const backends: Server["backends"] = [];
        let unserved: string | undefined =
            pods.length === 0 ? "no pod of the stack matches Service httpbin's selector" : undefined;
        for (const workload of pods) {
            const port = targetPort(props, guarded(rawProps.get(workload.source!.urn)));
            if (typeof port === "object") {
                return port;
            }
            if (port === undefined) {
                unserved = "Service httpbin has no port 80";
                break;
            }
            backends.push({ workload, port });
        }
        servers.push({ namespace: namespace.value, backends: unserved ? [] : backends, unserved });
    }
    return servers;
}

function describePod(workload: Workload): string {
    return `${workload.namespace}/${workload.name}`;
}

/** One request from `client` to one backend of `httpbin.<server ns>` (see the module comment for each step). */
function predictOne(
    model: MeshModel,
    rawProps: ReadonlyMap<string, unknown>,
    client: Workload,
    server: Workload,
    appPort: number,
    path: string,
): Prediction {
    const clientPlane = dataPlane(model, client);
    const serverPlane = dataPlane(model, server);
    if (typeof clientPlane === "object") {
        return clientPlane;
    }
    if (typeof serverPlane === "object") {
        return serverPlane;
    }
    const root = model.istio.rootNamespace;

    // 1. Transport.
    let transport: "mtls" | "hbone" | "plain";
    let how: string;
    const decidedBy: string[] = [];
    if (clientPlane === "sidecar" && serverPlane === "sidecar") {
        const mtls = model.effectiveMtls(server, appPort, root);
        if (mtls.mode === undefined) {
            return { unknown: mtls.detail };
        }
        decidedBy.push(...(mtls.decidedBy ? [mtls.decidedBy.source.urn] : []));
        transport = mtls.mode === "DISABLE" ? "plain" : "mtls";
        how =
            transport === "plain"
                ? `the client sidecar sends plain HTTP (${mtls.detail})`
                : "the client sidecar sends mTLS to the server sidecar";
    } else if (clientPlane === "ambient" && serverPlane === "ambient") {
        transport = "hbone";
        how = `ztunnel tunnels the request over HBONE (mTLS, port ${HBONE_PORT})`;
    } else if (clientPlane !== "none" && serverPlane !== "none") {
        return { unknown: "traffic between a sidecar and an ambient pod is not modelled" };
    } else {
        transport = "plain";
        how =
            clientPlane === "none"
                ? "the client is outside the mesh and sends plain HTTP"
                : "the server is outside the mesh: plain HTTP";
    }

    // 2. Cilium's ingress policy on the port the packets arrive at.
    const port = transport === "hbone" ? HBONE_PORT : appPort;
    const admitted = admission(model, rawProps, client, server, port);
    if (admitted.verdict === "unknown") {
        return { unknown: admitted.why };
    }
    if (admitted.verdict === "dropped") {
        const { text, urns } = named(admitted.by);
        const policies = `${text} ${urns.length > 1 ? "admit" : "admits"}`;
        const what =
            transport === "hbone"
                ? `HBONE tunnel blocked: ${policies} no TCP ${HBONE_PORT}`
                : `dropped by an L4 rule: ${policies} no TCP ${port}`;
        return {
            code: "000",
            reason: `${what} from ${describePod(client)} to ${describePod(server)}`,
            decidedBy: [...decidedBy, ...urns],
        };
    }
    const admitting = admitted.verdict === "admitted" ? named(admitted.by) : undefined;
    decidedBy.push(...(admitting?.urns ?? []));
    let policyNote = admitting ? `admitted by ${admitting.text} on TCP ${port}` : "no policy restricts it";

    // 3. Cilium's HTTP proxy.
    if (admitted.verdict === "admitted" && admitted.http !== undefined) {
        if (transport === "mtls") {
            return {
                code: "503",
                decidedBy,
                reason: `Cilium's HTTP proxy (${admitting!.text}) cannot read the mTLS between the sidecars; the client sidecar gets a failed upstream and answers 503 (docs/failure-modes.md#f6)`,
            };
        }
        if (transport === "hbone") {
            return {
                code: "000",
                decidedBy,
                reason: `Cilium's HTTP proxy (${admitting!.text}) on port ${HBONE_PORT} cannot read HBONE's mTLS; the tunnel fails and ztunnel drops the connection (docs/failure-modes.md#f6)`,
            };
        }
        if (!httpAllows(admitted.http, { method: "GET", path, host: `httpbin.${server.namespace}` })) {
            return {
                code: "403",
                decidedBy,
                reason: `Cilium's HTTP proxy denies GET ${path}: no HTTP rule of ${admitting!.text} allows it`,
            };
        }
        policyNote = `${policyNote}, where an HTTP rule allows GET ${path}`;
    } else if (transport === "hbone" && admitted.verdict === "admitted" && admitted.httpOnOtherPorts.length > 0) {
        policyNote = `${policyNote}; the HTTP rules of ${named(admitted.httpOnOtherPorts).text} on other ports never see the tunnelled request, so they are not applied (docs/failure-modes.md#f6)`;
    }

    // 5. The server's data plane.
    if (transport === "plain" && serverPlane !== "none") {
        const mtls = model.effectiveMtls(server, serverPlane === "sidecar" ? appPort : undefined, root);
        if (mtls.mode === undefined) {
            return { unknown: mtls.detail };
        }
        if (mtls.mode === "STRICT") {
            const who = serverPlane === "sidecar" ? "the server sidecar" : "ztunnel";
            return {
                code: "000",
                reason: `plain text refused by STRICT mTLS: ${who} resets the connection (${mtls.detail})`,
                decidedBy: [...decidedBy, ...(mtls.decidedBy ? [mtls.decidedBy.source.urn] : [])],
            };
        }
    }
    return { code: "200", reason: `${how}; ${policyNote}`, decidedBy };
}

function clientOrder(servers: readonly Server[]) {
    const rank = (namespace: string) => {
        const index = servers.findIndex((s) => s.namespace === namespace);
        return index < 0 ? servers.length : index;
    };
    return (a: Workload, b: Workload) =>
        rank(a.namespace) - rank(b.namespace) || a.namespace.localeCompare(b.namespace);
}

/**
 * The most client/server pairs `plan` and `check` predict. The matrix has a row per client namespace and a
 * column per server and path, so it grows with the square of the namespaces: a stack of 1000 tenants each like the
 * demo's blue has 1,000,000 pairs, whose prediction would cost many times the rest of a check and print a grid no one
 * can read. 2,500 is 50 namespaces each way; past it the matrix is left out and the command says so (BENCHMARKS.md).
 */
export const MAX_PREDICTED_PAIRS = 2_500;

export interface ConnectivityPrediction {
    answers: ConnectivityAnswer[];
    /** Why no answer was predicted for a stack that has clients and servers: there are more pairs than allowed. */
    omitted?: string;
}

/**
 * The clients and servers the prediction would pair, counted from the resources alone, as readWorkloads and
 * readServers select them, so that a stack past the limit costs no model (at 6,000 resources building it takes about
 * as long as the pack takes to start). Undefined when a server's namespace or selector is unknown: the prediction
 * then decides nothing anyway.
 */
function countClientsAndServers(resources: readonly StackResource[]): { clients: number; servers: number } | undefined {
    let clients = 0;
    let servers = 0;
    for (const resource of resources) {
        const client = isKubernetes(resource.type, "apps", "Deployment");
        if (!client && !isKubernetes(resource.type, "core", "Service")) {
            continue;
        }
        const props = guarded(resource.props);
        const name = readString(props, ["metadata", "name"]);
        if (client) {
            const named = name.state === "known" ? name.value : resource.name;
            clients += named === CLIENT_NAME && namespaceOf(props).state === "known" ? 1 : 0;
        } else if (name.state === "known" && name.value === SERVER_NAME) {
            if (
                namespaceOf(props).state !== "known" ||
                readObject(props, ["spec", "selector"]).state === "unreadable"
            ) {
                return undefined;
            }
            servers++;
        }
    }
    return { clients, servers };
}

function omission(clients: number, servers: number, maxPairs: number): ConnectivityPrediction {
    return {
        answers: [],
        omitted:
            `connectivity not predicted: ${clients} ${CLIENT_NAME} clients and ${servers} ${SERVER_NAME} ` +
            `servers make ${clients * servers} pairs, more than ${maxPairs}`,
    };
}

/** Every answer, as long as there are at most `maxPairs` client/server pairs; none (and why) otherwise. */
export function predictConnectivityWithin(
    resources: readonly StackResource[],
    maxPairs: number,
): ConnectivityPrediction {
    const counted = countClientsAndServers(resources);
    if (counted && counted.clients * counted.servers > maxPairs) {
        return omission(counted.clients, counted.servers, maxPairs);
    }
    const model = buildMeshModel(resources);
    const rawProps = new Map(resources.map((r) => [r.urn, r.props]));
    const servers = readServers(model, resources, rawProps);
    if (!Array.isArray(servers)) {
        return { answers: [] };
    }
    const clients = model.workloads
        .filter((w) => !w.standIn && w.kind === "Deployment" && w.name === CLIENT_NAME)
        .sort(clientOrder(servers));
    if (clients.length * servers.length > maxPairs) {
        return omission(clients.length, servers.length, maxPairs);
    }
    const answers: ConnectivityAnswer[] = [];
    for (const client of clients) {
        for (const server of servers) {
            for (const path of CHECK_PATHS) {
                const base = { from: client.namespace, to: server.namespace, path };
                if (server.unserved) {
                    answers.push({ ...base, code: "000", reason: `no HTTP answer: ${server.unserved}`, decidedBy: [] });
                    continue;
                }
                const predictions = server.backends.map((b) =>
                    predictOne(model, rawProps, client, b.workload, b.port, path),
                );
                const decided = predictions[0];
                // Every backend must give the same answer, or the one a request gets depends on load balancing.
                if (
                    decided &&
                    !("unknown" in decided) &&
                    predictions.every((p) => !("unknown" in p) && p.code === decided.code)
                ) {
                    answers.push({ ...base, code: decided.code, reason: decided.reason, decidedBy: decided.decidedBy });
                }
            }
        }
    }
    return { answers };
}

/** Every answer of the matrix, however large. */
export function predictConnectivity(resources: readonly StackResource[]): ConnectivityAnswer[] {
    return predictConnectivityWithin(resources, Infinity).answers;
}
