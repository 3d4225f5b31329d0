#!/usr/bin/env node
/**
 * `eks-cilium-istio <command> [flags]`: the command line's one entry. It picks the subcommand, answers `--help` and
 * `--version`, and suggests the nearest command for a typo; each subcommand parses and documents its own flags.
 */
import { CommandIO, CommandSpec, ExitCode, nearest, processIO, renderHelp } from "./command-line";
import { checkCommand } from "./commands/check";
import { diffCommand } from "./commands/diff";
import { explainCommand } from "./commands/explain";
import { planCommand } from "./commands/plan";
import { verifyCommand } from "./commands/verify";
import * as fs from "fs";
import * as path from "path";
import { staleSources } from "cilium-istio-guard/build-freshness";
import { PACKAGE_ROOT, packageManifest } from "./package-root";
import { stopChildrenOnSignals } from "./child-processes";
import { terminalSafe } from "./terminal-safe";

const PROGRAM = "eks-cilium-istio";

export const COMMANDS: readonly CommandSpec[] = [planCommand, checkCommand, diffCommand, explainCommand, verifyCommand];

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
            "  --help     Print this help, or a command's with `<command> --help` (or `help <command>`).",
            "  --version  Print the version of eks-cilium-istio.",
            "",
            `Run \`${PROGRAM} <command> --help\` for a command's flags, exit codes and an example.`,
            "Output is coloured on a terminal only, and never with NO_COLOR set.",
        ].join("\n") + "\n"
    );
}

/**
 * The folders the command line is built from (tsconfig.build.json), each compiled to the same path under bin/. The
 * policy pack, a package of its own, checks its own build when it is loaded (cilium-istio-guard/build-freshness).
 */
const BUILT_FOLDERS = ["engine", "components"];

/**
 * Refuses to run a build older than its sources (an edited component or command would otherwise silently not apply),
 * as the policy pack does. Only in a checkout, running from bin/: from the sources (tests) there is nothing to compare,
 * and an installed package has no engine/ sources (npm does not keep the tarball's times either).
 */
function assertBuildIsCurrent(): void {
    const buildRoot = path.join(PACKAGE_ROOT, "bin");
    if (!__filename.startsWith(buildRoot + path.sep) || !fs.existsSync(path.join(PACKAGE_ROOT, "engine"))) {
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

/** The command named `name`, or an error naming the nearest one. */
function findCommand(name: string, io: CommandIO): CommandSpec | undefined {
    const command = COMMANDS.find((c) => c.name === name);
    if (command === undefined) {
        const suggestion = nearest(
            name,
            COMMANDS.map((c) => c.name),
        );
        io.stderr(
            `error: unknown command "${name}"${suggestion ? `; did you mean ${suggestion}?` : ""} ` +
                `(commands: ${COMMANDS.map((c) => c.name).join(", ")}; see ${PROGRAM} --help)\n`,
        );
    }
    return command;
}

export async function main(argv: readonly string[], rawIO: CommandIO = processIO): Promise<ExitCode> {
    const io = terminalSafe(rawIO);
    const [first, ...rest] = argv;
    if (first === "help" && rest.length > 0) {
        const command = findCommand(rest[0], io);
        if (command === undefined) {
            return ExitCode.Error;
        }
        io.stdout(renderHelp(PROGRAM, command));
        return ExitCode.Ok;
    }
    if (first === undefined || first === "--help" || first === "-h" || first === "help") {
        io.stdout(overview());
        return first === undefined ? ExitCode.Error : ExitCode.Ok;
    }
    if (first === "--version") {
        io.stdout(`${packageManifest().version}\n`);
        return ExitCode.Ok;
    }
    if (first.startsWith("-")) {
        const suggestion = nearest(first, ["--help", "--version"]);
        io.stderr(
            `error: unknown flag "${first}"${suggestion ? `; did you mean ${suggestion}?` : ""} ` +
                `(before a command: --help, --version; see ${PROGRAM} --help)\n`,
        );
        return ExitCode.Error;
    }
    const command = findCommand(first, io);
    if (command === undefined) {
        return ExitCode.Error;
    }
    if (rest.includes("--help") || rest.includes("-h")) {
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
