/**
 * `npm run verify -- [--kubeconfig FILE] [--context NAME] [--stack NAME] [--timeout SECONDS] [--total-timeout SECONDS]
 * [--verbose]`
 *
 * Against a live cluster that runs the demo: runs each of the demo's checks with kubectl,
 * `kubectl exec -n <from> deploy/netshoot -- curl -s -o /dev/null -m 1 -w "%{http_code}" http://httpbin.<to><path>`
 * (docs/cilium-istio-facts.md#demo), and prints the observed code beside the one the connectivity model predicts for
 * the stack (`--stack`, default dev, run on the mock runtime as plan does). Exit 1 when any observed code differs from
 * the prediction, 2 when kubectl cannot run a check at all (no cluster, no netshoot), 0 when all agree.
 *
 * curl prints `000` when no HTTP answer came back (timeout, reset) and exits non-zero; kubectl exec passes that exit
 * code on. So the code is read from stdout whatever the exit code; an empty stdout means the check never ran.
 */
import { spawn } from "child_process";
import * as path from "path";
import {
    CommandIO,
    CommandSpec,
    ExitCode,
    FlagSpec,
    UsageError,
    parseFlags,
    processIO,
    runCommand,
    singleValue,
} from "../command-line";
import { DemoAnswer, predictDemoChecks } from "cilium-istio-guard/connectivity/connectivity";
import { runProgramOnMocks } from "../mock/mock-deployment";
import { DEFAULT_STACK, PROJECT_LOCATIONS } from "./plan";
import { findProjectDir, loadStackConfig, readProject } from "../state/stack-config-files";
import { toStackExport } from "../state/stack-export";
import { checkStackProject, parseStackName } from "../state/stack-name";
import { modelResources } from "../stack-gate";
import { trackChild } from "../child-processes";

/**
 * Time-outs. A check is one `kubectl exec` running `curl -m 1`: on a reachable cluster it answers within a few
 * seconds; a kubectl that cannot reach the API server waits for TCP/TLS time-outs of minutes. The defaults bound the
 * whole command, with a kubectl that hangs, to the total time-out plus the offline run of the program (well under 60 s).
 */
export const DEFAULT_CHECK_TIMEOUT_S = 10;
export const DEFAULT_TOTAL_TIMEOUT_S = 40;
/** What the time-out flags accept: whole or decimal seconds, up to an hour. */
const MAX_TIMEOUT_S = 3600;
/** After SIGTERM, how long a stopped kubectl gets before SIGKILL. */
const KILL_GRACE_MS = 2000;

const FLAGS: readonly FlagSpec[] = [
    {
        name: "kubeconfig",
        value: "FILE",
        help: "The kubeconfig kubectl uses. Default: kubectl's own (KUBECONFIG, ~/.kube/config).",
    },
    { name: "context", value: "NAME", help: "The kubeconfig context kubectl uses. Default: the current context." },
    {
        name: "stack",
        value: "NAME",
        help: `The stack whose predictions the cluster is compared with: NAME, ORG/NAME or ORG/PROJECT/NAME. Default: ${DEFAULT_STACK}.`,
    },
    {
        name: "timeout",
        value: "SECONDS",
        help: `Per check: a kubectl that has not answered by then is stopped and the check reported not run. Default: ${DEFAULT_CHECK_TIMEOUT_S}.`,
    },
    {
        name: "total-timeout",
        value: "SECONDS",
        help:
            `All checks together: checks still running then are stopped, and checks not started are not run, all ` +
            `reported not run. Default: ${DEFAULT_TOTAL_TIMEOUT_S}.`,
    },
];

/** kubectl execs in flight at once: enough to overlap their round trips, few enough not to crowd the API server. */
const PARALLEL_CHECKS = 4;

export interface KubectlTarget {
    kubeconfig?: string;
    context?: string;
}

/** The kubectl arguments of one check (the command NamespaceDemo's `checks` output prints). */
export function checkArguments(target: KubectlTarget, from: string, to: string, urlPath: string): string[] {
    return [
        ...(target.kubeconfig ? ["--kubeconfig", target.kubeconfig] : []),
        ...(target.context ? ["--context", target.context] : []),
        "exec",
        "-n",
        from,
        "deploy/netshoot",
        "--",
        "curl",
        "-s",
        "-o",
        "/dev/null",
        "-m",
        "1",
        "-w",
        "%{http_code}",
        `http://httpbin.${to}${urlPath}`,
    ];
}

