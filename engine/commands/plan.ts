/**
 * `eks-cilium-istio plan [--stack NAME] [--config KEY=VALUE]... [--policy-pack DIR] [--policy-pack-config FILE] [--json]
 * [--served] [--out FILE] [--verbose]`
 *
 * The package's main job without a cloud: runs the Pulumi project of the current folder (the nearest Pulumi.yaml
 * upwards: this repository's root program, or any user's TypeScript or JavaScript program) on the Pulumi SDK's mock
 * runtime with the stack's config, as `pulumi preview` runs it; writes what it registered as a `pulumi stack export`
 * (deployment version 3) to `--out` or `.plan/<stack>.json`; asks the policy pack `cilium-istio-guard` exactly as
 * `pulumi preview --policy-pack` would (in this process, or served as the CLI serves it: engine/stack-gate.ts
 * `startPack`); and prints the report (engine/report/report.ts). Nothing is deployed and no cloud is called: outputs
 * are the mock runtime's answers (engine/mock/mock-runtime.ts), and what the program computed from outputs the mocks
 * cannot know stays unknown and is named on stderr (engine/mock/mock-gaps.ts).
 * Exit 0 clean, 1 on a mandatory violation, 2 on bad usage, bad config or a program error.
 */
import * as fs from "fs";
import * as path from "path";
import { PackStackContext } from "../analyzer/analyzer";
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
import { moduleToRun } from "../mock/typescript-loader";
import { describeMockGaps } from "../mock/mock-gaps";
import { closeWhenStarted } from "../analyzer/policy-evaluation";
import {
    PulumiProject,
    SECURE_PLACEHOLDER,
    findProjectDir,
    loadStackConfig,
    readProject,
    rejectUnknownKeys,
} from "../state/stack-config-files";
import { toStackExport } from "../state/stack-export";
import { checkStackProject, parseStackName } from "../state/stack-name";
import { writePrivateFile } from "../state/private-files";
import { PackLocation, gateStack, readGateFlags, startPack } from "../stack-gate";
import { PROBE_FLAGS } from "../probe-flags";

export const DEFAULT_STACK = "dev";

/** Where the program and the pack live; tests point these at fixtures. */
export interface PlanLocations {
    /** A folder of the Pulumi project: it or the nearest folder above it holds Pulumi.yaml. */
    projectDir: string;
    /** The policy pack. */
    pack: PackLocation;
}

/** The policy pack cilium-istio-guard, a dependency of this package: its directory, and its rules at their own levels. */
export const OUR_PACK: PackLocation = {
    dir: path.dirname(require.resolve("cilium-istio-guard/package.json")),
    definition: async () => (await import("cilium-istio-guard")).ciliumIstioGuardDefinition(),
};

/** The project of the folder the command runs in, as the Pulumi CLI finds it, gated by cilium-istio-guard. */
export const PROJECT_LOCATIONS: PlanLocations = { projectDir: ".", pack: OUR_PACK };

/** The flags plan and check share once they hold a stack's resources (stack-gate.ts reads them). */
export const GATE_FLAGS: readonly FlagSpec[] = [
    {
        name: "policy-pack",
        value: "DIR",
        help:
            "Gate with the CrossGuard policy pack in DIR instead (e.g. one built from the cilium-istio-guard library), " +
            "served as the Pulumi CLI serves it. Default: cilium-istio-guard, evaluated in this process.",
    },
    {
        name: "policy-pack-config",
        value: "FILE",
        help: "Levels and options per rule, in the Pulumi CLI's --policy-pack-config JSON format.",
    },
    { name: "json", help: "Print one JSON document on stdout instead of the text report." },
    {
        name: "served",
        help:
            "Serve the policy pack in its own process as the Pulumi CLI does (run-policy-pack, gRPC Analyzer) instead of " +
            "evaluating it in this one. Same verdicts, slower. Default: in this process.",
    },
    ...PROBE_FLAGS,
    {
        name: "report",
        value: "FILE",
        repeatable: true,
        help:
            "Also write the review report: Markdown (FILE.md) to post as a pull-request comment as it is, or one HTML " +
            "page (FILE.html) with the flow map drawn and sortable tables.",
    },
];

