/**
 * Escaping for what the review reports write (Markdown, HTML, Mermaid labels). Names, labels, reasons and messages come
 * from the stack files a command was given; none may inject markup into a pull-request comment or a page, or carry a
 * control character (an escape sequence, a bidirectional override) that would make text read as something it is not.
 * Control characters are written as their JSON escape (`\u001b`), as the terminal output writes them.
 */

/** C0 controls (newline and tab included: a table cell or a label is one line), DEL, C1, bidirectional controls. */
// eslint-disable-next-line no-control-regex -- control characters are what it matches
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

export function escapeControls(text: string): string {
    return text.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/**
 * Text for a Markdown paragraph or table cell (GitHub Flavored Markdown): HTML's special characters as entities,
 * backslash escapes for the punctuation that makes emphasis, code, links or table columns, lines joined with `<br>`.
 */
export function markdownText(text: string): string {
    return text
        .split("\n")
        .map((line) =>
            escapeControls(line)
                .replace(/&/g, "&amp;")
                .replace(/</g, "&lt;")
                .replace(/>/g, "&gt;")
                .replace(/[\\`*_[\]|~]/g, (c) => `\\${c}`),
        )
        .join("<br>");
}

/** Text for HTML element content or a quoted attribute; line breaks stay line breaks. */
export function htmlText(text: string): string {
    return text
        .split(/\r?\n/)
        .map((line) =>
            escapeControls(line)
                .replace(/&/g, "&amp;")
                .replace(/</g, "&lt;")
                .replace(/>/g, "&gt;")
                .replace(/"/g, "&quot;")
                .replace(/'/g, "&#39;"),
        )
        .join("\n");
}
