/**
 * `npm run plan`. The machinery is tested against a tiny fixture program and a test-double policy pack
 * (test/fixtures/program, test/fixtures/policy-pack), evaluated in the engine's process as by default
 * (test/in-process-vs-served.spec.ts runs them served too); the shipped stacks are planned against the real pack
 * `cilium-istio-guard`, one of them as a real child process so that the exit codes are the CLI's own.
 */
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { AnalyzerInfo } from "../engine/analyzer/analyzer";
import { ExitCode } from "../engine/command-line";
import { check } from "../engine/commands/check";
import { plan, PlanLocations, PROJECT_LOCATIONS } from "../engine/commands/plan";
import { parsePolicyPackConfig, reconcilePolicyPackConfig } from "../engine/analyzer/policy-pack-config";
import { Report } from "../engine/report/report";
import { ResourceV3, StackExport, parseUrn } from "../engine/state/stack-export";
import { rootStackUrn } from "../engine/analyzer/policy-evaluation";
import { StackValidationPolicy } from "@pulumi/policy";
import { ADVISORIES_POLICY } from "../policies/kit/findings";
import { policies } from "../policies/policies";
import { FixtureResource, runResourcePolicy, runStackPolicy, urnOf } from "../policies/test/harness";
import { RESOURCE_SIG, SIG_KEY, SECRET_SIG, stateToPlain } from "../engine/state/property-values";
import { FIXTURE_PACK } from "./fixture-pack";

const FIXTURES: PlanLocations = {
    projectDir: path.join(__dirname, "fixtures", "program"),
    pack: FIXTURE_PACK,
};
const REPOSITORY = path.resolve(__dirname, "..");

/** Starting a pack means ts-node type-checking it; allow for that on a 2-core machine. */
const PACK_TIMEOUT = 120_000;

interface Run {
    code: ExitCode;
    stdout: string;
    stderr: string;
}

async function runPlan(argv: string[], locations: PlanLocations = FIXTURES): Promise<Run> {
    let stdout = "";
    let stderr = "";
    const code = await plan(
        argv,
        {
            stdout: (t) => {
                stdout += t;
            },
            stderr: (t) => {
                stderr += t;
            },
        },
        locations,
    );
    return { code, stdout, stderr };
}

function tempFile(name: string, content?: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-spec-"));
    const file = path.join(dir, name);
    if (content !== undefined) {
        fs.writeFileSync(file, content);
    }
    return file;
}

