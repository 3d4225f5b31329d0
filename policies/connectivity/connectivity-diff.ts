/**
 * What a change opens and closes: the same requests predicted on two versions of a stack (BASE and HEAD), compared.
 * Pure: two stacks' resources in, the compared requests out; `npm run diff` prints them.
 *
 * Which requests: the probes asked for; else the demo's checks when either side holds NamespaceDemo; else the
 * default matrix (connectivity.ts), narrowed by `--from`/`--to`. Only the requests the change can reach are predicted
 * (change-scope.ts says why the others keep their answers): a change to one tenant's policy predicts the requests from
 * and to that tenant, not the whole matrix twice. Probes, which the user named one by one, are all predicted.
 *
 * How a request changed, from BASE's code to HEAD's:
 *  - `opened`: HEAD answers 200 where BASE answered 000, 403 or 503;
 *  - `closed`: BASE answered 200 and HEAD answers 000, 403 or 503;
 *  - `changed`: both refuse it, differently (000 → 403);
 *  - `newlyUnknown`: HEAD cannot decide it (`???`) and BASE could;
 *  - `decided`: BASE could not decide it and HEAD can; `unknown`: neither can — reported as such, never as changes;
 *  - `new` / `gone`: only HEAD (or only BASE) has the request's client or Service port;
 *  - `unchanged`: the same code (the reason may differ).
 */
import { StackResource } from "../model/resources";
import { Workload } from "../model/workloads";
import { ChangeScope, changeScope, reaches } from "./change-scope";
import {
    DemoAnswer,
    HttpCode,
    PairFilters,
    PairServer,
    PairSpace,
    ProbeAnswer,
    UNKNOWN_CODE,
    demoSpace,
    holdsNamespaceDemo,
    matrixSpace,
    predictProbe,
} from "./connectivity";
import { waypointReference } from "./predict";
import { Probe, ProbeError } from "./probe";
import { TrafficModel, buildTrafficModel } from "./traffic-model";

export type RequestChange =
    "opened" | "closed" | "changed" | "newlyUnknown" | "decided" | "unknown" | "new" | "gone" | "unchanged";

/** One side's answer to a request. */
export interface SideAnswer {
    readonly code: HttpCode;
    readonly reason: string;
    readonly decidedBy: readonly string[];
}

/** The request, as the report names it: the demo's `{from, to, path}` or a probe's fields. */
export type DiffRequest = Omit<DemoAnswer, keyof SideAnswer> | Omit<ProbeAnswer, keyof SideAnswer | "steps">;

export interface ComparedRequest {
    readonly change: RequestChange;
    readonly request: DiffRequest;
    /** The client's namespace and the server's, by which changes are grouped. */
    readonly fromNamespace: string;
    readonly toNamespace: string;
    /** Absent on the side that does not have the request. */
    readonly base?: SideAnswer;
    readonly head?: SideAnswer;
}

export interface ConnectivityDiff {
    readonly kind: "probes" | "demo" | "matrix";
    /** Every request predicted on either side; those not `unchanged` are the changes. */
    readonly compared: readonly ComparedRequest[];
    /** Requests both sides have that the change cannot reach: not predicted, the same on both sides. */
    readonly unreached: number;
    readonly scope: ChangeScope;
    /** Why nothing was compared: the requests the change reaches are more than the limit. */
    readonly omitted?: string;
    /** Probes one side cannot resolve (it lacks their client or Service), with why; they are `new` or `gone`. */
    readonly unresolved: readonly string[];
}

/**
 * The most client/server pairs a diff predicts on each side. Higher than the matrix's limit (MAX_PREDICTED_PAIRS)
 * because only the changes are printed: a change to one tenant of the 1,000-namespace stack reaches 3,998 pairs
 * (BENCHMARKS.md, "diff").
 */
export const MAX_DIFF_PAIRS = 20_000;

export interface DiffOptions {
    readonly probes?: readonly Probe[];
    readonly filters?: PairFilters;
    readonly maxPairs?: number;
}

export function classify(base: HttpCode | undefined, head: HttpCode | undefined): RequestChange {
    if (base === undefined) {
        return "new";
    }
    if (head === undefined) {
        return "gone";
    }
    if (head === UNKNOWN_CODE) {
        return base === UNKNOWN_CODE ? "unknown" : "newlyUnknown";
    }
    if (base === UNKNOWN_CODE) {
        return "decided";
    }
    if (base === head) {
        return "unchanged";
    }
    return head === "200" ? "opened" : base === "200" ? "closed" : "changed";
}

const side = ({ code, reason, decidedBy }: SideAnswer): SideAnswer => ({ code, reason, decidedBy });

function compare(
    request: DiffRequest,
    fromNamespace: string,
    toNamespace: string,
    base: SideAnswer | undefined,
    head: SideAnswer | undefined,
): ComparedRequest {
    return {
        change: classify(base?.code, head?.code),
        request,
        fromNamespace,
        toNamespace,
        ...(base ? { base: side(base) } : {}),
        ...(head ? { head: side(head) } : {}),
    };
}

function requestOf(answer: ProbeAnswer | DemoAnswer): DiffRequest {
    if ("probe" in answer) {
        const { probe, from, to, port, method, path } = answer;
        return { probe, from, to, port, method, path };
    }
    const { from, to, path } = answer;
    return { from, to, path };
}

