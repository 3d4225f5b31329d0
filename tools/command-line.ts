/**
 * Flag parsing and exit handling shared by `npm run plan`, `npm run check` and `npm run verify` (issue 4).
 *
 * Exit codes are part of the interface: 0 clean, 1 a mandatory policy violation (or, for verify, an observed answer
 * that differs from the prediction), 2 bad usage, bad config or a program error. A command prints the message of an
 * error and only shows its stack trace with `--verbose`.
 */

export const ExitCode = {
    Ok: 0,
    Violation: 1,
    Error: 2,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Bad flags, a bad config file or bad config values: the message is the whole story, no stack trace. */
export class UsageError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "UsageError";
    }
}

/** Where a command writes; tests pass collectors, the CLI passes the process streams. */
export interface CommandIO {
    stdout(text: string): void;
    stderr(text: string): void;
}

export const processIO: CommandIO = {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
};

export interface FlagSpec {
    /** Flags that take a value (`--stack dev` or `--stack=dev`); repeated flags keep every value. */
    valued: readonly string[];
    /** Flags that take none (`--json`). */
    boolean: readonly string[];
}

export interface ParsedFlags {
    positionals: string[];
    values: Map<string, string[]>;
    switches: Set<string>;
}

export function parseFlags(argv: readonly string[], spec: FlagSpec): ParsedFlags {
    const parsed: ParsedFlags = { positionals: [], values: new Map(), switches: new Set() };
    const known = [...spec.valued, ...spec.boolean].map((f) => `--${f}`).join(", ");
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        if (!arg.startsWith("--")) {
            parsed.positionals.push(arg);
            continue;
        }
        const eq = arg.indexOf("=");
        const name = arg.slice(2, eq < 0 ? undefined : eq);
        if (spec.boolean.includes(name)) {
            if (eq >= 0) {
                throw new UsageError(`--${name} takes no value (got "${arg}")`);
            }
            parsed.switches.add(name);
        } else if (spec.valued.includes(name)) {
            const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
            if (value === undefined || (eq < 0 && value.startsWith("--"))) {
                throw new UsageError(`--${name} needs a value`);
            }
            parsed.values.set(name, [...(parsed.values.get(name) ?? []), value]);
        } else {
            throw new UsageError(`unknown flag "${arg}"; allowed: ${known}`);
        }
    }
    return parsed;
}

/** The single value of a flag given at most once. */
export function singleValue(flags: ParsedFlags, name: string): string | undefined {
    const values = flags.values.get(name) ?? [];
    if (values.length > 1) {
        throw new UsageError(`--${name} was given ${values.length} times; give it once`);
    }
    return values[0];
}

/**
 * Runs a command's main function and turns what it throws into exit code 2 with a message (stack trace only with
 * `--verbose`), so every command fails the same way.
 */
export async function runCommand(
    argv: readonly string[], io: CommandIO, main: () => Promise<ExitCode>,
): Promise<ExitCode> {
    try {
        return await main();
    } catch (err) {
        const error = err instanceof Error ? err : new Error(String(err));
        io.stderr(`error: ${error.message}\n`);
        if (argv.includes("--verbose") && !(error instanceof UsageError) && error.stack) {
            io.stderr(`${error.stack}\n`);
        }
        return ExitCode.Error;
    }
}
