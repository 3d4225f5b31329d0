/**
 * The pack as a whole: every rule under rules/ is in it and describes itself (the README's table is generated from
 * that), their schemas are what the server accepts, and the policy server's own Analyze/AnalyzeStack code (not a copy
 * of it) turns their reports into the diagnostics the CLI shows.
 *
 * Levels, through @pulumi/policy's public API only (kit/findings.ts): a rule reports its violations at its own level
 * under its own name; the pack's last policy, `cilium-istio-guard-advisories`, advisory, reports at the end of
 * AnalyzeStack what the rules could not check and the findings they rate advisory, naming the rule, so unknown values
 * never fail a mandatory rule. How `--policy-pack-config` acts on both is tested through the engine, in-process and
 * served (test/in-process-vs-served.spec.ts).
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { StackValidationPolicy } from "@pulumi/policy";
import { withGeneratedSection } from "../kit/generated-section";
import { RULE_TABLE, renderRuleTable } from "../kit/rule-table";
import { policies } from "../policies";
import { CiliumIstioGuardArgs, ciliumIstioGuardDefinition } from "../cilium-istio-guard";
import { ADVISORIES_POLICY } from "../kit/findings";

const RULES_DIR = path.join(__dirname, "..", "rules");
/** The ready pack's policies (./index.ts serves them). */
const PACK_ARGS = ciliumIstioGuardDefinition().args;
import { FixtureResource, urnOf, UNKNOWN } from "./harness";
import {
    ciliumRelease,
    cnp,
    deployment,
    goodCiliumValues,
    istioSidecar,
    l7Spec,
    namespace,
    peerAuthentication,
} from "./fixtures";

// eslint-disable-next-line @typescript-eslint/no-require-imports -- used untyped, as the server uses it
const analyzerProto = require("@pulumi/pulumi/proto/analyzer_pb");
// eslint-disable-next-line @typescript-eslint/no-require-imports -- used untyped, as the server uses it
const { Struct } = require("google-protobuf/google/protobuf/struct_pb");
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the server's RPC functions are not in @pulumi/policy's .d.ts
const server = require("@pulumi/policy/server");
// eslint-disable-next-line @typescript-eslint/no-require-imports -- GetAnalyzerInfo's answer, not in @pulumi/policy's .d.ts
const protoutil = require("@pulumi/policy/protoutil");

function analyzerResource(resource: FixtureResource) {
    const r = new analyzerProto.AnalyzerResource();
    r.setType(resource.type);
    r.setUrn(urnOf(resource));
    r.setName(resource.name);
    r.setProperties(Struct.fromJavaScript(resource.props));
    r.setOptions(new analyzerProto.AnalyzerResourceOptions());
    return r;
}

interface Diagnostic {
    policy: string;
    level: string;
    message: string;
}

const LEVELS: Record<number, string> = { 0: "advisory", 1: "mandatory", 2: "disabled", 3: "remediate" };

function diagnostics(response: any): Diagnostic[] {
    return response.getDiagnosticsList().map((d: any) => ({
        policy: d.getPolicyname(),
        level: LEVELS[d.getEnforcementlevel()],
        message: d.getMessage(),
    }));
}

/** AnalyzeStack through @pulumi/policy's server code, as `pulumi preview` reaches the pack (the ready one by default). */
function analyzeStack(resources: FixtureResource[], policies = PACK_ARGS.policies): Promise<Diagnostic[]> {
    const request = new analyzerProto.AnalyzeStackRequest();
    request.setResourcesList(resources.map(analyzerResource));
    const rpc = server.makeAnalyzeStackRpcFun("cilium-istio-guard", "0.1.0", "advisory", policies);
    return new Promise((resolve, reject) =>
        rpc({ request }, (error: unknown, response: any) => (error ? reject(error) : resolve(diagnostics(response)))),
    );
}

