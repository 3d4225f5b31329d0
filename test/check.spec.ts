/**
 * `npm run check FILE`: a hand-written `pulumi stack export` and a hand-written `pulumi preview --json`
 * (test/fixtures/check), evaluated by the test-double pack in the engine's process (the default); malformed files
 * refused with exit 2 before any pack starts; `--served` with a directory that holds no pack or a pack that does not
 * compile. test/in-process-vs-served.spec.ts runs these files and the real pack both ways.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { check } from "../engine/commands/check";
import { ExitCode } from "../engine/command-line";
import { Report } from "../engine/report/report";
import { parseStateDocument } from "../engine/state/state-files";
import { FIXTURE_PACK } from "./fixture-pack";

const FIXTURES = path.join(__dirname, "fixtures");
const TEST_PACK = FIXTURE_PACK;
const PACK_TIMEOUT = 120_000;

async function runCheck(argv: string[]) {
    let stdout = "";
    let stderr = "";
    const code = await check(
        argv,
        {
            stdout: (t) => {
                stdout += t;
            },
            stderr: (t) => {
                stderr += t;
            },
        },
        TEST_PACK,
    );
    return { code, stdout, stderr };
}

function file(content: string): string {
    const name = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "check-spec-")), "input.json");
    fs.writeFileSync(name, content);
    return name;
}

const urn = (stack: string, rest: string) => `urn:pulumi:${stack}::tenants::${rest}`;

describe("check on a hand-written stack export", function () {
    this.timeout(PACK_TIMEOUT);
    let run: Awaited<ReturnType<typeof runCheck>>;
    let report: Report;

    before(async () => {
        run = await runCheck([path.join(FIXTURES, "check", "stack-export.json"), "--json"]);
        report = JSON.parse(run.stdout);
    });

    it("exits 1 on the mandatory violation and names the stack from the URNs", () => {
        assert.strictEqual(run.code, ExitCode.Violation, run.stderr);
        assert.strictEqual(report.stack, "prod");
    });

    it("leaves out the resource pending deletion and keeps the rest in file order", () => {
        assert.deepStrictEqual(
            report.resources.map((r) => r.urn.split("::").pop()),
            ["tenants-prod", "cluster", "blue", "green", "blue-mtls"],
        );
    });

    it("asks the resource policy on inputs and the stack policy on outputs, falling back where one is missing", () => {
        assert.deepStrictEqual(
            report.violations.map((v) => [v.level, v.policy, v.urn]),
            [
                [
                    "mandatory",
                    "fixture-no-disabled-mtls",
                    urn("prod", "kubernetes:security.istio.io/v1:PeerAuthentication::blue-mtls"),
                ],
                // green has outputs only: the stack policy reads them (no team label); blue's outputs carry it.
                ["advisory", "fixture-namespace-label", urn("prod", "kubernetes:core/v1:Namespace::green")],
            ],
        );
    });

    it("follows dependencies for the critical path", () => {
        assert.deepStrictEqual(
            report.criticalPath.map((u) => u.split("::").pop()),
            ["blue", "blue-mtls"],
        );
    });
});

describe("check on a hand-written `pulumi preview --json`", function () {
    this.timeout(PACK_TIMEOUT);
    let run: Awaited<ReturnType<typeof runCheck>>;

    before(async () => {
        run = await runCheck([path.join(FIXTURES, "check", "preview.json")]);
    });

    it("takes each step's newState, without the deleted resource", () => {
        const { format, stack, resources } = parseStateDocument(
            fs.readFileSync(path.join(FIXTURES, "check", "preview.json"), "utf8"),
            "preview.json",
        );
        assert.strictEqual(format, "preview");
        assert.strictEqual(stack, "staging");
        assert.deepStrictEqual(
            resources.map((r) => r.urn.split("::").pop()),
            ["tenants-staging", "red", "red-mtls", "late-mtls"],
        );
    });

    it("exits 1 on the updated PeerAuthentication and reports the one with an unknown namespace as advisory", () => {
        assert.strictEqual(run.code, ExitCode.Violation, run.stderr);
        assert.match(
            run.stdout,
            /^ {2}mandatory +fixture-no-disabled-mtls +red-mtls: mtls\.mode DISABLE in namespace red$/m,
        );
        assert.match(
            run.stdout,
            /^ {2}advisory +fixture-no-disabled-mtls +late-mtls: can't run policy 'fixture-no-disabled-mtls' .* during preview/m,
        );
        assert.doesNotMatch(run.stdout, /old-mtls/);
    });
});

describe("check refuses malformed files with exit 2 and a clear message", () => {
    const resource = {
        urn: urn("dev", "kubernetes:core/v1:Namespace::a"),
        custom: true,
        type: "kubernetes:core/v1:Namespace",
    };
    const cases: [string, string, RegExp][] = [
        ["text that is not JSON", "version: 3\n", /is not JSON/],
        [
            "a JSON array",
            "[]",
            /expected a `pulumi stack export` document .* or `pulumi preview --json` output .*; found an array/,
        ],
        ["an object of neither format", '{"resources": []}', /found an object with keys resources/],
        [
            "an older deployment version",
            JSON.stringify({ version: 2, deployment: { resources: [resource] } }),
            /deployment version 2 is not supported/,
        ],
        [
            "a resource without a URN",
            JSON.stringify({ version: 3, deployment: { resources: [{ type: "x" }] } }),
            /deployment\.resources\[0\] has no "urn"/,
        ],
        [
            "a URN that is not one",
            JSON.stringify({ version: 3, deployment: { resources: [{ ...resource, urn: "blue" }] } }),
            /not a Pulumi URN: "blue"/,
        ],
        [
            "inputs that are not an object",
            JSON.stringify({ version: 3, deployment: { resources: [{ ...resource, inputs: [] }] } }),
            /"inputs" must be an object/,
        ],
        [
            "a preview step without newState",
            JSON.stringify({ steps: [{ op: "create", urn: resource.urn }] }),
            /steps\[0\] \(create .*\) has no "newState"/,
        ],
        [
            "an export without resources",
            JSON.stringify({ version: 3, deployment: { manifest: {} } }),
            /holds no resources/,
        ],
    ];
    for (const [what, content, message] of cases) {
        it(`on ${what}`, async () => {
            const run = await runCheck([file(content)]);
            assert.strictEqual(run.code, ExitCode.Error);
            assert.match(run.stderr, message);
            assert.strictEqual(run.stdout, "", "nothing evaluated");
        });
    }

    it("on a missing file, and on a call without any FILE", async () => {
        const missing = await runCheck([path.join(os.tmpdir(), "no-such-plan.json")]);
        assert.strictEqual(missing.code, ExitCode.Error);
        assert.match(missing.stderr, /cannot read .*no-such-plan\.json: ENOENT/);
        const none = await runCheck(["--json"]);
        assert.strictEqual(none.code, ExitCode.Error);
        assert.match(none.stderr, /check takes one FILE or more/);
    });
});

describe("check --served when the policy pack cannot serve", function () {
    this.timeout(PACK_TIMEOUT);
    const input = path.join(FIXTURES, "check", "stack-export.json");

    async function checkWith(dir: string, ...flags: string[]) {
        let stderr = "";
        const code = await check(
            [input, "--served", ...flags],
            {
                stdout: () => undefined,
                stderr: (t) => {
                    stderr += t;
                },
            },
            { dir },
        );
        return { code, stderr };
    }

    it("exits 2 when the directory holds no pack", async () => {
        const run = await checkWith(path.join(FIXTURES, "check"));
        assert.strictEqual(run.code, ExitCode.Error);
        assert.match(run.stderr, /policy pack not found: .*check has no PulumiPolicy\.yaml/);
    });

    it("exits 2 on a pack whose build is stale, with its reason but its stack trace only under --verbose", async () => {
        // A pack laid out as ours (policies/: sources beside bin/), its entry running our build-freshness check, and a
        // source newer than its build: run-policy-pack prints the thrown error with a coloured stack trace.
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stale-pack-"));
        fs.symlinkSync(path.resolve(__dirname, "..", "node_modules"), path.join(dir, "node_modules"));
        fs.writeFileSync(path.join(dir, "PulumiPolicy.yaml"), "runtime: nodejs\n");
        fs.writeFileSync(
            path.join(dir, "package.json"),
            '{"name": "stale", "version": "0.0.1", "main": "bin/index.js"}',
        );
        fs.mkdirSync(path.join(dir, "bin"));
        // The pack's own build of the check (npm test builds it).
        const freshness = path.resolve(__dirname, "..", "policies", "bin", "build-freshness.js");
        fs.writeFileSync(
            path.join(dir, "bin", "index.js"),
            `require(${JSON.stringify(freshness)}).assertBuildIsCurrent(__filename);\n`,
        );
        fs.writeFileSync(path.join(dir, "rule.ts"), "export {};\n");
        const quiet = await checkWith(dir);
        assert.strictEqual(quiet.code, ExitCode.Error);
        assert.match(
            quiet.stderr,
            /the policy pack's build \(.*\) is older than its sources \(rule\.ts\); run `npm run build`/,
        );
        assert.doesNotMatch(quiet.stderr, /\n\s+at /, "no stack trace");
        // eslint-disable-next-line no-control-regex -- colour codes must not be printed
        assert.doesNotMatch(quiet.stderr, /\u001b\[/, "no colour codes");
        const verbose = await checkWith(dir, "--verbose");
        assert.match(verbose.stderr, /\n\s+at (Object\.)?assertBuildIsCurrent/);
    });

    it("exits 2 with the pack's own error when it does not compile (run-policy-pack type-checks, as under the CLI)", async () => {
        const run = await checkWith(path.join(FIXTURES, "broken-policy-pack"));
        assert.strictEqual(run.code, ExitCode.Error);
        assert.match(run.stderr, /policy pack .*broken-policy-pack failed to start: exited with code \d+/);
        assert.match(
            run.stderr,
            /TS2375: Type '\{ description: undefined; \}' is not assignable to type '\{ description\?: string; \}' with 'exactOptionalPropertyTypes: true'/,
        );
    });
});
