/**
 * Opens HTML review reports (engine/report/html.ts) in headless Chromium as a reader would, with nothing reachable but
 * the page itself: the browser spec (test/report-browser.spec.ts) and the README's sample image
 * (scripts/write-review-sample.ts) both go through here, so the image is what the spec checks.
 *
 * The browser is Debian's package `chromium` (`apt-get install -y chromium`: /usr/bin/chromium; `CHROMIUM_PATH` names
 * another), driven by playwright-core over the DevTools protocol, headless, with the flags below and a fresh profile
 * in a temporary folder. `close()` stops the browser and removes the profile; callers close it on every path (a
 * `finally`, mocha's `after`), and playwright-core itself stops the browser when this process exits or is signalled.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { BrowserContext, Page } from "playwright-core";

export const DEFAULT_CHROMIUM = "/usr/bin/chromium";

/** Launch flags: no GPU or sandbox in a container, and nothing that reaches the network on its own. */
export const CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
];

/** The browser to use, or undefined when there is none. */
export function chromiumPath(): string | undefined {
    const candidate = process.env.CHROMIUM_PATH || DEFAULT_CHROMIUM;
    return fs.existsSync(candidate) ? candidate : undefined;
}

/** A report open in a page, its flow map drawn (or failed). */
export interface OpenReport {
    readonly page: Page;
    /** `data-flow-map` of the page's body once Mermaid is done: "rendered", "failed", or "none" without a map. */
    readonly flowMap: string;
    /** Errors the page's scripts threw. */
    readonly errors: readonly string[];
}

export interface ReportBrowser {
    open(file: string, viewport?: { width: number; height: number }): Promise<OpenReport>;
    /** Every request a page tried beyond its own file (each refused). */
    readonly blockedRequests: readonly string[];
    close(): Promise<void>;
}

const MAP_TIMEOUT_MS = 60_000;

export async function launchReportBrowser(executablePath: string): Promise<ReportBrowser> {
    const { chromium } = await import("playwright-core");
    const profile = fs.mkdtempSync(path.join(os.tmpdir(), "report-browser-"));
    let context: BrowserContext;
    try {
        context = await chromium.launchPersistentContext(profile, {
            executablePath,
            headless: true,
            args: CHROMIUM_ARGS,
        });
    } catch (err) {
        fs.rmSync(profile, { recursive: true, force: true });
        throw err;
    }
    const blockedRequests: string[] = [];
    await context.route("**/*", (route) => {
        const url = route.request().url();
        if (url.startsWith("file:")) {
            return route.continue();
        }
        blockedRequests.push(url);
        return route.abort();
    });
    return {
        blockedRequests,
        async open(file, viewport = { width: 1200, height: 900 }) {
            const page = await context.newPage();
            const errors: string[] = [];
            page.on("pageerror", (error) => errors.push(error.message));
            await page.setViewportSize(viewport);
            await page.goto(`file://${path.resolve(file)}`);
            await page.waitForFunction(() => (globalThis as any).document.body.dataset.flowMap !== "pending", null, {
                timeout: MAP_TIMEOUT_MS,
            });
            const flowMap: string = await page.evaluate(() => (globalThis as any).document.body.dataset.flowMap);
            return { page, flowMap, errors };
        },
        async close() {
            try {
                await context.close();
            } finally {
                fs.rmSync(profile, { recursive: true, force: true });
            }
        },
    };
}

/** Mermaid's own parser on `text`, in a page that loaded Mermaid: undefined when it parses, else its message. */
export async function mermaidParseError(page: Page, text: string): Promise<string | undefined> {
    return page.evaluate(
        (source) =>
            (globalThis as any).mermaid.parse(source).then(
                () => undefined,
                (error: any) => String(error?.message ?? error),
            ),
        text,
    );
}

/** The ```mermaid blocks of a Markdown text. */
export function mermaidBlocks(markdown: string): string[] {
    return [...markdown.matchAll(/^```mermaid\n([\s\S]*?)\n```$/gm)].map((m) => m[1]);
}