describe("plan on the fixture program and test-double pack", function () {
    this.timeout(PACK_TIMEOUT);

    let out: string;
    let run: Run;
    let exported: StackExport;
    let report: Report;

    before(async () => {
        out = tempFile("dev.json");
        run = await runPlan(["--stack", "dev", "--out", out, "--json"]);
        exported = JSON.parse(fs.readFileSync(out, "utf8"));
        report = JSON.parse(run.stdout);
    });

    it("exits 0 and prints one JSON document with exactly the documented fields", () => {
        assert.strictEqual(run.code, ExitCode.Ok, run.stderr);
        assert.deepStrictEqual(Object.keys(report).sort(), [
            "connectivity",
            "criticalPath",
            "dataPlanes",
            "resources",
            "result",
            "stack",
            "summary",
            "violations",
        ]);
        assert.strictEqual(report.stack, "dev");
        for (const r of report.resources) {
            assert.deepStrictEqual(Object.keys(r).sort(), ["dependencies", "parent", "type", "urn"]);
        }
    });

    it("writes a deployment version 3 export with the root Stack first and URNs carrying the parent chain", () => {
        assert.strictEqual(exported.version, 3);
        const urns = exported.deployment.resources.map((r) => r.urn);
        assert.deepStrictEqual(urns, [
            "urn:pulumi:dev::fixture::pulumi:pulumi:Stack::fixture-dev",
            "urn:pulumi:dev::fixture::pulumi:providers:kubernetes::cluster",
            "urn:pulumi:dev::fixture::fixture:index:Tenant::blue",
            "urn:pulumi:dev::fixture::fixture:index:Tenant$kubernetes:core/v1:Namespace::blue",
            "urn:pulumi:dev::fixture::fixture:index:Tenant$kubernetes:security.istio.io/v1:PeerAuthentication::blue-peer-authentication",
        ]);
        assert.strictEqual(exported.deployment.resources[0].id, undefined, "components and the Stack have no ID");
    });

    it("records provider references, dependencies and secrets as the engine stores them", () => {
        const [, provider, tenant, namespace, peerAuthentication] = exported.deployment.resources;
        assert.strictEqual(
            namespace.provider,
            `${provider.urn}::${provider.id}`,
            "inherited from the component's providers",
        );
        assert.strictEqual(namespace.parent, tenant.urn);
        assert.ok(
            peerAuthentication.dependencies!.includes(namespace.urn),
            "metadata.namespace comes from the Namespace",
        );
        assert.deepStrictEqual(peerAuthentication.propertyDependencies!.metadata, [namespace.urn]);
        assert.deepStrictEqual(exported.deployment.resources[0].outputs!.token, {
            [SIG_KEY]: SECRET_SIG,
            plaintext: JSON.stringify("fixture-token"),
        });
        assert.deepStrictEqual(
            tenant.inputs!.cluster,
            { [SIG_KEY]: RESOURCE_SIG, urn: provider.urn, id: provider.id },
            "a resource passed as an input is stored as a resource reference",
        );
    });

    it("gives the program its config as the CLI would: Pulumi.yaml defaults under the stack file", () => {
        const namespace = exported.deployment.resources[3];
        assert.deepStrictEqual(namespace.inputs!.metadata.labels, { team: "platform" });
        assert.strictEqual(exported.deployment.resources[4].inputs!.spec.mtls.mode, "STRICT");
    });

    it("finds no violation: the PeerAuthentication is STRICT and the namespace carries the label the stack policy wants", () => {
        assert.deepStrictEqual(report.violations, []);
    });

    it("puts the resources that take time on the critical path, in creation order", () => {
        assert.deepStrictEqual(report.criticalPath, [
            exported.deployment.resources[3].urn,
            exported.deployment.resources[4].urn,
        ]);
    });
});

describe("plan's verdicts and exit codes on the fixture", function () {
    this.timeout(PACK_TIMEOUT);

    it("--config overrides the stack file and a mandatory violation exits 1, naming the policy", async () => {
        const run = await runPlan(["--config", "fixture:mtlsMode=DISABLE", "--out", tempFile("dev.json"), "--json"]);
        assert.strictEqual(run.code, ExitCode.Violation, run.stderr);
        const report: Report = JSON.parse(run.stdout);
        assert.deepStrictEqual(
            report.violations.map((v) => [v.policy, v.level, v.urn.split("::").pop()]),
            [["fixture-no-disabled-mtls", "mandatory", "blue-peer-authentication"]],
        );
        assert.match(report.violations[0].message, /mtls\.mode DISABLE in namespace blue/);
    });

    it("--policy-pack-config reaches the pack: `all` sets every level, a policy's own entry wins, properties apply", async () => {
        const config = tempFile(
            "policy-config.json",
            JSON.stringify({
                all: "advisory",
                "fixture-namespace-label": { enforcementLevel: "mandatory", label: "cost-centre" },
            }),
        );
        const run = await runPlan([
            "--config",
            "mtlsMode=DISABLE",
            "--policy-pack-config",
            config,
            "--out",
            tempFile("dev.json"),
            "--json",
        ]);
        assert.strictEqual(run.code, ExitCode.Violation, run.stderr);
        const report: Report = JSON.parse(run.stdout);
        assert.deepStrictEqual(
            report.violations.map((v) => [v.level, v.policy, v.urn.split("::").pop()]),
            [
                ["mandatory", "fixture-namespace-label", "blue"],
                ["advisory", "fixture-no-disabled-mtls", "blue-peer-authentication"],
            ],
        );
        assert.match(report.violations[0].message, /namespace blue has no label cost-centre/);
    });

    it("a policy at level remediate: Analyze sees the remediated inputs, as the CLI sends them after Remediate", async () => {
        const config = tempFile(
            "policy-config.json",
            JSON.stringify({ "fixture-strict-mtls-remediation": "remediate" }),
        );
        const run = await runPlan([
            "--config",
            "mtlsMode=DISABLE",
            "--policy-pack-config",
            config,
            "--out",
            tempFile("dev.json"),
            "--json",
        ]);
        assert.strictEqual(run.code, ExitCode.Ok, run.stderr);
        const report: Report = JSON.parse(run.stdout);
        assert.deepStrictEqual(report.violations, []);
    });

    it("a config the pack's schema rejects exits 2 with the policy and the reason", async () => {
        const config = tempFile(
            "policy-config.json",
            JSON.stringify({ "fixture-no-disabled-mtls": { allowedNamespaces: "blue" } }),
        );
        const run = await runPlan(["--policy-pack-config", config, "--out", tempFile("dev.json")]);
        assert.strictEqual(run.code, ExitCode.Error);
        assert.match(run.stderr, /fixture-no-disabled-mtls: \/allowedNamespaces must be array/);
    });
});

