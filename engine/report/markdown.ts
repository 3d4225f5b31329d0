/**
 * A review document as GitHub Flavored Markdown, to be posted as a pull-request comment as it is: tables, and the flow
 * map as a fenced `mermaid` block, which GitHub and GitLab render as a diagram. Every text is escaped (escape.ts).
 */
import { escapeControls, markdownText } from "./escape";
import { Block, Inline, ReviewDocument } from "./review-document";

function inline(part: Inline): string {
    if (typeof part === "string") {
        return markdownText(part);
    }
    if ("strong" in part) {
        return `**${markdownText(part.strong)}**`;
    }
    // A code span holds its text literally: only a backtick could end it, so it becomes a quote.
    return `\`${escapeControls(part.code.replace(/`/g, "'"))}\``;
}

function block(b: Block): string {
    switch (b.kind) {
        case "heading":
            return `${"#".repeat(b.level)} ${markdownText(b.text)}`;
        case "paragraph":
            return b.inlines.map(inline).join("");
        case "table": {
            const row = (cells: readonly string[]) => `| ${cells.map(markdownText).join(" | ")} |`;
            return [row(b.header), `|${b.header.map(() => "---").join("|")}|`, ...b.rows.map(row)].join("\n");
        }
        case "flowchart":
            return ["```mermaid", b.mermaid, "```"].join("\n");
    }
}

export function renderMarkdown(document: ReviewDocument): string {
    return `${[`## ${markdownText(document.title)}`, ...document.blocks.map(block)].join("\n\n")}\n`;
}
