/**
 * A review report (`--report FILE.md` or `FILE.html` of plan, check and diff) as blocks that both formats write:
 * Markdown a CI job posts as a pull-request comment as it is (markdown.ts), or one self-contained HTML page
 * (html.ts). The builders (review.ts) say what goes in; the writers only how it looks.
 */
import * as fs from "fs";
import * as path from "path";
import { UsageError } from "../command-line";
import { renderHtml } from "./html";
import { renderMarkdown } from "./markdown";

/** Text, or text set in bold or as code. */
export type Inline = string | { readonly strong: string } | { readonly code: string };

export type Block =
    | { readonly kind: "heading"; readonly level: 2 | 3 | 4; readonly text: string }
    | { readonly kind: "paragraph"; readonly inlines: readonly Inline[] }
    | { readonly kind: "table"; readonly header: readonly string[]; readonly rows: readonly (readonly string[])[] }
    | { readonly kind: "flowchart"; readonly mermaid: string };

export interface ReviewDocument {
    readonly title: string;
    readonly blocks: readonly Block[];
}

const FORMATS = { ".md": "markdown", ".markdown": "markdown", ".html": "html", ".htm": "html" } as const;
export type ReviewFormat = (typeof FORMATS)[keyof typeof FORMATS];

/** The format a `--report` file asks for, by its extension; anything else is a usage error, raised before any work. */
export function reviewFormat(file: string): ReviewFormat {
    const format = FORMATS[path.extname(file).toLowerCase() as keyof typeof FORMATS];
    if (format === undefined) {
        throw new UsageError(
            `--report "${file}" must end in ${Object.keys(FORMATS).join(", ")} (Markdown for a pull-request comment, or one HTML page)`,
        );
    }
    return format;
}

/** Writes the report in the format its name asks for; returns what was written, for the note on stderr. */
export function writeReviewReport(file: string, document: ReviewDocument): string {
    const format = reviewFormat(file);
    const text = format === "markdown" ? renderMarkdown(document) : renderHtml(document);
    fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    fs.writeFileSync(file, text);
    return `${format === "markdown" ? "Markdown" : "HTML"} report written to ${file}`;
}