function analyze(resource: FixtureResource): Promise<Diagnostic[]> {
    const request = analyzerResource(resource) as any;
    const analyzeRequest = new analyzerProto.AnalyzeRequest();
    analyzeRequest.setType(request.getType());
    analyzeRequest.setUrn(request.getUrn());
    analyzeRequest.setName(request.getName());
    analyzeRequest.setProperties(request.getProperties());
    analyzeRequest.setOptions(request.getOptions());
    const rpc = server.makeAnalyzeRpcFun("cilium-istio-guard", "0.1.0", "advisory", PACK_ARGS.policies);
    return new Promise((resolve, reject) =>
        rpc({ request: analyzeRequest }, (error: unknown, response: any) =>
            error ? reject(error) : resolve(diagnostics(response)),
        ),
    );
}

describe("the cilium-istio-guard pack", () => {
    it("holds every rule under rules/, each in the file named after it", () => {
        const files = fs
            .readdirSync(RULES_DIR)
            .filter((f) => f.endsWith(".ts") && !f.endsWith(".spec.ts"))
            .map((f) => f.slice(0, -".ts".length));
        assert.deepStrictEqual([...policies.map((p) => p.name)].sort(), files.sort());
        for (const name of files) {
            // eslint-disable-next-line @typescript-eslint/no-require-imports -- each rule module by its file name
            const exported = Object.values(require(path.join(RULES_DIR, name))).filter((v) =>
                policies.includes(v as never),
            );
            assert.deepStrictEqual(
                exported.map((p) => (p as { name: string }).name),
                [name],
                `${name}.ts exports its own rule`,
            );
        }
    });

    it("takes each policy's name, level, description and remediation steps from the rule's metadata", () => {
        for (const policy of policies) {
            const { metadata } = policy;
            assert.deepStrictEqual(
                [policy.name, policy.enforcementLevel, policy.description, policy.remediationSteps],
                [metadata.name, metadata.level, metadata.description, metadata.fix],
            );
            for (const field of ["trigger", "breaks", "fix"] as const) {
                assert.ok(metadata[field].trim().length > 0, `${metadata.name}: ${field} is empty`);
            }
            assert.ok(metadata.sources.length > 0, `${metadata.name} names no source`);
        }
    });

    it("has its README's rule table generated from that metadata (run `npm run docs` after editing a rule)", () => {
        const readme = fs.readFileSync(path.join(__dirname, "..", "README.md"), "utf8");
        assert.strictEqual(
            readme,
            withGeneratedSection(readme, RULE_TABLE, renderRuleTable(policies.map((p) => p.metadata))),
        );
    });

    it("declares options only through configSchema, never enforcementLevel (the server exits on that)", () => {
        for (const policy of policies) {
            assert.ok(!policy.configSchema?.properties.enforcementLevel, policy.name);
            assert.ok(!policy.configSchema?.required?.includes("enforcementLevel"), policy.name);
        }
        const withOptions = policies
            .filter((p) => p.configSchema)
            .map((p) => p.name)
            .sort();
        assert.deepStrictEqual(withOptions, ["cilium-l7-policy-vs-istio-mtls", "istio-mesh-mtls-not-disabled"]);
    });

    it("is one resource rule and thirty-five stack rules", () => {
        const stackRules = policies.filter((p) => "validateStack" in p) as StackValidationPolicy[];
        assert.strictEqual(stackRules.length, 35);
        assert.deepStrictEqual(
            policies.filter((p) => !("validateStack" in p)).map((p) => p.name),
            ["cilium-kpr-value-for-chart-version"],
        );
    });

    it("through the policy server: a clean sidecar demo stack gets no diagnostic", async () => {
        const stack = [
            ciliumRelease(),
            ...istioSidecar(),
            peerAuthentication("istio-system", "default", "PERMISSIVE"),
            namespace("blue", { "istio-injection": "enabled" }),
            deployment("blue", "httpbin"),
            cnp("blue", "default", l7Spec()),
            peerAuthentication("blue", "default", "DISABLE"),
        ];
        assert.deepStrictEqual(await analyzeStack(stack), []);
    });

    it("serves its rules, then one advisory companion that declares no options", () => {
        assert.deepStrictEqual(
            PACK_ARGS.policies.map((p) => [p.name, p.enforcementLevel]),
            [...policies.map((rule) => [rule.name, rule.metadata.level]), [ADVISORIES_POLICY, "advisory"]],
        );
        const companion = PACK_ARGS.policies[PACK_ARGS.policies.length - 1];
        assert.strictEqual(companion.configSchema, undefined);
        assert.ok("validateStack" in companion, "a stack policy: it runs at the end of AnalyzeStack");
    });

    it("through the policy server: violations are mandatory under the rule, could-not-check findings advisory under the companion", async () => {
        const stack = [
            ciliumRelease({ ...goodCiliumValues(), socketLB: {}, cni: { exclusive: UNKNOWN.boolean } }),
            ...istioSidecar(),
        ];
        const found = await analyzeStack(stack);
        assert.deepStrictEqual(
            found.map((d) => [d.policy, d.level]),
            [
                ["cilium-socket-lb-host-namespace-only", "mandatory"],
                [ADVISORIES_POLICY, "advisory"],
            ],
        );
        assert.ok(found[0].message.includes("socketLB.hostNamespaceOnly"));
        assert.match(found[1].message, /\nCould not check `cni.exclusive`.* \(rule cilium-cni-not-exclusive\)$/s);
    });

    it("through the policy server: Analyze runs the resource rule on a Release's inputs", async () => {
        const found = await analyze(ciliumRelease({ ...goodCiliumValues(), kubeProxyReplacement: "strict" }));
        assert.deepStrictEqual(
            found.map((d) => [d.policy, d.level]),
            [["cilium-kpr-value-for-chart-version", "mandatory"]],
        );
        assert.deepStrictEqual(await analyze(ciliumRelease()), []);
    });

    it("through the policy server: what a resource rule could not check in Analyze, the companion reports in AnalyzeStack", async () => {
        const release = ciliumRelease({ ...goodCiliumValues(), kubeProxyReplacement: UNKNOWN.string });
        assert.deepStrictEqual(await analyze(release), [], "nothing at Analyze: the rule kept it");
        const found = await analyzeStack([release]);
        assert.deepStrictEqual(
            found.map((d) => [d.policy, d.level]),
            [[ADVISORIES_POLICY, "advisory"]],
        );
        assert.match(
            found[0].message,
            /Could not check `kubeProxyReplacement`.*\(rule cilium-kpr-value-for-chart-version\)$/s,
        );
    });
});

