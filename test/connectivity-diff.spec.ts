/**
 * The connectivity diff (policies/connectivity/connectivity-diff.ts) and what a change reaches (change-scope.ts):
 * the demo's stages with exact expectations, stacks that are not ours (the bench's tenants, Cilium's Star Wars demo,
 * Istio's Bookinfo authorization task), undecided requests, and the reach itself — on every stack pair here the
 * changes found by predicting only the reached requests are exactly those found by predicting everything on both
 * sides, and a change to one tenant of the 1,000-namespace stack predicts only that tenant's requests.
 */
import * as assert from "assert";
import * as path from "path";
import { openTenantPolicy, tenantStackExport } from "../bench/tenant-stack";
import { exportProgramStack, readStackConfig } from "../engine/commands/plan";
import { modelResources } from "../engine/stack-gate";
import { Reach, reachOf } from "../policies/connectivity/change-scope";
import {
    DemoAnswer,
    HttpCode,
    ProbeAnswer,
    holdsNamespaceDemo,
    predictDemoChecks,
    predictMatrix,
} from "../policies/connectivity/connectivity";
import {
    ComparedRequest,
    ConnectivityDiff,
    RequestChange,
    classify,
    diffConnectivity,
} from "../policies/connectivity/connectivity-diff";
import { ProbeError, parseProbe } from "../policies/connectivity/probe";
import { StackResource } from "../policies/model/resources";
import {
    ccnp,
    ciliumRelease,
    deployment,
    goodCiliumValues,
    istioSidecar,
    namespace,
    service,
} from "../policies/test/fixtures";
import { UNKNOWN } from "../policies/test/harness";
import { fromFixtures, namespaceObject, objectResource, serviceObject, upstream } from "./upstream-stack";

const REPOSITORY = path.resolve(__dirname, "..");

/** The root program on the mock runtime under the dev stack with these overrides, as plan exports it. */
async function demoStack(...overrides: string[]): Promise<StackResource[]> {
    const { project, config } = readStackConfig(REPOSITORY, "dev", overrides);
    return modelResources((await exportProgramStack(project, "dev", config)).deployment.resources);
}

/** "closed red>blue/ip 200->503" for each request that changed; "unchanged" ones left out. */
function changes(diff: ConnectivityDiff): string[] {
    return diff.compared.filter((c) => c.change !== "unchanged").map(label);
}

function label(c: ComparedRequest): string {
    const request = "probe" in c.request ? c.request.probe : `${c.request.from}>${c.request.to}${c.request.path}`;
    return `${c.change} ${request} ${c.base?.code ?? "none"}->${c.head?.code ?? "none"}`;
}

const tenants = (n: number) => modelResources(tenantStackExport(n, new Date(0)).deployment.resources);

/** Every request predicted on both sides, whole, and compared: what the diff must agree with. */
function bruteForce(base: readonly StackResource[], head: readonly StackResource[]): string[] {
    const demo = holdsNamespaceDemo(base) || holdsNamespaceDemo(head);
    const answers = (resources: readonly StackResource[]) => {
        const all: readonly (ProbeAnswer | DemoAnswer)[] = demo
            ? predictDemoChecks(resources, {}, Infinity).answers
            : predictMatrix(resources, {}, Infinity).answers;
        return new Map(all.map((a) => [("probe" in a ? a.probe : `${a.from}>${a.to}${a.path}`) as string, a.code]));
    };
    const [before, after] = [answers(base), answers(head)];
    const found: string[] = [];
    for (const key of new Set([...after.keys(), ...before.keys()])) {
        const change = classify(before.get(key), after.get(key));
        if (change !== "unchanged") {
            found.push(`${change} ${key} ${before.get(key) ?? "none"}->${after.get(key) ?? "none"}`);
        }
    }
    return found.sort();
}

/** The diff agrees with predicting everything, and counts every request of both sides once. */
function assertLikeBruteForce(base: readonly StackResource[], head: readonly StackResource[]): ConnectivityDiff {
    const diff = diffConnectivity(base, head, { maxPairs: Infinity });
    assert.deepStrictEqual(changes(diff).sort(), bruteForce(base, head));
    return diff;
}

