/**
 * Predicted connectivity of a stack: what `curl -s -o /dev/null -m 1 -w "%{http_code}" <URL>` prints when run from
 * a workload, decided from the stack's resources alone (predict.ts). Pure: resources in, answers out; the command
 * line and the policy pack both call it.
 *
 * Three ways to ask:
 *  - probes: the requests a user names (probe.ts), each answered or, when it names something the stack does not
 *    have, refused with a ProbeError;
 *  - the demo's twelve checks, when the stack holds the NamespaceDemo component: clients `netshoot`, servers
 *    `httpbin`, `GET /ip` and `/deny` (the README's tables);
 *  - otherwise the default matrix: every client workload against every Service port with `GET /`, narrowed by
 *    client and server namespace. It grows with the square of the namespaces, so pairs are counted from the
 *    resources before anything is built, and past MAX_PREDICTED_PAIRS none is predicted and the answer says how many
 *    were left out and how to narrow them.
 * A pair the model cannot decide is answered `???` with why; nothing is dropped.
 */
import { CHECK_PATHS, DEMO_CLIENT, DEMO_PORT, DEMO_SERVER } from "../model/demo-workloads";
import { StackResource, isKubernetes } from "../model/resources";
import { guarded, readArray, readPath, readString } from "../model/property-reader";
import { ServiceInfo } from "../model/services";
import { Workload, namespaceOf, podTemplatePath } from "../model/workloads";
import { HttpCode, Prediction, TraceStep, UNKNOWN_CODE, predictBackend } from "./predict";
import { MeshOfClusters, meshOfClustersFor } from "../model/mesh-of-clusters";
import { PredictOne, predictAcrossClusters } from "./across-clusters";
import { Probe, parseProbe, probeText } from "./probe";
import { Target, describeClient, resolveClient, resolveTarget, targetFor } from "./targets";
import { TrafficModel, buildTrafficModel } from "./traffic-model";

export type { HttpCode, TraceStep } from "./predict";
export { UNKNOWN_CODE } from "./predict";

/** One answer to a probe or a pair of the default matrix. */
export interface ProbeAnswer {
    /** The probe exactly as given (for the default matrix, the probe it stands for). */
    readonly probe: string;
    /** The client: `<namespace>/<kind>/<name>`. */
    readonly from: string;
    /** The host called: `<service>.<namespace>` (or `<pod>.<service>.<namespace>`). */
    readonly to: string;
    readonly port: number;
    readonly method: string;
    readonly path: string;
    /** What curl prints: 200, 403, 503, 000; `???` when the model cannot decide. */
    readonly code: HttpCode;
    readonly reason: string;
    /** URNs of the resources that decided the answer. */
    readonly decidedBy: readonly string[];
    /** The decision, step by step (what `explain` prints). */
    readonly steps: readonly TraceStep[];
}

/** One of the demo's checks: namespaces in `from` and `to` (the README's tables). */
export interface DemoAnswer {
    /** The client's namespace (its Deployment netshoot runs curl). */
    readonly from: string;
    /** The server's namespace (its Service httpbin is called). */
    readonly to: string;
    /** `/ip` or `/deny`. */
    readonly path: string;
    readonly code: HttpCode;
    readonly reason: string;
    readonly decidedBy: readonly string[];
}

export type ConnectivityPrediction =
    | { readonly kind: "demo"; readonly answers: readonly DemoAnswer[]; readonly omitted?: string }
    | { readonly kind: "probes" | "matrix"; readonly answers: readonly ProbeAnswer[]; readonly omitted?: string };

/** Namespace filters of the default matrix (and of the demo's checks); empty: every namespace. */
export interface PairFilters {
    readonly from?: readonly string[];
    readonly to?: readonly string[];
}

/**
 * The most client/server pairs `plan` and `check` predict without being asked for specific probes. The matrix grows
 * with the square of the namespaces: 1000 tenants make millions of pairs, whose prediction would cost many times the
 * rest of a check and print a table no one reads. 2,500 is 50 clients against 50 server ports (BENCHMARKS.md).
 */
