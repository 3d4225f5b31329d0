/**
 * `npm run explain -- <probe> [--stack NAME [--config KEY=VALUE]... | --file EXPORT] [--json]`
 *
 * One probe, the whole decision step by step, in the manner of `cilium policy trace` and `istioctl x authz check`:
 * the client's and the server's data planes, name resolution, the transport, each hop's egress and ingress policies
 * (which rule matched or why none did), the HTTP rules, the mTLS decision, the authorization policies, the code.
 * The stack is the project's program run on the mock runtime (`--stack`, as plan runs it; nothing is deployed) or a
 * `pulumi stack export` / `pulumi preview --json` file (`--file`, as check reads it). The policy pack is not run.
 */
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
import { ProbeAnswer, predictProbes } from "cilium-istio-guard/connectivity/connectivity";
import { ProbeError, parseProbe } from "cilium-istio-guard/connectivity/probe";
import { PROBE_SYNTAX } from "../probe-flags";
import { modelResources } from "../stack-gate";
import { readStateFile } from "../state/state-files";
import { DEFAULT_STACK, PROJECT_LOCATIONS, PlanLocations, exportProgramStack, readStackConfig } from "./plan";

const FLAGS: readonly FlagSpec[] = [
    {
        name: "stack",
        value: "NAME",
        help: `Run the project's program for this stack on the mock runtime. Default: ${DEFAULT_STACK}.`,
    },
    {
        name: "config",
        value: "KEY=VALUE",
        repeatable: true,
        help: "With --stack: set a config value over the stack file (e.g. eks-cilium-istio:demoStage=l4).",
    },
    {
        name: "file",
        value: "EXPORT",
        help: "Read the stack from a `pulumi stack export` or `pulumi preview --json` file instead.",
    },
    { name: "json", help: "Print the answer with its steps as one JSON document." },
];

/** The explanation as text: the probe, numbered steps, the answer. */
function renderExplanation(answer: ProbeAnswer, source: string): string {
    const lines = [`Probe: ${answer.probe}`, `Stack: ${source}`, ""];
    const steps = answer.steps.filter((s) => s.step !== "result");
    const width = String(steps.length).length;
    steps.forEach((s, i) => {
        lines.push(`${String(i + 1).padStart(width)}. ${s.step}: ${s.detail}`);
        for (const urn of s.decidedBy) {
            lines.push(`${" ".repeat(width + 2)}  (${urn})`);
        }
    });
    lines.push("", `Answer: ${answer.code}  ${answer.reason}`);
    return `${lines.join("\n")}\n`;
}

export function explain(
    argv: readonly string[],
    io: CommandIO = processIO,
    locations: PlanLocations = PROJECT_LOCATIONS,
): Promise<ExitCode> {
    return runCommand(argv, io, async () => {
        const flags = parseFlags(argv, FLAGS);
        if (flags.positionals.length === 0) {
            throw new UsageError(`explain takes one probe: ${PROBE_SYNTAX}`);
        }
        // The probe may come quoted (one argument) or as its three words.
        let probe;
        try {
            probe = parseProbe(flags.positionals.join(" "));
        } catch (err) {
            throw err instanceof ProbeError ? new UsageError(err.message) : err;
        }
        const file = singleValue(flags, "file");
        if (file !== undefined && (flags.values.has("stack") || flags.values.has("config"))) {
            throw new UsageError(
                "--file reads a stack from a file; --stack and --config run the program: give one or the other",
            );
        }
        let resources;
        let source: string;
        if (file !== undefined) {
            const state = readStateFile(path.resolve(file));
            resources = state.resources;
            source = `${state.stack} (${file})`;
        } else {
            const {
                project,
                config,
                stack: { stack },
            } = readStackConfig(
                path.resolve(locations.projectDir),
                singleValue(flags, "stack") ?? DEFAULT_STACK,
                flags.values.get("config") ?? [],
            );
            const note = (text: string) => io.stderr(`note: ${text}\n`);
            resources = (await exportProgramStack(project, stack, config, note)).deployment.resources;
            source = `${stack} (the program on the mock runtime)`;
        }
        let answer: ProbeAnswer;
        try {
            [answer] = predictProbes(modelResources(resources), [probe]);
        } catch (err) {
            throw err instanceof ProbeError ? new UsageError(err.message) : err;
        }
        io.stdout(
            flags.switches.has("json") ? `${JSON.stringify(answer, null, 2)}\n` : renderExplanation(answer, source),
        );
        return ExitCode.Ok;
    });
}

export const explainCommand: CommandSpec = {
    name: "explain",
    summary: "Explain, step by step, what one request between two workloads of a stack gets.",
    positionals: "PROBE",
    description:
        `Predicts one probe, ${PROBE_SYNTAX}, on a stack (the program run on the mock runtime, or a stack file) and prints ` +
        "every step of the decision: the client's and the server's data planes, name resolution, the transport, each " +
        "Cilium egress and ingress policy considered and the rule that matched or why none did, Cilium's HTTP rules, the mTLS " +
        "decision, Istio's authorization policies, and the code curl would print (200, 403, 503, 000; ??? when undecided).",
    flags: FLAGS,
    exitCodes: {
        0: "the probe was predicted (whatever its code)",
        1: "not used by explain: every answer, an undecided one too, exits 0",
        2: "bad usage, a probe naming what the stack does not have, bad config or a program error",
    },
    examples: ['explain "red/netshoot GET http://httpbin.blue/ip" --stack dev --config eks-cilium-istio:demoStage=l7'],
    run: (argv, io) => explain(argv, io),
};
