/**
 * The secrets of a stack, so that nothing the engine prints shows one: every message a policy sends back, every
 * reason of the connectivity prediction, every warning and what a served pack printed pass through `redact`, which
 * prints `[secret]` where a secret's value stood. The value itself is still judged: the pack gets it as the policy
 * server would.
 *
 * Why here and not in the rules: @pulumi/policy's server opens secrets before a policy sees them (its deserialize.js
 * `deserializeProperties(..., false)` for Analyze and AnalyzeStack), so a rule cannot tell a secret from any other
 * value, and the same pack must behave alike in this process and served. The engine knows: it holds the stack's
 * state, where every secret is still wrapped (state/property-values.ts). So it marks them from there, and redacts by
 * value:
 * - a string secret wherever it appears quoted as JSON (`"…"`, how messages quote values), and unquoted where it is
 *   not part of a longer word (or anywhere, from SHORTEST_ANYWHERE characters up);
 * - a number or boolean secret where it stands as a word of its own;
 * - an object or list secret through each of its leaves.
 * A value that merely equals a secret is redacted too: the safe side.
 */
export const REDACTED = "[secret]";

/** Strings this long are redacted even inside a longer word: they are unlikely to be anything but the secret. */
const SHORTEST_ANYWHERE = 8;

function escapeRegExp(text: string): string {
    return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Not preceded or followed by a word character: the value stands on its own. */
function asWord(text: string): string {
    return `(?<![A-Za-z0-9_])${escapeRegExp(text)}(?![A-Za-z0-9_])`;
}

export class SecretValues {
    private readonly strings = new Set<string>();
    private readonly scalars = new Set<string>();
    private pattern: RegExp | undefined | null = null;

    /** Adds a secret's value (any JSON value); its leaves are what gets redacted. */
    add(value: unknown): void {
        const pending: unknown[] = [value];
        while (pending.length > 0) {
            const v = pending.pop();
            if (typeof v === "string") {
                if (v !== "") {
                    this.strings.add(v);
                }
            } else if (typeof v === "number" || typeof v === "boolean") {
                this.scalars.add(String(v));
            } else if (typeof v === "object" && v !== null) {
                pending.push(...(Array.isArray(v) ? v : Object.values(v)));
            }
        }
        this.pattern = null;
    }

    get size(): number {
        return this.strings.size + this.scalars.size;
    }

    private compiled(): RegExp | undefined {
        if (this.pattern === null) {
            // Longest first, so that a secret containing another is redacted whole.
            const strings = [...this.strings].sort((a, b) => b.length - a.length);
            const alternatives = [
                ...strings.map((s) => escapeRegExp(JSON.stringify(s))),
                ...strings.map((s) => (s.length >= SHORTEST_ANYWHERE ? escapeRegExp(s) : asWord(s))),
                ...[...this.scalars].map(asWord),
            ];
            this.pattern = alternatives.length > 0 ? new RegExp(alternatives.join("|"), "g") : undefined;
        }
        return this.pattern;
    }

    /** `text` with every secret value in it replaced by `[secret]`. */
    redact(text: string): string {
        const pattern = this.compiled();
        return pattern ? text.replace(pattern, REDACTED) : text;
    }
}
