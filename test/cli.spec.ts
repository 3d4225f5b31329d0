/**
 * The command line's own interface, for every subcommand engine/cli.ts lists: `--help` documents exactly the flags the
 * subcommand's parser accepts (read back from the parser's own refusal, which lists them), with usage, exit codes and
 * an example the parser accepts too; `--version`; `help <command>`; the nearest command or flag for a typo; colour on
 * a terminal only, and never under NO_COLOR.
 */
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { COMMANDS, main } from "../engine/cli";
import { ExitCode } from "../engine/command-line";
import { colourise, wantsColour } from "../engine/terminal-style";
import { captured } from "./captured-run";

const REPOSITORY = path.resolve(__dirname, "..");
const PROGRAM = "eks-cilium-istio";
/** A flag no command has: the parser refuses it and lists what it accepts. */
const NOT_A_FLAG = "--zz-not-a-flag";
const ESC = "\u001b";

const cli = (argv: string[]) => captured((io) => main(argv, io));

interface DocumentedFlag {
    flag: string;
    /** The value's placeholder, for a flag that takes one. */
    value?: string;
}

/** The flags a `--help` text documents: each line of its "Flags:" section. */
function documentedFlags(help: string): DocumentedFlag[] {
    const section = help.split("\nFlags:\n")[1]?.split("\n\n")[0] ?? "";
    return section.split("\n").map((line) => {
        const match = /^ {2}(--[a-z-]+)(?: ([A-Z=]+))? {2}/.exec(line);
        assert.ok(match, `not a flag line: "${line}"`);
        return { flag: match[1], value: match[2] };
    });
}

/** The flags a subcommand's parser accepts, as it lists them when refusing one it does not. */
async function acceptedFlags(command: string, argv: string[] = []): Promise<{ accepted: string[]; refused: string }> {
    const run = await cli([command, ...argv, NOT_A_FLAG]);
    assert.strictEqual(run.code, ExitCode.Error);
    const match = /^error: unknown flag "([^"]+)".*\(allowed: ([^)]*)\)\n$/.exec(run.stderr);
    assert.ok(match, run.stderr);
    return { refused: match[1], accepted: match[2].split(", ") };
}

describe("every subcommand's --help against its parser", () => {
    it("the command list is the one the overview prints", async () => {
        const run = await cli(["--help"]);
        assert.strictEqual(run.code, ExitCode.Ok);
        const listed = run.stdout
            .split("\nCommands:\n")[1]
            .split("\n\n")[0]
            .split("\n")
            .map((line) => line.trim().split(/\s+/)[0]);
        assert.deepStrictEqual(
            listed,
            COMMANDS.map((c) => c.name),
        );
        for (const command of COMMANDS) {
            assert.ok(run.stdout.includes(command.summary), command.name);
        }
    });

    for (const command of COMMANDS) {
        describe(command.name, () => {
            let help: string;
            before(async () => {
                const run = await cli([command.name, "--help"]);
                assert.strictEqual(run.code, ExitCode.Ok, run.stderr);
                assert.strictEqual(run.stderr, "");
                help = run.stdout;
            });

            it("has a usage line, a description, exit codes 0, 1 and 2, and an example", () => {
                assert.match(
                    help,
                    new RegExp(
                        `^Usage: ${PROGRAM} ${command.name}( \\[?[A-Z]+(\\.\\.\\.)?( [A-Z]+)*\\]?)? \\[flags\\]\n`,
                    ),
                );
                assert.ok(help.includes(command.description));
                assert.match(help, /\nExit codes:\n {2}0 {2}\S.*\n {2}1 {2}\S.*\n {2}2 {2}\S.*\n/);
                assert.match(help, new RegExp(`\nExample:\n {2}${PROGRAM} ${command.name}( |\n)`));
            });

            it("documents every flag the parser accepts, and no other", async () => {
                const { accepted, refused } = await acceptedFlags(command.name);
                assert.strictEqual(refused, NOT_A_FLAG);
                assert.deepStrictEqual(
                    documentedFlags(help)
                        .map((f) => f.flag)
                        .sort(),
                    [...accepted].sort(),
                );
            });

            it("refuses none of the flags it documents, with or without a value as documented", async () => {
                for (const { flag, value } of documentedFlags(help)) {
                    if (flag === "--help") {
                        continue; // answered before the parser runs (above)
                    }
                    const { refused } = await acceptedFlags(command.name, value ? [flag, "x"] : [flag]);
                    assert.strictEqual(refused, NOT_A_FLAG, `${command.name} refused its documented ${flag}`);
                }
            });

            it("refuses none of the flags its example uses", async () => {
                const example = /\nExample:\n {2}(.*)\n/.exec(help)![1].split(" ").slice(2);
                for (const flag of example.filter((word) => word.startsWith("--"))) {
                    const { accepted } = await acceptedFlags(command.name);
                    assert.ok(accepted.includes(flag.split("=")[0]), `${command.name}'s example uses ${flag}`);
                }
            });

            it("answers `help <command>` and `-h` with the same text", async () => {
                assert.strictEqual((await cli(["help", command.name])).stdout, help);
                assert.strictEqual((await cli([command.name, "-h"])).stdout, help);
            });
        });
    }
});