const FLAGS: readonly FlagSpec[] = [
    {
        name: "stack",
        value: "NAME",
        help: `The stack whose Pulumi.<NAME>.yaml is read: NAME, ORG/NAME or ORG/PROJECT/NAME. Default: ${DEFAULT_STACK}.`,
    },
    {
        name: "config",
        value: "KEY=VALUE",
        repeatable: true,
        help: "Set a config value over the stack file, as `pulumi config set` would (e.g. eks-cilium-istio:demoStage=l4).",
    },
    ...GATE_FLAGS,
    {
        name: "out",
        value: "FILE",
        help:
            "Where to write the stack export (mode 0600; folders it creates 0700). Default: .plan/<stack>.json in the " +
            "project.",
    },
];

/**
 * The known keys of the project's config namespace, when the project lists them: a `stack-config.ts` (or `.js`) beside
 * Pulumi.yaml exporting STACK_CONFIG_KEYS, as this repository's root program does. A project without one has no key
 * check: its program reads what it reads.
 */
function knownConfigKeys(project: PulumiProject): readonly string[] | undefined {
    const module = path.join(project.dir, "stack-config");
    if (![".ts", ".js"].some((extension) => fs.existsSync(`${module}${extension}`))) {
        return undefined;
    }
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the project's own module, known only at run time
    const keys = require(moduleToRun(module, project.dir, project.typescript)).STACK_CONFIG_KEYS;
    if (!Array.isArray(keys)) {
        throw new UsageError(`${module} does not export STACK_CONFIG_KEYS (the list of the project's config keys)`);
    }
    return keys;
}

/**
 * A stack's program run on the mock runtime as `pulumi preview` runs it, exported as `pulumi stack export` would (plan
 * and explain use it). `note` hears what the plan could not know: secret config it read as a placeholder, values
 * computed from outputs the mocks cannot know (left unknown), provider functions they cannot answer (mock-gaps.ts).
 */
export async function exportProgramStack(
    project: PulumiProject,
    stack: string,
    config: ReturnType<typeof loadStackConfig>,
    note: (text: string) => void = () => undefined,
): Promise<Awaited<ReturnType<typeof toStackExport>>> {
    // Loaded only when a program runs: plan spawns the pack first, so that it starts while these load.
    const { runProgramOnMocks } = await import("../mock/mock-deployment");
    const { registrations, unknowns, unansweredCalls } = await runProgramOnMocks({
        project: project.name,
        stack,
        program: path.join(project.dir, project.main ?? ""),
        config,
        typescript: project.typescript,
        preview: true,
    });
    if (config.secretKeys.length > 0) {
        note(
            `secret config is not decrypted offline; the program reads "${SECURE_PLACEHOLDER}" for ` +
                config.secretKeys.join(", "),
        );
    }
    describeMockGaps(unknowns, unansweredCalls, registrations).forEach(note);
    return toStackExport(registrations, {
        project: project.name,
        stack,
        config: config.values,
        secretKeys: config.secretKeys,
        time: new Date(),
    });
}

/**
 * The stack config of the project `projectDir` is in, its unknown keys of the project's namespace refused when the
 * project lists its keys. `given` is `--stack` as the user wrote it, validated before anything is read
 * (state/stack-name.ts).
 */
export function readStackConfig(projectDir: string, given: string, overrides: readonly string[]) {
    const stack = parseStackName(given);
    const project = readProject(findProjectDir(projectDir));
    checkStackProject(stack, project.name, given);
    const config = loadStackConfig(project, stack.stack, [...overrides]);
    const knownKeys = knownConfigKeys(project);
    if (knownKeys !== undefined) {
        rejectUnknownKeys(project.name, config, knownKeys);
    }
    return { project, config, stack };
}