/** A copy of the stack with the props of the resources `pick` selects edited (same URNs: the same resources). */
function edit(
    resources: readonly StackResource[],
    pick: (r: StackResource) => boolean,
    change: (props: any) => void,
): StackResource[] {
    let edited = 0;
    const result = resources.map((r) => {
        if (!pick(r)) {
            return r;
        }
        edited++;
        const props = structuredClone(r.props);
        change(props);
        return { ...r, props };
    });
    assert.ok(edited > 0, "the edit found its resource");
    return result;
}

const inNamespace = (type: string, ns: string) => (r: StackResource) =>
    r.type.endsWith(`:${type}`) && r.props?.metadata?.namespace === ns;

describe("diff of the demo's stages (the root program on the mock runtime, dev stack)", function () {
    this.timeout(120_000);
    let open: StackResource[];
    let l4: StackResource[];
    let l7: StackResource[];
    let l7fixed: StackResource[];

    before(async () => {
        open = await demoStack("demoStage=open", "demoMtlsFix=false");
        l4 = await demoStack("demoStage=l4", "demoMtlsFix=false");
        l7 = await demoStack("demoStage=l7", "demoMtlsFix=false");
        l7fixed = await demoStack("demoStage=l7", "demoMtlsFix=true");
    });

    it("open → l4 closes green → blue (the L4 policy admits red and blue only), and nothing else", () => {
        const diff = assertLikeBruteForce(open, l4);
        assert.strictEqual(diff.kind, "demo");
        assert.deepStrictEqual(changes(diff), ["closed green>blue/ip 200->000", "closed green>blue/deny 200->000"]);
        const closed = diff.compared.find((c) => c.change === "closed")!;
        assert.match(
            closed.head!.reason,
            /dropped by an L4 rule: CiliumNetworkPolicy blue\/default admits no TCP 80 from green\/netshoot to blue\/httpbin/,
        );
        assert.ok(closed.head!.decidedBy.some((urn) => urn.endsWith("::demo-blue-cilium-policy")));
        assert.deepStrictEqual(
            diff.scope.changed.map((c) => [c.change, c.name]),
            [["added", "demo-blue-cilium-policy"]],
        );
    });

    it("l4 → l7 without the fix turns red and blue → blue into 503 (Cilium's HTTP proxy facing mTLS)", () => {
        const diff = assertLikeBruteForce(l4, l7);
        assert.deepStrictEqual(changes(diff), [
            "closed red>blue/ip 200->503",
            "closed red>blue/deny 200->503",
            "closed blue>blue/ip 200->503",
            "closed blue>blue/deny 200->503",
        ]);
        for (const c of diff.compared.filter((x) => x.change === "closed")) {
            assert.match(c.base!.reason, /admitted by CiliumNetworkPolicy blue\/default on TCP 80/);
            assert.match(
                c.head!.reason,
                /Cilium's HTTP proxy \(CiliumNetworkPolicy blue\/default\) cannot read the mTLS/,
            );
        }
    });

    it("adding the fix brings 200 on /ip and 403 on /deny", () => {
        const diff = assertLikeBruteForce(l7, l7fixed);
        assert.deepStrictEqual(changes(diff), [
            "opened red>blue/ip 503->200",
            "changed red>blue/deny 503->403",
            "opened blue>blue/ip 503->200",
            "changed blue>blue/deny 503->403",
        ]);
        const denied = diff.compared.find((c) => c.change === "changed")!;
        assert.match(
            denied.head!.reason,
            /Cilium's HTTP proxy denies GET \/deny: no HTTP rule of CiliumNetworkPolicy blue\/default allows it/,
        );
        assert.ok(denied.head!.decidedBy.some((urn) => urn.endsWith("::demo-blue-peer-authentication")));
    });

    it("predicts only what the change in blue reaches: red → red and green → red are not predicted", () => {
        const diff = diffConnectivity(l4, l7);
        assert.deepStrictEqual([...diff.scope.namespaces], ["blue"]);
        assert.strictEqual(diff.scope.everything, undefined);
        assert.deepStrictEqual(
            diff.compared.map((c) => `${c.fromNamespace}>${c.toNamespace}`).filter((p, i, all) => all.indexOf(p) === i),
            ["red>blue", "blue>red", "blue>blue", "green>blue"],
        );
        assert.strictEqual(diff.unreached, 4, "red → red and green → red, /ip and /deny");
        assert.strictEqual(diff.compared.length + diff.unreached, 12, "the demo's twelve checks in all");
    });

    it("the same stage on both sides: nothing predicted, nothing changed", () => {
        const diff = diffConnectivity(l4, l4);
        assert.deepStrictEqual([diff.compared.length, diff.unreached, diff.scope.changed.length], [0, 12, 0]);
    });
});

