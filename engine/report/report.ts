/**
 * What `plan` and `check` print, in the order a reviewer reads it: a `Stack:` line (datapath, tunnel, mesh mode,
 * versions, demo stage: report/stack-summary.ts); the component tree; the violations, one line each (level, rule,
 * resource, the finding's first sentence, the rule's documentation), the whole message under `--verbose`; the
 * predicted connectivity with each namespace's data plane, flagged unreliable while a mandatory violation stands; the
 * critical path; and a last line that starts with `Result:` (the counts and what the exit code means), as
 * `pulumi preview` and `istioctl analyze` end on a summary.
 *
 * With `--json`, one document with these fields (an interface: add, never rename): `{stack, resources: [{urn, type,
 * parent, dependencies}], violations: [{policy, level, urn, message, rule, documentation}], connectivity: [...],
 * criticalPath: [urn, ...], summary: {stack, datapath, tunnel, meshMode, cilium, istio, kubernetes, demoStage},
 * dataPlanes: {namespace: plane}, result: {mandatory, advisory, undecided, exitCode}}`, where a connectivity entry is
 * the demo's `{from, to, path, code, reason}` or, for probes and the default matrix,
 * `{probe, from, to, port, method, path, code, reason, decidedBy}`.
 */
import {
    ConnectivityPrediction,
    DemoAnswer,
    ProbeAnswer,
    UNKNOWN_CODE,
} from "cilium-istio-guard/connectivity/connectivity";
import { criticalPath, criticalPathSummary } from "./critical-path";
import { DataPlane, StackSummary, renderStackLine } from "./stack-summary";
import { Violation } from "../analyzer/policy-evaluation";
import { ResourceV3, parseUrn } from "../state/stack-export";

/** A violation as reported: the rule behind it (the companion names it last), and where the rule is documented. */
export interface ReportedViolation extends Violation {
    /** The rule that found it: `policy`, or for the pack's advisory companion the rule its message names. */
    rule: string;
    /** The rule's section of the pack's README, installed (a file path with an anchor), when the rule is the pack's. */
    documentation?: { installed: string; public: string };
}

/** Where a pack rule is documented, or undefined for a rule of another pack. */
export type RuleDocumentation = (rule: string) => ReportedViolation["documentation"];

export interface ReportResult {
    mandatory: number;
    advisory: number;
    /** Predictions the model could not decide (`???`). */
    undecided: number;
    /** 1 with a mandatory violation, else 0. */
    exitCode: 0 | 1;
}

export interface Report {
    stack: string;
    resources: { urn: string; type: string; parent: string | null; dependencies: string[] }[];
    violations: ReportedViolation[];
    connectivity: ConnectivityEntry[];
    criticalPath: string[];
    summary: StackSummary;
    /** Each declared namespace's data plane (sidecar, ambient, none, unknown). */
    dataPlanes: Record<string, DataPlane>;
    result: ReportResult;
}

export type DemoEntry = Pick<DemoAnswer, "from" | "to" | "path" | "code" | "reason">;
export type ProbeEntry = Omit<ProbeAnswer, "steps">;
export type ConnectivityEntry = DemoEntry | ProbeEntry;

/** The entries as the report prints them: the demo's keep their five fields, probes drop their trace. */
export function connectivityEntries(prediction: ConnectivityPrediction): ConnectivityEntry[] {
    return prediction.kind === "demo"
        ? prediction.answers.map(({ from, to, path, code, reason }) => ({ from, to, path, code, reason }))
        : prediction.answers.map(({ probe, from, to, port, method, path, code, reason, decidedBy }) => ({
              probe,
              from,
              to,
              port,
              method,
              path,
              code,
              reason,
              decidedBy,
          }));
}

/** Most severe first; `remediate` only reaches here from a remediation's own diagnostic (reported advisory). */
const LEVEL_ORDER = ["mandatory", "remediate", "advisory", "disabled"];

/** The companion's messages end with `(rule <name>)` (policies/kit/findings.ts). */
const COMPANION_RULE = /\(rule ([a-z0-9-]+)\)\s*$/;

function ruleOf(violation: Violation): string {
    return COMPANION_RULE.exec(violation.message)?.[1] ?? violation.policy;
}

export interface ReportInputs {
    summary: StackSummary;
    dataPlanes: ReadonlyMap<string, DataPlane>;
    documentation: RuleDocumentation;
}

