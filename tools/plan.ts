/**
 * `npm run plan -- [--stack NAME] [--config KEY=VALUE]... [--policy-pack-config FILE] [--json] [--out FILE] [--verbose]`
 *
 * The package's main job without a cloud (issue 4): runs the root program on the Pulumi SDK's mock runtime with the
 * stack's config, writes what it registered as a `pulumi stack export` (deployment version 3) to `--out` or
 * `.plan/<stack>.json`, asks the policy pack `cilium-istio-guard` exactly as `pulumi preview --policy-pack policies`
 * would, and prints the report (tools/report.ts). Nothing is deployed and no cloud is called: every resource's
 * outputs are the mock runtime's made-up answers (tools/mock-runtime.ts).
 * Exit 0 clean, 1 on a mandatory violation, 2 on bad usage, bad config or a program error.
 */
import * as fs from "fs";
import * as path from "path";
import { PackStackContext, PolicyPackProcess } from "./analyzer-client";
import { CommandIO, ExitCode, UsageError, parseFlags, processIO, runCommand, singleValue } from "./command-line";
import { closeWhenStarted } from "./policy-evaluation";
import { loadStackConfig, readProject, rejectUnknownKeys } from "./stack-config-files";
import { toStackExport } from "./stack-export";
import { gateStack, readGateFlags } from "./stack-gate";

export const DEFAULT_STACK = "dev";

/** Where the program and the pack live; tests point these at fixtures. */
export interface PlanLocations {
    /** Directory with Pulumi.yaml, the stack files and `stack-config.ts` (exports STACK_CONFIG_KEYS). */
    projectDir: string;
    /** The policy pack directory (PulumiPolicy.yaml). */
    packDir: string;
}

const REPOSITORY = path.resolve(__dirname, "..");
export const PROJECT_LOCATIONS: PlanLocations = { projectDir: REPOSITORY, packDir: path.join(REPOSITORY, "policies") };

const FLAGS = { valued: ["stack", "config", "policy-pack-config", "out"], boolean: ["json", "verbose"] } as const;

/** The known keys of the project's config namespace, from the program's own `stack-config.ts`. */
function knownConfigKeys(projectDir: string): readonly string[] {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const keys = require(path.join(projectDir, "stack-config")).STACK_CONFIG_KEYS;
    if (!Array.isArray(keys)) {
        throw new Error(`${path.join(projectDir, "stack-config")} does not export STACK_CONFIG_KEYS`);
    }
    return keys;
}

export function plan(argv: readonly string[], io: CommandIO = processIO, locations: PlanLocations = PROJECT_LOCATIONS): Promise<ExitCode> {
    return runCommand(argv, io, async () => {
        const flags = parseFlags(argv, FLAGS);
        if (flags.positionals.length > 0) {
            throw new UsageError(`plan takes no positional arguments (got ${flags.positionals.join(" ")})`);
        }
        const stack = singleValue(flags, "stack") ?? DEFAULT_STACK;
        const projectDir = path.resolve(locations.projectDir);
        const project = readProject(projectDir);
        const config = loadStackConfig(project, stack, flags.values.get("config") ?? []);
        rejectUnknownKeys(project.name, config, knownConfigKeys(projectDir));
        const gateFlags = readGateFlags(flags);

        const context: PackStackContext = {
            organization: "",
            project: project.name,
            stack,
            // A plan deploys nothing: the pack runs as under `pulumi preview`.
            dryRun: true,
            config: config.values,
            secretKeys: config.secretKeys,
            tags: { "pulumi:project": project.name, "pulumi:runtime": "nodejs", ...(project.description ? { "pulumi:description": project.description } : {}) },
        };
        // The pack starts in its own process while this one loads the Pulumi SDKs and runs the program: on two
        // cores the plan then takes about the longer of the two instead of their sum (issue 5, BENCHMARKS.md), so
        // the SDKs are loaded only now, after the spawn. A failure to start is reported when the gate awaits it,
        // not as a failure of the program.
        const pack = PolicyPackProcess.start(path.resolve(locations.packDir), context);
        pack.catch(() => undefined);
        let exported: Awaited<ReturnType<typeof toStackExport>>;
        try {
            const { runProgramOnMocks } = await import("./mock-deployment");
            const { registrations } = await runProgramOnMocks({
                project: project.name,
                stack,
                program: path.join(project.dir, project.main ?? ""),
                config,
            });
            exported = await toStackExport(registrations, { project: project.name, stack, config: config.values, time: new Date() });
            const out = singleValue(flags, "out") ?? path.join(project.dir, ".plan", `${stack}.json`);
            fs.mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
            fs.writeFileSync(out, `${JSON.stringify(exported, null, 2)}\n`);
            io.stderr(`stack export (deployment version 3) written to ${out}\n`);
        } catch (err) {
            closeWhenStarted(pack);
            throw err;
        }

        return gateStack(exported.deployment.resources, { title: "Offline plan", stack, pack, io, ...gateFlags });
    });
}

if (require.main === module) {
    plan(process.argv.slice(2)).then((code) => { process.exitCode = code; });
}