export const MAX_PREDICTED_PAIRS = 2_500;

const NAMESPACE_DEMO = "eks-cilium-istio:index:NamespaceDemo";

/** The answer for every pod behind the target: one code when they agree, `???` when load balancing decides. */
function predictTarget(
    model: TrafficModel,
    client: Workload,
    target: Target,
    method: string,
    path: string,
): Prediction {
    if (target.unknown !== undefined) {
        const reason = `unknown: ${target.unknown}`;
        return {
            code: UNKNOWN_CODE,
            reason,
            decidedBy: [target.service.source.urn],
            steps: [{ step: "result", detail: reason, decidedBy: [] }],
        };
    }
    if (target.backends.length === 0) {
        const reason = `no HTTP answer: ${target.unserved}`;
        return {
            code: "000",
            reason,
            decidedBy: [target.service.source.urn],
            steps: [{ step: "result", detail: `000: ${reason}`, decidedBy: [] }],
        };
    }
    const predictions = target.backends.map((backend) => predictBackend(model, client, target, backend, method, path));
    const first = predictions[0];
    if (predictions.every((p) => p.code === first.code)) {
        return predictions.length === 1
            ? first
            : { ...first, steps: predictions.flatMap((p, i) => [backendStep(target, i), ...p.steps]) };
    }
    const each = predictions.map((p, i) => `${describeClient(target.backends[i].workload)} ${p.code}`).join(", ");
    const reason = `unknown: the answer depends on which pod the Service picks (${each})`;
    return {
        code: UNKNOWN_CODE,
        reason,
        decidedBy: [...new Set(predictions.flatMap((p) => p.decidedBy))],
        steps: [
            ...predictions.flatMap((p, i) => [backendStep(target, i), ...p.steps]),
            { step: "result", detail: reason, decidedBy: [] },
        ],
    };
}

function backendStep(target: Target, index: number): TraceStep {
    const backend = target.backends[index];
    return { step: "backend", detail: `${describeClient(backend.workload)}, port ${backend.port}`, decidedBy: [] };
}

function answer(
    probe: string,
    client: Workload,
    to: string,
    port: number,
    method: string,
    path: string,
    p: Prediction,
): ProbeAnswer {
    return {
        probe,
        from: describeClient(client),
        to,
        port,
        method,
        path,
        code: p.code,
        reason: p.reason,
        decidedBy: p.decidedBy,
        steps: p.steps,
    };
}

/** The answer to one probe; a probe naming what the stack does not have throws a ProbeError. */
export function predictProbe(model: TrafficModel, probe: Probe): ProbeAnswer {
    const client = resolveClient(model, probe);
    const target = resolveTarget(model, probe);
    const to = `${probe.podHostname ? `${probe.podHostname}.` : ""}${probe.service}.${probe.namespace}`;
    return answer(
        probe.text,
        client,
        to,
        probe.port,
        probe.method,
        probe.path,
        predictTarget(model, client, target, probe.method, probe.path),
    );
}

/** Answers to the user's probes; a probe naming what the stack does not have throws a ProbeError. */
export function predictProbes(resources: readonly StackResource[], probes: readonly Probe[]): ProbeAnswer[] {
    const model = buildTrafficModel(resources);
    return probes.map((probe) => predictProbe(model, probe));
}

const inFilter = (filter: readonly string[] | undefined, namespace: string) =>
    filter === undefined || filter.length === 0 || filter.includes(namespace);

function pairsNote(pairs: number, what: string, max: number, left = pairs): string {
    return (
        `connectivity not predicted: ${what} make ${pairs.toLocaleString("en-US")} pairs, more than ${max.toLocaleString("en-US")}; ` +
        `${left.toLocaleString("en-US")} pairs left out. Narrow them with --from NAMESPACE and --to NAMESPACE, or ask for requests with --probe`
    );
}

