/**
 * A review document as one self-contained HTML page, for teams that publish CI artefacts: it loads nothing at view
 * time. The flow map is drawn in the browser by Mermaid's own bundle (`mermaid/dist/mermaid.min.js` of the npm package
 * `mermaid`, MIT; the bundle keeps the licence notices of what it includes), written into the page; the tables sort
 * when a header is clicked. Every text is escaped (escape.ts).
 *
 * When the map has been drawn the page sets `data-flow-map="rendered"` on its body (`"failed"` with the error shown
 * under the map otherwise): what a test or a screenshot waits for.
 */
import * as fs from "fs";
import { htmlText } from "./escape";
import { Block, Inline, ReviewDocument } from "./review-document";

/** Mermaid's browser bundle, read once per page written. */
function mermaidBundle(): string {
    let file: string;
    try {
        file = require.resolve("mermaid/dist/mermaid.min.js");
    } catch {
        throw new Error(
            "the HTML report needs the npm package mermaid (a dependency of eks-cilium-istio): run `npm ci`",
        );
    }
    // Inside <script>, only "</script" could end the element early; the bundle has none today, and never will here.
    return fs.readFileSync(file, "utf8").replace(/<\/(script)/gi, "<\\/$1");
}

const STYLE = `
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 2rem; color: #1f2328; max-width: 90rem; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.3rem; margin-top: 2rem; } h3 { font-size: 1.1rem; } h4 { font-size: 1rem; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; font-size: 0.85rem; }
th, td { border: 1px solid #d0d7de; padding: 0.3rem 0.6rem; text-align: left; vertical-align: top; }
th { background: #f6f8fa; cursor: pointer; user-select: none; white-space: nowrap; }
th[aria-sort="ascending"]::after { content: " \\25B2"; } th[aria-sort="descending"]::after { content: " \\25BC"; }
code { background: #f6f8fa; padding: 0.1rem 0.3rem; border-radius: 4px; }
pre.mermaid { background: #fff; }
.map-error { color: #d1242f; }
`;

/** Sorts a table by the clicked column (numbers as numbers), ascending then descending. */
const SORT_SCRIPT = `
for (const table of document.querySelectorAll("table.sortable")) {
    const headers = [...table.tHead.rows[0].cells];
    headers.forEach((th, column) => th.addEventListener("click", () => {
        const ascending = th.getAttribute("aria-sort") !== "ascending";
        headers.forEach((h) => h.removeAttribute("aria-sort"));
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        const body = table.tBodies[0];
        const key = (row) => row.cells[column].textContent.trim();
        const rows = [...body.rows].sort((a, b) => {
            const [x, y] = [key(a), key(b)];
            const numeric = x !== "" && y !== "" && !isNaN(Number(x)) && !isNaN(Number(y));
            const order = numeric ? Number(x) - Number(y) : x.localeCompare(y);
            return ascending ? order : -order;
        });
        body.append(...rows);
    }));
}
`;

const MAP_SCRIPT = `
mermaid.initialize({ startOnLoad: false, securityLevel: "strict" });
mermaid.run({ querySelector: "pre.mermaid" }).then(
    () => { document.body.dataset.flowMap = "rendered"; },
    (error) => {
        document.body.dataset.flowMap = "failed";
        for (const pre of document.querySelectorAll("pre.mermaid")) {
            const message = document.createElement("p");
            message.className = "map-error";
            message.textContent = "The flow map could not be drawn: " + (error && error.message ? error.message : error);
            pre.after(message);
        }
    },
);
`;

function inline(part: Inline): string {
    if (typeof part === "string") {
        return htmlText(part);
    }
    return "strong" in part ? `<strong>${htmlText(part.strong)}</strong>` : `<code>${htmlText(part.code)}</code>`;
}

function block(b: Block): string {
    switch (b.kind) {
        case "heading":
            return `<h${b.level}>${htmlText(b.text)}</h${b.level}>`;
        case "paragraph":
            return `<p>${b.inlines.map(inline).join("")}</p>`;
        case "table": {
            const cell = (tag: string) => (text: string) => `<${tag}>${htmlText(text).replace(/\n/g, "<br>")}</${tag}>`;
            return [
                '<table class="sortable">',
                `<thead><tr>${b.header.map(cell("th")).join("")}</tr></thead>`,
                "<tbody>",
                ...b.rows.map((row) => `<tr>${row.map(cell("td")).join("")}</tr>`),
                "</tbody></table>",
            ].join("\n");
        }
        case "flowchart":
            return `<pre class="mermaid">${htmlText(b.mermaid)}</pre>`;
    }
}

export function renderHtml(document: ReviewDocument): string {
    const hasMap = document.blocks.some((b) => b.kind === "flowchart");
    return [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        // Nothing is loaded from anywhere: scripts and styles are inline, images are the map Mermaid draws.
        `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; font-src data:">`,
        `<title>${htmlText(document.title)}</title>`,
        `<style>${STYLE}</style>`,
        "</head>",
        hasMap ? '<body data-flow-map="pending">' : '<body data-flow-map="none">',
        `<h1>${htmlText(document.title)}</h1>`,
        ...document.blocks.map(block),
        `<script>${SORT_SCRIPT}</script>`,
        ...(hasMap ? [`<script>${mermaidBundle()}</script>`, `<script>${MAP_SCRIPT}</script>`] : []),
        "</body>",
        "</html>",
        "",
    ].join("\n");
}
