/**
 * Every command of README.md that is marked runnable offline (a fenced block opened with ```sh offline) runs as the
 * README says, in a fresh clone of this repository: one `git clone` of the committed tree, then each block in order,
 * each in one `bash` from the clone's root (so `cd` holds within a block), each line expected to exit 0 unless its
 * comment says `exits N`. The first block starts with `npm ci`, which npm runs with --prefer-offline from the cache the
 * repository's own install filled. Deploy commands (`pulumi up`, `kubectl`) are plain ```sh blocks and not run here.
 */
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const REPOSITORY = path.join(__dirname, "..");

interface Block {
    /** 1-based line of the opening fence in README.md. */
    line: number;
    commands: string[];
}

/** The blocks marked runnable offline, with their command lines (comment-only and blank lines left out). */
export function offlineBlocks(readme: string): Block[] {
    const blocks: Block[] = [];
    const lines = readme.split("\n");
    for (let i = 0; i < lines.length; i++) {
        if (lines[i].trim() !== "```sh offline") {
            continue;
        }
        const start = i;
        const commands: string[] = [];
        for (i++; i < lines.length && lines[i].trim() !== "```"; i++) {
            if (lines[i].trim() !== "" && !lines[i].trim().startsWith("#")) {
                commands.push(lines[i]);
            }
        }
        blocks.push({ line: start + 1, commands });
    }
    return blocks;
}

/** A command's expected exit status: `# ... exits N` in its comment, else 0. */
export function expectedStatus(command: string): number {
    const comment = command.indexOf(" #");
    const match = comment < 0 ? null : /\bexits (\d+)\b/.exec(command.slice(comment));
    return match ? Number(match[1]) : 0;
}

/** One bash script for a block: each line run, its status checked before the next. */
function script(block: Block): string {
    return block.commands
        .map((command) => {
            const expected = expectedStatus(command);
            const quoted = JSON.stringify(command.trim());
            return (
                `${command}\n` +
                `rc=$?; if [ "$rc" -ne ${expected} ]; then echo "README.md block at line ${block.line}: exited $rc, expected ${expected}: "${quoted} >&2; exit 1; fi`
            );
        })
        .join("\n");
}

describe("README.md's offline commands, in a fresh clone", function () {
    this.timeout(20 * 60_000);

    const blocks = offlineBlocks(fs.readFileSync(path.join(REPOSITORY, "README.md"), "utf8"));
    const results = new Map<number, { status: number | null; output: string }>();

    before(() => {
        const parent = fs.mkdtempSync(path.join(os.tmpdir(), "readme-commands-"));
        const clone = path.join(parent, "eks-cilium-istio");
        const cloned = spawnSync("git", ["clone", "--quiet", REPOSITORY, clone], { encoding: "utf8" });
        assert.strictEqual(cloned.status, 0, cloned.stderr);
        const env = {
            ...process.env,
            npm_config_prefer_offline: "true",
            npm_config_audit: "false",
            npm_config_fund: "false",
            NO_COLOR: "1",
        };
        for (const block of blocks) {
            const run = spawnSync("bash", ["-c", script(block)], { cwd: clone, env, encoding: "utf8" });
            results.set(block.line, { status: run.status, output: `${run.stdout}\n${run.stderr}` });
        }
    });

    it("has the Quick start's block first, starting with npm ci, and the install block", () => {
        assert.ok(blocks.length >= 2, `${blocks.length} blocks marked \`sh offline\``);
        assert.strictEqual(blocks[0].commands[0].trim(), "npm ci");
        assert.ok(blocks.some((b) => b.commands.some((c) => c.includes("npm pack"))));
    });

    for (const block of blocks) {
        it(`runs the block at README.md line ${block.line}: ${block.commands.map((c) => c.split(" #")[0].trim()).join("; ")}`, () => {
            const result = results.get(block.line)!;
            assert.strictEqual(result.status, 0, result.output.slice(-4000));
        });
    }
});

describe("the README-commands spec's reading of a block", () => {
    it("takes the marked blocks' command lines and each one's expected status", () => {
        const readme = [
            "```sh offline",
            "npm ci",
            "# a comment",
            "npm run plan -- --config x=y   # exits 1: a violation",
            "```",
            "```sh",
            "pulumi up",
            "```",
        ].join("\n");
        const blocks = offlineBlocks(readme);
        assert.deepStrictEqual(blocks, [
            { line: 1, commands: ["npm ci", "npm run plan -- --config x=y   # exits 1: a violation"] },
        ]);
        assert.deepStrictEqual(blocks[0].commands.map(expectedStatus), [0, 1]);
    });
});