/** Clients and Service ports of the default matrix, counted from the resources alone (nothing is built). */
function countMatrix(resources: readonly StackResource[], filters: PairFilters): { clients: number; ports: number } {
    let clients = 0;
    let ports = 0;
    for (const resource of resources) {
        const isService = isKubernetes(resource.type, "core", "Service");
        if (!isService && podTemplatePath(resource.type) === undefined) {
            continue;
        }
        const props = guarded(resource.props);
        const namespace = namespaceOf(resource, props);
        if (namespace.state !== "known") {
            continue;
        }
        if (!isService) {
            clients += inFilter(filters.from, namespace.value) ? 1 : 0;
        } else if (inFilter(filters.to, namespace.value) && readString(props, ["metadata", "name"]).state === "known") {
            const list = readArray(props, ["spec", "ports"]);
            ports += list.state === "known" ? list.value.length : 0;
        }
    }
    return { clients, ports };
}

/**
 * A set of requests laid out as clients against servers, and how one client/server pair is answered (one answer per
 * request the pair stands for): what the default matrix and the demo's checks walk whole, and what a diff walks only
 * where a change can reach (connectivity-diff.ts).
 */
export interface PairSpace<A> {
    readonly clients: readonly Workload[];
    readonly servers: readonly PairServer[];
    /** How the client is named across two stacks. */
    clientKey(client: Workload): string;
    /** How the server is named across two stacks. */
    serverKey(server: PairServer): string;
    /** How many requests (answers) each pair stands for. */
    readonly requestsPerPair: number;
    predict(client: Workload, server: PairServer): A[];
}

/** One server of a pair space: a Service and the port its requests go to. */
export interface PairServer {
    readonly service: ServiceInfo;
    readonly port: number;
}

/** The default matrix's clients and servers: every workload, every TCP Service port (see the module comment). */
export function matrixSpace(model: TrafficModel, filters: PairFilters = {}): PairSpace<ProbeAnswer> {
    const servers: PairServer[] = [];
    for (const service of model.services) {
        if (!inFilter(filters.to, service.namespace) || service.ports.state !== "known") {
            continue;
        }
        service.ports.value.filter((p) => p.protocol === "TCP").forEach((p) => servers.push({ service, port: p.port }));
    }
    const targets = new Map<PairServer, Target>();
    return {
        clients: model.workloads.filter((w) => inFilter(filters.from, w.namespace)),
        servers,
        clientKey: describeClient,
        serverKey: ({ service, port }) => `${service.namespace}/${service.name}:${port}`,
        requestsPerPair: 1,
        predict: (client, server) => {
            const { service, port } = server;
            const host = `${service.name}.${service.namespace}`;
            // The pods behind a Service port are the same for every client: resolved once per server.
            let target = targets.get(server);
            if (target === undefined) {
                target = targetFor(model, service, port, host);
                targets.set(server, target);
            }
            const prediction = predictTarget(model, client, target, "GET", "/");
            return [answer(probeText(client, host, port), client, host, port, "GET", "/", prediction)];
        },
    };
}

/** Every client workload against every TCP Service port, `GET /` (see the module comment). */
export function predictMatrix(
    resources: readonly StackResource[],
    filters: PairFilters = {},
    maxPairs = MAX_PREDICTED_PAIRS,
): ConnectivityPrediction & { kind: "matrix" } {
    const counted = countMatrix(resources, filters);
    if (counted.clients * counted.ports > maxPairs) {
        return {
            kind: "matrix",
            answers: [],
            omitted: pairsNote(
                counted.clients * counted.ports,
                `${counted.clients} client workloads and ${counted.ports} Service ports`,
                maxPairs,
            ),
        };
    }
    return { kind: "matrix", answers: predictSpace(matrixSpace(buildTrafficModel(resources), filters)) };
}

/** Every pair of the space, clients in order. */
function predictSpace<A>(space: PairSpace<A>): A[] {
    return space.clients.flatMap((client) => space.servers.flatMap((server) => space.predict(client, server)));
}

/** Whether the stack holds the NamespaceDemo component. */
export function holdsNamespaceDemo(resources: readonly StackResource[]): boolean {
    return resources.some((r) => r.type === NAMESPACE_DEMO);
}

