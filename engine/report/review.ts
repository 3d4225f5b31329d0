/**
 * What a review report holds (review-document.ts writes it as Markdown or HTML):
 *  - `plan` and `check`: a summary line, the violations table, the predicted connectivity (the demo's matrix, or the
 *    table of probes / the default matrix), the flow map and the critical path;
 *  - `diff`: the one-line summary, what was compared and what the change reaches, the flow map of the requests the
 *    change reaches (changed ones highlighted), the changed requests grouped by namespace pair with both answers,
 *    reasons and deciding resources, the requests neither side can decide, the verdicts that appear and disappear,
 *    and HEAD's critical path.
 * A pull-request comment holds at most 65,536 characters (GitHub), so each table stops at MAX_TABLE_ROWS rows and says
 * how many it left out; the text and `--json` outputs hold them all.
 */
import { HttpCode } from "cilium-istio-guard/connectivity/connectivity";
import { DEMO_CLIENT, DEMO_PORT, DEMO_SERVER } from "cilium-istio-guard/model/demo-workloads";
import { ComparedRequest } from "cilium-istio-guard/connectivity/connectivity-diff";
import { Violation } from "../analyzer/policy-evaluation";
import { parseUrn } from "../state/stack-export";
import { criticalPathSummary } from "./critical-path";
import {
    DiffEntry,
    DiffReport,
    decidedBy,
    describeRequest,
    describeResource,
    scopeSentence,
    summaryLine,
} from "./diff-report";
import { DEFAULT_FLOW_MAP_LIMITS, Flow, FlowMapLimits, flowMap } from "./flow-map";
import { ConnectivityEntry, DemoEntry, ProbeEntry, Report } from "./report";
import { Block, ReviewDocument } from "./review-document";

export const MAX_TABLE_ROWS = 100;

function table(header: readonly string[], rows: readonly (readonly string[])[], what: string): Block[] {
    const blocks: Block[] = [{ kind: "table", header, rows: rows.slice(0, MAX_TABLE_ROWS) }];
    if (rows.length > MAX_TABLE_ROWS) {
        blocks.push({
            kind: "paragraph",
            inlines: [
                `${rows.length - MAX_TABLE_ROWS} more ${what} are not shown here; the command's --json output has them all.`,
            ],
        });
    }
    return blocks;
}

const nameOf = (urn: string) => {
    try {
        return parseUrn(urn).name;
    } catch {
        return urn;
    }
};

function violationRows(violations: readonly Violation[]): string[][] {
    return violations.map((v) => [v.level, v.policy, nameOf(v.urn), v.message]);
}

function violationsSection(violations: readonly Violation[]): Block[] {
    const mandatory = violations.filter((v) => v.level === "mandatory").length;
    return [
        { kind: "heading", level: 3, text: `Policy violations: ${violations.length} (${mandatory} mandatory)` },
        ...(violations.length === 0
            ? []
            : table(["level", "policy", "resource", "message"], violationRows(violations), "violations")),
    ];
}

function criticalPathSection(path: readonly string[], whose = ""): Block[] {
    return [
        { kind: "heading", level: 3, text: `Critical path${whose}` },
        {
            kind: "paragraph",
            inlines: [`${criticalPathSummary(path)}: `, path.length > 0 ? path.map(nameOf).join(" → ") : "(none)"],
        },
    ];
}

/** The map and its legend. */
function mapSection(flows: readonly Flow[], limits: FlowMapLimits, about: string): Block[] {
    const blocks: Block[] = [{ kind: "heading", level: 3, text: "Flow map" }];
    if (flows.length === 0) {
        return [...blocks, { kind: "paragraph", inlines: ["No request to draw."] }];
    }
    const map = flowMap(flows, limits);
    blocks.push({ kind: "flowchart", mermaid: map.mermaid });
    const legend =
        map.level === "workloads"
            ? "Namespaces are groups; workloads are square, Service ports rounded. "
            : "Nodes are namespaces; each edge counts the requests between them. ";
    blocks.push({
        kind: "paragraph",
        inlines: [
            `${legend}Solid: allowed (200); dashed: refused (000, 403, 503) or undecided (???); red: changed. ${about}`,
            ...map.notes.map((note) => ` ${note}.`),
        ],
    });
    return blocks;
}

function serverEnd(namespace: string, host: string, port: number): Flow["to"] {
    const label = host.endsWith(`.${namespace}`) ? host.slice(0, -namespace.length - 1) : host;
    return { namespace, key: `${host}:${port}`, label: `${label}:${port}` };
}