describe("the command line's top level", () => {
    it("--version prints the version of the package.json, and exits 0", async () => {
        const run = await cli(["--version"]);
        assert.strictEqual(run.code, ExitCode.Ok);
        const manifest = JSON.parse(fs.readFileSync(path.join(REPOSITORY, "package.json"), "utf8"));
        assert.strictEqual(run.stdout, `${manifest.version}\n`);
    });

    it("without a command prints the overview and exits 2", async () => {
        const run = await cli([]);
        assert.strictEqual(run.code, ExitCode.Error);
        assert.match(run.stdout, /^Usage: eks-cilium-istio <command> \[flags\]/);
    });

    it("suggests the nearest command, flag of a command, or top-level flag for a typo", async () => {
        const cases: [string[], RegExp][] = [
            [["chek"], /^error: unknown command "chek"; did you mean check\?/],
            [["help", "pla"], /^error: unknown command "pla"; did you mean plan\?/],
            [["plan", "--stak", "dev"], /^error: unknown flag "--stak"; did you mean --stack\?/],
            [["check", "--jsno"], /^error: unknown flag "--jsno"; did you mean --json\?/],
            [["--verison"], /^error: unknown flag "--verison"; did you mean --version\?/],
        ];
        for (const [argv, message] of cases) {
            const run = await cli(argv);
            assert.strictEqual(run.code, ExitCode.Error, argv.join(" "));
            assert.match(run.stderr, message);
        }
        const far = await cli(["deploy"]);
        assert.doesNotMatch(far.stderr, /did you mean/, "nothing is near enough to suggest");
    });
});

describe("colour", () => {
    it("is wanted on a TTY only, never with NO_COLOR set and not empty, never on a dumb terminal", () => {
        assert.strictEqual(wantsColour({ isTTY: true }, {}), true);
        assert.strictEqual(wantsColour({ isTTY: true }, { NO_COLOR: "" }), true, "an empty NO_COLOR does not count");
        assert.strictEqual(wantsColour({ isTTY: true }, { NO_COLOR: "1" }), false);
        assert.strictEqual(wantsColour({ isTTY: true }, { TERM: "dumb" }), false);
        assert.strictEqual(wantsColour({ isTTY: false }, {}), false);
        assert.strictEqual(wantsColour({}, {}), false);
    });

    it("marks only the command line's own markers at their fixed places", () => {
        const text =
            "error: bad\n  mandatory  some-rule  res: msg\n      error: quoted from a policy message\n" +
            "  advisory   other-rule  res: mandatory  advisory  \nnote: n\n";
        const coloured = colourise(text);
        assert.strictEqual(
            coloured.replace(new RegExp(`${ESC}\\[[0-9;]*m`, "g"), ""),
            text,
            "colour adds nothing but SGR codes",
        );
        assert.strictEqual(coloured.split(ESC).length - 1, 8, "four markers, each opened and reset");
        assert.ok(coloured.includes("      error: quoted"), "an indented line is not a marker");
    });

    describe("the built command line under a terminal", function () {
        this.timeout(60_000);
        const broken = path.join(REPOSITORY, "test", "fixtures", "check", "many-rules-broken.json");
        const command = `${JSON.stringify(process.execPath)} bin/engine/cli.js check ${JSON.stringify(broken)}`;
        const hasScript = spawnSync("script", ["--version"]).status === 0;

        /** Runs the command under a pseudo-terminal (util-linux `script`), or piped. */
        function run(env: NodeJS.ProcessEnv, terminal: boolean) {
            const result = terminal
                ? spawnSync("script", ["-qec", command, "/dev/null"], { cwd: REPOSITORY, encoding: "utf8", env })
                : spawnSync(process.execPath, ["bin/engine/cli.js", "check", broken], {
                      cwd: REPOSITORY,
                      encoding: "utf8",
                      env,
                  });
            assert.strictEqual(result.status, ExitCode.Violation, result.stderr);
            return result.stdout + result.stderr;
        }

        before(function () {
            if (!hasScript) {
                this.skip(); // no util-linux `script` to make a terminal with
            }
        });

        it("colours the level that starts each violation line on a terminal", () => {
            const env: NodeJS.ProcessEnv = { ...process.env, TERM: "xterm" };
            delete env.NO_COLOR;
            assert.ok(run(env, true).includes(`${ESC}[1;31m  mandatory${ESC}[0m  `));
        });

        it("prints no escape sequence on a terminal under NO_COLOR, nor when piped", () => {
            const env: NodeJS.ProcessEnv = { ...process.env, TERM: "xterm" };
            delete env.NO_COLOR;
            const underNoColour = run({ ...env, NO_COLOR: "1" }, true);
            assert.ok(/^ {2}mandatory {2}\S/m.test(underNoColour), underNoColour);
            assert.ok(!underNoColour.includes(ESC));
            assert.ok(!run(env, false).includes(ESC));
        });
    });
});
