/**
 * The review reports as files (engine/report/review.ts, markdown.ts, html.ts, flow-map.ts): `--report` of plan and
 * check, the flow map's two levels and its limits, escaping of what comes from a stack, tables cut for a pull-request
 * comment, and the HTML page holding everything it needs. test/report-browser.spec.ts opens the pages in a browser.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { tenantStackExport } from "../bench/tenant-stack";
import { ExitCode } from "../engine/command-line";
import { check } from "../engine/commands/check";
import { diff } from "../engine/commands/diff";
import { htmlText, markdownText } from "../engine/report/escape";
import { Flow, flowMap, mermaidLabel } from "../engine/report/flow-map";
import { renderMarkdown } from "../engine/report/markdown";
import { Report } from "../engine/report/report";
import { MAX_TABLE_ROWS, gateReview } from "../engine/report/review";
import { REVIEW_SAMPLE_ARGS } from "../scripts/write-review-sample";
import { captured } from "./captured-run";
import { FIXTURE_PACK } from "./fixture-pack";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "review-report-spec-"));
const FIXTURES = path.join(__dirname, "fixtures", "check");
const REPOSITORY = path.resolve(__dirname, "..");

const run = (command: typeof check, argv: string[]) => captured((io) => command(argv, io, FIXTURE_PACK));

function flow(from: string, to: string, code: Flow["code"], was?: Flow["was"], request = "GET /"): Flow {
    const [fromNs, fromName] = from.split("/");
    const [toNs, toName] = to.split("/");
    return {
        from: { namespace: fromNs, key: from, label: fromName },
        to: { namespace: toNs, key: `svc:${to}`, label: `${toName}:80` },
        request,
        code,
        ...(was ? { was } : {}),
    };
}

describe("review report: the flow map", () => {
    it("draws workloads in namespace groups: allowed solid, refused dashed, changed ones highlighted", () => {
        const map = flowMap([
            flow("red/netshoot", "blue/httpbin", "503", "200", "GET /ip"),
            flow("red/netshoot", "blue/httpbin", "503", "200", "GET /deny"),
            flow("blue/netshoot", "red/httpbin", "200"),
            flow("green/netshoot", "blue/httpbin", "000"),
        ]);
        assert.strictEqual(map.level, "workloads");
        assert.deepStrictEqual(map.notes, []);
        assert.strictEqual(
            map.mermaid,
            [
                "flowchart LR",
                '    subgraph ns0["red"]',
                '        n0["netshoot"]',
                '        n4(["httpbin:80"])',
                "    end",
                '    subgraph ns1["blue"]',
                '        n1["netshoot"]',
                '        n3(["httpbin:80"])',
                "    end",
                '    subgraph ns2["green"]',
                '        n2["netshoot"]',
                "    end",
                '    n0 -.->|"GET /ip 200 → 503, GET /deny 200 → 503"| n3',
                '    n1 -->|"GET / 200"| n4',
                '    n2 -.->|"GET / 000"| n3',
                "    linkStyle 0 stroke:#d73a49,stroke-width:3px",
            ].join("\n"),
        );
    });

    it("past its limits draws namespaces with the count of requests per edge, and says what it left out", () => {
        const flows = [
            flow("a/x", "b/s", "200"),
            flow("a/y", "b/s", "000"),
            flow("a/z", "b/s", "???"),
            flow("b/x", "c/s", "403", "200"),
            flow("c/x", "a/s", "000"),
        ];
        const map = flowMap(flows, { maxWorkloadNodes: 4, maxWorkloadEdges: 80, maxNamespaceEdges: 2 });
        assert.strictEqual(map.level, "namespaces");
        assert.strictEqual(
            map.mermaid,
            [
                "flowchart LR",
                '    ns0["b"]',
                '    ns1["c"]',
                '    ns2["a"]',
                '    ns0 -.->|"0 allowed, 1 denied, 1 changed"| ns1',
                '    ns2 -->|"1 allowed, 1 denied, 1 unknown"| ns0',
                "    linkStyle 0 stroke:#d73a49,stroke-width:3px",
            ].join("\n"),
            "changed pairs first, then those with an allowed request; c → a left out",
        );
        assert.deepStrictEqual(map.notes, [
            "8 workloads and Service ports make too large a map: namespaces are drawn instead, with the count of requests per edge",
            "1 of 3 namespace pairs are not drawn (changed pairs first, then those with an allowed request)",
        ]);
    });

    it("writes names into quoted labels with Mermaid's entity codes, control characters escaped", () => {
        assert.strictEqual(mermaidLabel('a"b#c<d>e&f`g|h\u001bi'), "a#quot;b#35;c#lt;d#gt;e#38;f#96;g#124;h\\u001bi");
    });
});

describe("review report: escaping what comes from a stack", () => {
    it("Markdown: no markup, no table column, no control character gets through", () => {
        assert.strictEqual(
            markdownText("<b>x</b> | *y* _z_ `c` [l](u) ~s~ \\ &amp;\nsecond\u001b[2J\u202e"),
            // `\\u001b` in Markdown reads as the six characters \u001b.
            "&lt;b&gt;x&lt;/b&gt; \\| \\*y\\* \\_z\\_ \\`c\\` \\[l\\](u) \\~s\\~ \\\\ &amp;amp;<br>second\\\\u001b\\[2J\\\\u202e",
        );
    });

    it("HTML: element content and attributes stay text", () => {
        assert.strictEqual(
            htmlText(`<script>alert("x")</script> & 'y'\u0007`),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;\\u0007",
        );
    });
});

describe("review report: --report of plan and check", function () {
    this.timeout(120_000);

    it("check --report FILE.md writes Markdown a CI job posts as it is: summary, violations, connectivity, map, critical path", async () => {
        const out = path.join(dir, "check.md");
        const result = await run(check, [path.join(FIXTURES, "stack-export.json"), "--report", out]);
        assert.strictEqual(result.code, ExitCode.Violation, result.stderr);
        assert.match(result.stderr, new RegExp(`Markdown report written to ${out}`));
        const markdown = fs.readFileSync(out, "utf8");
        const headings = [...markdown.matchAll(/^#{2,4} (.*)$/gm)].map((m) => m[1]);
        assert.deepStrictEqual(
            headings.map((h) => h.replace(/\d+/g, "N")),
            [
                `Check of ${path.join(FIXTURES, "stack-export.json")} (policy pack offline-engine-fixture@N.N.N): stack prod`,
                "Policy violations: N (N mandatory)",
                "Predicted connectivity",
                "Flow map",
                "Critical path",
            ].map((h) => h.replace(/\d+/g, "N")),
        );
        assert.match(markdown, /\| level \| policy \| resource \| message \|\n\|---\|---\|---\|---\|\n\| mandatory \|/);
        // The text report and the Markdown one say the same.
        const text = await run(check, [path.join(FIXTURES, "stack-export.json"), "--json"]);
        const report: Report = JSON.parse(text.stdout);
        assert.match(
            markdown,
            new RegExp(
                `\\*\\*${report.violations.length} policy violations \\(\\d+ mandatory\\)\\*\\* · ${report.connectivity.length} requests predicted`,
            ),
        );
    });

    it("check --report FILE.html writes one page that needs nothing else: inline styles and scripts, Mermaid's bundle, no address", async () => {
        const out = path.join(dir, "check.html");
        const stack = path.join(dir, "tenants.json");
        fs.writeFileSync(stack, JSON.stringify(tenantStackExport(2, new Date(0))));
        const result = await run(check, [stack, "--report", out]);
        assert.match(result.stderr, /HTML report written to/);
        const html = fs.readFileSync(out, "utf8");
        assert.match(html, /^<!DOCTYPE html>\n/);
        assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; /);
        // The scripts' own text (Mermaid's bundle writes markup of its own) aside, no element loads anything.
        const markup = html.replace(/<script>[\s\S]*?<\/script>/g, "<script></script>");
        assert.doesNotMatch(markup, /\s(src|href)=/i, "nothing loaded from elsewhere");
        assert.strictEqual((markup.match(/<script>/g) ?? []).length, 3, "sorting, Mermaid, the map: all inline");
        const bundle = fs.readFileSync(require.resolve("mermaid/dist/mermaid.min.js"), "utf8");
        assert.ok(
            html.includes(bundle.slice(0, 2000)) && html.length > bundle.length,
            "Mermaid's bundle is in the page",
        );
        assert.match(html, /<pre class="mermaid">flowchart LR\n/);
        assert.match(html, /<table class="sortable">/);
    });

    it("refuses a --report that is neither Markdown nor HTML, before the pack starts", async () => {
        const result = await run(check, [path.join(FIXTURES, "stack-export.json"), "--report", "out.pdf"]);
        assert.strictEqual(result.code, ExitCode.Error);
        assert.match(result.stderr, /--report "out\.pdf" must end in \.md, \.markdown, \.html, \.htm/);
        assert.strictEqual(result.stdout, "");
    });

    it(`cuts each table at ${MAX_TABLE_ROWS} rows for a pull-request comment, saying how many it left out`, () => {
        const violations = Array.from({ length: MAX_TABLE_ROWS + 7 }, (_, i) => ({
            policy: "rule",
            level: "advisory" as const,
            urn: `urn:pulumi:s::p::kubernetes:core/v1:Namespace::ns-${i}`,
            message: "m",
        }));
        const markdown = renderMarkdown(
            gateReview({ stack: "s", resources: [], violations, connectivity: [], criticalPath: [] }, "Check"),
        );
        assert.strictEqual((markdown.match(/^\| advisory \|/gm) ?? []).length, MAX_TABLE_ROWS);
        assert.match(markdown, /7 more violations are not shown here; the command's --json output has them all\./);
        assert.match(markdown, /### Flow map\n\nNo request to draw\./);
    });
});

describe("the README's sample review report", function () {
    this.timeout(120_000);

    it("is what diff writes for the demo's l4 → l7 (docs/review-sample.md; `npm run review-sample` writes it and its image)", async () => {
        const out = path.join(dir, "sample.md");
        let stderr = "";
        const code = await diff([...REVIEW_SAMPLE_ARGS, "--report", out], {
            stdout: () => undefined,
            stderr: (t) => {
                stderr += t;
            },
        });
        assert.strictEqual(code, ExitCode.Ok, stderr);
        assert.strictEqual(
            fs.readFileSync(out, "utf8"),
            fs.readFileSync(path.join(REPOSITORY, "docs", "review-sample.md"), "utf8"),
            "docs/review-sample.md is stale: run `npm run build && npm run review-sample`",
        );
        assert.ok(fs.statSync(path.join(REPOSITORY, "docs", "review-sample.png")).size > 20_000);
    });
});