function demoFlowEnds(from: string, to: string): Pick<Flow, "from" | "to"> {
    return {
        from: { namespace: from, key: `${from}/deployment/${DEMO_CLIENT}`, label: DEMO_CLIENT },
        to: serverEnd(to, `${DEMO_SERVER}.${to}`, DEMO_PORT),
    };
}

function probeFlowEnds(from: string, to: string, port: number): Pick<Flow, "from" | "to"> {
    const [namespace, , ...name] = from.split("/");
    return {
        from: { namespace, key: from, label: name.join("/") },
        to: serverEnd(to.slice(to.lastIndexOf(".") + 1), to, port),
    };
}

function isProbe(entry: ConnectivityEntry): entry is ProbeEntry {
    return "probe" in entry;
}

function entryFlow(entry: ConnectivityEntry): Flow {
    return isProbe(entry)
        ? {
              ...probeFlowEnds(entry.from, entry.to, entry.port),
              request: `${entry.method} ${entry.path}`,
              code: entry.code,
          }
        : { ...demoFlowEnds(entry.from, entry.to), request: `GET ${entry.path}`, code: entry.code };
}

function codeCounts(codes: readonly HttpCode[]): string {
    const counts = new Map<string, number>();
    codes.forEach((c) => counts.set(c, (counts.get(c) ?? 0) + 1));
    return [...counts]
        .sort((a, b) => a[0].localeCompare(b[0]))
        .map(([code, n]) => `${n} × ${code}`)
        .join(", ");
}

function connectivitySection(entries: readonly ConnectivityEntry[]): Block[] {
    const blocks: Block[] = [{ kind: "heading", level: 3, text: "Predicted connectivity" }];
    if (entries.length === 0) {
        return [...blocks, { kind: "paragraph", inlines: ["No request was predicted."] }];
    }
    const demo = entries.filter((e): e is DemoEntry => !isProbe(e));
    if (demo.length > 0) {
        const columns = [...new Set(demo.map((a) => `${a.to} ${a.path}`))];
        const clients = [...new Set(demo.map((a) => a.from))];
        const code = new Map(demo.map((a) => [`${a.from}\0${a.to} ${a.path}`, a.code]));
        blocks.push(
            {
                kind: "paragraph",
                inlines: [
                    "The demo's checks: ",
                    { code: `curl -s -o /dev/null -m 1 -w "%{http_code}" http://${DEMO_SERVER}.<to><path>` },
                    ` from deploy/${DEMO_CLIENT} in <from>.`,
                ],
            },
            ...table(
                ["from \\ to", ...columns],
                clients.map((from) => [from, ...columns.map((c) => code.get(`${from}\0${c}`) ?? "")]),
                "clients",
            ),
        );
        const refused = demo.filter((a) => a.code !== "200");
        if (refused.length > 0) {
            blocks.push(
                ...table(
                    ["from", "to", "code", "why"],
                    refused.map((a) => [a.from, `${DEMO_SERVER}.${a.to}${a.path}`, a.code, a.reason]),
                    "answers",
                ),
            );
        }
    }
    const probes = entries.filter(isProbe);
    if (probes.length > 0) {
        blocks.push(
            {
                kind: "paragraph",
                inlines: [`${probes.length} requests: ${codeCounts(probes.map((p) => p.code))}.`],
            },
            ...table(
                ["code", "from", "method", "to", "path", "why", "decided by"],
                probes.map((p) => [
                    p.code,
                    p.from,
                    p.method,
                    `${p.to}:${p.port}`,
                    p.path,
                    p.reason,
                    p.decidedBy.map(describeResource).join(", "),
                ]),
                "requests",
            ),
        );
    }
    return blocks;
}

/** The report of `plan` or `check`. */
export function gateReview(
    // What the review reads of plan's and check's report; the text report's summary and result it does not show.
    report: Pick<Report, "stack" | "resources" | "connectivity" | "criticalPath"> & {
        violations: readonly Violation[];
    },
    title: string,
    limits: FlowMapLimits = DEFAULT_FLOW_MAP_LIMITS,
): ReviewDocument {
    const mandatory = report.violations.filter((v) => v.level === "mandatory").length;
    return {
        title: `${title}: stack ${report.stack}`,
        blocks: [
            {
                kind: "paragraph",
                inlines: [
                    { strong: `${report.violations.length} policy violations (${mandatory} mandatory)` },
                    ` · ${report.connectivity.length} requests predicted`,
                    report.connectivity.length > 0 ? ` (${codeCounts(report.connectivity.map((c) => c.code))})` : "",
                    ` · ${report.resources.length} resources`,
                ],
            },
            ...violationsSection(report.violations),
            ...connectivitySection(report.connectivity),
            ...mapSection(report.connectivity.map(entryFlow), limits, ""),
            ...criticalPathSection(report.criticalPath),
        ],
    };
}

