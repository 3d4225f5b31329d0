/**
 * The engine evaluates a pack in its own process by default (engine/analyzer/in-process-pack.ts) and, with
 * `--served`, serves it as the Pulumi CLI does and asks it over gRPC (engine/analyzer/served-pack.ts). Both must give
 * the same verdicts: this runs every fixture stack, every stack the plan writes, and every stack the pack's own specs
 * run a rule on through the whole pack both ways, with the configs the specs use, and compares policy, level,
 * resource and message of every diagnostic.
 */
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Analyzer, PackStackContext } from "../engine/analyzer/analyzer";
import { PolicyConfigEntry } from "../engine/analyzer/policy-pack-config";
import { Violation, evaluatePolicyPack } from "../engine/analyzer/policy-evaluation";
import { ServedPack } from "../engine/analyzer/served-pack";
import { ExitCode } from "../engine/command-line";
import { OUR_PACK, PROJECT_LOCATIONS, plan } from "../engine/commands/plan";
import { PackLocation, startPack } from "../engine/stack-gate";
import { ResourceV3 } from "../engine/state/stack-export";
import { readStateFile } from "../engine/state/state-files";
import { ADVISORIES_POLICY } from "../policies/kit/findings";
import { RecordedStack, UNKNOWN, providerUrn, urnOf } from "../policies/test/harness";
import { FIXTURE_PACK } from "./fixture-pack";

const REPOSITORY = path.resolve(__dirname, "..");
const CHECK_FIXTURES = path.join(__dirname, "fixtures", "check");
/** Serving a pack starts it through ts-node; the recorded pack specs run in a child mocha. */
const TIMEOUT = 300_000;

const CONTEXT: PackStackContext = {
    organization: "",
    project: "fixture",
    stack: "test",
    dryRun: true,
    config: {},
    secretKeys: [],
    tags: { "pulumi:project": "fixture" },
};

/** A served pack that outlives one evaluation: each evaluation closes the pack it is given. */
function keptOpen(pack: Analyzer): Analyzer {
    return {
        getAnalyzerInfo: () => pack.getAnalyzerInfo(),
        configure: (config) => pack.configure(config),
        remediate: (resource) => pack.remediate(resource),
        analyze: (resource) => pack.analyze(resource),
        analyzeStack: (resources) => pack.analyzeStack(resources),
        output: pack.output,
        close: () => undefined,
    };
}

const byContent = (a: Violation, b: Violation) =>
    JSON.stringify([a.policy, a.urn, a.level, a.message]).localeCompare(
        JSON.stringify([b.policy, b.urn, b.level, b.message]),
    );

/** Evaluates the stack both ways; returns both verdict lists, sorted. */
async function bothWays(
    location: PackLocation,
    served: Analyzer,
    resources: readonly ResourceV3[],
    policyPackConfig: Record<string, PolicyConfigEntry> = {},
): Promise<[Violation[], Violation[]]> {
    const warn = () => undefined;
    const inProcess = await evaluatePolicyPack(resources, {
        pack: startPack(location, CONTEXT, false),
        policyPackConfig,
        warn,
    });
    const overGrpc = await evaluatePolicyPack(resources, {
        pack: Promise.resolve(keptOpen(served)),
        policyPackConfig,
        warn,
    });
    return [inProcess.violations.sort(byContent), overGrpc.violations.sort(byContent)];
}

