/**
 * The connectivity model (policies/connectivity/connectivity.ts): whole matrices for the demo's stages in both mesh modes, read from
 * the root program run on the mock runtime exactly as plan runs it; then stacks that are not ours, built by hand.
 *
 * Where the expected matrices come from: the sidecar rows are the Cilium Istio demo's documented answers
 * (docs/cilium-istio-facts.md#demo: red and blue reach blue's /ip with 200 and /deny with 403 under the L7 rule with
 * authn DISABLE, 503 without it, green is dropped); the ambient rows follow the same mechanisms with HBONE on 15008
 * (docs/cilium-istio-facts.md#cilium-istio-docs, docs/failure-modes.md#f4, #f6). Checks against red's httpbin answer
 * 200 in every stage: the policy is on blue only, and the shipped mesh is PERMISSIVE.
 */
import * as assert from "assert";
import * as path from "path";
import {
    DemoAnswer,
    HttpCode,
    predictDemoChecks,
    predictMatrix,
    predictProbes,
} from "../policies/connectivity/connectivity";
import { parseProbe } from "../policies/connectivity/probe";
import { runProgramOnMocks } from "../engine/mock/mock-deployment";
import { loadStackConfig, readProject } from "../engine/state/stack-config-files";
import { toStackExport } from "../engine/state/stack-export";
import { modelResources } from "../engine/stack-gate";
import { StackResource } from "../policies/model/resources";
import { ciliumL7PolicyVsIstioMtls } from "../policies/rules/cilium-l7-policy-vs-istio-mtls";
import { mandatory, runStackPolicy, urnOf } from "../policies/test/harness";

const REPOSITORY = path.resolve(__dirname, "..");

/** The stack's resources as plan hands them to the model: program on mocks, stack export, plain props. */
async function stackResources(stack: string, overrides: string[]): Promise<StackResource[]> {
    const project = readProject(REPOSITORY);
    const config = loadStackConfig(project, stack, overrides);
    const { registrations } = await runProgramOnMocks({
        project: project.name,
        stack,
        program: path.join(REPOSITORY, project.main!),
        config,
    });
    const exported = await toStackExport(registrations, {
        project: project.name,
        stack,
        config: config.values,
        secretKeys: [],
        time: new Date(0),
    });
    return modelResources(exported.deployment.resources);
}

/** Rows: client namespace; cells: red/ip, red/deny, blue/ip, blue/deny. */
type Matrix = Record<string, [HttpCode, HttpCode, HttpCode, HttpCode]>;

function matrixOf(answers: readonly DemoAnswer[]): Matrix {
    const matrix: Matrix = {};
    for (const from of [...new Set(answers.map((a) => a.from))]) {
        const cell = (to: string, p: string) =>
            answers.find((a) => a.from === from && a.to === to && a.path === p)?.code ?? ("missing" as HttpCode);
        matrix[from] = [cell("red", "/ip"), cell("red", "/deny"), cell("blue", "/ip"), cell("blue", "/deny")];
    }
    return matrix;
}

const ALL_200: Matrix = {
    red: ["200", "200", "200", "200"],
    blue: ["200", "200", "200", "200"],
    green: ["200", "200", "200", "200"],
};
const GREEN_DROPPED_AT_BLUE: Matrix = {
    red: ["200", "200", "200", "200"],
    blue: ["200", "200", "200", "200"],
    green: ["200", "200", "000", "000"],
};
const L7_ENFORCED: Matrix = {
    red: ["200", "200", "200", "403"],
    blue: ["200", "200", "200", "403"],
    green: ["200", "200", "000", "000"],
};

