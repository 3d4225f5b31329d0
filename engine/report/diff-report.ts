/**
 * What `diff` prints: every request whose predicted answer changed between BASE and HEAD, grouped by namespace pair,
 * with both answers, their reasons and the resources that decided them; the requests neither side can decide; the
 * policy verdicts that appear and disappear; a one-line summary. With `--json`, one document with exactly these
 * fields (an interface: keep them): `{base: {source, stack}, head: {source, stack}, kind, failOn, failed, summary:
 * {opened, closed, changed, newlyUnknown, decided, unknown, new, gone, unchanged, unreached, verdictsAppeared,
 * verdictsDisappeared}, scope: {everything, namespaces, changedResources: [{urn, type, name, change}]}, changes:
 * [{change, fromNamespace, toNamespace, request, base, head}], unknown: [...], verdicts: {appeared, disappeared},
 * notes, criticalPath}`, where `request` is the demo's `{from, to, path}` or a probe's `{probe, from, to, port, method,
 * path}` and `base`/`head` are `{code, reason, decidedBy}` or null on the side without the request.
 */
import { DEMO_CLIENT, DEMO_SERVER } from "cilium-istio-guard/model/demo-workloads";
import {
    ComparedRequest,
    ConnectivityDiff,
    DiffRequest,
    RequestChange,
    SideAnswer,
} from "cilium-istio-guard/connectivity/connectivity-diff";
import { Violation } from "../analyzer/policy-evaluation";
import { parseUrn } from "../state/stack-export";

/** `--fail-on`: which changes make `diff` exit 1. */
export const FAIL_ON = ["opened", "closed", "any", "none"] as const;
export type FailOn = (typeof FAIL_ON)[number];

export interface DiffSide {
    /** The file, or `--stack NAME` with the config it ran under. */
    readonly source: string;
    readonly stack: string;
}

export interface DiffEntry {
    readonly change: RequestChange;
    readonly fromNamespace: string;
    readonly toNamespace: string;
    readonly request: DiffRequest;
    readonly base: SideAnswer | null;
    readonly head: SideAnswer | null;
}

export type DiffSummary = Record<RequestChange, number> & {
    readonly unreached: number;
    readonly verdictsAppeared: number;
    readonly verdictsDisappeared: number;
};

export interface DiffReport {
    readonly base: DiffSide;
    readonly head: DiffSide;
    readonly kind: ConnectivityDiff["kind"];
    readonly failOn: FailOn;
    /** Whether `--fail-on` makes the command exit 1. */
    readonly failed: boolean;
    readonly summary: DiffSummary;
    readonly scope: {
        /** Why every request may have changed; null when the change stays within `namespaces`. */
        readonly everything: string | null;
        readonly namespaces: readonly string[];
        readonly changedResources: readonly { urn: string; type: string; name: string; change: string }[];
    };
    /** Every request that changed (all but `unchanged` and `unknown`), grouped by namespace pair. */
    readonly changes: readonly DiffEntry[];
    /** Requests neither side can decide: reported as such, not as changes. */
    readonly unknown: readonly DiffEntry[];
    readonly verdicts: { readonly appeared: readonly Violation[]; readonly disappeared: readonly Violation[] };
    /** Probes one side could not resolve. */
    readonly notes: readonly string[];
    /** HEAD's critical path (report.ts). */
    readonly criticalPath: readonly string[];
}

/** The changes each `--fail-on` counts. */
const FAILING: Record<FailOn, readonly RequestChange[]> = {
    opened: ["opened"],
    closed: ["closed"],
    any: ["opened", "closed", "changed", "newlyUnknown", "decided", "new", "gone"],
    none: [],
};

/** Violations of HEAD that BASE has not (appeared), and the reverse; a resource is the same by URN less its stack. */
export function verdictChanges(
    base: readonly Violation[],
    head: readonly Violation[],
): { appeared: Violation[]; disappeared: Violation[] } {
    const key = (v: Violation) => {
        const { qualifiedType, name } = parseUrn(v.urn);
        return JSON.stringify([v.policy, v.level, qualifiedType, name, v.message]);
    };
    const before = new Set(base.map(key));
    const after = new Set(head.map(key));
    return { appeared: head.filter((v) => !before.has(key(v))), disappeared: base.filter((v) => !after.has(key(v))) };
}

