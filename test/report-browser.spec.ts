/**
 * The HTML review reports opened in headless Chromium (Debian's `chromium`, driven by playwright-core through
 * scripts/report-browser.ts, one browser for every case here): the flow map is drawn (an SVG with the demo's
 * namespaces), Mermaid's own parser accepts every map the Markdown and HTML reports write (its parser needs a DOM, so
 * it runs here, in the page), the tables sort, nothing is loaded from the network, names from a hostile stack stay
 * text, and a screenshot is written under the test's temporary folder.
 *
 * Without a browser the cases are skipped with a message saying how to run them; under CI (`CI` set) a missing browser
 * fails them instead: .ci/run installs it.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ExitCode } from "../engine/command-line";
import { check } from "../engine/commands/check";
import { diff } from "../engine/commands/diff";
import { PROJECT_LOCATIONS, plan } from "../engine/commands/plan";
import { Report } from "../engine/report/report";
import { gateReview } from "../engine/report/review";
import { writeReviewReport } from "../engine/report/review-document";
import {
    DEFAULT_CHROMIUM,
    OpenReport,
    ReportBrowser,
    chromiumPath,
    launchReportBrowser,
    mermaidBlocks,
    mermaidParseError,
} from "../scripts/report-browser";
import { REVIEW_SAMPLE_ARGS } from "../scripts/write-review-sample";
import { captured } from "./captured-run";
import { stackExportOf } from "./upstream-stack";
import { ciliumRelease, deployment, namespace } from "../policies/test/fixtures";
import { fromFixtures, serviceObject } from "./upstream-stack";

const DEMO = ["--stack", "dev", "--config", "eks-cilium-istio:demoMtlsFix=false"];
const HOSTILE = 'web"><img src=x onerror=alert(1)>|`**x**`#1;\u001b[2J\u202e';

/** SVG facts of the drawn map: group labels, node labels, edges drawn in the changed style. */
async function svgFacts(page: OpenReport["page"]) {
    return page.evaluate(() => {
        const document = (globalThis as any).document;
        const texts = (selector: string) =>
            [...document.querySelectorAll(selector)].map((e: any) => e.textContent.trim()).sort();
        return {
            svgs: document.querySelectorAll("pre.mermaid svg").length,
            clusters: texts("svg g.cluster > g.cluster-label"),
            nodes: texts("svg g.node"),
            highlighted: [...document.querySelectorAll("svg path")].filter((p: any) =>
                /stroke:\s*#d73a49/.test(p.getAttribute("style") ?? ""),
            ).length,
            scripts: document.querySelectorAll("script").length,
            injected: document.querySelectorAll("img, [onerror]").length,
        };
    });
}