describe("in-process and served evaluation give the same verdicts", function () {
    this.timeout(TIMEOUT);
    let ours: ServedPack;
    let fixture: ServedPack;

    before(async () => {
        // Both started at once; when one fails, the other is still closed (after).
        const started = await Promise.allSettled([
            ServedPack.start(OUR_PACK.dir, CONTEXT).then((pack) => (ours = pack)),
            ServedPack.start(FIXTURE_PACK.dir, CONTEXT).then((pack) => (fixture = pack)),
        ]);
        for (const result of started) {
            if (result.status === "rejected") {
                throw result.reason;
            }
        }
    });

    after(() => {
        ours?.close();
        fixture?.close();
    });

    const checkFiles = fs.readdirSync(CHECK_FIXTURES).filter((f) => f.endsWith(".json"));
    const configs: [string, Record<string, PolicyConfigEntry>][] = [
        ["no config", {}],
        ["all advisory", { all: { enforcementLevel: "advisory" } }],
        [
            "all disabled but one",
            { all: { enforcementLevel: "disabled" }, "fixture-namespace-label": { enforcementLevel: "mandatory" } },
        ],
        ["a remediation", { "fixture-strict-mtls-remediation": { enforcementLevel: "remediate" } }],
        ["options", { "fixture-namespace-label": { properties: { label: "cost-centre" } } }],
    ];

    for (const file of checkFiles) {
        it(`test/fixtures/check/${file}: the real pack and the test-double pack with every config`, async () => {
            const { resources } = readStateFile(path.join(CHECK_FIXTURES, file));
            const [inProcess, served] = await bothWays(OUR_PACK, ours, resources);
            assert.deepStrictEqual(inProcess, served);
            for (const [, config] of configs) {
                const [a, b] = await bothWays(FIXTURE_PACK, fixture, resources, config);
                assert.deepStrictEqual(a, b, JSON.stringify(config));
            }
        });
    }

    it("the stacks plan writes: dev, ambient and overlay with the real pack, the fixture program with the test double", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "both-ways-"));
        for (const stack of ["dev", "ambient", "overlay"]) {
            const out = path.join(dir, `${stack}.json`);
            const code = await plan(
                ["--stack", stack, "--out", out, "--json"],
                { stdout: () => undefined, stderr: () => undefined },
                PROJECT_LOCATIONS,
            );
            assert.strictEqual(code, ExitCode.Ok, stack);
            const [inProcess, served] = await bothWays(OUR_PACK, ours, readStateFile(out).resources);
            assert.deepStrictEqual(inProcess, served, stack);
        }
        // The fixture program with the test-double pack, under every config.
        const out = path.join(dir, "fixture.json");
        const code = await plan(
            ["--config", "fixture:mtlsMode=DISABLE", "--out", out],
            { stdout: () => undefined, stderr: () => undefined },
            { projectDir: path.join(__dirname, "fixtures", "program"), pack: FIXTURE_PACK },
        );
        assert.strictEqual(code, ExitCode.Violation);
        for (const [, config] of configs) {
            const [a, b] = await bothWays(FIXTURE_PACK, fixture, readStateFile(out).resources, config);
            assert.deepStrictEqual(a, b, JSON.stringify(config));
        }
    });

    it("levels from --policy-pack-config on a rule and the companion, with values unknown during preview", async () => {
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "both-ways-")), "unknown.json");
        const urn = (type: string, name: string) => `urn:pulumi:test::fixture::${type}::${name}`;
        const resource = (type: string, name: string, props: Record<string, unknown>): ResourceV3 => ({
            urn: urn(type, name),
            custom: true,
            type,
            inputs: props,
            outputs: props,
        });
        // A Cilium whose socketLB is wrong (a violation) and whose cni.exclusive is unknown (could not check).
        const resources: ResourceV3[] = [
            resource("kubernetes:helm.sh/v3:Release", "cilium", {
                chart: "cilium",
                version: "1.16.5",
                repositoryOpts: { repo: "https://helm.cilium.io" },
                values: { socketLB: { hostNamespaceOnly: false }, cni: { exclusive: UNKNOWN.boolean } },
            }),
            resource("kubernetes:helm.sh/v3:Release", "istio-cni", {
                chart: "cni",
                version: "1.24.2",
                namespace: "istio-system",
                repositoryOpts: { repo: "https://istio-release.storage.googleapis.com/charts" },
            }),
        ];
        fs.writeFileSync(file, JSON.stringify({ version: 3, deployment: { resources } }));
        // What the gate sees of cilium-cni-not-exclusive: its own verdicts, and the companion's that name it.
        const levels = async (config: Record<string, PolicyConfigEntry>) => {
            const [inProcess, served] = await bothWays(OUR_PACK, ours, resources, config);
            assert.deepStrictEqual(inProcess, served, JSON.stringify(config));
            return inProcess
                .filter(
                    (v) =>
                        v.policy === "cilium-cni-not-exclusive" ||
                        (v.policy === ADVISORIES_POLICY && v.message.endsWith("(rule cilium-cni-not-exclusive)")),
                )
                .map((v) => [v.policy, v.level]);
        };
        assert.deepStrictEqual(await levels({}), [[ADVISORIES_POLICY, "advisory"]], "unknown: advisory, not mandatory");
        assert.deepStrictEqual(
            await levels({ "cilium-cni-not-exclusive": { enforcementLevel: "disabled" } }),
            [],
            "a disabled rule keeps nothing for the companion",
        );
        assert.deepStrictEqual(await levels({ [ADVISORIES_POLICY]: { enforcementLevel: "disabled" } }), []);
        assert.deepStrictEqual(
            await levels({ [ADVISORIES_POLICY]: { enforcementLevel: "mandatory" } }),
            [[ADVISORIES_POLICY, "mandatory"]],
            "the companion's level is configurable like any policy's",
        );
        assert.deepStrictEqual(await levels({ all: { enforcementLevel: "advisory" } }), [
            [ADVISORIES_POLICY, "advisory"],
        ]);
    });

    it("every stack the pack's specs run a rule on, with the rule's config and level", async () => {
        const recorded = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "pack-spec-stacks-")), "stacks.jsonl");
        const mocha = spawnSync(
            process.execPath,
            [require.resolve("mocha/bin/mocha.js"), "--reporter", "dot", "policies/rules/*.spec.ts"],
            { cwd: REPOSITORY, env: { ...process.env, PACK_SPEC_STACKS: recorded }, encoding: "utf8" },
        );
        assert.strictEqual(mocha.status, 0, mocha.stdout + mocha.stderr);
        const stacks = new Map<string, RecordedStack>();
        for (const line of fs.readFileSync(recorded, "utf8").split("\n").filter(Boolean)) {
            const stack: RecordedStack = JSON.parse(line);
            const key = crypto.createHash("sha256").update(line).digest("hex");
            stacks.set(key, stack);
        }
        assert.ok(stacks.size > 100, `only ${stacks.size} stacks recorded`);
        let withVerdicts = 0;
        for (const { policy, resources, options } of stacks.values()) {
            const asState: ResourceV3[] = resources.map((r) => ({
                urn: urnOf(r),
                custom: true,
                type: r.type,
                inputs: r.props,
                outputs: r.props,
                ...(r.provider && { provider: `${providerUrn(r.provider)}::${r.provider.name}-id` }),
                ...(r.parent && { parent: r.parent }),
            }));
            // The providers the resources name, as a stack export holds them.
            for (const provider of new Map(
                resources.filter((r) => r.provider).map((r) => [r.provider!.name, r.provider!]),
            ).values()) {
                asState.push({
                    urn: providerUrn(provider),
                    custom: true,
                    id: `${provider.name}-id`,
                    type: provider.type ?? "pulumi:providers:kubernetes",
                    inputs: provider.props ?? {},
                    outputs: provider.props ?? {},
                });
            }
            const entry: PolicyConfigEntry = {};
            if (options.enforcementLevel) {
                entry.enforcementLevel = options.enforcementLevel;
            }
            if (options.config && Object.keys(options.config).length > 0) {
                entry.properties = options.config as Record<string, any>;
            }
            const config = entry.enforcementLevel || entry.properties ? { [policy]: entry } : {};
            const [inProcess, served] = await bothWays(OUR_PACK, ours, asState, config);
            assert.deepStrictEqual(inProcess, served, `${policy} on ${resources.map((r) => r.name).join(", ")}`);
            withVerdicts += inProcess.length > 0 ? 1 : 0;
        }
        assert.ok(withVerdicts > 50, `only ${withVerdicts} of ${stacks.size} stacks had a verdict`);
    });
});