function compareProbes(base: TrafficModel, head: TrafficModel, probes: readonly Probe[]) {
    const unresolved: string[] = [];
    const attempt = (model: TrafficModel, probe: Probe, which: string): ProbeAnswer | undefined => {
        try {
            return predictProbe(model, probe);
        } catch (err) {
            if (!(err instanceof ProbeError)) {
                throw err;
            }
            unresolved.push(`${which}: ${err.message}`);
            return undefined;
        }
    };
    const compared = probes.map((probe) => {
        const before = attempt(base, probe, "BASE");
        const after = attempt(head, probe, "HEAD");
        const either = after ?? before;
        if (either === undefined) {
            throw new ProbeError(unresolved.slice(-2).join("; "));
        }
        return compare(requestOf(either), probe.from.namespace, probe.namespace, before, after);
    });
    return { compared, unresolved };
}

interface Both<T> {
    base?: T;
    head?: T;
}

/** Items of both sides by key: HEAD's order, then those only BASE has. */
function byKey<T>(base: readonly T[], head: readonly T[], key: (item: T) => string): Map<string, Both<T>> {
    const joined = new Map<string, Both<T>>();
    for (const item of head) {
        joined.set(key(item), { head: item });
    }
    for (const item of base) {
        const entry = joined.get(key(item));
        if (entry) {
            entry.base = item;
        } else {
            joined.set(key(item), { base: item });
        }
    }
    return joined;
}

const either = <T>(both: Both<T>): T => (both.head ?? both.base)!;

/** The namespaces a request to this server passes through besides the client's: the Service's and its waypoint's. */
function serverRoute(models: Both<TrafficModel>, server: Both<PairServer>): string[] {
    const route = [either(server).service.namespace];
    for (const which of ["base", "head"] as const) {
        const model = models[which];
        const own = server[which];
        const waypoint = model && own ? waypointReference(model, own.service) : undefined;
        if (waypoint) {
            route.push(waypoint.namespace);
        }
    }
    return route;
}

function countNote(pairs: number, max: number, scope: ChangeScope): string {
    const reach =
        scope.everything !== undefined
            ? `the change reaches every request (${scope.everything})`
            : `the change reaches namespaces ${[...scope.namespaces].sort().join(", ")}`;
    return (
        `connectivity not compared: ${reach}, ${pairs.toLocaleString("en-US")} client/server pairs on each side, more than ` +
        `${max.toLocaleString("en-US")}. Narrow them with --from NAMESPACE and --to NAMESPACE, or ask for requests with --probe`
    );
}

/**
 * Walks two pair spaces only where the change reaches: every server for a client whose namespace changed, else only
 * the servers whose route holds a changed namespace.
 */
function comparePairs<A extends ProbeAnswer | DemoAnswer>(
    models: Both<TrafficModel>,
    spaces: { base: PairSpace<A>; head: PairSpace<A> },
    scope: ChangeScope,
    key: (answer: A) => string,
    maxPairs: number,
): { compared: ComparedRequest[]; unreached: number; omitted?: string } {
    const clients = byKey(spaces.base.clients, spaces.head.clients, spaces.head.clientKey);
    const servers = byKey(spaces.base.servers, spaces.head.servers, spaces.head.serverKey);
    const reachedServers = [...servers.values()].filter((s) => reaches(scope, serverRoute(models, s)));
    const everyServer = [...servers.values()];
    const rowReached = (client: Both<Workload>) => reaches(scope, [either(client).namespace]);
    const rows = [...clients.values()].filter(rowReached).length;
    const pairs = rows * everyServer.length + (clients.size - rows) * reachedServers.length;
    if (pairs > maxPairs) {
        return { compared: [], unreached: 0, omitted: countNote(pairs, maxPairs, scope) };
    }
    const compared: ComparedRequest[] = [];
    let predictedOnBoth = 0;
    for (const client of clients.values()) {
        for (const server of rowReached(client) ? everyServer : reachedServers) {
            const before = client.base && server.base ? spaces.base.predict(client.base, server.base) : ([] as A[]);
            const after = client.head && server.head ? spaces.head.predict(client.head, server.head) : ([] as A[]);
            if (before.length > 0 && after.length > 0) {
                predictedOnBoth++;
            }
            for (const answers of byKey(before, after, key).values()) {
                compared.push(
                    compare(
                        requestOf(either(answers)),
                        either(client).namespace,
                        either(server).service.namespace,
                        answers.base,
                        answers.head,
                    ),
                );
            }
        }
    }
    const onBoth = (map: Map<string, Both<unknown>>) => [...map.values()].filter((b) => b.base && b.head).length;
    const unreachedPairs = onBoth(clients) * onBoth(servers) - predictedOnBoth;
    return { compared, unreached: unreachedPairs * spaces.head.requestsPerPair };
}

export function diffConnectivity(
    baseResources: readonly StackResource[],
    headResources: readonly StackResource[],
    options: DiffOptions = {},
): ConnectivityDiff {
    const base = buildTrafficModel(baseResources);
    const head = buildTrafficModel(headResources);
    const scope = changeScope({ resources: baseResources, model: base }, { resources: headResources, model: head });
    if (options.probes && options.probes.length > 0) {
        return { kind: "probes", scope, unreached: 0, ...compareProbes(base, head, options.probes) };
    }
    const filters = options.filters ?? {};
    const maxPairs = options.maxPairs ?? MAX_DIFF_PAIRS;
    const models = { base, head };
    if (holdsNamespaceDemo(baseResources) || holdsNamespaceDemo(headResources)) {
        const spaces = { base: demoSpace(base, filters), head: demoSpace(head, filters) };
        const key = (a: DemoAnswer) => `${a.from} ${a.to}${a.path}`;
        return { kind: "demo", scope, unresolved: [], ...comparePairs(models, spaces, scope, key, maxPairs) };
    }
    const spaces = { base: matrixSpace(base, filters), head: matrixSpace(head, filters) };
    const key = (a: ProbeAnswer) => a.probe;
    return { kind: "matrix", scope, unresolved: [], ...comparePairs(models, spaces, scope, key, maxPairs) };
}