function diffRows(entries: readonly DiffEntry[]): string[][] {
    const why = (side: DiffEntry["base"]) => (side === null ? "no such request" : side.reason);
    return entries.map((e) => [
        e.change,
        describeRequest(e.request),
        e.base?.code ?? "none",
        e.head?.code ?? "none",
        why(e.base),
        why(e.head),
        decidedBy(e)
            .map(({ side, resources }) => `${side}: ${resources}`)
            .join("\n"),
    ]);
}

const DIFF_HEADER = ["change", "request", "BASE", "HEAD", "why (BASE)", "why (HEAD)", "decided by"];

/** One table per namespace pair, at most MAX_TABLE_ROWS rows in all. */
function groupedTables(entries: readonly DiffEntry[], what: string): Block[] {
    const blocks: Block[] = [];
    const shown = entries.slice(0, MAX_TABLE_ROWS);
    const pairs = [...new Set(shown.map((e) => `${e.fromNamespace} → ${e.toNamespace}`))];
    for (const pair of pairs) {
        blocks.push(
            { kind: "heading", level: 4, text: pair },
            {
                kind: "table",
                header: DIFF_HEADER,
                rows: diffRows(shown.filter((e) => `${e.fromNamespace} → ${e.toNamespace}` === pair)),
            },
        );
    }
    if (entries.length > shown.length) {
        blocks.push({
            kind: "paragraph",
            inlines: [
                `${entries.length - shown.length} more ${what} are not shown here; the command's --json output has them all.`,
            ],
        });
    }
    return blocks;
}

function diffFlow(c: ComparedRequest): Flow | undefined {
    if (c.head === undefined) {
        return undefined;
    }
    const ends =
        "probe" in c.request
            ? probeFlowEnds(c.request.from, c.request.to, c.request.port)
            : demoFlowEnds(c.request.from, c.request.to);
    const request = "probe" in c.request ? `${c.request.method} ${c.request.path}` : `GET ${c.request.path}`;
    const changed = c.change !== "unchanged" && c.change !== "unknown";
    return { ...ends, request, code: c.head.code, ...(changed ? { was: c.base?.code ?? "none" } : {}) };
}

/** The report of `diff`: `compared` are every request predicted (the map draws HEAD's answers to them). */
export function diffReview(
    report: DiffReport,
    compared: readonly ComparedRequest[],
    limits: FlowMapLimits = DEFAULT_FLOW_MAP_LIMITS,
): ReviewDocument {
    const { verdicts } = report;
    const flows = compared.map(diffFlow).filter((f): f is Flow => f !== undefined);
    // The map comes first after the summary: the picture a reviewer takes in before the tables.
    const blocks: Block[] = [
        { kind: "paragraph", inlines: [{ strong: summaryLine(report.summary) }] },
        { kind: "paragraph", inlines: [scopeSentence(report)] },
        ...report.notes.map((note): Block => ({ kind: "paragraph", inlines: [`Note: ${note}`] })),
        ...mapSection(
            flows,
            limits,
            `HEAD's answers to the ${flows.length} requests the change can reach; the others are unchanged.`,
        ),
        { kind: "heading", level: 3, text: `Changed requests: ${report.changes.length}` },
        ...(report.changes.length > 0 ? groupedTables(report.changes, "changed requests") : []),
    ];
    if (report.unknown.length > 0) {
        blocks.push(
            {
                kind: "heading",
                level: 3,
                text: `Undecided on both sides: ${report.unknown.length} (not counted as changes)`,
            },
            ...groupedTables(report.unknown, "undecided requests"),
        );
    }
    blocks.push({
        kind: "heading",
        level: 3,
        text: `Policy verdicts: ${verdicts.appeared.length} appeared, ${verdicts.disappeared.length} disappeared`,
    });
    const verdictRows = [
        ...violationRows(verdicts.appeared).map((row) => ["appeared", ...row]),
        ...violationRows(verdicts.disappeared).map((row) => ["disappeared", ...row]),
    ];
    if (verdictRows.length > 0) {
        blocks.push(...table(["verdict", "level", "policy", "resource", "message"], verdictRows, "verdicts"));
    }
    blocks.push(...criticalPathSection(report.criticalPath, " (HEAD)"));
    return {
        title: `Connectivity diff: ${report.base.source} → ${report.head.source}`,
        blocks,
    };
}