describe("plan refuses bad input before running anything", () => {
    const cases: [string, string[], RegExp][] = [
        [
            "an unknown --config key",
            ["--config", "fixture:colour=red"],
            /unknown config key "fixture:colour"; known keys: fixture:mtlsMode, fixture:team/,
        ],
        ["a --config without =", ["--config", "mtlsMode"], /--config expects KEY=VALUE/],
        [
            "a stack without a file",
            ["--stack", "prod"],
            /no stack "prod": .*Pulumi\.prod\.yaml does not exist; stacks here: dev/,
        ],
        ["an unknown flag", ["--dry-run"], /unknown flag "--dry-run"/],
        ["a policy pack config that is not JSON", ["--policy-pack-config", "POLICY_CONFIG"], /is not JSON/],
        [
            "an enforcement level that does not exist",
            ["--policy-pack-config", "BAD_LEVEL"],
            /all: "fatal" is not an enforcement level; allowed: advisory, mandatory, remediate, disabled/,
        ],
    ];
    for (const [what, argv, message] of cases) {
        it(`exits 2 on ${what}, without a stack trace and without writing a plan`, async () => {
            const out = tempFile("dev.json");
            const files: Record<string, string> = {
                POLICY_CONFIG: tempFile("c.json", "{nope"),
                BAD_LEVEL: tempFile("c.json", '{"all": "fatal"}'),
            };
            const run = await runPlan([...argv.map((a) => files[a] ?? a), "--out", out]);
            assert.strictEqual(run.code, ExitCode.Error);
            assert.match(run.stderr, message);
            assert.doesNotMatch(run.stderr, /\n\s+at /, "no stack trace");
            assert.ok(!fs.existsSync(out), "nothing was planned");
        });
    }

    it("exits 2 on a key the root program does not know, listing the keys of eks-cilium-istio", async () => {
        const run = await runPlan(
            ["--config", "eks-cilium-istio:demoStages=l4", "--out", tempFile("dev.json")],
            PROJECT_LOCATIONS,
        );
        assert.strictEqual(run.code, ExitCode.Error);
        assert.match(
            run.stderr,
            /^error: unknown config key "eks-cilium-istio:demoStages"; known keys: .*eks-cilium-istio:demoStage, /,
        );
    });

    it("exits 2 on a program error, with the stack trace only under --verbose", async () => {
        const quiet = await runPlan(["--config", "mtlsMode=OFF", "--out", tempFile("dev.json")]);
        assert.strictEqual(quiet.code, ExitCode.Error);
        assert.strictEqual(
            quiet.stderr,
            'error: the program failed: fixture:mtlsMode: got "OFF"; allowed: one of STRICT, PERMISSIVE, DISABLE\n',
        );
        const verbose = await runPlan(["--config", "mtlsMode=OFF", "--out", tempFile("dev.json"), "--verbose"]);
        assert.strictEqual(verbose.code, ExitCode.Error);
        assert.match(verbose.stderr, /InputError: fixture:mtlsMode[^\n]*\n\s+at oneOf/);
    });
});