export function buildReport(
    stack: string,
    resources: readonly ResourceV3[],
    violations: readonly Violation[],
    connectivity: ConnectivityPrediction,
    inputs: ReportInputs,
): Report {
    const position = new Map(resources.map((r, i) => [r.urn, i]));
    const sorted = [...violations].sort(
        (a, b) =>
            LEVEL_ORDER.indexOf(a.level) - LEVEL_ORDER.indexOf(b.level) ||
            (position.get(a.urn) ?? -1) - (position.get(b.urn) ?? -1) ||
            a.policy.localeCompare(b.policy) ||
            a.message.localeCompare(b.message),
    );
    const entries = connectivityEntries(connectivity);
    const mandatory = sorted.filter((v) => v.level === "mandatory").length;
    return {
        stack,
        resources: resources.map((r) => ({
            urn: r.urn,
            type: r.type,
            parent: r.parent ?? null,
            dependencies: r.dependencies ?? [],
        })),
        violations: sorted.map((v) => {
            const rule = ruleOf(v);
            const documentation = inputs.documentation(rule);
            return { ...v, rule, ...(documentation ? { documentation } : {}) };
        }),
        connectivity: entries,
        criticalPath: criticalPath(resources),
        summary: inputs.summary,
        dataPlanes: Object.fromEntries([...inputs.dataPlanes].sort(([a], [b]) => a.localeCompare(b))),
        result: {
            mandatory,
            advisory: sorted.length - mandatory,
            undecided: entries.filter((e) => e.code === UNKNOWN_CODE).length,
            exitCode: mandatory > 0 ? 1 : 0,
        },
    };
}

export function hasMandatoryViolation(report: Report): boolean {
    return report.result.mandatory > 0;
}

function nameOf(urn: string): string {
    return parseUrn(urn).name;
}

function indent(text: string, by: string): string {
    return text
        .split("\n")
        .map((line) => `${by}${line}`)
        .join("\n");
}

function renderTree(report: Report): string[] {
    const present = new Set(report.resources.map((r) => r.urn));
    const children = new Map<string | null, Report["resources"]>();
    for (const r of report.resources) {
        const key = r.parent !== null && present.has(r.parent) ? r.parent : null;
        const siblings = children.get(key);
        if (siblings) {
            siblings.push(r);
        } else {
            children.set(key, [r]);
        }
    }
    const lines: string[] = [];
    const walk = (parent: string | null, prefix: string) => {
        const kids = children.get(parent) ?? [];
        kids.forEach((r, i) => {
            const last = i === kids.length - 1;
            lines.push(`${prefix}${last ? "└─ " : "├─ "}${r.type} ${nameOf(r.urn)}`);
            walk(r.urn, `${prefix}${last ? "   " : "│  "}`);
        });
    };
    walk(null, "  ");
    return lines;
}

function isProbeEntry(entry: ConnectivityEntry): entry is ProbeEntry {
    return "probe" in entry;
}

/** Probes and the default matrix: one row per request; every reason for probes, those not 200 for the matrix. */
function renderProbeTable(entries: readonly ProbeEntry[], explainAll: boolean): string[] {
    const rows = entries.map((e) => [e.code, e.from, e.method, `${e.to}:${e.port}`, e.path]);
    const header = ["code", "from", "method", "to", "path"];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (cells: string[]) => `  ${cells.map((c, i) => c.padEnd(widths[i])).join("  ")}`.trimEnd();
    const lines = [line(header), ...rows.map(line)];
    const explained = explainAll ? entries : entries.filter((e) => e.code !== "200");
    if (explained.length > 0) {
        lines.push("", explainAll ? "  why:" : "  why not 200:");
        for (const e of explained) {
            lines.push(`    ${e.probe}: ${e.code} ${e.reason}`);
        }
    }
    return lines;
}

/** `red (ambient)`: a namespace with its data plane. */
function marked(namespace: string, planes: Report["dataPlanes"]): string {
    return `${namespace} (${planes[namespace] ?? "unknown"})`;
}

function renderMatrix(answers: readonly DemoEntry[], planes: Report["dataPlanes"]): string[] {
    const clients = [...new Set(answers.map((a) => a.from))];
    const columns = [...new Set(answers.map((a) => `${a.to}${a.path}`))];
    const rowLabels = clients.map((c) => marked(c, planes));
    const width = Math.max(6, ...rowLabels.map((c) => c.length), ...columns.map((c) => c.length)) + 2;
    const lines = [`  ${"from \\ to".padEnd(width)}${columns.map((c) => c.padEnd(width)).join("")}`.trimEnd()];
    // Each cell looked up rather than searched for: a search per cell costs the cube of the namespaces.
    const codes = new Map<string, string>();
    for (const a of answers) {
        const cell = `${a.from}\0${a.to}${a.path}`;
        if (!codes.has(cell)) {
            codes.set(cell, a.code);
        }
    }
    clients.forEach((from, i) => {
        const cells = columns.map((col) => codes.get(`${from}\0${col}`) ?? "");
        lines.push(`  ${rowLabels[i].padEnd(width)}${cells.map((c) => c.padEnd(width)).join("")}`.trimEnd());
    });
    const explained = answers.filter((a) => a.code !== "200");
    if (explained.length > 0) {
        lines.push("", "  why not 200:");
        for (const a of explained) {
            lines.push(`    ${a.from} -> httpbin.${a.to}${a.path}: ${a.code} ${a.reason}`);
        }
    }
    return lines;
}