/** The demo's clients and servers counted from the resources as the demo pairs them. */
function countDemo(resources: readonly StackResource[]): { clients: number; servers: number } {
    let clients = 0;
    let servers = 0;
    for (const resource of resources) {
        const client = isKubernetes(resource.type, "apps", "Deployment");
        if (!client && !isKubernetes(resource.type, "core", "Service")) {
            continue;
        }
        const props = guarded(resource.props);
        const name = readString(props, ["metadata", "name"]);
        const placed = namespaceOf(resource, props).state === "known";
        if (client) {
            clients += (name.state === "known" ? name.value : resource.name) === DEMO_CLIENT && placed ? 1 : 0;
        } else if (
            name.state === "known" &&
            name.value === DEMO_SERVER &&
            placed &&
            readPath(props, ["spec"]).state !== "unreadable"
        ) {
            servers++;
        }
    }
    return { clients, servers };
}

/**
 * The demo's checks as a pair space: every Deployment `netshoot` against every Service `httpbin` on port 80, `GET /ip`
 * and `/deny` (the README's tables, and what `verify` runs on a cluster). Clients are ordered as the servers'
 * namespaces are.
 */
export function demoSpace(model: TrafficModel, filters: PairFilters = {}): PairSpace<DemoAnswer> {
    const services = model.services.filter((s) => s.name === DEMO_SERVER && inFilter(filters.to, s.namespace));
    const rank = (namespace: string) => {
        const index = services.findIndex((s) => s.namespace === namespace);
        return index < 0 ? services.length : index;
    };
    return {
        clients: model.workloads
            .filter((w) => w.kind === "Deployment" && w.name === DEMO_CLIENT && inFilter(filters.from, w.namespace))
            .sort((a, b) => rank(a.namespace) - rank(b.namespace) || a.namespace.localeCompare(b.namespace)),
        servers: services.map((service) => ({ service, port: DEMO_PORT })),
        clientKey: (client) => client.namespace,
        serverKey: ({ service }) => service.namespace,
        requestsPerPair: CHECK_PATHS.length,
        predict: (client, { service }) => {
            let target: Target;
            try {
                target = targetFor(model, service, DEMO_PORT, `${DEMO_SERVER}.${service.namespace}`);
            } catch {
                // The demo's Service without port 80: the check gets no HTTP answer.
                target = {
                    service,
                    urlPort: DEMO_PORT,
                    host: "",
                    label: "",
                    backends: [],
                    notes: [],
                    unserved: `Service ${DEMO_SERVER} has no port ${DEMO_PORT}`,
                };
            }
            return CHECK_PATHS.map((path) => {
                const p = predictTarget(model, client, target, "GET", path);
                return {
                    from: client.namespace,
                    to: service.namespace,
                    path,
                    code: p.code,
                    reason: p.reason,
                    decidedBy: p.decidedBy,
                };
            });
        },
    };
}

/** The demo's checks (demoSpace), counted first and refused past `maxPairs`. */
export function predictDemoChecks(
    resources: readonly StackResource[],
    filters: PairFilters = {},
    maxPairs = MAX_PREDICTED_PAIRS,
): ConnectivityPrediction & { kind: "demo" } {
    const counted = countDemo(resources);
    if (counted.clients * counted.servers > maxPairs) {
        return {
            kind: "demo",
            answers: [],
            omitted: pairsNote(
                counted.clients * counted.servers,
                `${counted.clients} ${DEMO_CLIENT} clients and ${counted.servers} ${DEMO_SERVER} servers`,
                maxPairs,
            ),
        };
    }
    return { kind: "demo", answers: predictSpace(demoSpace(buildTrafficModel(resources), filters)) };
}

/**
 * The demo's checks and the default matrix in a mesh of several clusters: each cluster's clients against the
 * Services their cluster resolves, the demo's through predictAcrossClusters (a Service may be served by another
 * cluster), the matrix within each cluster (cross-cluster requests are asked for with probes). Clients are named
 * `<cluster>:<namespace>`.
 */