describe("review reports in headless Chromium", function () {
    this.timeout(300_000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "report-browser-spec-"));
    let browser: ReportBrowser | undefined;
    const file = (name: string) => path.join(dir, name);

    before(async function () {
        const executable = chromiumPath();
        if (executable === undefined) {
            const how =
                `no Chromium at ${process.env.CHROMIUM_PATH || DEFAULT_CHROMIUM}: install Debian's package ` +
                "(apt-get install -y chromium) or set CHROMIUM_PATH, then run npx mocha test/report-browser.spec.ts";
            if (process.env.CI) {
                throw new Error(`${how} (.ci/run installs it)`);
            }
            console.warn(`    skipped: ${how}`);
            this.skip();
        }
        // The reports, written by the commands as users run them.
        // The README's sample: its image is this page, as scripts/write-review-sample.ts opens it.
        const diffRun = await captured((io) => diff([...REVIEW_SAMPLE_ARGS, "--report", file("diff.html")], io));
        assert.strictEqual(diffRun.code, ExitCode.Ok, diffRun.stderr);
        const planRun = await captured((io) =>
            plan([...DEMO, "--out", file("l7.json"), "--report", file("plan.md"), "--json"], io, PROJECT_LOCATIONS),
        );
        assert.ok(planRun.code === ExitCode.Ok || planRun.code === ExitCode.Violation, planRun.stderr);
        const checkRun = await captured((io) => check([file("l7.json"), "--report", file("check.html")], io));
        assert.match(checkRun.stderr, /HTML report written to/);
        // The same plan with a namespace map, as a large stack gets it.
        const report: Report = JSON.parse(planRun.stdout);
        const namespaceMap = gateReview(report, "Offline plan", {
            maxWorkloadNodes: 0,
            maxWorkloadEdges: 0,
            maxNamespaceEdges: 150,
        });
        writeReviewReport(file("namespaces.html"), namespaceMap);
        writeReviewReport(file("namespaces.md"), namespaceMap);
        // A stack whose names carry markup and control characters.
        const hostile = [
            ...fromFixtures(ciliumRelease(), namespace("evil"), deployment("evil", HOSTILE)),
            serviceObject("evil", "api", { app: HOSTILE }),
        ];
        fs.writeFileSync(file("hostile.json"), JSON.stringify(stackExportOf(hostile)));
        const hostileRun = await captured((io) =>
            check([file("hostile.json"), "--report", file("hostile.md"), "--report", file("hostile.html")], io),
        );
        for (const name of ["hostile.md", "hostile.html"]) {
            assert.ok(fs.existsSync(file(name)), hostileRun.stderr);
        }
        browser = await launchReportBrowser(executable!);
    });

    after(async () => {
        await browser?.close();
    });

    it("draws the demo's diff: one group per namespace of the demo, the changed edges highlighted; screenshot written", async () => {
        const opened = await browser!.open(file("diff.html"));
        assert.deepStrictEqual([opened.flowMap, opened.errors], ["rendered", []]);
        const facts = await svgFacts(opened.page);
        assert.strictEqual(facts.svgs, 1);
        assert.deepStrictEqual(facts.clusters, ["blue", "green", "red"]);
        assert.deepStrictEqual(facts.nodes, ["httpbin:80", "httpbin:80", "netshoot", "netshoot", "netshoot"]);
        assert.strictEqual(facts.highlighted, 2, "red → blue and blue → blue changed");
        const screenshot = file("diff.png");
        await opened.page.screenshot({ path: screenshot, fullPage: true });
        const png = fs.readFileSync(screenshot);
        assert.deepStrictEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], "a PNG");
        assert.ok(png.length > 20_000, `a page's worth of pixels (${png.length} bytes)`);
        await opened.page.close();
    });

    it("draws a large stack's map with one node per namespace of the demo", async () => {
        const opened = await browser!.open(file("namespaces.html"));
        assert.strictEqual(opened.flowMap, "rendered");
        const facts = await svgFacts(opened.page);
        assert.deepStrictEqual(facts.clusters, []);
        assert.deepStrictEqual(facts.nodes, ["blue", "green", "red"]);
        await opened.page.close();
    });

    it("Mermaid's own parser accepts every map the reports write, Markdown and HTML, hostile names included", async () => {
        const opened = await browser!.open(file("check.html"));
        assert.strictEqual(opened.flowMap, "rendered");
        const maps = [
            ...["plan.md", "namespaces.md", "hostile.md"].flatMap((name) =>
                mermaidBlocks(fs.readFileSync(file(name), "utf8")),
            ),
        ];
        assert.strictEqual(maps.length, 3, "one map per report");
        for (const map of maps) {
            assert.strictEqual(await mermaidParseError(opened.page, map), undefined, map);
        }
        // The parser is really at work: a broken map is refused.
        assert.match((await mermaidParseError(opened.page, 'flowchart LR\n    n0 -->|"x"|'))!, /Parse error/);
        await opened.page.close();
    });

    it("keeps a hostile stack's names as text: no markup injected, the map still drawn", async () => {
        const opened = await browser!.open(file("hostile.html"));
        assert.deepStrictEqual([opened.flowMap, opened.errors], ["rendered", []]);
        const facts = await svgFacts(opened.page);
        assert.strictEqual(facts.injected, 0, "no <img> and no onerror attribute came from a name");
        assert.strictEqual(facts.scripts, 3, "the page's own scripts: sorting, Mermaid, the map");
        const text: string = await opened.page.evaluate(() => (globalThis as any).document.body.innerText);
        assert.ok(text.includes('web"><img src=x onerror=alert(1)>'), "the name reads as it is written");
        assert.ok(text.includes("\\u001b[2J") && !text.includes("\u001b"), "control characters are escaped");
        assert.ok(
            facts.nodes.some((n) => n.includes("<img src=x onerror=alert(1)>")),
            facts.nodes.join("\n"),
        );
        await opened.page.close();
    });

    it("sorts a table by the header clicked, numbers as numbers, ascending then descending", async () => {
        const opened = await browser!.open(file("check.html"));
        const column = (header: string) =>
            opened.page.evaluate((name) => {
                const document = (globalThis as any).document;
                const table = [...document.querySelectorAll("table.sortable")].find((t: any) =>
                    [...t.tHead.rows[0].cells].some((c: any) => c.textContent === name),
                ) as any;
                const index = [...table.tHead.rows[0].cells].findIndex((c: any) => c.textContent === name);
                return [...table.tBodies[0].rows].map((r: any) => r.cells[index].textContent);
            }, header);
        const before = await column("code");
        await opened.page.click("th:text-is('code')");
        const ascending = await column("code");
        await opened.page.click("th:text-is('code')");
        const descending = await column("code");
        assert.deepStrictEqual(ascending, [...before].sort());
        assert.deepStrictEqual(descending, [...before].sort().reverse());
        assert.notDeepStrictEqual(ascending, descending);
        await opened.page.close();
    });

    it("loads nothing from the network", () => {
        assert.deepStrictEqual(browser!.blockedRequests, []);
    });
});