export interface Observation {
    /** The HTTP code curl printed, or undefined when the check did not run. */
    code?: string;
    /** kubectl's error output when the check did not run. */
    error?: string;
}

/** Reads one check's outcome from kubectl's output (see the module comment). */
export function parseObservation(
    stdout: string,
    stderr: string,
    exitCode: number | null,
    signal: NodeJS.Signals | null = null,
): Observation {
    const code = stdout.trim();
    if (/^\d{3}$/.test(code)) {
        return { code };
    }
    const ended = signal ? `was killed by ${signal}` : `exited with ${exitCode}`;
    const why = stderr.trim().split("\n")[0] || `kubectl ${ended} and printed ${JSON.stringify(code)}`;
    return { error: why };
}

/** A `--timeout`/`--total-timeout` value in seconds, as milliseconds. */
export function parseSeconds(flag: string, value: string | undefined, fallback: number): number {
    if (value === undefined) {
        return fallback * 1000;
    }
    const seconds = /^\d+(\.\d+)?$/.test(value) ? Number(value) : NaN;
    if (!(seconds > 0 && seconds <= MAX_TIMEOUT_S)) {
        throw new UsageError(
            `--${flag} ${JSON.stringify(value)} is not a number of seconds from 0 to ${MAX_TIMEOUT_S}`,
        );
    }
    return seconds * 1000;
}

/** Runs one check; a kubectl still running after `timeoutMs` is stopped (SIGTERM, then SIGKILL) and reported. */
function runKubectl(args: string[], env: NodeJS.ProcessEnv, timeoutMs: number, why: string): Promise<Observation> {
    return new Promise((resolve) => {
        const child = trackChild(spawn("kubectl", args, { env, stdio: ["ignore", "pipe", "pipe"] }));
        let stdout = "";
        let stderr = "";
        child.stdout.setEncoding("utf8").on("data", (d: string) => {
            stdout += d;
        });
        child.stderr.setEncoding("utf8").on("data", (d: string) => {
            stderr += d;
        });
        const timer = setTimeout(() => {
            child.kill("SIGTERM");
            setTimeout(
                () => child.exitCode === null && child.signalCode === null && child.kill("SIGKILL"),
                KILL_GRACE_MS,
            ).unref();
            resolve({ error: `kubectl did not answer within ${timeoutMs / 1000} s (${why}); stopped it` });
        }, timeoutMs);
        child.on("error", (err) => {
            clearTimeout(timer);
            resolve({ error: `cannot run kubectl: ${err.message}` });
        });
        child.on("close", (code, signal) => {
            clearTimeout(timer);
            resolve(parseObservation(stdout, stderr, code, signal));
        });
    });
}

export interface Comparison extends DemoAnswer {
    observed: Observation;
}

export function renderComparison(rows: readonly Comparison[]): string {
    const header = ["from", "to", "path", "predicted", "observed", ""];
    const table = rows.map((r) => [
        r.from,
        r.to,
        r.path,
        r.code,
        r.observed.code ?? "error",
        r.observed.code === undefined ? "NOT RUN" : r.observed.code === r.code ? "ok" : "DIFFERS",
    ]);
    const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
    const line = (cells: string[]) =>
        cells
            .map((c, i) => c.padEnd(widths[i]))
            .join("  ")
            .trimEnd();
    const out = [line(header), ...table.map(line)];
    // A cluster that cannot be reached fails every check the same way: each failure is printed once, with its count.
    const notRun = new Map<string, Comparison[]>();
    for (const r of rows) {
        if (r.observed.code === undefined) {
            const error = r.observed.error ?? "";
            notRun.set(error, [...(notRun.get(error) ?? []), r]);
        } else if (r.observed.code !== r.code) {
            out.push(
                `  ${r.from} -> httpbin.${r.to}${r.path}: predicted ${r.code} (${r.reason}); observed ${r.observed.code}`,
            );
        }
    }
    for (const [error, failed] of notRun) {
        const [first] = failed;
        out.push(
            failed.length === 1
                ? `  ${first.from} -> httpbin.${first.to}${first.path}: predicted ${first.code} (${first.reason}); not run: ${error}`
                : `  ${failed.length} checks not run: ${error}`,
        );
    }
    return `${out.join("\n")}\n`;
}