describe("diff of stacks that are not ours", function () {
    this.timeout(120_000);

    it("the bench's tenants: opening one tenant's policy to another tenant opens exactly that tenant's two requests", () => {
        const base = tenantStackExport(4, new Date(0));
        const head = openTenantPolicy(base, 2, 0);
        const diff = assertLikeBruteForce(
            modelResources(base.deployment.resources),
            modelResources(head.deployment.resources),
        );
        assert.deepStrictEqual(changes(diff), [
            "opened tenant-0/deployment/httpbin GET http://httpbin.tenant-2/ 000->200",
            "opened tenant-0/deployment/netshoot GET http://httpbin.tenant-2/ 000->200",
        ]);
        assert.match(
            diff.compared.find((c) => c.change === "opened")!.head!.reason,
            /admitted by CiliumNetworkPolicy tenant-2\/default on TCP 80/,
        );
    });

    it("Cilium's Star Wars demo: the L3/L4/L7 policy closes the xwing (000), and GET / of the empire's ships (403)", () => {
        const app = [
            ...fromFixtures(ciliumRelease(goodCiliumValues(), { version: "1.19.6" })),
            ...upstream("cilium/minikube/http-sw-app.yaml"),
        ];
        const diff = assertLikeBruteForce(app, [...app, ...upstream("cilium/minikube/sw_l3_l4_l7_policy.yaml")]);
        // The deathstar's own pods are org=empire too: the L7 rule (POST /v1/request-landing) refuses their GET / as well.
        assert.deepStrictEqual(changes(diff), [
            "closed default/deployment/deathstar GET http://deathstar.default/ 200->403",
            "closed default/pod/tiefighter GET http://deathstar.default/ 200->403",
            "closed default/pod/xwing GET http://deathstar.default/ 200->000",
        ]);
    });

    it("Istio's Bookinfo authorization task: from allow-nothing to the five policies opens what each service was granted", () => {
        const bookinfo = [
            ...fromFixtures(ciliumRelease(), istioSidecar()),
            namespaceObject("default", { "istio-injection": "enabled" }),
            ...upstream("istio/bookinfo.yaml"),
        ];
        const [allowNothing, ...grants] = upstream("istio/authz-http-bookinfo.yaml");
        const diff = assertLikeBruteForce([...bookinfo, allowNothing], [...bookinfo, allowNothing, ...grants]);
        const opened = diff.compared.filter((c) => c.change === "opened").map((c) => (c.request as ProbeAnswer).probe);
        assert.ok(
            opened.includes("default/deployment/productpage-v1 GET http://details.default:9080/"),
            opened.join("\n"),
        );
        assert.ok(opened.includes("default/deployment/reviews-v1 GET http://ratings.default:9080/"), opened.join("\n"));
        assert.ok(
            !opened.some((p) => p.startsWith("default/deployment/productpage-v1") && p.includes("ratings")),
            "productpage was not granted ratings",
        );
        assert.ok(diff.compared.every((c) => c.change === "opened" || c.change === "unchanged"));
    });
});