function predictMesh(
    mesh: MeshOfClusters,
    filters: PairFilters,
    maxPairs: number,
    predictOne: PredictOne,
): ConnectivityPrediction {
    if (mesh.members.some((m) => holdsNamespaceDemo(m.resources))) {
        const answers: DemoAnswer[] = [];
        for (const member of mesh.members) {
            const model = buildTrafficModel(member.resources);
            const servers = model.services.filter((s) => s.name === DEMO_SERVER && inFilter(filters.to, s.namespace));
            const clients = model.workloads.filter(
                (w) => w.kind === "Deployment" && w.name === DEMO_CLIENT && inFilter(filters.from, w.namespace),
            );
            const probes = clients.flatMap((client) =>
                servers.flatMap((service) =>
                    CHECK_PATHS.map((path) =>
                        parseProbe(
                            `${member.name}:${client.namespace}/deployment/${DEMO_CLIENT} GET http://${DEMO_SERVER}.${service.namespace}${path}`,
                        ),
                    ),
                ),
            );
            if (answers.length + probes.length > maxPairs) {
                return {
                    kind: "demo",
                    answers: [],
                    omitted: pairsNote(answers.length + probes.length, "the demo's checks", maxPairs),
                };
            }
            for (const [i, a] of predictAcrossClusters(mesh, probes, predictOne).entries()) {
                answers.push({
                    from: `${member.name}:${probes[i].from.namespace}`,
                    to: probes[i].namespace,
                    path: probes[i].path,
                    code: a.code,
                    reason: a.reason,
                    decidedBy: a.decidedBy,
                });
            }
        }
        return { kind: "demo", answers };
    }
    const answers: ProbeAnswer[] = [];
    const omitted: string[] = [];
    for (const member of mesh.members) {
        const matrix = predictMatrix(member.resources, filters, maxPairs);
        if (matrix.omitted) {
            omitted.push(`cluster ${member.name}: ${matrix.omitted}`);
        }
        answers.push(
            ...matrix.answers.map((a) => ({
                ...a,
                probe: `${member.name}:${a.probe}`,
                from: `${member.name}:${a.from}`,
            })),
        );
    }
    return { kind: "matrix", answers, ...(omitted.length > 0 ? { omitted: omitted.join("; ") } : {}) };
}

/**
 * Whether the judged set holds several clusters: members told apart by their Kubernetes providers, or stacks of
 * different names. Objects without provider from two projects of one stack name (hand-assembled files) stay one.
 */
function severalClusters(mesh: MeshOfClusters): boolean {
    const defaults = mesh.members.filter((m) => m.key.startsWith("default "));
    const stackNames = new Set(defaults.map((m) => m.key.slice("default ".length).split("::")[0]));
    return mesh.members.length > 1 && (defaults.length < mesh.members.length || stackNames.size > 1);
}

/**
 * What `plan` and `check` predict: the probes asked for, else the demo's checks, else the default matrix; in a mesh of
 * several clusters (a mesh stack, or several stacks checked together) across the clusters (across-clusters.ts).
 */
export function predictForGate(
    resources: readonly StackResource[],
    options: { probes?: readonly Probe[]; filters?: PairFilters; maxPairs?: number } = {},
): ConnectivityPrediction {
    const probes = options.probes ?? [];
    const mesh = meshOfClustersFor(resources);
    const predictOne: PredictOne = (subset, probe) => predictProbes(subset, [probe])[0];
    if (severalClusters(mesh) || probes.some((p) => p.cluster !== undefined)) {
        return probes.length > 0
            ? { kind: "probes", answers: predictAcrossClusters(mesh, probes, predictOne) }
            : predictMesh(mesh, options.filters ?? {}, options.maxPairs ?? MAX_PREDICTED_PAIRS, predictOne);
    }
    if (probes.length > 0) {
        return { kind: "probes", answers: predictProbes(resources, probes) };
    }
    return holdsNamespaceDemo(resources)
        ? predictDemoChecks(resources, options.filters, options.maxPairs)
        : predictMatrix(resources, options.filters, options.maxPairs);
}
