/**
 * examples/ci/connectivity-review.yml, the GitHub Actions workflow the README's "Reviewing a change" documents: what it
 * needs (Node 20, no credentials) and that every command line it runs names an npm script of this package and only
 * flags that command accepts, so the example cannot drift from the command line.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { COMMANDS } from "../engine/cli";
import { parseFlags } from "../engine/command-line";

const REPOSITORY = path.resolve(__dirname, "..");
const WORKFLOW = path.join(REPOSITORY, "examples", "ci", "connectivity-review.yml");

interface Step {
    name?: string;
    uses?: string;
    run?: string;
    with?: Record<string, unknown>;
}

/** The words of one shell command line, quotes removed, up to the first `||`, `|`, `>` or `;`. */
function words(line: string): string[] {
    const result: string[] = [];
    for (const match of line.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)) {
        const word = match[1] ?? match[2] ?? match[3];
        if (match[3] !== undefined && /^(\|\||\||>|;|&&)$/.test(word)) {
            break;
        }
        result.push(word);
    }
    return result;
}

describe("examples/ci: the pull-request review workflow", () => {
    const text = fs.readFileSync(WORKFLOW, "utf8");
    const workflow = YAML.parse(text);
    const steps: Step[] = workflow.jobs.review.steps;
    const scripts: Record<string, string> = JSON.parse(
        fs.readFileSync(path.join(REPOSITORY, "package.json"), "utf8"),
    ).scripts;

    it("needs Node 20 and no cloud credentials or Pulumi access token", () => {
        const node = steps.find((s) => s.uses?.startsWith("actions/setup-node@"));
        assert.strictEqual(node?.with?.["node-version"], 20);
        assert.doesNotMatch(text, /secrets\.|AWS_|PULUMI_ACCESS_TOKEN|aws-actions|pulumi\/actions/);
        assert.deepStrictEqual(workflow.permissions, { contents: "read", "pull-requests": "write" });
    });

    it("plans the base and the head, diffs them, posts the Markdown report and keeps the HTML one", () => {
        const lines = steps.flatMap((s) => (s.run ?? "").replace(/\\\n\s*/g, "").split("\n"));
        const npmRuns = lines.map(words).filter((w) => w[0] === "npm" && w[1] === "run");
        assert.deepStrictEqual(
            npmRuns.map((w) => w[2]),
            ["plan", "plan", "diff"],
        );
        for (const w of npmRuns) {
            assert.ok(scripts[w[2]], `npm script ${w[2]}`);
            const command = COMMANDS.find((c) => c.name === w[2])!;
            const argv = w.slice(w.indexOf("--") + 1);
            assert.doesNotThrow(() => parseFlags(argv, command.flags), `${w.join(" ")}`);
        }
        const diff = npmRuns[2];
        assert.ok(diff.includes("$RUNNER_TEMP/review.md") && diff.includes("$RUNNER_TEMP/review.html"));
        assert.match(steps.find((s) => s.name === "Post the report")!.run!, /--body-file "\$RUNNER_TEMP\/review\.md"/);
        assert.strictEqual(
            steps.find((s) => s.uses?.startsWith("actions/upload-artifact@"))?.with?.path,
            "${{ runner.temp }}/review.html",
        );
    });
});
