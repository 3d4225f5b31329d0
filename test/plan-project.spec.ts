/**
 * `plan` on a user's own Pulumi project, not this repository's: test/fixtures/consumers/plain-eks, a JavaScript
 * program with only @pulumi/eks and @pulumi/kubernetes resources, its stack files in `stackConfigDir`, no `main` in
 * Pulumi.yaml, a `secure:` value, and outputs the mocks cannot know; gated by the real pack. And how plan reads any
 * project: the nearest Pulumi.yaml upwards, runtimes it cannot run, no key check without a table of keys; a TypeScript
 * program without a tsconfig.json, run by the built command line as a user runs it.
 */
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ExitCode } from "../engine/command-line";
import { OUR_PACK, PlanLocations, plan } from "../engine/commands/plan";
import { Report } from "../engine/report/report";
import { SECURE_PLACEHOLDER } from "../engine/state/stack-config-files";
import { SECRET_SIG, SIG_KEY, UNKNOWN } from "../engine/state/property-values";
import { StackExport, parseUrn } from "../engine/state/stack-export";
import { captured } from "./captured-run";

const REPOSITORY = path.resolve(__dirname, "..");
const PLAIN = path.join(__dirname, "fixtures", "consumers", "plain-eks");

function tempDir(prefix: string): string {
    return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

function runPlan(argv: string[], projectDir: string) {
    const locations: PlanLocations = { projectDir, pack: OUR_PACK };
    return captured((io) => plan(argv, io, locations));
}

describe("plan of a plain @pulumi/eks and @pulumi/kubernetes program (no component of this package)", function () {
    this.timeout(120_000);
    let run: Awaited<ReturnType<typeof runPlan>>;
    let exported: StackExport;
    const resource = (type: string, name: string) =>
        exported.deployment.resources.find((r) => r.type === type && parseUrn(r.urn).name === name)!;

    before(async () => {
        const out = path.join(tempDir("plan-project-"), "dev.json");
        run = await runPlan(["--out", out, "--json"], PLAIN);
        exported = JSON.parse(fs.readFileSync(out, "utf8"));
    });

    it("runs the program Node finds through package.json, with the stack file from stackConfigDir, and finds it clean", () => {
        assert.strictEqual(run.code, ExitCode.Ok, run.stderr);
        const report: Report = JSON.parse(run.stdout);
        assert.deepStrictEqual(report.violations, []);
        assert.strictEqual(resource("kubernetes:helm.sh/v3:Release", "cilium").inputs!.version, "1.18.12");
        assert.deepStrictEqual(
            exported.deployment.resources.filter((r) => r.type.startsWith("eks-cilium-istio:")),
            [],
            "no component of this package",
        );
    });

    it("reads a secure: value as a placeholder, kept secret, and says so", () => {
        assert.deepStrictEqual(resource("kubernetes:core/v1:Secret", "registry").inputs!.stringData, {
            [SIG_KEY]: SECRET_SIG,
            plaintext: JSON.stringify({ token: SECURE_PLACEHOLDER }),
        });
        assert.ok(!JSON.stringify(exported).includes("AAABAJ0h0Zb"), "the ciphertext goes nowhere");
        assert.match(run.stderr, /^note: secret config is not decrypted offline; .* for platform:registryToken$/m);
    });

    it("leaves what the mocks cannot know unknown, as a preview does, and names it and where it came from", () => {
        assert.strictEqual(resource("kubernetes:core/v1:ConfigMap", "platform-info").inputs!.data.nodeGroup, UNKNOWN);
        assert.match(run.stderr, /^note: 2 values the program computed from outputs the mock runtime cannot know/m);
        assert.match(
            run.stderr,
            /^ {2}kubernetes:core\/v1:ConfigMap platform-info: data\.nodeGroup \(from eks:index:ManagedNodeGroup platform-nodes\)$/m,
        );
        assert.match(run.stderr, /^ {2}stack outputs: nodeGroupArn$/m);
    });

    it("gives auto-named Kubernetes objects a name, as the provider does at preview", () => {
        const name = resource("kubernetes:core/v1:Namespace", "shop").outputs!.metadata.name;
        assert.match(name, /^shop-[0-9a-f]{8}$/);
        assert.strictEqual(resource("kubernetes:core/v1:Secret", "registry").inputs!.metadata.namespace, name);
    });

    it("gates it like any stack: the rule its config breaks exits 1, naming the rule and the release", async () => {
        const broken = await runPlan(
            [
                "--config",
                "platform:ciliumSocketLbHostNamespaceOnly=false",
                "--out",
                path.join(tempDir("plan-project-"), "x.json"),
                "--json",
            ],
            PLAIN,
        );
        assert.strictEqual(broken.code, ExitCode.Violation, broken.stderr);
        const report: Report = JSON.parse(broken.stdout);
        assert.deepStrictEqual(
            report.violations.map((v) => [v.policy, v.level, parseUrn(v.urn).name]),
            [["cilium-socket-lb-host-namespace-only", "mandatory", "cilium"]],
        );
    });
});

describe("plan finds and reads any Pulumi project", function () {
    this.timeout(120_000);

    it("from a folder below the project, as the Pulumi CLI does", async () => {
        const run = await runPlan(
            ["--out", path.join(tempDir("plan-project-"), "dev.json")],
            path.join(PLAIN, "stacks"),
        );
        assert.strictEqual(run.code, ExitCode.Ok, run.stderr);
        assert.match(run.stdout, /^Offline plan \(policy pack cilium-istio-guard@[^)]+\)\nStack: dev · /m);
    });

    it("has no key check for a project without a table of keys: a key its program does not read passes", async () => {
        const run = await runPlan(
            ["--config", "platform:unused=1", "--out", path.join(tempDir("plan-project-"), "dev.json")],
            PLAIN,
        );
        assert.strictEqual(run.code, ExitCode.Ok, run.stderr);
    });

    it("refuses, before running anything, what it cannot plan", async () => {
        const cases: [string, RegExp][] = [
            [
                "name: p\nruntime: python\n",
                /^error: .*Pulumi\.yaml: runtime "python" cannot be planned; allowed: nodejs/,
            ],
            [
                "name: p\nruntime:\n  name: nodejs\n  options:\n    typescript: maybe\n",
                /runtime\.options\.typescript must be true or false, got "maybe"/,
            ],
            [
                "name: p\nruntime: nodejs\nstackConfigDir: 3\n",
                /"stackConfigDir" must be a path relative to the project, got 3/,
            ],
        ];
        for (const [project, message] of cases) {
            const dir = tempDir("plan-project-");
            fs.writeFileSync(path.join(dir, "Pulumi.yaml"), project);
            const run = await runPlan([], dir);
            assert.strictEqual(run.code, ExitCode.Error, project);
            assert.match(run.stderr, message);
            assert.ok(!fs.existsSync(path.join(dir, ".plan")), "nothing planned");
        }
        const nowhere = await runPlan([], tempDir("plan-project-"));
        assert.match(nowhere.stderr, /^error: no Pulumi\.yaml in .* or any folder above it/);
    });

    it("runs a TypeScript program without a tsconfig.json, and names the provider functions the mocks cannot answer", () => {
        // The built command line as a user runs it: ts-node is registered by the plan, not by this test's mocha.
        const dir = tempDir("plan-project-");
        fs.symlinkSync(path.join(REPOSITORY, "node_modules"), path.join(dir, "node_modules"), "dir");
        fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: tiny\nruntime: nodejs\nmain: main.ts\n");
        fs.writeFileSync(path.join(dir, "Pulumi.dev.yaml"), "config:\n  aws:region: us-west-2\n");
        fs.writeFileSync(
            path.join(dir, "main.ts"),
            [
                'import * as aws from "@pulumi/aws";',
                'import * as k8s from "@pulumi/kubernetes";',
                "const zones: Promise<aws.GetAvailabilityZonesResult> = aws.getAvailabilityZones();",
                'const ami = aws.ec2.getAmiOutput({ owners: ["amazon"], mostRecent: true });',
                'new k8s.core.v1.ConfigMap("zones", { data: { zone: zones.then((z) => z.names[0]), ami: ami.id } });',
                "",
            ].join("\n"),
        );
        const child = spawnSync(
            process.execPath,
            [path.join(REPOSITORY, "bin", "engine", "cli.js"), "plan", "--json"],
            {
                cwd: dir,
                encoding: "utf8",
            },
        );
        assert.strictEqual(child.status, ExitCode.Ok, child.stderr);
        const exported: StackExport = JSON.parse(fs.readFileSync(path.join(dir, ".plan", "dev.json"), "utf8"));
        const configMap = exported.deployment.resources.find((r) => r.type === "kubernetes:core/v1:ConfigMap")!;
        assert.strictEqual(configMap.inputs!.data.zone, "us-west-2a", "an answer the mocks know");
        assert.match(
            child.stderr,
            /^note: the mock runtime has no answer for 1 provider function the program called, and answered each with its own arguments: aws:ec2\/getAmi:getAmi \(1×\)$/m,
        );
    });
});