describe("cilium-istio-guard as a library (CiliumIstioGuard, the @pulumi/awsguard way)", () => {
    /** A stack breaking two rules: Cilium's socket LB in pods, and cni.exclusive beside istio-cni. */
    const twoRulesBroken = () => [
        ciliumRelease({ ...goodCiliumValues(), socketLB: {}, cni: { exclusive: true } }),
        ...istioSidecar(),
    ];
    const levels = (args: CiliumIstioGuardArgs) =>
        ciliumIstioGuardDefinition(args).args.policies.map((p): [string, string | undefined] => [
            p.name,
            p.enforcementLevel,
        ]);

    it("without args is the ready pack: every rule at its own level, then the advisory companion, no options", () => {
        const definition = ciliumIstioGuardDefinition();
        assert.strictEqual(definition.name, "cilium-istio-guard");
        assert.deepStrictEqual(levels({}), [
            ...policies.map((rule) => [rule.name, rule.metadata.level]),
            [ADVISORIES_POLICY, "advisory"],
        ]);
        assert.deepStrictEqual(definition.initialConfig, {});
    });

    it("`all` sets every rule but the companion; a rule's own entry wins; a disabled rule is left out", () => {
        const chosen = new Map(
            levels({ all: "mandatory", "eks-nodes-cilium-taint": "disabled", "istio-charts-same-version": "advisory" }),
        );
        assert.ok(!chosen.has("eks-nodes-cilium-taint"));
        assert.strictEqual(chosen.get("istio-charts-same-version"), "advisory");
        assert.strictEqual(chosen.get("cilium-l7-policy-under-chaining"), "mandatory", "advisory by its own level");
        assert.strictEqual(chosen.get(ADVISORIES_POLICY), "advisory");
        assert.strictEqual(new Map(levels({ [ADVISORIES_POLICY]: "mandatory" })).get(ADVISORIES_POLICY), "mandatory");
    });

    it("takes a rule's options, with or without a level, into the initial config the CLI starts from", () => {
        const definition = ciliumIstioGuardDefinition(
            {
                "istio-mesh-mtls-not-disabled": { enforcementLevel: "advisory", rootNamespace: "istio-config" },
                "cilium-l7-policy-vs-istio-mtls": { rootNamespace: "istio-config" },
            },
            "platform-guard",
        );
        assert.deepStrictEqual(definition.initialConfig, {
            "istio-mesh-mtls-not-disabled": { rootNamespace: "istio-config" },
            "cilium-l7-policy-vs-istio-mtls": { rootNamespace: "istio-config" },
        });
        const info = protoutil.makeAnalyzerInfo(
            definition.name,
            "1.0.0",
            "advisory",
            definition.args,
            definition.initialConfig,
        );
        assert.strictEqual(info.getName(), "platform-guard");
        const initial = info.getInitialconfigMap().get("istio-mesh-mtls-not-disabled");
        assert.deepStrictEqual(initial.getProperties().toJavaScript(), { rootNamespace: "istio-config" });
        const served = info.getPoliciesList().find((p: any) => p.getName() === "istio-mesh-mtls-not-disabled");
        assert.strictEqual(LEVELS[served.getEnforcementlevel()], "advisory");
    });

    it("through the policy server: the verdicts follow the levels chosen", async () => {
        assert.deepStrictEqual(
            (await analyzeStack(twoRulesBroken())).map((d) => [d.policy, d.level]),
            [
                ["cilium-socket-lb-host-namespace-only", "mandatory"],
                ["cilium-cni-not-exclusive", "mandatory"],
            ],
        );
        const own = ciliumIstioGuardDefinition({
            "cilium-socket-lb-host-namespace-only": "disabled",
            "cilium-cni-not-exclusive": "advisory",
        });
        assert.deepStrictEqual(
            (await analyzeStack(twoRulesBroken(), own.args.policies)).map((d) => [d.policy, d.level]),
            [["cilium-cni-not-exclusive", "advisory"]],
        );
    });

    it("refuses, naming the key, a rule or level that does not exist and an option a rule does not declare", () => {
        const cases: [unknown, RegExp][] = [
            [
                { "cilium-cni-exclusive": "mandatory" },
                /^"cilium-cni-exclusive" is not a rule of cilium-istio-guard; rules: .*cilium-cni-not-exclusive/,
            ],
            [
                { all: "fatal" },
                /^all: "fatal" is not an enforcement level; allowed: advisory, mandatory, remediate, disabled$/,
            ],
            [{ "istio-charts-same-version": "warn" }, /^istio-charts-same-version: "warn" is not an enforcement level/],
            [
                { "istio-charts-same-version": { rootNamespace: "x" } },
                /^istio-charts-same-version\.rootNamespace: not an option of istio-charts-same-version; it takes only enforcementLevel$/,
            ],
            [
                { "istio-mesh-mtls-not-disabled": { rootNamspace: "x" } },
                /^istio-mesh-mtls-not-disabled\.rootNamspace: not an option .*; allowed: enforcementLevel, rootNamespace$/,
            ],
            [
                { "istio-mesh-mtls-not-disabled": { rootNamespace: 3 } },
                /^istio-mesh-mtls-not-disabled\.rootNamespace: 3 is not a string$/,
            ],
            [
                { "istio-mesh-mtls-not-disabled": { enforcementLevel: "off" } },
                /^istio-mesh-mtls-not-disabled\.enforcementLevel: "off" is not an enforcement level/,
            ],
            [
                { "istio-charts-same-version": 1 },
                /^istio-charts-same-version: 1 is neither an enforcement level nor an object of options$/,
            ],
            [["mandatory"], /^CiliumIstioGuard args must be an object/],
        ];
        for (const [args, message] of cases) {
            assert.throws(
                () => ciliumIstioGuardDefinition(args as CiliumIstioGuardArgs),
                { message },
                JSON.stringify(args),
            );
        }
    });
});
