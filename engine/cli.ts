#!/usr/bin/env node
/**
 * `eks-cilium-istio <command> [flags]`: the command line's one entry. It picks the subcommand, answers `--help` and
 * `--version`, and suggests the nearest command for a typo; each subcommand parses and documents its own flags.
 */
import { CommandIO, CommandSpec, ExitCode, nearest, processIO, renderHelp } from "./command-line";
import { checkCommand } from "./commands/check";
import { explainCommand } from "./commands/explain";
import { planCommand } from "./commands/plan";
import { verifyCommand } from "./commands/verify";
import * as path from "path";
import { staleSources } from "../policies/build-freshness";
import { PACKAGE_ROOT, packageManifest } from "./package-root";
import { stopChildrenOnSignals } from "./child-processes";
import { terminalSafe } from "./terminal-safe";

const PROGRAM = "eks-cilium-istio";

export const COMMANDS: readonly CommandSpec[] = [planCommand, checkCommand, explainCommand, verifyCommand];

function overview(): string {
    const width = Math.max(...COMMANDS.map((c) => c.name.length));
    return (
        [
            `Usage: ${PROGRAM} <command> [flags]`,
            "",
            "Gate Amazon EKS + Cilium + Istio stacks offline: run a Pulumi program on the mock runtime, judge it with the",
            "cilium-istio-guard policy pack, and predict which requests its policies let through.",
            "",
            "Commands:",
            ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
            "",
            "Flags:",
            "  --help     Print this help, or a command's with `<command> --help`.",
            "  --version  Print the version of eks-cilium-istio.",
            "",
            `Run \`${PROGRAM} <command> --help\` for a command's flags, exit codes and an example.`,
        ].join("\n") + "\n"
    );
}

/** The folders the command line is built from (tsconfig.build.json and what it imports), each compiled to the same path under bin/. */
const BUILT_FOLDERS = [
    "engine",
    "components",
    "policies/model",
    "policies/connectivity",
    // The pack's rules and kit, which the in-process evaluation imports through policies/pack-definition.ts.
    "policies/rules",
    "policies/kit",
    "policies/chart-defaults",
];

/**
 * Refuses to run a build older than its sources (an edited rule or predictor would otherwise silently not apply), as
 * the policy pack's entry does. Only when running from bin/ of a checkout: from the sources (tests) there is nothing
 * to compare.
 */
function assertBuildIsCurrent(): void {
    const buildRoot = path.join(PACKAGE_ROOT, "bin");
    if (!__filename.startsWith(buildRoot + path.sep)) {
        return;
    }
    const stale = BUILT_FOLDERS.flatMap((folder) =>
        staleSources(path.join(PACKAGE_ROOT, folder), path.join(buildRoot, folder)).map((file) =>
            path.join(folder, file),
        ),
    );
    if (stale.length > 0) {
        throw new Error(
            `the build in ${buildRoot} is older than its sources (${stale.slice(0, 3).join(", ")}` +
                `${stale.length > 3 ? `, and ${stale.length - 3} more` : ""}); run \`npm run build\``,
        );
    }
}

export async function main(argv: readonly string[], rawIO: CommandIO = processIO): Promise<ExitCode> {
    const io = terminalSafe(rawIO);
    const [first, ...rest] = argv;
    if (first === undefined || first === "--help" || first === "-h" || first === "help") {
        io.stdout(overview());
        return first === undefined ? ExitCode.Error : ExitCode.Ok;
    }
    if (first === "--version") {
        io.stdout(`${packageManifest().version}\n`);
        return ExitCode.Ok;
    }
    const command = COMMANDS.find((c) => c.name === first);
    if (command === undefined) {
        const suggestion = nearest(
            first,
            COMMANDS.map((c) => c.name),
        );
        io.stderr(
            `error: unknown command "${first}"${suggestion ? `; did you mean ${suggestion}?` : ""} ` +
                `(commands: ${COMMANDS.map((c) => c.name).join(", ")}; see ${PROGRAM} --help)\n`,
        );
        return ExitCode.Error;
    }
    if (rest.includes("--help")) {
        io.stdout(renderHelp(PROGRAM, command));
        return ExitCode.Ok;
    }
    try {
        assertBuildIsCurrent();
    } catch (err) {
        io.stderr(`error: ${(err as Error).message}\n`);
        return ExitCode.Error;
    }
    return command.run(rest, io);
}

if (require.main === module) {
    stopChildrenOnSignals(processIO.stderr);
    main(process.argv.slice(2)).then((code) => {
        process.exitCode = code;
    });
}