describe("what a change reaches", function () {
    this.timeout(180_000);

    it("a change to one tenant's policy of the 1,000-namespace stack predicts only that tenant's requests", () => {
        const base = tenantStackExport(1000, new Date(0));
        const head = openTenantPolicy(base, 7, 3);
        const diff = diffConnectivity(
            modelResources(base.deployment.resources),
            modelResources(head.deployment.resources),
        );
        assert.deepStrictEqual([...diff.scope.namespaces], ["tenant-7"]);
        // tenant-7's two workloads to the 1,000 Service ports, and the other 1,998 workloads to tenant-7's one port.
        assert.strictEqual(diff.compared.length, 2 * 1000 + 1998);
        assert.ok(diff.compared.every((c) => c.fromNamespace === "tenant-7" || c.toNamespace === "tenant-7"));
        assert.strictEqual(diff.unreached, 2000 * 1000 - 3998, "the rest of the 2,000,000 requests is not predicted");
        assert.deepStrictEqual(changes(diff), [
            "opened tenant-3/deployment/httpbin GET http://httpbin.tenant-7/ 000->200",
            "opened tenant-3/deployment/netshoot GET http://httpbin.tenant-7/ 000->200",
        ]);
    });

    for (const [what, change, reach] of [
        [
            "a namespace's labels (mesh enrolment)",
            (s: StackResource[]) =>
                edit(
                    s,
                    (r) => r.type.endsWith(":Namespace") && r.props.metadata.name === "tenant-1",
                    (p) => {
                        p.metadata.labels = {};
                    },
                ),
            ["tenant-1"],
        ],
        [
            "a Service's port",
            (s: StackResource[]) =>
                edit(s, inNamespace("Service", "tenant-2"), (p) => {
                    p.spec.ports = [{ port: 8080, targetPort: 80 }];
                }),
            ["tenant-2"],
        ],
        [
            "a workload's labels",
            (s: StackResource[]) =>
                edit(
                    s,
                    (r) => inNamespace("Deployment", "tenant-0")(r) && r.props.metadata.name === "netshoot",
                    (p) => {
                        p.spec.template.metadata.labels = { app: "other" };
                    },
                ),
            ["tenant-0"],
        ],
        [
            "a workload added",
            (s: StackResource[]) => [...s, ...fromFixtures(deployment("tenant-1", "extra"))],
            ["tenant-1"],
        ],
        [
            "a namespace and its workload added",
            (s: StackResource[]) => [
                ...s,
                ...fromFixtures(
                    namespace("newcomer", { "istio-injection": "enabled" }),
                    deployment("newcomer", "client"),
                ),
            ],
            ["newcomer"],
        ],
        [
            "a PeerAuthentication in one tenant",
            (s: StackResource[]) =>
                edit(s, inNamespace("PeerAuthentication", "tenant-2"), (p) => {
                    p.spec.mtls.mode = "STRICT";
                }),
            ["tenant-2"],
        ],
        [
            "the mesh-wide PeerAuthentication (Istio's root namespace)",
            (s: StackResource[]) =>
                edit(s, inNamespace("PeerAuthentication", "istio-system"), (p) => {
                    p.spec.mtls.mode = "PERMISSIVE";
                }),
            "everything",
        ],
        [
            "a clusterwide Cilium policy",
            (s: StackResource[]) => [...s, ...fromFixtures(ccnp("deny-all", { endpointSelector: {}, ingress: [{}] }))],
            "everything",
        ],
        [
            "Cilium's settings (policyEnforcementMode never)",
            (s: StackResource[]) =>
                edit(
                    s,
                    (r) => r.type === "kubernetes:helm.sh/v3:Release" && r.props.chart === "cilium",
                    (p) => {
                        p.values = { ...p.values, policyEnforcementMode: "never" };
                    },
                ),
            "everything",
        ],
    ] as const) {
        it(`${what}: reaches ${typeof reach === "string" ? "every request" : `namespace ${reach.join(", ")}`}, and agrees with predicting everything`, () => {
            const base = tenants(4);
            const diff = assertLikeBruteForce(base, change(base));
            if (reach === "everything") {
                assert.notStrictEqual(diff.scope.everything, undefined);
                assert.strictEqual(diff.unreached, 0);
            } else {
                assert.deepStrictEqual([...diff.scope.namespaces], reach);
                assert.strictEqual(diff.scope.everything, undefined);
                assert.ok(diff.unreached > 0, "some requests are not predicted");
            }
        });
    }

    it("an istiod started in one namespace changes every pod's data plane: reaches every request through the environment", () => {
        const meshless = fromFixtures(
            ciliumRelease(),
            ...["a", "b", "c"].flatMap((ns) => [
                namespace(ns, { "istio-injection": "enabled" }),
                deployment(ns, "web"),
                service(ns, "web"),
            ]),
        );
        const head = [...meshless, ...fromFixtures(deployment("c", "istiod"))];
        const diff = assertLikeBruteForce(meshless, head);
        assert.match(diff.scope.everything ?? "", /the Cilium or Istio settings every request depends on/);
        assert.ok(
            diff.compared.some(
                (c) => c.fromNamespace === "a" && c.toNamespace === "b" && c.base!.reason !== c.head!.reason,
            ),
            "a → b, far from namespace c, was predicted again: its client now has a sidecar",
        );
    });

    it("places each kind of resource: its namespace, every request, or nothing the predictor reads", () => {
        const provider = { type: "pulumi:providers:kubernetes", urn: "p", props: { namespace: "from-provider" } };
        const placed = (type: string, props: unknown, withProvider = false): Reach =>
            reachOf({ type, urn: "u", name: "x", props, ...(withProvider ? { provider } : {}) });
        assert.deepStrictEqual(placed("kubernetes:core/v1:Namespace", { metadata: { name: "blue" } }), {
            namespace: "blue",
        });
        assert.deepStrictEqual(
            placed("kubernetes:cilium.io/v2:CiliumNetworkPolicy", { metadata: { name: "p" } }, true),
            { namespace: "from-provider" },
            "a namespaced kind without metadata.namespace lands in its provider's namespace",
        );
        assert.deepStrictEqual(placed("kubernetes:core/v1:ConfigMap", { metadata: { name: "c" } }), {
            namespace: "default",
        });
        assert.deepStrictEqual(
            placed("kubernetes:apps/v1:DeploymentPatch", { metadata: { name: "d", namespace: "a" } }),
            {
                namespace: "a",
            },
        );
        for (const [type, props] of [
            ["kubernetes:cilium.io/v2:CiliumClusterwideNetworkPolicy", { metadata: { name: "c", namespace: "a" } }],
            ["kubernetes:gateway.networking.k8s.io/v1:GatewayClass", { metadata: { name: "istio-waypoint" } }],
            ["kubernetes:example.com/v1:Widget", { metadata: { name: "w" } }],
            ["kubernetes:helm.sh/v3:Release", { chart: "cilium", namespace: "kube-system" }],
            ["aws:eks/addon:Addon", { addonName: "vpc-cni" }],
            ["eks-cilium-istio:index:NamespaceDemo", {}],
            ["kubernetes:core/v1:Service", { metadata: { name: "s", namespace: UNKNOWN.string } }],
        ] as const) {
            const reach = placed(type, props);
            assert.ok("everything" in reach, `${type}: ${JSON.stringify(reach)}`);
        }
        assert.ok("nothing" in placed("pulumi:pulumi:Stack", {}));
        assert.ok("nothing" in placed("pulumi:providers:kubernetes", { namespace: "x" }));
    });
});

