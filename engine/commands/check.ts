/**
 * `eks-cilium-istio check FILE... [--policy-pack DIR] [--policy-pack-config FILE] [--json] [--served] [--verbose]`
 *
 * The plan's evaluation and prediction on a file instead of our program (the offline engine): a `pulumi stack export`
 * (deployment version 3) or the JSON `pulumi preview --json` prints, from any stack. Policies see each resource's
 * `inputs` in Analyze and its `outputs` in AnalyzeStack, each falling back to the other where a file lacks it.
 * Same output and exit codes as plan; a file that is not JSON or not one of the two formats exits 2.
 *
 * Several files (one stack per cluster, as teams run them) are judged as one mesh: their resources are evaluated
 * together, each attributed to its own stack by its URN (policies/README.md, "A mesh of clusters"), and one report
 * is printed. Two files of the same stack and project are refused: their resources could not be told apart.
 */
import * as path from "path";
import { CommandIO, CommandSpec, ExitCode, UsageError, parseFlags, processIO, runCommand } from "../command-line";
import { GATE_FLAGS, OUR_PACK } from "./plan";
import { rootStackUrn } from "../analyzer/policy-evaluation";
import { parseUrn } from "../state/stack-export";
import { PackLocation, gateStack, readGateFlags, startPack } from "../stack-gate";
import { readStateFile } from "../state/state-files";

export function check(
    argv: readonly string[],
    io: CommandIO = processIO,
    packLocation: PackLocation = OUR_PACK,
): Promise<ExitCode> {
    return runCommand(argv, io, async () => {
        const flags = parseFlags(argv, GATE_FLAGS);
        if (flags.positionals.length === 0) {
            throw new UsageError(
                "check takes one FILE or more (stack exports or `pulumi preview --json` outputs, one per stack), got none",
            );
        }
        const gateFlags = readGateFlags(flags);
        const read = flags.positionals.map((given) => ({ given, ...readStateFile(path.resolve(given)) }));
        const owners = new Map<string, string>();
        for (const { given, resources } of read) {
            const { stack, project } = parseUrn(rootStackUrn(resources));
            const owner = owners.get(`${stack}::${project}`);
            if (owner !== undefined) {
                throw new UsageError(
                    `${given} and ${owner} are both stack "${stack}" of project "${project}": check judges several stacks ` +
                        "together, one file per stack",
                );
            }
            owners.set(`${stack}::${project}`, given);
        }
        const resources = read.flatMap((r) => r.resources);
        const stack = read.map((r) => r.stack).join(", ");
        const { project } = parseUrn(rootStackUrn(read[0].resources));
        const pack = startPack(
            gateFlags.policyPack ?? packLocation,
            {
                organization: "",
                project,
                stack,
                dryRun: true,
                // A state file carries no stack config; the pack gets none, as it would for a stack without any.
                config: {},
                secretKeys: [],
                tags: { "pulumi:project": project },
            },
            gateFlags.served,
        );
        return gateStack(resources, {
            title: `Check of ${flags.positionals.join(", ")}`,
            stack,
            pack,
            io,
            ...gateFlags,
        });
    });
}

export const checkCommand: CommandSpec = {
    name: "check",
    summary: "Gate a stack export or `pulumi preview --json` output from any stack.",
    positionals: "FILE...",
    description:
        "Reads FILE, a `pulumi stack export` (deployment version 3) or the JSON `pulumi preview --json` prints (several FILEs, " +
        "one per stack: judged together as one mesh of clusters, in one report), asks the policy " +
        "pack cilium-istio-guard about its resources as `pulumi preview --policy-pack` would, and prints the violations, the " +
        "predicted connectivity (the --probe requests; else the demo's checks when the stack holds NamespaceDemo; else every " +
        "workload against every Service port, GET /, narrowed by --from and --to) and the critical path.",
    flags: GATE_FLAGS,
    exitCodes: {
        0: "no mandatory violation",
        1: "a mandatory policy violation",
        2: "bad usage, or a file that is not a stack",
    },
    examples: [
        "check stack.json --json",
        "check east.json west.json --json",
        'check stack.json --probe "default/pod/tiefighter PUT http://deathstar.default.svc.cluster.local/v1/exhaust-port"',
    ],
    run: (argv, io) => check(argv, io),
};