describe("policy pack config reconciliation (as the CLI's ReconcilePolicyPackConfig)", () => {
    const info: AnalyzerInfo = {
        name: "pack",
        version: "1.0.0",
        supportsConfig: true,
        policies: [
            {
                name: "a",
                description: "",
                enforcementLevel: "mandatory",
                configSchema: { properties: { max: { type: "integer", default: 3 } } },
            },
            { name: "b", description: "", enforcementLevel: "advisory" },
        ],
        initialConfig: { b: { enforcementLevel: "disabled" } },
    };
    const noWarnings = (message: string) => assert.fail(`unexpected warning: ${message}`);

    it("starts from schema defaults and the pack's initial config", () => {
        assert.deepStrictEqual(reconcilePolicyPackConfig(info, {}, noWarnings), {
            a: { enforcementLevel: "mandatory", properties: { max: 3 } },
            b: { enforcementLevel: "disabled", properties: undefined },
        });
    });

    it("applies `all` first and per-policy entries over it", () => {
        const given = parsePolicyPackConfig(
            JSON.stringify({ all: "advisory", a: { max: 5 }, b: "mandatory" }),
            "c.json",
        );
        const config = reconcilePolicyPackConfig(info, given, noWarnings);
        assert.deepStrictEqual(config.a, { enforcementLevel: "advisory", properties: { max: 5 } });
        assert.deepStrictEqual(config.b, { enforcementLevel: "mandatory", properties: undefined });
    });

    it("refuses a property-only entry for a policy the pack lacks, and warns about a level-only one", () => {
        assert.throws(
            () => reconcilePolicyPackConfig(info, { zz: { properties: { x: 1 } } }, () => undefined),
            /"zz" is not a policy of pack and has no enforcement level/,
        );
        const warnings: string[] = [];
        reconcilePolicyPackConfig(info, { zz: { enforcementLevel: "advisory" } }, (m) => warnings.push(m));
        assert.deepStrictEqual(warnings, ['policy pack config names "zz", which pack pack does not have']);
    });

    it("refuses an option a policy does not declare: a misspelt one, or any on a policy that takes none", () => {
        assert.throws(
            () => reconcilePolicyPackConfig(info, { a: { properties: { mxa: 5 } } }, noWarnings),
            /a: unknown option "mxa"; it takes "max" \(and enforcementLevel\)/,
        );
        assert.throws(
            () => reconcilePolicyPackConfig(info, { b: { properties: { max: 5 } } }, noWarnings),
            /b: unknown option "max"; it takes no options besides enforcementLevel/,
        );
    });
});

/** One verdict, as the report prints it. */
type Verdict = [policy: string, level: string, urn: string, message: string];

/**
 * The same verdicts, from calling the pack's rules directly (policies/policies.ts) through the pack's own test
 * harness, which builds the server's arguments: resource policies on each resource's inputs, stack policies on all
 * outputs, each policy's config at its schema defaults (what Configure sends when no config file is given).
 */
async function directVerdicts(exported: StackExport): Promise<Verdict[]> {
    const resources = exported.deployment.resources;
    const fixtureOf = (r: ResourceV3, props: Record<string, any> | undefined): FixtureResource => {
        const { qualifiedType, name } = parseUrn(r.urn);
        const types = qualifiedType.split("$");
        return {
            type: r.type,
            name,
            props: stateToPlain(props ?? {}) as Record<string, any>,
            parentTypes: types.slice(0, -1),
        };
    };
    const realUrn = new Map(resources.map((r) => [urnOf(fixtureOf(r, {})), r.urn]));
    const fixtureUrn = new Map([...realUrn].map(([fixture, real]) => [real, fixture]));
    // Each resource with its provider and parent, as the server links them: a mesh stack's clusters are told apart
    // by their Kubernetes providers and the resources' ancestors (policies/model/clusters.ts).
    const linked = (r: ResourceV3, props: Record<string, any> | undefined): FixtureResource => {
        const providerRef = r.provider?.split("::").slice(0, -1).join("::");
        const provider = resources.find((p) => p.urn === providerRef);
        return {
            ...fixtureOf(r, props),
            parent: r.parent === undefined ? undefined : fixtureUrn.get(r.parent),
            provider:
                provider === undefined
                    ? undefined
                    : {
                          type: provider.type,
                          name: parseUrn(provider.urn).name,
                          urn: fixtureUrn.get(provider.urn),
                          props: stateToPlain(provider.inputs ?? {}) as Record<string, any>,
                      },
        };
    };
    const root = rootStackUrn(resources);
    const verdicts: Verdict[] = [];
    for (const policy of policies) {
        const config = Object.fromEntries(
            Object.entries(policy.configSchema?.properties ?? {})
                .filter(([, schema]) => "default" in (schema as object))
                .map(([key, schema]) => [key, (schema as { default: unknown }).default]),
        );
        if ("validateResource" in policy) {
            for (const r of resources) {
                for (const v of await runResourcePolicy(policy, fixtureOf(r, r.inputs ?? r.outputs), { config })) {
                    verdicts.push([policy.name, v.level, r.urn, v.message]);
                }
            }
        } else if ("validateStack" in policy) {
            const all = resources.map((r) => linked(r, r.outputs ?? r.inputs));
            for (const v of await runStackPolicy(policy as StackValidationPolicy, all, { config })) {
                // What the rule could not check reaches the served pack through its companion, which names the rule.
                const name = v.message.endsWith(`(rule ${policy.name})`) ? ADVISORIES_POLICY : policy.name;
                verdicts.push([name, v.level, (v.urn && realUrn.get(v.urn)) ?? root, v.message]);
            }
        }
    }
    return verdicts.sort();
}

