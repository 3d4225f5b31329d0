/**
 * What `plan` writes and which stacks it accepts: the stack export readable by its owner only, in folders only its
 * owner can enter; credentials and secret config never in it in the clear; `--out` and `--stack` refused in words
 * when they cannot be used, before anything is read or written.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ExitCode } from "../engine/command-line";
import { plan, PlanLocations, PROJECT_LOCATIONS } from "../engine/commands/plan";
import { explain } from "../engine/commands/explain";
import { verify } from "../engine/commands/verify";
import { SECRET_SIG, SIG_KEY } from "../engine/state/property-values";
import { toStackExport } from "../engine/state/stack-export";
import { FIXTURE_PACK } from "./fixture-pack";

const FIXTURES: PlanLocations = { projectDir: path.join(__dirname, "fixtures", "program"), pack: FIXTURE_PACK };

async function runPlan(argv: string[], locations: PlanLocations = FIXTURES) {
    let stdout = "";
    let stderr = "";
    const code = await plan(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) }, locations);
    return { code, stdout, stderr };
}

const tempDir = () => fs.mkdtempSync(path.join(os.tmpdir(), "plan-output-spec-"));
const mode = (file: string) => fs.statSync(file).mode & 0o777;

describe("plan's files", function () {
    this.timeout(120_000);

    it("writes the export 0600 in folders it creates 0700, and an existing wider file becomes 0600", async () => {
        const out = path.join(tempDir(), "new", "deeper", "dev.json");
        const run = await runPlan(["--out", out, "--json"]);
        assert.strictEqual(run.code, ExitCode.Ok, run.stderr);
        assert.strictEqual(mode(out), 0o600);
        assert.strictEqual(mode(path.dirname(out)), 0o700);
        assert.strictEqual(mode(path.dirname(path.dirname(out))), 0o700);

        fs.chmodSync(out, 0o644);
        const again = await runPlan(["--out", out, "--json"]);
        assert.strictEqual(again.code, ExitCode.Ok, again.stderr);
        assert.strictEqual(mode(out), 0o600);
        assert.deepStrictEqual(fs.readdirSync(path.dirname(out)), ["dev.json"], "no temporary file left");
    });

    it("refuses an empty --out and one it cannot write, in words, naming the path", async () => {
        const empty = await runPlan(["--out", ""]);
        assert.strictEqual(empty.code, ExitCode.Error);
        assert.strictEqual(
            empty.stderr,
            "error: --out needs a file name; got an empty one (default: .plan/<stack>.json in the project)\n",
        );

        const file = path.join(tempDir(), "a-file");
        fs.writeFileSync(file, "");
        const under = await runPlan(["--out", path.join(file, "x.json")]);
        assert.strictEqual(under.code, ExitCode.Error);
        assert.strictEqual(
            under.stderr,
            `error: cannot write ${path.join(file, "x.json")}: a part of its path is a file, not a folder\n`,
        );

        const folder = tempDir();
        const onFolder = await runPlan(["--out", folder]);
        assert.strictEqual(onFolder.code, ExitCode.Error);
        assert.match(onFolder.stderr, new RegExp(`^error: cannot write ${folder}: it is a folder\\n$`));
    });

    it("keeps provider credentials given with --config out of the file and the output", async () => {
        const out = path.join(tempDir(), "dev.json");
        const credentials = {
            "aws:accessKey": "AKIAEXAMPLEACCESSKEY1",
            "aws:secretKey": "wJalrXUtnFEMI-example-secret-key",
            "aws:token": "FwoGZXIvYXdzEXAMPLESESSIONTOKEN",
        };
        const run = await runPlan(
            ["--out", out, "--json", ...Object.entries(credentials).flatMap(([k, v]) => ["--config", `${k}=${v}`])],
            PROJECT_LOCATIONS,
        );
        assert.ok(run.code === ExitCode.Ok || run.code === ExitCode.Violation, run.stderr);
        const written = fs.readFileSync(out, "utf8");
        for (const value of Object.values(credentials)) {
            assert.ok(!written.includes(value), "a credential in the stack export");
            assert.ok(!run.stdout.includes(value) && !run.stderr.includes(value), "a credential printed");
        }
        const aws = JSON.parse(written).deployment.resources.find(
            (r: { type: string }) => r.type === "pulumi:providers:aws",
        );
        for (const key of ["accessKey", "secretKey", "token"]) {
            assert.strictEqual(aws.inputs[key][SIG_KEY], SECRET_SIG, `${key} is wrapped as a secret`);
            assert.strictEqual(aws.inputs[key].plaintext, undefined, `${key} has no plaintext`);
        }
        assert.strictEqual(aws.inputs.region, "us-west-2", "other settings are kept as they are");
    });

    it("wraps every secret config key of a default provider, secure values included", async () => {
        const exported = await toStackExport(
            [
                {
                    urn: "urn:pulumi:dev::p::kubernetes:core/v1:Namespace::ns",
                    type: "kubernetes:core/v1:Namespace",
                    name: "ns",
                    custom: true,
                    id: "ns",
                    inputs: {},
                    outputs: {},
                    dependencies: [],
                    propertyDependencies: {},
                },
            ],
            {
                project: "p",
                stack: "dev",
                config: { "kubernetes:kubeconfig": "apiVersion: v1 # secret", "kubernetes:context": "ctx" },
                secretKeys: ["kubernetes:kubeconfig"],
                time: new Date(0),
            },
        );
        const provider = exported.deployment.resources.find((r) => r.type === "pulumi:providers:kubernetes")!;
        assert.strictEqual(provider.inputs!.kubeconfig[SIG_KEY], SECRET_SIG);
        assert.ok(!JSON.stringify(exported).includes("apiVersion: v1 # secret"));
        assert.strictEqual(provider.inputs!.context, "ctx");
    });
});

describe("--stack follows Pulumi's stack names", function () {
    this.timeout(120_000);

    const refused: [string, RegExp][] = [
        ["/../../../elsewhere/x", /the stack name holds "\/"|the organization is empty/],
        ["..", /the stack name is "\.\.", which names a folder/],
        [".", /the stack name is "\.", which names a folder/],
        ["org/../dev", /the project is "\.\.", which names a folder/],
        ["a/b/c/d", /the stack name holds "\/"/],
        ["dev x", /the stack name holds " "/],
        ["", /the stack name is empty/],
        ["x".repeat(101), /the stack name is longer than 100 characters/],
        ["org/other-project/dev", /names project "other-project", but this project is "fixture"/],
    ];
    for (const [stack, message] of refused) {
        it(`refuses ${JSON.stringify(stack.length > 20 ? `${stack.slice(0, 20)}…` : stack)} with exit 2, writing nothing`, async () => {
            const before = fs.existsSync(path.join(FIXTURES.projectDir, ".plan"));
            const run = await runPlan(["--stack", stack]);
            assert.strictEqual(run.code, ExitCode.Error);
            assert.match(run.stderr, /^error: --stack /);
            assert.match(run.stderr, message);
            assert.strictEqual(fs.existsSync(path.join(FIXTURES.projectDir, ".plan")), before, "nothing written");
        });
    }

    it("takes ORG/NAME and ORG/PROJECT/NAME, reading the stack's own Pulumi.<NAME>.yaml", async () => {
        for (const stack of ["acme/dev", "acme/fixture/dev"]) {
            const out = path.join(tempDir(), "dev.json");
            const run = await runPlan(["--stack", stack, "--out", out, "--json"]);
            assert.strictEqual(run.code, ExitCode.Ok, run.stderr);
            assert.strictEqual(JSON.parse(run.stdout).stack, "dev");
        }
    });

    it("explain refuses the same names before running anything", async () => {
        let stderr = "";
        const code = await explain(
            ["red/netshoot GET http://httpbin.blue/ip", "--stack", "acme/../dev"],
            { stdout: () => undefined, stderr: (t) => (stderr += t) },
            FIXTURES,
        );
        assert.strictEqual(code, ExitCode.Error);
        assert.match(stderr, /^error: --stack "acme\/\.\.\/dev": the project is "\.\.", which names a folder/);
    });

    it("verify refuses the same names before running anything", async () => {
        let stderr = "";
        const code = await verify(["--stack", "../../x"], { stdout: () => undefined, stderr: (t) => (stderr += t) });
        assert.strictEqual(code, ExitCode.Error);
        assert.match(stderr, /^error: --stack "\.\.\/\.\.\/x": the organization is "\.\.", which names a folder/);
    });
});
