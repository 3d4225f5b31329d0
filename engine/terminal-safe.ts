/**
 * What the command line prints is read on a terminal, and much of it comes from files it was given (resource names,
 * label values, a policy's message): a name holding `ESC ]0;...BEL` or `ESC [2J` would retitle or clear the terminal,
 * a carriage return or a bidirectional override would make a line read as something it is not. Every such character
 * is printed as its JSON escape (`\u001b`) instead, on stdout and stderr alike: in the text report it reads as what
 * it is, and inside a `--json` document it is still valid JSON (JSON.stringify already escapes C0 controls; C1
 * controls and bidirectional marks it leaves raw). Newlines and tabs are the output's own layout and pass.
 */
import { CommandIO } from "./command-line";

/** C0 controls but tab and newline, DEL, C1 controls, and the Unicode bidirectional controls (UAX #9). */
// eslint-disable-next-line no-control-regex -- control characters are what it matches
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

export function escapeControlCharacters(text: string): string {
    return text.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** `io` with every control character escaped on its way out. */
export function terminalSafe(io: CommandIO): CommandIO {
    return {
        stdout: (text) => io.stdout(escapeControlCharacters(text)),
        stderr: (text) => io.stderr(escapeControlCharacters(text)),
    };
}