/** Options tests use to point the command at a fixture project and a kubectl stand-in. */
export interface VerifyOptions {
    projectDir: string;
    /** Environment for kubectl (PATH decides which kubectl runs). */
    env: NodeJS.ProcessEnv;
}

export function verify(
    argv: readonly string[],
    io: CommandIO = processIO,
    options: VerifyOptions = { projectDir: PROJECT_LOCATIONS.projectDir, env: process.env },
): Promise<ExitCode> {
    return runCommand(argv, io, async () => {
        const flags = parseFlags(argv, FLAGS);
        if (flags.positionals.length > 0) {
            throw new UsageError(`verify takes no positional arguments (got ${flags.positionals.join(" ")})`);
        }
        const stackFlag = singleValue(flags, "stack") ?? DEFAULT_STACK;
        const stackName = parseStackName(stackFlag);
        const stack = stackName.stack;
        const target: KubectlTarget = {
            kubeconfig: singleValue(flags, "kubeconfig"),
            context: singleValue(flags, "context"),
        };
        const checkTimeoutMs = parseSeconds("timeout", singleValue(flags, "timeout"), DEFAULT_CHECK_TIMEOUT_S);
        const totalTimeoutMs = parseSeconds(
            "total-timeout",
            singleValue(flags, "total-timeout"),
            DEFAULT_TOTAL_TIMEOUT_S,
        );

        const project = readProject(findProjectDir(options.projectDir));
        checkStackProject(stackName, project.name, stackFlag);
        const config = loadStackConfig(project, stack, []);
        const { registrations } = await runProgramOnMocks({
            project: project.name,
            stack,
            program: path.join(project.dir, project.main ?? ""),
            config,
            typescript: project.typescript,
        });
        const exported = await toStackExport(registrations, {
            project: project.name,
            stack,
            config: config.values,
            secretKeys: config.secretKeys,
            time: new Date(),
        });
        const predicted = predictDemoChecks(modelResources(exported.deployment.resources), {}, Infinity).answers;
        if (predicted.length === 0) {
            throw new UsageError(
                `stack ${stack} has no demo (no netshoot clients and httpbin services): nothing to verify`,
            );
        }

        const deadline = Date.now() + totalTimeoutMs;
        const observe = async (answer: DemoAnswer): Promise<Observation> => {
            const left = deadline - Date.now();
            if (left <= 0) {
                return { error: `not started: the checks' --total-timeout of ${totalTimeoutMs / 1000} s ran out` };
            }
            const args = checkArguments(target, answer.from, answer.to, answer.path);
            return left < checkTimeoutMs
                ? runKubectl(args, options.env, left, `--total-timeout ${totalTimeoutMs / 1000} s`)
                : runKubectl(args, options.env, checkTimeoutMs, "--timeout");
        };
        const rows: Comparison[] = [];
        for (let i = 0; i < predicted.length; i += PARALLEL_CHECKS) {
            const batch = predicted.slice(i, i + PARALLEL_CHECKS);
            rows.push(
                ...(await Promise.all(batch.map(async (answer) => ({ ...answer, observed: await observe(answer) })))),
            );
        }
        io.stdout(
            `Demo connectivity on the cluster${target.context ? ` (context ${target.context})` : ""}, stack ${stack}:\n`,
        );
        io.stdout(renderComparison(rows));
        if (rows.some((r) => r.observed.code === undefined)) {
            const failed = rows.find((r) => r.observed.code === undefined)!;
            throw new UsageError(
                `kubectl could not run every check (first: ${failed.from} -> httpbin.${failed.to}${failed.path}: ${failed.observed.error})`,
            );
        }
        return rows.every((r) => r.observed.code === r.code) ? ExitCode.Ok : ExitCode.Violation;
    });
}

export const verifyCommand: CommandSpec = {
    name: "verify",
    summary: "Run the demo's checks on a live cluster with kubectl and compare them with the predictions.",
    positionals: "",
    description:
        "Runs each of the demo's connectivity checks with `kubectl exec ... curl` on the cluster kubectl reaches, and prints " +
        "the observed code beside the one predicted for the stack (run on the mock runtime as plan does).",
    flags: FLAGS,
    exitCodes: {
        0: "every observed code is the predicted one",
        1: "an observed code differs",
        2: "bad usage, or kubectl could not run a check",
    },
    examples: ["verify --context my-eks --stack dev"],
    run: (argv, io) => verify(argv, io),
};
