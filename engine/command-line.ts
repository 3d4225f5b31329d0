/**
 * What every subcommand of the `eks-cilium-istio` command line shares: its declared flags (parsed and documented from
 * one list, so `--help` can never drift from what the parser accepts), exit codes, and error handling.
 *
 * Exit codes are part of the interface: 0 clean, 1 a mandatory policy violation (or, for verify, an observed answer
 * that differs from the prediction), 2 bad usage, bad config or a program error. A command prints the message of an
 * error and only shows its stack trace with `--verbose`.
 */
import { colourise, wantsColour } from "./terminal-style";

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

/** The process's streams, coloured on a terminal only (terminal-style.ts). */
export const processIO: CommandIO = {
    stdout: (text) => process.stdout.write(wantsColour(process.stdout) ? colourise(text) : text),
    stderr: (text) => process.stderr.write(wantsColour(process.stderr) ? colourise(text) : text),
};

/** One flag a subcommand accepts, as `--help` documents it. */
export interface FlagSpec {
    /** Without the dashes: `stack` for `--stack`. */
    name: string;
    /** The value's placeholder (`NAME`, `FILE`) for a flag that takes one (`--stack dev`, `--stack=dev`); none for a switch. */
    value?: string;
    /** May be given more than once; every value is kept. */
    repeatable?: boolean;
    /** One sentence for `--help`, with the default where there is one. */
    help: string;
}

/** `--verbose` and `--help`: every subcommand takes them. */
export const COMMON_FLAGS: readonly FlagSpec[] = [
    { name: "verbose", help: "Print stack traces of errors and what the policy pack printed." },
    { name: "help", help: "Print this help and exit." },
];

/** A subcommand: its documentation and its entry point. */
export interface CommandSpec {
    name: string;
    /** One line for the command list. */
    summary: string;
    /** Positional arguments as the usage line shows them, e.g. `FILE`; empty for none. */
    positionals: string;
    /** A paragraph: what it does, what it reads and writes. */
    description: string;
    /** The flags besides COMMON_FLAGS. */
    flags: readonly FlagSpec[];
    /** What each exit code means for this command. */
    exitCodes: Readonly<Record<ExitCode, string>>;
    /** Command lines, without the program name. */
    examples: readonly string[];
    run(argv: readonly string[], io: CommandIO): Promise<ExitCode>;
}

export interface ParsedFlags {
    positionals: string[];
    values: Map<string, string[]>;
    switches: Set<string>;
}

/** The edit distance of two short words (flag and command names), for "did you mean". */
function editDistance(a: string, b: string): number {
    let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
        const current = [i];
        for (let j = 1; j <= b.length; j++) {
            current[j] = Math.min(
                previous[j] + 1,
                current[j - 1] + 1,
                previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1),
            );
        }
        previous = current;
    }
    return previous[b.length];
}

/** The candidate nearest to `word`, when it is near enough to be a likely typo. */
export function nearest(word: string, candidates: readonly string[]): string | undefined {
    let best: { candidate: string; distance: number } | undefined;
    for (const candidate of candidates) {
        const distance = editDistance(word, candidate);
        if (best === undefined || distance < best.distance) {
            best = { candidate, distance };
        }
    }
    return best !== undefined && best.distance <= Math.max(2, Math.floor(best.candidate.length / 3))
        ? best.candidate
        : undefined;
}

export function parseFlags(argv: readonly string[], flags: readonly FlagSpec[]): ParsedFlags {
    const all = [...flags, ...COMMON_FLAGS];
    const parsed: ParsedFlags = { positionals: [], values: new Map(), switches: new Set() };
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        if (!arg.startsWith("--")) {
            parsed.positionals.push(arg);
            continue;
        }
        const eq = arg.indexOf("=");
        const name = arg.slice(2, eq < 0 ? undefined : eq);
        const spec = all.find((f) => f.name === name);
        if (spec === undefined) {
            const suggestion = nearest(
                name,
                all.map((f) => f.name),
            );
            throw new UsageError(
                `unknown flag "${arg}"${suggestion ? `; did you mean --${suggestion}?` : ""} (allowed: ${all.map((f) => `--${f.name}`).join(", ")})`,
            );
        }
        if (spec.value === undefined) {
            if (eq >= 0) {
                throw new UsageError(`--${name} takes no value (got "${arg}")`);
            }
            parsed.switches.add(name);
            continue;
        }
        const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
        if (value === undefined || (eq < 0 && value.startsWith("--"))) {
            throw new UsageError(`--${name} needs a value (${spec.value})`);
        }
        if (!spec.repeatable && parsed.values.has(name)) {
            throw new UsageError(`--${name} was given more than once; give it once`);
        }
        parsed.values.set(name, [...(parsed.values.get(name) ?? []), value]);
    }
    return parsed;
}

/** The single value of a flag that is not repeatable. */
export function singleValue(flags: ParsedFlags, name: string): string | undefined {
    return flags.values.get(name)?.[0];
}

/** `--help` of one subcommand: usage, description, flags, exit codes, examples. */
export function renderHelp(program: string, command: CommandSpec): string {
    const flags = [...command.flags, ...COMMON_FLAGS];
    const left = flags.map((f) => `--${f.name}${f.value ? ` ${f.value}` : ""}`);
    const width = Math.max(...left.map((l) => l.length));
    const lines = [
        `Usage: ${program} ${command.name}${command.positionals ? ` ${command.positionals}` : ""} [flags]`,
        "",
        command.summary,
        "",
        command.description,
        "",
        "Flags:",
        ...flags.map((f, i) => `  ${left[i].padEnd(width)}  ${f.help}${f.repeatable ? " Repeatable." : ""}`),
        "",
        "Exit codes:",
        ...Object.entries(command.exitCodes).map(([code, meaning]) => `  ${code}  ${meaning}`),
        "",
        "Example:",
        ...command.examples.map((e) => `  ${program} ${e}`),
    ];
    return `${lines.join("\n")}\n`;
}

/**
 * Runs a command's main function and turns what it throws into exit code 2 with a message (stack trace only with
 * `--verbose`), so every command fails the same way. `--help` prints the command's help instead of running it.
 */
export async function runCommand(
    argv: readonly string[],
    io: CommandIO,
    main: () => Promise<ExitCode>,
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