describe("requests the model cannot decide, and requests one side lacks", function () {
    this.timeout(60_000);
    const base = () => [
        ...fromFixtures(ciliumRelease(), namespace("shop"), deployment("shop", "client")),
        serviceObject("shop", "api", { app: "api" }),
        objectResource({
            apiVersion: "v1",
            kind: "Service",
            metadata: { name: "external", namespace: "shop" },
            spec: { ports: [{ port: 80 }] },
        }),
        ...fromFixtures(deployment("shop", "api")),
    ];

    it("a request undecided on both sides is reported as unknown, never as a change", () => {
        const stack = base();
        const head = edit(
            stack,
            (r) => r.type.endsWith(":Deployment") && r.props.metadata.name === "client",
            (p) => {
                p.spec.template.metadata.labels = { app: "client", tier: "front" };
            },
        );
        const diff = assertLikeBruteForce(stack, head);
        const external = diff.compared.filter((c) => "probe" in c.request && c.request.to === "external.shop");
        assert.ok(external.length > 0);
        for (const c of external) {
            assert.strictEqual(c.change, "unknown");
            assert.match(c.head!.reason, /^unknown: Service external.shop has no selector/);
        }
        assert.ok(diff.compared.every((c) => c.change === "unknown" || c.change === "unchanged"));
    });

    it("a Service whose selector becomes unknown makes its requests newly unknown; the reverse decides them", () => {
        const stack = base();
        const head = edit(
            stack,
            (r) => r.type.endsWith(":Service") && r.props.metadata.name === "api",
            (p) => {
                delete p.spec.selector;
            },
        );
        const forward = assertLikeBruteForce(stack, head);
        const api = (d: ConnectivityDiff) =>
            d.compared.filter((c) => "probe" in c.request && c.request.to === "api.shop").map((c) => c.change);
        assert.ok(api(forward).length > 0 && api(forward).every((c) => c === "newlyUnknown"));
        const backward = assertLikeBruteForce(head, stack);
        assert.ok(api(backward).every((c) => c === "decided"));
    });

    it("a workload only HEAD has makes new requests; only BASE, gone ones", () => {
        const stack = base();
        const head = [...stack, ...fromFixtures(deployment("shop", "worker"))];
        const diff = assertLikeBruteForce(stack, head);
        const changed = (d: ConnectivityDiff) =>
            [...new Set(d.compared.map((c) => c.change))].filter((c) => c !== "unchanged" && c !== "unknown");
        assert.deepStrictEqual(changed(diff), ["new"]);
        assert.ok(diff.compared.filter((c) => c.change === "new").every((c) => c.base === undefined && c.head));
        const back = assertLikeBruteForce(head, stack);
        assert.deepStrictEqual(changed(back), ["gone"]);
    });

    it("probes: each is predicted on both sides; one side without its Service makes it new, neither side an error", () => {
        const stack = base();
        const head = [...stack, serviceObject("shop", "admin", { app: "api" })];
        const probe = parseProbe("shop/client GET http://admin.shop/");
        const diff = diffConnectivity(stack, head, { probes: [probe, parseProbe("shop/client GET http://api.shop/")] });
        assert.strictEqual(diff.kind, "probes");
        assert.deepStrictEqual(
            diff.compared.map((c) => c.change),
            ["new", "unchanged"],
        );
        assert.match(
            diff.unresolved[0],
            /^BASE: probe "shop\/client GET http:\/\/admin.shop\/": the stack has no Service admin/,
        );
        assert.throws(
            () => diffConnectivity(stack, stack, { probes: [parseProbe("shop/client GET http://nowhere.shop/")] }),
            (err: Error) => err instanceof ProbeError && /no Service nowhere in namespace shop/.test(err.message),
        );
    });

    it("classifies by the issue's definitions, whichever side is BASE", () => {
        const table: [HttpCode | undefined, HttpCode | undefined, RequestChange][] = [
            ["000", "200", "opened"],
            ["403", "200", "opened"],
            ["503", "200", "opened"],
            ["200", "000", "closed"],
            ["200", "403", "closed"],
            ["200", "503", "closed"],
            ["000", "403", "changed"],
            ["503", "403", "changed"],
            ["200", "???", "newlyUnknown"],
            ["403", "???", "newlyUnknown"],
            ["???", "200", "decided"],
            ["???", "???", "unknown"],
            ["200", "200", "unchanged"],
            [undefined, "200", "new"],
            ["200", undefined, "gone"],
        ];
        for (const [base, head, expected] of table) {
            assert.strictEqual(classify(base, head), expected, `${base} -> ${head}`);
        }
    });

    it("refuses, saying how to narrow, when the requests reached are more than the limit", () => {
        const stack = tenants(3);
        const head = edit(stack, inNamespace("PeerAuthentication", "istio-system"), (p) => {
            p.spec.mtls.mode = "PERMISSIVE";
        });
        const refused = diffConnectivity(stack, head, { maxPairs: 17 });
        assert.deepStrictEqual(refused.compared, []);
        assert.match(
            refused.omitted!,
            /^connectivity not compared: the change reaches every request \(namespace istio-system changed, whose objects act on every request .*\), 18 client\/server pairs on each side, more than 17\. Narrow them with --from NAMESPACE and --to NAMESPACE/,
        );
        const narrowed = diffConnectivity(stack, head, { maxPairs: 17, filters: { from: ["tenant-0"] } });
        assert.strictEqual(narrowed.omitted, undefined);
        assert.strictEqual(narrowed.compared.length, 6);
    });
});