function servedVerdicts(report: Report): Verdict[] {
    return report.violations.map((v): Verdict => [v.policy, v.level, v.urn, v.message]).sort();
}

describe("the real pack cilium-istio-guard, served as the CLI serves it", function () {
    this.timeout(PACK_TIMEOUT);

    for (const stack of ["dev", "ambient", "overlay", "mesh"]) {
        it(`${stack}: exits 0 with no mandatory violation; the served pack's verdicts equal the rules called directly`, async () => {
            const out = tempFile(`${stack}.json`);
            const run = await runPlan(["--stack", stack, "--out", out, "--json"], PROJECT_LOCATIONS);
            assert.strictEqual(run.code, ExitCode.Ok, `${run.stderr}\n${run.stdout}`);
            const report: Report = JSON.parse(run.stdout);
            assert.deepStrictEqual(
                report.violations.filter((v) => v.level === "mandatory"),
                [],
            );
            assert.deepStrictEqual(
                servedVerdicts(report),
                await directVerdicts(JSON.parse(fs.readFileSync(out, "utf8"))),
            );
        });
    }

    /** `npm run plan` itself (the built command line, as the npm script runs it), so the exit code is the process's. */
    function npmRunPlan(args: string[]) {
        return spawnSync(process.execPath, ["bin/engine/cli.js", "plan", ...args], {
            cwd: REPOSITORY,
            encoding: "utf8",
        });
    }

    it("check on a hand-written stack that breaks many rules: the served verdicts equal the rules called directly", async () => {
        const file = path.join(__dirname, "fixtures", "check", "many-rules-broken.json");
        let stdout = "";
        const code = await check(
            [file, "--json"],
            {
                stdout: (t) => {
                    stdout += t;
                },
                stderr: () => undefined,
            },
            PROJECT_LOCATIONS.pack,
        );
        assert.strictEqual(code, ExitCode.Violation);
        const served = servedVerdicts(JSON.parse(stdout));
        assert.ok(
            new Set(served.map(([policy]) => policy)).size >= 6,
            `several rules must fire: ${served.map(([p]) => p).join(", ")}`,
        );
        assert.ok(
            served.some(([policy]) => policy === "cilium-kpr-value-for-chart-version"),
            "a resource policy among them",
        );
        assert.deepStrictEqual(served, await directVerdicts(JSON.parse(fs.readFileSync(file, "utf8"))));
    });

    it("dev with demoMtlsFix=false, as a child process: exits 1 naming cilium-l7-policy-vs-istio-mtls, as the rules called directly do", async () => {
        const out = tempFile("dev.json");
        const child = npmRunPlan(["--config", "eks-cilium-istio:demoMtlsFix=false", "--out", out, "--json"]);
        assert.strictEqual(child.status, 1, child.stderr);
        const report: Report = JSON.parse(child.stdout);
        assert.ok(
            report.violations.some((v) => v.policy === "cilium-l7-policy-vs-istio-mtls" && v.level === "mandatory"),
            JSON.stringify(report.violations, null, 2),
        );
        assert.deepStrictEqual(servedVerdicts(report), await directVerdicts(JSON.parse(fs.readFileSync(out, "utf8"))));
    });
});
