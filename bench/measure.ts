/**
 * How `npm run bench` measures one run of a command: wall time from spawning it to its exit, and the peak
 * resident memory of every Node process it runs (the command and the policy pack it spawns), recorded by
 * bench/rss-probe.js, which NODE_OPTIONS preloads into each of them. Peak RSS is the sum of each process's own peak:
 * the processes overlap for most of a run, so this is the memory the command needs at its worst, rounded up.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PACKAGE_ROOT } from "../engine/package-root";

/** Beside this module's source: the build (bin/bench) compiles TypeScript only, and the probe is JavaScript. */
const PROBE = path.join(PACKAGE_ROOT, "bench", "rss-probe.js");
/** How long to wait for processes the command left behind (the pack it stopped) to write their peak. */
const PROBE_WAIT_MS = 5_000;

export interface CommandRun {
    wallMs: number;
    peakRssMb: number;
    exitCode: number;
}

/** What to run: a shell command line (an npm script's), or a program and its arguments. */
export interface Command {
    line?: string;
    file?: string;
    args?: string[];
    cwd: string;
}

function readProbe(file: string): { started: Set<string>; peaks: Map<string, number> } {
    const started = new Set<string>();
    const peaks = new Map<string, number>();
    const text = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
    for (const line of text.split("\n")) {
        const [event, pid, kib] = line.split(" ");
        if (event === "start") {
            started.add(pid);
        } else if (event === "end") {
            peaks.set(pid, Number(kib));
        }
    }
    return { started, peaks };
}

/** Waits until every process that started has recorded its peak, then sums the peaks (MiB). */
async function probedPeakMb(file: string): Promise<number> {
    const deadline = Date.now() + PROBE_WAIT_MS;
    for (;;) {
        const { started, peaks } = readProbe(file);
        if ([...started].every((pid) => peaks.has(pid)) || Date.now() > deadline) {
            if (started.size === 0) {
                throw new Error("no Node process of the command reported its memory (is NODE_OPTIONS honoured?)");
            }
            return [...peaks.values()].reduce((sum, kib) => sum + kib, 0) / 1024;
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
    }
}

/** Quotes one argument for a POSIX shell. */
export function shellQuote(arg: string): string {
    return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/**
 * Runs the command once with its output discarded (a large report written to a terminal would be measured as
 * terminal speed) and its errors kept for the message should it fail.
 */
export async function measure(command: Command): Promise<CommandRun & { stderr: string }> {
    const probeFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "bench-rss-")), "peaks");
    const env = {
        ...process.env,
        // As npm does for scripts: the repository's own binaries (ts-node, tsc) come first.
        PATH: `${path.join(command.cwd, "node_modules", ".bin")}${path.delimiter}${process.env.PATH ?? ""}`,
        // NODE_OPTIONS takes double quotes around a path with spaces.
        NODE_OPTIONS:
            `${process.env.NODE_OPTIONS ?? ""} --require ${/\s/.test(PROBE) ? JSON.stringify(PROBE) : PROBE}`.trim(),
        BENCH_RSS_FILE: probeFile,
    };
    const start = process.hrtime.bigint();
    const child =
        command.line !== undefined
            ? spawn(command.line, [], { cwd: command.cwd, env, shell: true, stdio: ["ignore", "ignore", "pipe"] })
            : spawn(command.file!, command.args ?? [], { cwd: command.cwd, env, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
        stderr += chunk;
    });
    const exitCode = await new Promise<number>((resolve, reject) => {
        child.once("error", reject);
        child.once("exit", (code, signal) => resolve(code ?? (signal ? 128 : 1)));
    });
    const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
    try {
        return { wallMs, peakRssMb: await probedPeakMb(probeFile), exitCode, stderr };
    } finally {
        fs.rmSync(path.dirname(probeFile), { recursive: true, force: true });
    }
}

/** A figure over several runs. */
export interface Stat {
    median: number;
    min: number;
    max: number;
}

export function stat(values: readonly number[]): Stat {
    if (values.length === 0) {
        throw new Error("no runs to summarise");
    }
    const sorted = [...values].sort((a, b) => a - b);
    const middle = Math.floor(sorted.length / 2);
    const median = sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    return { median, min: sorted[0], max: sorted[sorted.length - 1] };
}
