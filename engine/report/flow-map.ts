/**
 * The flow map of a review report: a Mermaid `flowchart` (mermaid.js.org/syntax/flowchart.html) that GitHub and GitLab
 * render in comments, and the HTML report renders with Mermaid's own bundle. Namespaces are groups (`subgraph`),
 * workloads and Service ports are nodes, each edge carries the requests between two nodes with their codes: solid when
 * one of them is allowed (200), dashed when none is, highlighted (linkStyle) when a diff changed one of them.
 *
 * A map of many workloads is unreadable and past Mermaid's limits (500 edges and 50,000 characters by default,
 * `maxEdges`/`maxTextSize` in its config): past MAX_WORKLOAD_NODES nodes or MAX_WORKLOAD_EDGES edges the map draws
 * namespaces as nodes instead, with the count of flows per edge, and at most MAX_NAMESPACE_EDGES of those (changed
 * ones first, then allowed), saying how many it left out.
 *
 * Every name is written into a quoted label with Mermaid's entity codes for the characters that would end it or be
 * read as markup (`#quot;`, `#35;`...); node ids are generated, never taken from names.
 */
import { HttpCode } from "cilium-istio-guard/connectivity/connectivity";
import { escapeControls } from "./escape";

/** One request drawn on the map. */
export interface Flow {
    /** The client workload. */
    readonly from: { readonly namespace: string; readonly key: string; readonly label: string };
    /** The server: a Service port. */
    readonly to: { readonly namespace: string; readonly key: string; readonly label: string };
    /** "GET /ip". */
    readonly request: string;
    readonly code: HttpCode;
    /** In a diff, BASE's code when it differs from `code` ("none": BASE did not have the request). */
    readonly was?: HttpCode | "none";
}

export interface FlowMapLimits {
    readonly maxWorkloadNodes: number;
    readonly maxWorkloadEdges: number;
    readonly maxNamespaceEdges: number;
}

export const DEFAULT_FLOW_MAP_LIMITS: FlowMapLimits = {
    maxWorkloadNodes: 40,
    maxWorkloadEdges: 80,
    maxNamespaceEdges: 150,
};

export interface FlowMap {
    readonly mermaid: string;
    /** What the nodes are. */
    readonly level: "workloads" | "namespaces";
    /** What the map left out, for a line under it. */
    readonly notes: readonly string[];
}

/** The highlight of a changed edge: GitHub's red, thicker than the others. */
const CHANGED_STYLE = "stroke:#d73a49,stroke-width:3px";