/** The data planes of the namespaces the answers involve, in the order they appear. */
function dataPlaneLine(namespaces: readonly string[], planes: Report["dataPlanes"]): string {
    const listed = [...new Set(namespaces)].map((ns) => `${ns} ${planes[ns] ?? "unknown"}`);
    return `  data plane per namespace: ${listed.join(", ")}`;
}

/** The finding's first sentence: the policy server puts the rule's description first, on a line of its own. */
function shortMessage(message: string): string {
    const lines = message.split("\n");
    const finding = (lines.length > 1 ? lines.slice(1).join(" ") : lines[0]).replace(COMPANION_RULE, "").trim();
    const end = /\.\s+(?=[A-Z`(])/.exec(finding);
    return end ? finding.slice(0, end.index + 1) : finding;
}

function renderViolations(report: Report, verbose: boolean): string[] {
    const { mandatory, advisory } = report.result;
    const out = [`Violations: ${mandatory} mandatory, ${advisory} advisory`];
    const levelWidth = Math.max(0, ...report.violations.map((v) => v.level.length));
    const ruleWidth = Math.max(0, ...report.violations.map((v) => v.rule.length));
    for (const v of report.violations) {
        const docs = v.documentation ? ` [${v.documentation.installed}]` : "";
        out.push(
            `  ${v.level.padEnd(levelWidth)}  ${v.rule.padEnd(ruleWidth)}  ${nameOf(v.urn)}: ${shortMessage(v.message)}${docs}`,
        );
        if (verbose) {
            out.push(`      ${v.urn}`, indent(v.message, "      "));
        }
    }
    const documented = report.violations.find((v) => v.documentation);
    if (documented?.documentation) {
        out.push(
            `  Each rule's section is in the pack's README (above, installed), also at ${documented.documentation.public.replace(/#.*$/, "")}.`,
        );
    }
    if (report.violations.length > 0 && !verbose) {
        out.push("  Whole messages and URNs: --verbose.");
    }
    return out;
}

export function renderText(report: Report, title: string, verbose = false): string {
    const out: string[] = [title, renderStackLine(report.summary), ""];

    out.push(`Component tree (${report.resources.length} resources):`, ...renderTree(report), "");
    out.push(...renderViolations(report, verbose), "");

    const probes = report.connectivity.filter(isProbeEntry);
    const demo = report.connectivity.filter((e): e is DemoEntry => !isProbeEntry(e));
    const caveat =
        report.result.mandatory > 0
            ? [
                  `  UNRELIABLE: ${report.result.mandatory} mandatory violation(s) stand — a rule says this stack breaks; ` +
                      "the predictions model the stack as planned and may not show all of it. Fix the violations first.",
              ]
            : [];
    if (demo.length > 0) {
        out.push(
            'Predicted connectivity (curl -s -o /dev/null -m 1 -w "%{http_code}" http://httpbin.<to><path> from deploy/netshoot in <from>):',
            ...caveat,
            dataPlaneLine(
                demo.flatMap((a) => [a.from, a.to]),
                report.dataPlanes,
            ),
        );
        out.push(...renderMatrix(demo, report.dataPlanes), "");
    }
    if (probes.length > 0) {
        out.push(
            'Predicted connectivity (curl -s -o /dev/null -m 1 -w "%{http_code}" -X <method> http://<to>:<port><path> from <from>; ' +
                "200 reaches the application, whose own status is not modelled; ??? undecided):",
            ...caveat,
            dataPlaneLine(
                probes.flatMap((p) => [p.from.split("/")[0], p.to.split(".").slice(-1)[0]]),
                report.dataPlanes,
            ),
        );
        out.push(...renderProbeTable(probes, probes.length <= 50), "");
    }

    out.push(`Critical path (${criticalPathSummary(report.criticalPath)}):`);
    out.push(`  ${report.criticalPath.map(nameOf).join(" -> ") || "(none)"}`, "");
    out.push(renderResult(report.result));
    return `${out.join("\n")}\n`;
}

/** The last line: what was found, and what the exit code says. */
export function renderResult(result: ReportResult): string {
    const counts = `${result.mandatory} mandatory, ${result.advisory} advisory, ${result.undecided} undecided`;
    return result.exitCode === 1
        ? `Result: ${counts} — exit 1: a mandatory violation; \`pulumi preview --policy-pack\` would fail too.`
        : `Result: ${counts} — exit 0: no mandatory violation${result.advisory + result.undecided > 0 ? " (read the advisories and undecided answers above)" : ""}.`;
}

export function renderJson(report: Report): string {
    return `${JSON.stringify(report, null, 2)}\n`;
}