export function plan(
    argv: readonly string[],
    io: CommandIO = processIO,
    locations: PlanLocations = PROJECT_LOCATIONS,
): Promise<ExitCode> {
    return runCommand(argv, io, async () => {
        const flags = parseFlags(argv, FLAGS);
        if (flags.positionals.length > 0) {
            throw new UsageError(`plan takes no positional arguments (got ${flags.positionals.join(" ")})`);
        }
        const outFlag = singleValue(flags, "out");
        if (outFlag !== undefined && outFlag.trim() === "") {
            throw new UsageError(
                `--out needs a file name; got an empty one (default: .plan/<stack>.json in the project)`,
            );
        }
        const {
            project,
            config,
            stack: { stack, organization },
        } = readStackConfig(path.resolve(locations.projectDir), singleValue(flags, "stack") ?? DEFAULT_STACK, [
            ...(flags.values.get("config") ?? []),
        ]);
        const gateFlags = readGateFlags(flags);

        const context: PackStackContext = {
            organization,
            project: project.name,
            stack,
            // A plan deploys nothing: the pack runs as under `pulumi preview`.
            dryRun: true,
            config: config.values,
            secretKeys: config.secretKeys,
            tags: {
                "pulumi:project": project.name,
                "pulumi:runtime": "nodejs",
                ...(project.description ? { "pulumi:description": project.description } : {}),
            },
        };
        // Started before the program runs: a served pack starts in its own process while this one loads the Pulumi
        // SDKs and runs the program, so on two cores the plan takes about the longer of the two (BENCHMARKS.md). A
        // failure to start is reported when the gate awaits it, not as a failure of the program.
        const pack = startPack(gateFlags.policyPack ?? locations.pack, context, gateFlags.served);
        pack.catch(() => undefined);
        let exported: Awaited<ReturnType<typeof toStackExport>>;
        try {
            exported = await exportProgramStack(project, stack, config, (note) => io.stderr(`note: ${note}\n`));
            const out = outFlag ?? path.join(project.dir, ".plan", `${stack}.json`);
            writePrivateFile(
                out,
                `${JSON.stringify(exported, null, 2)}
`,
            );
            io.stderr(`stack export (deployment version 3) written to ${out}\n`);
        } catch (err) {
            closeWhenStarted(pack);
            throw err;
        }

        return gateStack(exported.deployment.resources, {
            title: "Offline plan",
            stack,
            pack,
            io,
            secretConfig: config.secretKeys.map((key) => config.values[key]),
            ...gateFlags,
        });
    });
}

export const planCommand: CommandSpec = {
    name: "plan",
    summary: "Run the Pulumi program on the mock runtime and gate what it would deploy.",
    positionals: "",
    description:
        "Runs the Pulumi project of the current folder (the nearest Pulumi.yaml upwards; runtime nodejs, TypeScript or " +
        "JavaScript; its main, stackConfigDir and Pulumi.<stack>.yaml) on Pulumi's mock runtime as `pulumi preview` runs " +
        "it: nothing is deployed and no cloud is called. Secret config reads as a placeholder; values computed from " +
        "outputs the mocks cannot know stay unknown and are named on stderr. Writes what it registered as a `pulumi stack " +
        "export`, asks the policy pack cilium-istio-guard about it as `pulumi preview --policy-pack` would, and prints the " +
        "violations, the predicted connectivity (as check: --probe, the demo's checks, or the default matrix narrowed by " +
        "--from and --to) and the critical path.",
    flags: FLAGS,
    exitCodes: {
        0: "no mandatory violation",
        1: "a mandatory policy violation",
        2: "bad usage, bad config or a program error",
    },
    examples: ["plan --stack ambient --config eks-cilium-istio:demoStage=l4"],
    run: (argv, io) => plan(argv, io),
};
