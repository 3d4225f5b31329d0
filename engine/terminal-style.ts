/**
 * Colour on a terminal, plain text everywhere else. The command line colours a few markers it writes itself at fixed
 * places (`error:`, `warning:` and `note:` at the start of a line, the level that starts each of the report's
 * violation lines, its UNRELIABLE flag) when the stream is a
 * TTY, `NO_COLOR` is unset or empty (https://no-color.org/) and `TERM` is not `dumb`. Piped, redirected or under
 * `NO_COLOR`, the output is byte for byte the plain text a CI log or a test gets.
 *
 * Colour is added where text leaves the process (command-line.ts `processIO`), after everything that shapes the text,
 * so nothing taken from a stack or a file can turn into a colour or be coloured as a marker.
 */

/** Whether text written to `stream` gets colour. */
export function wantsColour(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
    return stream.isTTY === true && !env.NO_COLOR && env.TERM !== "dumb";
}

const RESET = "\u001b[0m";

/** Each marker, anchored to whole lines or their starts, and its SGR colour. */
const MARKERS: readonly [RegExp, string][] = [
    [/^error:/gm, "\u001b[1;31m"],
    [/^warning:/gm, "\u001b[33m"],
    [/^note:/gm, "\u001b[2m"],
    [/^ {2}mandatory(?= {2})/gm, "\u001b[1;31m"],
    [/^ {2}advisory(?= {3})/gm, "\u001b[33m"],
    [/^ {2}UNRELIABLE:/gm, "\u001b[1;31m"],
];

/** `text` with its markers coloured. */
export function colourise(text: string): string {
    return MARKERS.reduce((out, [marker, colour]) => out.replace(marker, (m) => `${colour}${m}${RESET}`), text);
}