/** A label's text with Mermaid's entity codes for what would end or break a quoted label. */
export function mermaidLabel(text: string): string {
    return escapeControls(text.replace(/#/g, "#35;"))
        .replace(/"/g, "#quot;")
        .replace(/&/g, "#38;")
        .replace(/</g, "#lt;")
        .replace(/>/g, "#gt;")
        .replace(/`/g, "#96;")
        .replace(/\|/g, "#124;");
}

interface Edge {
    readonly from: string;
    readonly to: string;
    readonly flows: Flow[];
}

const changed = (flow: Flow) => flow.was !== undefined && flow.was !== flow.code;

function edgesBy(flows: readonly Flow[], end: (flow: Flow) => [string, string]): Edge[] {
    const edges = new Map<string, Edge>();
    for (const flow of flows) {
        const [from, to] = end(flow);
        const key = `${from}\0${to}`;
        const edge = edges.get(key) ?? { from, to, flows: [] };
        edge.flows.push(flow);
        edges.set(key, edge);
    }
    return [...edges.values()];
}

function arrow(edge: Edge): string {
    return edge.flows.some((f) => f.code === "200") ? "-->" : "-.->";
}

/** "GET /ip 200", "GET /ip 200 → 503": one request. */
function requestLabel(flow: Flow): string {
    return `${flow.request} ${changed(flow) ? `${flow.was} → ` : ""}${flow.code}`;
}

/** Up to two requests by name; more as counts per code. */
function workloadEdgeLabel(edge: Edge): string {
    if (edge.flows.length <= 2) {
        return edge.flows.map(requestLabel).join(", ");
    }
    const changes = edge.flows.filter(changed).length;
    return `${countByCode(edge.flows)}${changes > 0 ? `, ${changes} changed` : ""}`;
}

function countByCode(flows: readonly Flow[]): string {
    const counts = new Map<string, number>();
    for (const flow of flows) {
        counts.set(flow.code, (counts.get(flow.code) ?? 0) + 1);
    }
    return [...counts]
        .sort((a, b) => a[0].localeCompare(b[0]))
        .map(([code, n]) => `${n} × ${code}`)
        .join(", ");
}

function namespaceEdgeLabel(edge: Edge): string {
    const allowed = edge.flows.filter((f) => f.code === "200").length;
    const unknown = edge.flows.filter((f) => f.code === "???").length;
    const denied = edge.flows.length - allowed - unknown;
    const changes = edge.flows.filter(changed).length;
    return [
        `${allowed} allowed`,
        `${denied} denied`,
        ...(unknown > 0 ? [`${unknown} unknown`] : []),
        ...(changes > 0 ? [`${changes} changed`] : []),
    ].join(", ");
}

/** Edge lines and the linkStyle of the changed ones (links are numbered in the order they are written). */
function edgeLines(edges: readonly Edge[], ids: Map<string, string>, label: (edge: Edge) => string): string[] {
    const lines = edges.map(
        (edge) => `    ${ids.get(edge.from)} ${arrow(edge)}|"${mermaidLabel(label(edge))}"| ${ids.get(edge.to)}`,
    );
    const highlighted = edges.flatMap((edge, i) => (edge.flows.some(changed) ? [i] : []));
    if (highlighted.length > 0) {
        lines.push(`    linkStyle ${highlighted.join(",")} ${CHANGED_STYLE}`);
    }
    return lines;
}

function workloadMap(flows: readonly Flow[], edges: readonly Edge[]): string {
    const nodes = new Map<string, { namespace: string; label: string; server: boolean }>();
    for (const flow of flows) {
        nodes.set(flow.from.key, { namespace: flow.from.namespace, label: flow.from.label, server: false });
    }
    for (const flow of flows) {
        if (!nodes.has(flow.to.key)) {
            nodes.set(flow.to.key, { namespace: flow.to.namespace, label: flow.to.label, server: true });
        }
    }
    const ids = new Map([...nodes.keys()].map((key, i) => [key, `n${i}`]));
    const namespaces = [...new Set([...nodes.values()].map((n) => n.namespace))];
    const lines = ["flowchart LR"];
    namespaces.forEach((namespace, i) => {
        lines.push(`    subgraph ns${i}["${mermaidLabel(namespace)}"]`);
        for (const [key, node] of nodes) {
            if (node.namespace === namespace) {
                // Services are rounded, workloads square.
                const [open, close] = node.server ? ['(["', '"])'] : ['["', '"]'];
                lines.push(`        ${ids.get(key)}${open}${mermaidLabel(node.label)}${close}`);
            }
        }
        lines.push("    end");
    });
    lines.push(...edgeLines(edges, ids, workloadEdgeLabel));
    return lines.join("\n");
}

function namespaceMap(edges: readonly Edge[]): string {
    const namespaces = [...new Set(edges.flatMap((e) => [e.from, e.to]))];
    const ids = new Map(namespaces.map((namespace, i) => [namespace, `ns${i}`]));
    return [
        "flowchart LR",
        ...namespaces.map((namespace) => `    ${ids.get(namespace)}["${mermaidLabel(namespace)}"]`),
        ...edgeLines(edges, ids, namespaceEdgeLabel),
    ].join("\n");
}

export function flowMap(flows: readonly Flow[], limits: FlowMapLimits = DEFAULT_FLOW_MAP_LIMITS): FlowMap {
    const workloadEdges = edgesBy(flows, (f) => [f.from.key, f.to.key]);
    const nodes = new Set(flows.flatMap((f) => [f.from.key, f.to.key])).size;
    if (nodes <= limits.maxWorkloadNodes && workloadEdges.length <= limits.maxWorkloadEdges) {
        return { mermaid: workloadMap(flows, workloadEdges), level: "workloads", notes: [] };
    }
    const rank = (edge: Edge) => (edge.flows.some(changed) ? 0 : edge.flows.some((f) => f.code === "200") ? 1 : 2);
    const all = edgesBy(flows, (f) => [f.from.namespace, f.to.namespace]);
    const drawn = [...all].sort((a, b) => rank(a) - rank(b)).slice(0, limits.maxNamespaceEdges);
    const notes = [
        `${nodes} workloads and Service ports make too large a map: namespaces are drawn instead, with the count of requests per edge`,
        ...(drawn.length < all.length
            ? [
                  `${all.length - drawn.length} of ${all.length} namespace pairs are not drawn (changed pairs first, then those with an allowed request)`,
              ]
            : []),
    ];
    return { mermaid: namespaceMap(drawn), level: "namespaces", notes };
}
