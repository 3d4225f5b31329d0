/**
 * What `plan` and `check` print: resource counts per type and the component tree; violations grouped by
 * level with policy, resource and message; the predicted connectivity (the demo's matrix, or a table of the
 * probes / the default matrix); the critical path. With `--json`, one document with exactly these fields (an
 * interface: keep them): `{stack, resources: [{urn, type, parent, dependencies}], violations: [{policy, level, urn,
 * message}], connectivity: [...], criticalPath: [urn, ...]}`, where a connectivity entry is the demo's
 * `{from, to, path, code, reason}` or, for probes and the default matrix,
 * `{probe, from, to, port, method, path, code, reason, decidedBy}`.
 */
import { ConnectivityPrediction, DemoAnswer, ProbeAnswer } from "cilium-istio-guard/connectivity/connectivity";
import { criticalPath } from "./critical-path";
import { Violation } from "../analyzer/policy-evaluation";
import { ResourceV3, parseUrn } from "../state/stack-export";

export interface Report {
    stack: string;
    resources: { urn: string; type: string; parent: string | null; dependencies: string[] }[];
    violations: Violation[];
    connectivity: ConnectivityEntry[];
    criticalPath: string[];
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

export function buildReport(
    stack: string,
    resources: readonly ResourceV3[],
    violations: readonly Violation[],
    connectivity: ConnectivityPrediction,
): Report {
    const position = new Map(resources.map((r, i) => [r.urn, i]));
    const sorted = [...violations].sort(
        (a, b) =>
            LEVEL_ORDER.indexOf(a.level) - LEVEL_ORDER.indexOf(b.level) ||
            (position.get(a.urn) ?? -1) - (position.get(b.urn) ?? -1) ||
            a.policy.localeCompare(b.policy) ||
            a.message.localeCompare(b.message),
    );
    return {
        stack,
        resources: resources.map((r) => ({
            urn: r.urn,
            type: r.type,
            parent: r.parent ?? null,
            dependencies: r.dependencies ?? [],
        })),
        violations: sorted,
        connectivity: connectivityEntries(connectivity),
        criticalPath: criticalPath(resources),
    };
}

export function hasMandatoryViolation(report: Report): boolean {
    return report.violations.some((v) => v.level === "mandatory");
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

function renderMatrix(answers: readonly DemoEntry[]): string[] {
    const clients = [...new Set(answers.map((a) => a.from))];
    const columns = [...new Set(answers.map((a) => `${a.to}${a.path}`))];
    const width = Math.max(6, ...clients.map((c) => c.length), ...columns.map((c) => c.length)) + 2;
    const lines = [`  ${"from \\ to".padEnd(width)}${columns.map((c) => c.padEnd(width)).join("")}`.trimEnd()];
    // Each cell looked up rather than searched for: a search per cell costs the cube of the namespaces.
    const codes = new Map<string, string>();
    for (const a of answers) {
        const cell = `${a.from}\0${a.to}${a.path}`;
        if (!codes.has(cell)) {
            codes.set(cell, a.code);
        }
    }
    for (const from of clients) {
        const cells = columns.map((col) => codes.get(`${from}\0${col}`) ?? "");
        lines.push(`  ${from.padEnd(width)}${cells.map((c) => c.padEnd(width)).join("")}`.trimEnd());
    }
    const explained = answers.filter((a) => a.code !== "200");
    if (explained.length > 0) {
        lines.push("", "  why not 200:");
        for (const a of explained) {
            lines.push(`    ${a.from} -> httpbin.${a.to}${a.path}: ${a.code} ${a.reason}`);
        }
    }
    return lines;
}

export function renderText(report: Report, title: string): string {
    const out: string[] = [`${title} — stack ${report.stack}`, ""];

    const counts = new Map<string, number>();
    for (const r of report.resources) {
        counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
    }
    out.push(`Resources: ${report.resources.length}`);
    for (const [type, count] of [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))) {
        out.push(`  ${String(count).padStart(4)}  ${type}`);
    }
    out.push("", "Component tree:", ...renderTree(report), "");

    const mandatory = report.violations.filter((v) => v.level === "mandatory").length;
    out.push(`Policy violations: ${report.violations.length} (${mandatory} mandatory)`);
    for (const level of LEVEL_ORDER) {
        const ofLevel = report.violations.filter((v) => v.level === level);
        if (ofLevel.length === 0) {
            continue;
        }
        out.push(`  ${level}:`);
        for (const v of ofLevel) {
            out.push(`    [${v.policy}] ${nameOf(v.urn)} (${v.urn})`, indent(v.message, "      "));
        }
    }
    out.push("");

    const probes = report.connectivity.filter(isProbeEntry);
    const demo = report.connectivity.filter((e): e is DemoEntry => !isProbeEntry(e));
    if (demo.length > 0) {
        out.push(
            'Predicted connectivity (curl -s -o /dev/null -m 1 -w "%{http_code}" http://httpbin.<to><path> from deploy/netshoot in <from>):',
        );
        out.push(...renderMatrix(demo), "");
    }
    if (probes.length > 0) {
        out.push(
            'Predicted connectivity (curl -s -o /dev/null -m 1 -w "%{http_code}" -X <method> http://<to>:<port><path> from <from>; ' +
                "200 reaches the application, whose own status is not modelled; ??? undecided):",
        );
        out.push(...renderProbeTable(probes, probes.length <= 50), "");
    }

    out.push(`Critical path (${report.criticalPath.length} resources created one after another):`);
    out.push(`  ${report.criticalPath.map(nameOf).join(" -> ") || "(none)"}`, "");
    return out.join("\n");
}

export function renderJson(report: Report): string {
    return `${JSON.stringify(report, null, 2)}\n`;
}