const CASES: {
    mode: string;
    stack: string;
    stage: string;
    fix: boolean;
    expected: Matrix;
    reasons: [string, string, string, RegExp][];
}[] = [
    {
        mode: "sidecar",
        stack: "dev",
        stage: "open",
        fix: true,
        expected: ALL_200,
        reasons: [["red", "blue", "/deny", /client sidecar sends mTLS.*no policy restricts it/]],
    },
    {
        mode: "sidecar",
        stack: "dev",
        stage: "l4",
        fix: true,
        expected: GREEN_DROPPED_AT_BLUE,
        reasons: [
            [
                "green",
                "blue",
                "/ip",
                /dropped by an L4 rule: CiliumNetworkPolicy blue\/default admits no TCP 80 from green\/netshoot/,
            ],
        ],
    },
    {
        mode: "sidecar",
        stack: "dev",
        stage: "l7",
        fix: true,
        expected: L7_ENFORCED,
        reasons: [
            [
                "red",
                "blue",
                "/ip",
                /plain HTTP \(PeerAuthentication blue\/default sets DISABLE\).*HTTP rule allows GET \/ip/,
            ],
        ],
    },
    {
        mode: "sidecar",
        stack: "dev",
        stage: "l7",
        fix: false,
        expected: {
            red: ["200", "200", "503", "503"],
            blue: ["200", "200", "503", "503"],
            green: ["200", "200", "000", "000"],
        },
        reasons: [
            [
                "red",
                "blue",
                "/ip",
                /HTTP proxy \(CiliumNetworkPolicy blue\/default\) cannot read the mTLS.*answers 503 \(docs\/failure-modes\.md#f6\)/,
            ],
        ],
    },
    {
        mode: "ambient",
        stack: "ambient",
        stage: "open",
        fix: true,
        expected: ALL_200,
        reasons: [["red", "blue", "/deny", /HBONE.*no policy restricts it/]],
    },
    {
        mode: "ambient",
        stack: "ambient",
        stage: "l4",
        fix: true,
        expected: GREEN_DROPPED_AT_BLUE,
        reasons: [["red", "blue", "/ip", /HBONE.*admitted by CiliumNetworkPolicy blue\/default on TCP 15008/]],
    },
    {
        mode: "ambient",
        stack: "ambient",
        stage: "l7",
        fix: true,
        expected: L7_ENFORCED,
        reasons: [
            [
                "blue",
                "blue",
                "/deny",
                /Cilium's HTTP proxy denies GET \/deny: no HTTP rule of CiliumNetworkPolicy blue\/default allows it/,
            ],
        ],
    },
    {
        mode: "ambient",
        stack: "ambient",
        stage: "l7",
        fix: false,
        expected: GREEN_DROPPED_AT_BLUE,
        reasons: [
            [
                "red",
                "blue",
                "/deny",
                /on TCP 15008; the HTTP rules of CiliumNetworkPolicy blue\/default on other ports never see the tunnelled request/,
            ],
        ],
    },
];

describe("connectivity matrix of the demo, per mesh mode and stage", function () {
    this.timeout(60_000);

    for (const c of CASES) {
        it(`${c.mode}, ${c.stage}${c.stage === "l7" ? (c.fix ? " with the fix" : " without the fix") : ""}`, async () => {
            const { answers } = predictDemoChecks(
                await stackResources(c.stack, [
                    `eks-cilium-istio:demoStage=${c.stage}`,
                    `eks-cilium-istio:demoMtlsFix=${c.fix}`,
                ]),
            );
            assert.strictEqual(answers.length, 12, "3 clients x 2 servers x 2 paths");
            assert.deepStrictEqual(matrixOf(answers), c.expected);
            for (const [from, to, urlPath, reason] of c.reasons) {
                const answer = answers.find((a) => a.from === from && a.to === to && a.path === urlPath)!;
                assert.match(answer.reason, reason, `${from} -> ${to}${urlPath}`);
            }
        });
    }

    it("sidecar, open, with a STRICT mesh: green's plain text is refused everywhere, mesh clients still get through", async () => {
        const { answers } = predictDemoChecks(await stackResources("dev", ["demoStage=open", "meshMtlsMode=STRICT"]));
        assert.deepStrictEqual(matrixOf(answers), {
            red: ["200", "200", "200", "200"],
            blue: ["200", "200", "200", "200"],
            green: ["000", "000", "000", "000"],
        });
        assert.match(
            answers.find((a) => a.from === "green" && a.to === "red")!.reason,
            /plain text refused by STRICT mTLS: the server sidecar resets the connection \(PeerAuthentication istio-system\/default sets STRICT\)/,
        );
    });
});

// ---- Stacks that are not ours -----------------------------------------------------------------------------------

let serial = 0;
function resource(type: string, props: any): StackResource {
    const name = `r${serial++}`;
    return { type, urn: `urn:pulumi:test::other::${type}::${name}`, name, props };
}
const namespace = (name: string, labels: Record<string, string> = {}) =>
    resource("kubernetes:core/v1:Namespace", { metadata: { name, labels } });
const deployment = (
    ns: string,
    name: string,
    labels: Record<string, string>,
    ports: { name: string; containerPort: number }[] = [],
) =>
    resource("kubernetes:apps/v1:Deployment", {
        metadata: { name, namespace: ns },
        spec: {
            selector: { matchLabels: labels },
            template: { metadata: { labels }, spec: { containers: [{ name, image: "example", ports }] } },
        },
    });
const service = (ns: string, selector: Record<string, string>, targetPort: number | string) =>
    resource("kubernetes:core/v1:Service", {
        metadata: { name: "httpbin", namespace: ns },
        spec: { selector, ports: [{ port: 80, targetPort }] },
    });

describe("connectivity on stacks not built by our components", () => {
    const ask = (resources: StackResource[], ...probes: string[]) => predictProbes(resources, probes.map(parseProbe));

    it("follows a Kubernetes NetworkPolicy's namespaceSelector and a named targetPort, without Istio", () => {
        const stack = [
            namespace("shop", { team: "shop" }),
            namespace("tools"),
            namespace("api"),
            deployment("shop", "netshoot", { app: "client" }),
            deployment("tools", "netshoot", { app: "client" }),
            deployment("api", "backend", { app: "api" }, [{ name: "web", containerPort: 8080 }]),
            service("api", { app: "api" }, "web"),
            resource("kubernetes:networking.k8s.io/v1:NetworkPolicy", {
                metadata: { name: "from-shop", namespace: "api" },
                spec: {
                    podSelector: { matchLabels: { app: "api" } },
                    ingress: [
                        { from: [{ namespaceSelector: { matchLabels: { team: "shop" } } }], ports: [{ port: 8080 }] },
                    ],
                },
            }),
        ];
        const answers = ask(
            stack,
            "shop/netshoot GET http://httpbin.api/ip",
            "tools/netshoot GET http://httpbin.api/ip",
        );
        assert.deepStrictEqual(
            answers.map((a) => [a.from, a.to, a.port, a.code]),
            [
                ["shop/deployment/netshoot", "httpbin.api", 80, "200"],
                ["tools/deployment/netshoot", "httpbin.api", 80, "000"],
            ],
        );
        assert.match(answers[1].reason, /NetworkPolicy api\/from-shop admits no TCP 8080 from tools\/netshoot/);
    });

    it("applies a clusterwide policy's HTTP rules with regular expressions, and its fromEndpoints across namespaces", () => {
        const stack = [
            namespace("a"),
            namespace("b"),
            deployment("a", "netshoot", { app: "netshoot" }),
            deployment("b", "httpbin", { app: "httpbin" }),
            service("b", { app: "httpbin" }, 80),
            resource("kubernetes:cilium.io/v2:CiliumClusterwideNetworkPolicy", {
                metadata: { name: "paths" },
                spec: {
                    endpointSelector: { matchLabels: { app: "httpbin" } },
                    ingress: [
                        {
                            fromEndpoints: [{ matchLabels: { app: "netshoot" } }],
                            toPorts: [
                                {
                                    ports: [{ port: "80", protocol: "TCP" }],
                                    rules: { http: [{ method: "GET", path: "/(ip|headers)" }] },
                                },
                            ],
                        },
                    ],
                },
            }),
        ];
        const answers = ask(stack, "a/netshoot GET http://httpbin.b/ip", "a/netshoot GET http://httpbin.b/deny");
        assert.deepStrictEqual(
            answers.map((a) => a.code),
            ["200", "403"],
        );
        assert.match(answers[1].reason, /CiliumClusterwideNetworkPolicy paths/);
    });

    it("answers ??? with why for a pair it cannot decide (a label unknown during preview), and never drops it", () => {
        const unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
        const stack = [
            namespace("a"),
            namespace("b", { "istio-injection": unknown }),
            deployment("a", "netshoot", { app: "netshoot" }),
            deployment("b", "netshoot", { app: "netshoot" }),
            deployment("a", "httpbin", { app: "httpbin" }),
            service("a", { app: "httpbin" }, 80),
        ];
        const answers = ask(stack, "a/netshoot GET http://httpbin.a/ip", "b/netshoot GET http://httpbin.a/ip");
        assert.deepStrictEqual(
            answers.map((a) => a.code),
            ["200", "???"],
        );
        assert.match(answers[1].reason, /^unknown: the mesh enrolment of b\/netshoot is unknown: istio-injection/);
        const matrix = predictMatrix(stack);
        assert.strictEqual(matrix.answers.length, 3, "3 workloads x 1 Service port, the undecided pair included");
        assert.deepStrictEqual(
            matrix.answers.map((a) => [a.from, a.code]),
            [
                ["a/deployment/netshoot", "200"],
                ["b/deployment/netshoot", "???"],
                ["a/deployment/httpbin", "200"],
            ],
        );
    });
});

// ---- The model and the pack agree ------------------------------------------------------------------------------

/** The mandatory findings of cilium-l7-policy-vs-istio-mtls, called as the policy server calls it, by real URN. */
async function l7RuleViolations(resources: StackResource[]): Promise<string[]> {
    const fixtures = resources.map((r) => {
        const types = r.urn.split("::")[2].split("$");
        return { type: r.type, name: r.name, props: r.props, parentTypes: types.slice(0, -1) };
    });
    const realUrn = new Map(fixtures.map((f, i) => [urnOf(f), resources[i].urn]));
    const reported = await runStackPolicy(ciliumL7PolicyVsIstioMtls, fixtures, { config: {} });
    return mandatory(reported).map((v) => realUrn.get(v.urn!)!);
}

describe("every 503 the model predicts because of mTLS is a cilium-l7-policy-vs-istio-mtls violation", function () {
    this.timeout(60_000);

    async function assertAgree(resources: StackResource[]) {
        const prediction = resources.some((r) => r.type === "eks-cilium-istio:index:NamespaceDemo")
            ? predictDemoChecks(resources)
            : predictMatrix(resources);
        const failures = (
            prediction.answers as readonly {
                code: string;
                reason: string;
                decidedBy: readonly string[];
                from: string;
                to: string;
                path: string;
            }[]
        ).filter((a) => a.code === "503");
        assert.ok(failures.length > 0, "the stack must produce 503s for this test to mean anything");
        const violations = await l7RuleViolations(resources);
        for (const answer of failures) {
            assert.match(answer.reason, /cannot read the mTLS/);
            assert.ok(
                answer.decidedBy.some((urn) => violations.includes(urn)),
                `${answer.from} -> httpbin.${answer.to}${answer.path}: decided by ${answer.decidedBy.join(", ")}; violations on ${violations.join(", ")}`,
            );
        }
    }

    it("on the demo in sidecar mode at stage l7 without the fix", async () => {
        await assertAgree(await stackResources("dev", ["demoMtlsFix=false"]));
    });

    it("on a hand-built stack: a clusterwide HTTP policy over sidecar pods under Istio's default PERMISSIVE", async () => {
        await assertAgree([
            resource("kubernetes:helm.sh/v3:Release", {
                chart: "istiod",
                version: "1.30.3",
                namespace: "istio-system",
                repositoryOpts: { repo: "https://istio-release.storage.googleapis.com/charts" },
                values: {},
            }),
            namespace("web", { "istio-injection": "enabled" }),
            namespace("api", { "istio-injection": "enabled" }),
            deployment("web", "netshoot", { app: "netshoot" }),
            deployment("api", "httpbin", { app: "api" }),
            service("api", { app: "api" }, 80),
            resource("kubernetes:cilium.io/v2:CiliumClusterwideNetworkPolicy", {
                metadata: { name: "api-paths" },
                spec: {
                    endpointSelector: { matchLabels: { app: "api" } },
                    ingress: [
                        {
                            fromEndpoints: [{}],
                            toPorts: [
                                { ports: [{ port: "80", protocol: "TCP" }], rules: { http: [{ method: "GET" }] } },
                            ],
                        },
                    ],
                },
            }),
        ]);
    });
});
