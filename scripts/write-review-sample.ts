/**
 * `npm run review-sample`: writes the README's sample review report — the demo's `l4` → `l7` without the mTLS fix, as
 * `diff --stack dev` writes it — to docs/review-sample.md, and its HTML page as Chromium shows it to
 * docs/review-sample.png, opened through scripts/report-browser.ts exactly as test/report-browser.spec.ts opens it.
 * test/review-report.spec.ts fails while docs/review-sample.md is not what diff writes today.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CommandIO, ExitCode } from "../engine/command-line";
import { diff } from "../engine/commands/diff";
import { PACKAGE_ROOT } from "../engine/package-root";
import { DEFAULT_CHROMIUM, chromiumPath, launchReportBrowser } from "./report-browser";

/** The demo's l4 → l7 diff without the fix: Cilium's new HTTP rule meets Istio's mTLS (docs/failure-modes.md#f6). */
export const REVIEW_SAMPLE_ARGS = [
    "--stack",
    "dev",
    "--base-config",
    "eks-cilium-istio:demoStage=l4",
    "--base-config",
    "eks-cilium-istio:demoMtlsFix=false",
    "--config",
    "eks-cilium-istio:demoStage=l7",
    "--config",
    "eks-cilium-istio:demoMtlsFix=false",
];

/** The page's width in the image: a pull-request page's. */
const VIEWPORT = { width: 1100, height: 800 };

const quiet: CommandIO = { stdout: () => undefined, stderr: (text) => process.stderr.write(text) };

async function writeSample(): Promise<void> {
    const docs = path.join(PACKAGE_ROOT, "docs");
    const executable = chromiumPath();
    if (executable === undefined) {
        throw new Error(`no Chromium at ${process.env.CHROMIUM_PATH || DEFAULT_CHROMIUM}: apt-get install -y chromium`);
    }
    const html = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "review-sample-")), "review-sample.html");
    const code = await diff(
        [...REVIEW_SAMPLE_ARGS, "--report", path.join(docs, "review-sample.md"), "--report", html],
        quiet,
    );
    if (code !== ExitCode.Ok) {
        throw new Error(`diff exited ${code}`);
    }
    const browser = await launchReportBrowser(executable);
    try {
        const opened = await browser.open(html, VIEWPORT);
        if (opened.flowMap !== "rendered") {
            throw new Error(`the flow map was not drawn (${opened.flowMap}): ${opened.errors.join("; ")}`);
        }
        await opened.page.screenshot({ path: path.join(docs, "review-sample.png"), fullPage: true });
        process.stderr.write("written: docs/review-sample.png\n");
    } finally {
        await browser.close();
        fs.rmSync(path.dirname(html), { recursive: true, force: true });
    }
}

if (require.main === module) {
    writeSample().catch((err) => {
        process.stderr.write(`error: ${(err as Error).message}\n`);
        process.exitCode = 2;
    });
}