export function buildDiffReport(options: {
    base: DiffSide;
    head: DiffSide;
    connectivity: ConnectivityDiff;
    verdicts: { appeared: Violation[]; disappeared: Violation[] };
    failOn: FailOn;
    criticalPath: readonly string[];
}): DiffReport {
    const { connectivity } = options;
    const entry = (c: ComparedRequest): DiffEntry => ({
        change: c.change,
        fromNamespace: c.fromNamespace,
        toNamespace: c.toNamespace,
        request: c.request,
        base: c.base ?? null,
        head: c.head ?? null,
    });
    const count = (change: RequestChange) => connectivity.compared.filter((c) => c.change === change).length;
    const summary: DiffSummary = {
        opened: count("opened"),
        closed: count("closed"),
        changed: count("changed"),
        newlyUnknown: count("newlyUnknown"),
        decided: count("decided"),
        unknown: count("unknown"),
        new: count("new"),
        gone: count("gone"),
        unchanged: count("unchanged"),
        unreached: connectivity.unreached,
        verdictsAppeared: options.verdicts.appeared.length,
        verdictsDisappeared: options.verdicts.disappeared.length,
    };
    // Grouped by namespace pair, in the order each pair first appears; within a pair, as compared.
    const groups = new Map<string, ComparedRequest[]>();
    for (const c of connectivity.compared) {
        const pair = `${c.fromNamespace}\0${c.toNamespace}`;
        groups.set(pair, [...(groups.get(pair) ?? []), c]);
    }
    const grouped = [...groups.values()].flat();
    return {
        base: options.base,
        head: options.head,
        kind: connectivity.kind,
        failOn: options.failOn,
        failed: FAILING[options.failOn].some((change) => summary[change] > 0),
        summary,
        scope: {
            everything: connectivity.scope.everything ?? null,
            namespaces: [...connectivity.scope.namespaces].sort(),
            changedResources: connectivity.scope.changed.map(({ urn, type, name, change }) => ({
                urn,
                type,
                name,
                change,
            })),
        },
        changes: grouped.filter((c) => c.change !== "unchanged" && c.change !== "unknown").map(entry),
        unknown: grouped.filter((c) => c.change === "unknown").map(entry),
        verdicts: options.verdicts,
        notes: connectivity.unresolved,
        criticalPath: options.criticalPath,
    };
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** "2 flows opened, 4 closed, 0 changed, 0 newly unknown; 1 verdict appeared, 0 disappeared". */
export function summaryLine(summary: DiffSummary): string {
    const flows = [
        `${plural(summary.opened, "flow")} opened`,
        `${summary.closed} closed`,
        `${summary.changed} changed`,
        `${summary.newlyUnknown} newly unknown`,
        ...(summary.decided > 0 ? [`${summary.decided} decided`] : []),
        ...(summary.new > 0 ? [`${summary.new} new`] : []),
        ...(summary.gone > 0 ? [`${summary.gone} gone`] : []),
    ];
    return `${flows.join(", ")}; ${plural(summary.verdictsAppeared, "verdict")} appeared, ${summary.verdictsDisappeared} disappeared`;
}

/** The request as one line: the demo's check as verify runs it, or the probe. */
export function describeRequest(request: DiffRequest): string {
    return "probe" in request
        ? request.probe
        : `${request.from}/${DEMO_CLIENT} GET http://${DEMO_SERVER}.${request.to}${request.path}`;
}

/** `CiliumNetworkPolicy demo-blue-cilium-policy`: a deciding resource by kind and name. */
export function describeResource(urn: string): string {
    try {
        const { type, name } = parseUrn(urn);
        return `${type.split(":").pop()} ${name}`;
    } catch {
        return urn;
    }
}

/** What was compared and what the change reaches, as a sentence. */
export function scopeSentence(report: DiffReport): string {
    const what =
        report.kind === "demo"
            ? "the demo's checks"
            : report.kind === "probes"
              ? "the probes asked for"
              : "the default matrix (GET / from every workload to every TCP Service port)";
    const { summary, scope } = report;
    const predicted =
        summary.opened +
        summary.closed +
        summary.changed +
        summary.newlyUnknown +
        summary.decided +
        summary.unknown +
        summary.new +
        summary.gone +
        summary.unchanged;
    const reach =
        scope.everything !== null
            ? `the change can reach every request (${scope.everything})`
            : scope.namespaces.length > 0
              ? `the change reaches namespace${scope.namespaces.length > 1 ? "s" : ""} ${scope.namespaces.join(", ")}`
              : "nothing the predictor reads changed";
    return (
        `Compared ${what}: ${reach}; ${plural(predicted, "request")} predicted on each side` +
        (summary.unreached > 0 ? `, ${summary.unreached.toLocaleString("en-US")} more unchanged by construction.` : ".")
    );
}

/** The resources that decided each side's answer: once when both sides name the same. */
export function decidedBy(e: DiffEntry): { side: string; resources: string }[] {
    const names = (side: DiffEntry["base"]) => (side === null ? "" : side.decidedBy.map(describeResource).join(", "));
    const [base, head] = [names(e.base), names(e.head)];
    if (base === head) {
        return base === "" ? [] : [{ side: "BASE and HEAD", resources: base }];
    }
    return [
        ...(base === "" ? [] : [{ side: "BASE", resources: base }]),
        ...(head === "" ? [] : [{ side: "HEAD", resources: head }]),
    ];
}

function renderEntry(e: DiffEntry): string[] {
    const lines = [
        `  ${e.change.padEnd(12)}  ${describeRequest(e.request)}  ${e.base?.code ?? "(none)"} -> ${e.head?.code ?? "(none)"}`,
    ];
    for (const [name, side] of [
        ["BASE", e.base],
        ["HEAD", e.head],
    ] as const) {
        lines.push(side === null ? `    ${name}: no such request` : `    ${name} ${side.code}: ${side.reason}`);
    }
    for (const { side, resources } of decidedBy(e)) {
        lines.push(`    decided by (${side}): ${resources}`);
    }
    return lines;
}

function renderGroups(entries: readonly DiffEntry[]): string[] {
    const lines: string[] = [];
    let pair: string | undefined;
    for (const e of entries) {
        const next = `${e.fromNamespace} -> ${e.toNamespace}`;
        if (next !== pair) {
            lines.push("", next);
            pair = next;
        }
        lines.push(...renderEntry(e));
    }
    return lines;
}

export function renderDiffText(report: DiffReport): string {
    const out = [
        `Connectivity diff: BASE ${report.base.source} (stack ${report.base.stack}) -> HEAD ${report.head.source} (stack ${report.head.stack})`,
        scopeSentence(report),
    ];
    for (const resource of report.scope.changedResources) {
        out.push(`  ${resource.change} ${describeResource(resource.urn)}`);
    }
    out.push(...report.notes.map((note) => `note: ${note}`));
    out.push(...(report.changes.length > 0 ? renderGroups(report.changes) : ["", "No request changed."]));
    if (report.unknown.length > 0) {
        out.push("", `Unknown on both sides (${report.unknown.length}), not counted as changes:`);
        out.push(...renderGroups(report.unknown).slice(1));
    }
    out.push("", "Policy verdicts:");
    for (const [sign, what, list] of [
        ["+", "appeared", report.verdicts.appeared],
        ["-", "disappeared", report.verdicts.disappeared],
    ] as const) {
        out.push(`  ${what}: ${list.length === 0 ? "none" : list.length}`);
        for (const v of list) {
            out.push(`    ${sign} ${v.level} [${v.policy}] ${describeResource(v.urn)}: ${v.message.split("\n")[0]}`);
        }
    }
    out.push("", `Summary: ${summaryLine(report.summary)}.`);
    if (report.failed) {
        out.push(`--fail-on ${report.failOn}: exit 1.`);
    }
    return `${out.join("\n")}\n`;
}

export function renderDiffJson(report: DiffReport): string {
    return `${JSON.stringify(report, null, 2)}\n`;
}
