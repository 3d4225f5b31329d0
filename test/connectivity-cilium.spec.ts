/**
 * Cilium's policy semantics in the connectivity predictor, each on the upstream objects that show it
 * (test/fixtures/upstream/SOURCES.md names repository, path and commit), with the outcome Cilium's documentation states
 * where it states one, under a Cilium install from the pack's fixtures (chart 1.19.6 unless the case needs another).
 */
import * as assert from "assert";
import {
    ask,
    codes,
    deploymentObject,
    fromFixtures,
    namespaceObject,
    objectResource,
    serviceObject,
    upstream,
} from "./upstream-stack";
import { ccnp, ciliumRelease, cnp, goodCiliumValues } from "../policies/test/fixtures";
import { StackResource } from "../policies/model/resources";

const cilium = (values: Record<string, unknown> = {}, version = "1.19.6") =>
    fromFixtures(ciliumRelease({ ...goodCiliumValues(), ...values }, { version }));

const TIEFIGHTER_LANDS = "default/pod/tiefighter POST http://deathstar.default.svc.cluster.local/v1/request-landing";
const XWING_LANDS = "default/pod/xwing POST http://deathstar.default.svc.cluster.local/v1/request-landing";
const TIEFIGHTER_EXHAUST = "default/pod/tiefighter PUT http://deathstar.default.svc.cluster.local/v1/exhaust-port";

describe("Cilium's Star Wars demo (cilium/cilium examples/minikube, Documentation/gettingstarted/demo.rst)", () => {
    const app = () => [...cilium(), ...upstream("cilium/minikube/http-sw-app.yaml")];

    it('without a policy both ships land ("Ship landed")', () => {
        assert.deepStrictEqual(codes(app(), TIEFIGHTER_LANDS, XWING_LANDS), ["200", "200"]);
    });

    it("under the L3/L4 policy the tiefighter lands and the xwing's request hangs", () => {
        const stack = [...app(), ...upstream("cilium/minikube/sw_l3_l4_policy.yaml")];
        const [tiefighter, xwing] = ask(stack, TIEFIGHTER_LANDS, XWING_LANDS);
        assert.strictEqual(tiefighter.code, "200");
        assert.match(tiefighter.reason, /admitted by CiliumNetworkPolicy default\/rule1 on TCP 80/);
        assert.strictEqual(xwing.code, "000");
        assert.match(
            xwing.reason,
            /dropped by an L4 rule: CiliumNetworkPolicy default\/rule1 admits no TCP 80 from default\/xwing to default\/deathstar/,
        );
        assert.deepStrictEqual(
            [tiefighter.from, tiefighter.to, tiefighter.port, tiefighter.method, tiefighter.path],
            ["default/pod/tiefighter", "deathstar.default", 80, "POST", "/v1/request-landing"],
        );
    });

    it('under the L7 policy the tiefighter lands, its PUT /v1/exhaust-port gets "Access denied" (403), the xwing still hangs', () => {
        const stack = [...app(), ...upstream("cilium/minikube/sw_l3_l4_l7_policy.yaml")];
        const [lands, exhaust, xwing] = ask(stack, TIEFIGHTER_LANDS, TIEFIGHTER_EXHAUST, XWING_LANDS);
        assert.deepStrictEqual([lands.code, exhaust.code], ["200", "403"]);
        assert.match(
            exhaust.reason,
            /Cilium's HTTP proxy denies PUT \/v1\/exhaust-port: no HTTP rule of CiliumNetworkPolicy default\/rule1 allows it/,
        );
        assert.strictEqual(xwing.code, "000");
    });

    it("says that the default namespace, which the app does not declare, is taken to exist with no labels", () => {
        const [answer] = ask(app(), TIEFIGHTER_LANDS);
        assert.ok(
            answer.steps.some((s) =>
                /namespace default is not declared in this stack, so it is taken to exist with no labels/.test(
                    s.detail,
                ),
            ),
        );
    });

    it("under aws-cni chaining does not promise the proxy's 403 without saying that Cilium's L7 policy may not work there", () => {
        const stack = [
            ...cilium({ cni: { chainingMode: "aws-cni", exclusive: false } }),
            ...upstream("cilium/minikube/http-sw-app.yaml"),
            ...upstream("cilium/minikube/sw_l3_l4_l7_policy.yaml"),
        ];
        const [exhaust, lands] = ask(stack, TIEFIGHTER_EXHAUST, TIEFIGHTER_LANDS);
        assert.strictEqual(exhaust.code, "403");
        assert.match(exhaust.reason, /aws-cni.*L7 policy may not work \(cilium\/cilium#12454\)/);
        assert.match(lands.reason, /cilium\/cilium#12454/);
    });
});

describe("Cilium endpoint selectors and namespaces", () => {
    const nsDemo = () => [...cilium(), ...upstream("cilium/kubernetes/namespace-demo-pods.yaml")];

    it("fromEndpoints naming another namespace admits only that namespace's pods (namespace-policy.yaml)", () => {
        const stack = [...nsDemo(), ...upstream("cilium/kubernetes/namespace-policy.yaml")];
        assert.deepStrictEqual(
            codes(stack, "ns2/luke-pod GET http://leia.ns1/", "ns2/vader-pod GET http://leia.ns1/"),
            ["200", "000"],
        );
    });

    it("an empty fromEndpoints selector in a namespaced policy means its own namespace (isolate-namespaces.yaml)", () => {
        const stack = [...nsDemo(), ...upstream("cilium/kubernetes/isolate-namespaces.yaml")];
        assert.deepStrictEqual(
            codes(stack, "ns1/leia-deployment GET http://leia.ns1/", "ns2/luke-pod GET http://leia.ns1/"),
            ["200", "000"],
        );
    });

    it("a clusterwide policy's fromEndpoints spans every namespace (clusterscope-policy.yaml)", () => {
        const stack = [...nsDemo(), ...upstream("cilium/kubernetes/clusterscope-policy.yaml")];
        assert.deepStrictEqual(
            codes(stack, "ns2/luke-pod GET http://leia.ns1/", "ns2/vader-pod GET http://leia.ns1/"),
            ["200", "000"],
        );
    });

    it("service accounts select pods (serviceaccount-policy.yaml, its extensions/v1beta1 demo Deployment included)", () => {
        const stack = [
            ...cilium(),
            ...upstream("cilium/kubernetes/serviceaccount-demo-pods.yaml"),
            ...upstream("cilium/kubernetes/serviceaccount-policy.yaml"),
        ];
        assert.deepStrictEqual(
            codes(stack, "default/luke-pod GET http://leia.default/", "default/vader-pod GET http://leia.default/"),
            ["200", "000"],
        );
    });

    it("a namespace-label selector in a CiliumNetworkPolicy admits clients of every namespace with that label (getEndpointSelector)", () => {
        const stack = [
            ...cilium(),
            ...upstream("cilium/kubernetes/namespace-labels-policy.yaml"),
            deploymentObject("default", "rebel-base", { name: "rebel-base" }),
            serviceObject("default", "rebel-base", { name: "rebel-base" }),
            namespaceObject("yavin", { faction: "alliance" }),
            namespaceObject("coruscant", { faction: "empire" }),
            deploymentObject("yavin", "xwing", { class: "xwing" }),
            deploymentObject("coruscant", "tie", { class: "tiefighter" }),
        ];
        const [ally, empire, local] = ask(
            stack,
            "yavin/xwing GET http://rebel-base.default/",
            "coruscant/tie GET http://rebel-base.default/",
            "default/rebel-base GET http://rebel-base.default/",
        );
        assert.strictEqual(ally.code, "200", ally.reason);
        assert.strictEqual(empire.code, "000");
        // The policy's egress rule admits only namespaces labelled faction=alliance: not kube-system, so not DNS.
        assert.strictEqual(local.code, "000");
        assert.match(
            local.reason,
            /name resolution fails: default\/rebel-base's egress to DNS is in default deny \(CiliumNetworkPolicy default\/alliance-only\)/,
        );
    });
});

describe("Cilium entities, CIDRs, toFQDNs", () => {
    const pods = () => [
        ...cilium(),
        namespaceObject("web"),
        namespaceObject("other"),
        deploymentObject("web", "public", { role: "public" }),
        serviceObject("web", "public", { role: "public" }),
        deploymentObject("web", "victim", { role: "victim" }),
        serviceObject("web", "victim", { role: "victim" }),
        deploymentObject("web", "client", { app: "client" }),
        deploymentObject("other", "client", { app: "client" }),
    ];

    it("fromEntities world admits no pod (world.yaml): in-cluster clients are dropped", () => {
        const stack = [...pods(), ...upstream("cilium/l3/world.yaml", { namespace: "web" })];
        assert.deepStrictEqual(codes(stack, "web/client GET http://public.web/"), ["000"]);
    });

    it("fromEntities all and cluster admit every pod; an ingressDeny from world leaves pods alone (from_world_deny.yaml)", () => {
        const stack = [
            ...pods(),
            ...upstream("cilium/l3/from_world_deny.yaml"),
            ...upstream("cilium/l3/world.yaml", { namespace: "web" }),
        ];
        assert.deepStrictEqual(codes(stack, "other/client GET http://public.web/"), ["200"]);
    });

    it("fromEndpoints [{}] admits the policy's namespace only (ingress-allow-all.yaml)", () => {
        const stack = [...pods(), ...upstream("cilium/l3/ingress-allow-all.yaml", { namespace: "web" })];
        assert.deepStrictEqual(
            codes(stack, "web/client GET http://victim.web/", "other/client GET http://victim.web/"),
            ["200", "000"],
        );
    });

    it("CIDR rules never match pods: egress toCIDR/toCIDRSet leave DNS and in-cluster servers blocked (cidr.yaml)", () => {
        const stack = [
            ...pods(),
            deploymentObject("web", "svc", { app: "myService" }),
            ...upstream("cilium/l3/cidr.yaml", { namespace: "web" }),
        ];
        const [answer] = ask(stack, "web/svc GET http://public.web/");
        assert.strictEqual(answer.code, "000");
        assert.match(answer.reason, /name resolution fails/);
    });

    it("toFQDNs depends on live DNS answers: unknown, with why (fqdn.yaml)", () => {
        const stack = [
            ...pods(),
            deploymentObject("web", "test-app", { app: "test-app" }),
            ...upstream("cilium/l3/fqdn.yaml", { namespace: "web" }),
        ];
        const [answer] = ask(stack, "web/test-app GET http://public.web/");
        assert.strictEqual(answer.code, "???");
        assert.match(
            answer.reason,
            /^unknown: CiliumNetworkPolicy web\/to-fqdn egress\[1\] allows toFQDNs, whose addresses come from live DNS answers/,
        );
    });
});

describe("Cilium egress policy, default deny and deny rules", () => {
    const pods = (): StackResource[] => [
        ...cilium(),
        namespaceObject("shop"),
        deploymentObject("shop", "frontend", { role: "frontend" }),
        deploymentObject("shop", "restricted", { role: "restricted" }),
        deploymentObject("shop", "backend", { role: "backend" }),
        serviceObject("shop", "backend", { role: "backend" }),
        deploymentObject("shop", "other", { role: "other" }),
        serviceObject("shop", "other", { role: "other" }),
    ];
    const dns = () => upstream("cilium/kubernetes/kubedns-policy.yaml", { namespace: "shop" });

    it("an egress section puts the client in default deny, DNS included: the request fails before it leaves (egress-default-deny.yaml)", () => {
        const [answer] = ask(
            [...pods(), ...upstream("cilium/l3/egress-default-deny.yaml", { namespace: "shop" })],
            "shop/restricted GET http://backend.shop/",
        );
        assert.strictEqual(answer.code, "000");
        assert.match(
            answer.reason,
            /name resolution fails: shop\/restricted's egress to DNS is in default deny \(CiliumNetworkPolicy shop\/deny-all-egress\)/,
        );
    });

    it("with DNS admitted (kubedns-policy.yaml) the client's own egress rules decide (l3_egress.yaml)", () => {
        const stack = [...pods(), ...dns(), ...upstream("cilium/l3/l3_egress.yaml", { namespace: "shop" })];
        const [toBackend, toOther] = ask(
            stack,
            "shop/frontend GET http://backend.shop/",
            "shop/frontend GET http://other.shop/",
        );
        assert.strictEqual(toBackend.code, "200", toBackend.reason);
        assert.strictEqual(toOther.code, "000");
        assert.match(toOther.reason, /dropped by shop\/frontend's egress policy: .*admit no TCP 80 to shop\/other/);
    });

    it("an egressDeny wins over an egress allow of every entity (egress-deny.yaml)", () => {
        const stack = [...pods(), ...upstream("cilium/l3/egress-deny.yaml", { namespace: "shop" })];
        const [toBackend, toOther] = ask(
            stack,
            "shop/frontend GET http://backend.shop/",
            "shop/frontend GET http://other.shop/",
        );
        assert.strictEqual(toBackend.code, "000");
        assert.match(
            toBackend.reason,
            /dropped by a deny rule: CiliumNetworkPolicy shop\/deny-egress-example egressDeny\[0\] denies TCP 80/,
        );
        assert.strictEqual(toOther.code, "200", toOther.reason);
    });

    it("an ingressDeny on one port denies that port only, whatever the allow rules say (deny.rst's table)", () => {
        const stack = [
            ...pods(),
            deploymentObject("shop", "server", { app: "server" }),
            serviceObject("shop", "server", { app: "server" }, [{ port: 80 }, { port: 81 }]),
            ...fromFixtures(
                cnp("shop", "allow", {
                    endpointSelector: { matchLabels: { app: "server" } },
                    ingress: [{ fromEndpoints: [{ matchLabels: { role: "frontend" } }] }],
                }),
                cnp("shop", "deny-80", {
                    endpointSelector: { matchLabels: { app: "server" } },
                    ingressDeny: [
                        {
                            fromEndpoints: [{ matchLabels: { role: "frontend" } }],
                            toPorts: [{ ports: [{ port: "80", protocol: "TCP" }] }],
                        },
                    ],
                }),
            ),
        ];
        assert.deepStrictEqual(
            codes(stack, "shop/frontend GET http://server.shop:81/", "shop/frontend GET http://server.shop/"),
            ["200", "000"],
        );
    });

    it("enableDefaultDeny false keeps a policy from denying anything else; its DNS rule admitting * resolves names (intro.rst's intercept-all-dns)", () => {
        const interceptAllDns = objectResource({
            apiVersion: "cilium.io/v2",
            kind: "CiliumClusterwideNetworkPolicy",
            metadata: { name: "intercept-all-dns" },
            spec: {
                endpointSelector: {
                    matchExpressions: [
                        { key: "io.kubernetes.pod.namespace", operator: "NotIn", values: ["kube-system"] },
                        { key: "k8s-app", operator: "NotIn", values: ["kube-dns"] },
                    ],
                },
                enableDefaultDeny: { egress: false, ingress: false },
                egress: [
                    {
                        toEndpoints: [
                            { matchLabels: { "io.kubernetes.pod.namespace": "kube-system", "k8s-app": "kube-dns" } },
                        ],
                        toPorts: [
                            {
                                ports: [
                                    { port: "53", protocol: "TCP" },
                                    { port: "53", protocol: "UDP" },
                                ],
                                rules: { dns: [{ matchPattern: "*" }] },
                            },
                        ],
                    },
                ],
            },
        });
        assert.deepStrictEqual(codes([...pods(), interceptAllDns], "shop/frontend GET http://backend.shop/"), ["200"]);
    });

    it("policyEnforcementMode never lets everything through; always puts every pod in default deny", () => {
        const stack = (mode: string) => [
            ...pods().slice(1),
            ...cilium({ policyEnforcementMode: mode }),
            ...upstream("cilium/l3/egress-default-deny.yaml", { namespace: "shop" }),
        ];
        assert.deepStrictEqual(codes(stack("never"), "shop/restricted GET http://backend.shop/"), ["200"]);
        const [always] = ask(stack("always"), "shop/frontend GET http://backend.shop/");
        assert.strictEqual(always.code, "000");
    });
});

describe("fromRequires per Cilium version (requires.yaml with endpoints.yaml)", () => {
    const stack = (version: string | undefined): StackResource[] => [
        ...fromFixtures(ciliumRelease(goodCiliumValues(), version === undefined ? {} : { version })).map((r) =>
            version === undefined ? { ...r, props: { ...r.props, version: undefined } } : r,
        ),
        namespaceObject("prod"),
        deploymentObject("prod", "db", { env: "prod" }),
        serviceObject("prod", "db", { env: "prod" }),
        deploymentObject("prod", "frontend", { role: "frontend", env: "prod" }),
        deploymentObject("prod", "dev-frontend", { role: "frontend", env: "dev" }),
        ...upstream("cilium/l3/requires.yaml", { namespace: "prod" }),
        ...upstream("cilium/l3/requires-endpoints.yaml", { namespace: "prod" }),
    ];
    const probes = ["prod/frontend GET http://db.prod/", "prod/dev-frontend GET http://db.prod/"];

    it("before 1.19 the requirement applies to every rule selecting the pod: role=frontend must also be env=prod", () => {
        assert.deepStrictEqual(codes(stack("1.18.12"), ...probes), ["200", "000"]);
    });

    it("1.19 removed fromRequires from the CRDs: the field is dropped, and the answer says so", () => {
        const answers = ask(stack("1.19.6"), ...probes);
        assert.deepStrictEqual(
            answers.map((a) => a.code),
            ["200", "200"],
        );
        assert.ok(
            answers[1].steps.some((s) => /fromRequires is ignored: Cilium 1\.19\.6 has no such field/.test(s.detail)),
        );
    });

    it("with no Cilium version in the stack the answer is unknown, with why", () => {
        const [answer] = ask(stack(undefined), probes[1]);
        assert.strictEqual(answer.code, "???");
        assert.match(answer.reason, /fromRequires is used, which Cilium 1\.19 removed/);
    });
});

describe("Cilium ports: endPort ranges and named ports", () => {
    const stack = (): StackResource[] => [
        ...cilium(),
        namespaceObject("svc"),
        deploymentObject("svc", "client", { app: "myService" }),
        deploymentObject("svc", "web", { app: "web" }, { ports: [{ name: "http-alt", containerPort: 8080 }] }),
        serviceObject("svc", "web", { app: "web" }, [{ port: 443 }, { port: 8080, targetPort: "http-alt" }]),
        ...upstream("cilium/kubernetes/kubedns-policy.yaml", { namespace: "svc" }),
        ...upstream("cilium/l4/l4_port_range.yaml", { namespace: "svc" }),
    ];

    it("toPorts port 80 with endPort 444 admits 443 and not 8080 (l4_port_range.yaml)", () => {
        assert.deepStrictEqual(
            codes(stack(), "svc/client GET http://web.svc:443/", "svc/client GET http://web.svc:8080/"),
            ["200", "000"],
        );
    });

    it("a named port resolves on the destination pod's container ports (and a Service's named targetPort too)", () => {
        const named = ccnp("named", {
            endpointSelector: { matchLabels: { app: "web" } },
            ingress: [{ fromEndpoints: [{}], toPorts: [{ ports: [{ port: "http-alt", protocol: "TCP" }] }] }],
        });
        // Without the egress policies: the pods' egress is open.
        const withoutEgress = stack().filter((r) => !/^(l4_port_range|kubedns-policy)-/.test(r.name));
        const answers = ask(
            [...withoutEgress, ...fromFixtures(named)],
            "svc/client GET http://web.svc:8080/",
            "svc/client GET http://web.svc:443/",
        );
        assert.deepStrictEqual(
            answers.map((a) => a.code),
            ["200", "000"],
        );
        assert.match(answers[0].reason, /on TCP 8080/);
    });
});

describe("Cilium HTTP rules: RE2 expressions matching the whole value, headers, host", () => {
    const base = (): StackResource[] => [
        ...cilium(),
        namespaceObject("api", { team: "api" }),
        deploymentObject("api", "app", { app: "myService", env: "prod" }),
        deploymentObject("api", "service", { app: "service" }),
        serviceObject("api", "service", { app: "service" }),
        serviceObject("api", "myservice", { app: "myService" }),
        deploymentObject("api", "prod-client", { env: "prod" }),
        deploymentObject("api", "dev-client", { env: "dev" }),
    ];
    const withRule = (http: Record<string, unknown>[]) => [
        ...base(),
        ...fromFixtures(
            cnp("api", "paths", {
                endpointSelector: { matchLabels: { app: "service" } },
                ingress: [{ toPorts: [{ ports: [{ port: "80", protocol: "TCP" }], rules: { http } }] }],
            }),
        ),
    ];

    it("GET /public from env=prod only (l7.yaml): other paths and methods 403, other clients dropped", () => {
        const stack = [...base(), ...upstream("cilium/l7/l7.yaml", { namespace: "api" })];
        assert.deepStrictEqual(
            codes(
                stack,
                "api/prod-client GET http://service.api/public",
                "api/prod-client GET http://service.api/private",
                "api/prod-client POST http://service.api/public",
                "api/dev-client GET http://service.api/public",
            ),
            ["200", "403", "403", "000"],
        );
    });

    it("a path rule must match the whole path, and a header rule needs its header (http.yaml)", () => {
        const stack = [...base(), ...upstream("cilium/l7/http.yaml", { namespace: "api" })];
        assert.deepStrictEqual(
            codes(
                stack,
                "api/dev-client GET http://myservice.api/path1",
                "api/dev-client GET http://myservice.api/path1/more",
                "api/dev-client PUT http://myservice.api/path2",
            ),
            ["200", "403", "403"],
        );
    });

    it("reads RE2 syntax JavaScript does not: (?i), \\z, [[:alpha:]] — and a pattern RE2 rejects is unknown, never a crash", () => {
        assert.deepStrictEqual(
            codes(
                withRule([{ path: "(?i)/IP" }]),
                "api/dev-client GET http://service.api/ip",
                "api/dev-client GET http://service.api/ipx",
            ),
            ["200", "403"],
        );
        assert.deepStrictEqual(codes(withRule([{ path: "/ip\\z" }]), "api/dev-client GET http://service.api/ip"), [
            "200",
        ]);
        assert.deepStrictEqual(
            codes(
                withRule([{ path: "/[[:alpha:]]+" }]),
                "api/dev-client GET http://service.api/abc",
                "api/dev-client GET http://service.api/a1",
            ),
            ["200", "403"],
        );
        const [lookahead] = ask(withRule([{ path: "/(?=ip)" }]), "api/dev-client GET http://service.api/ip");
        assert.strictEqual(lookahead.code, "???");
        assert.match(lookahead.reason, /is not a valid RE2 expression.*Cilium rejects the policy/);
    });

    it("the query string is part of the path the rule must match", () => {
        assert.deepStrictEqual(codes(withRule([{ path: "/ip" }]), "api/dev-client GET http://service.api/ip?x=1"), [
            "403",
        ]);
    });

    it("host and headers: curl sends Host (with the port unless 80), User-Agent and Accept, nothing else", () => {
        assert.deepStrictEqual(codes(withRule([{ host: "service\\.api" }]), "api/dev-client GET http://service.api/"), [
            "200",
        ]);
        assert.deepStrictEqual(codes(withRule([{ headers: ["Accept"] }]), "api/dev-client GET http://service.api/"), [
            "200",
        ]);
        assert.deepStrictEqual(
            codes(withRule([{ headers: ["X-Token: secret"] }]), "api/dev-client GET http://service.api/"),
            ["403"],
        );
        assert.deepStrictEqual(
            codes(
                withRule([{ headerMatches: [{ name: "X-Token", value: "secret", mismatch: "LOG" }] }]),
                "api/dev-client GET http://service.api/",
            ),
            ["200"],
            "a LOG mismatch does not deny",
        );
    });

    it("an L4 rule for the same client beside an L7 rule lets every request through, as layer7.rst says", () => {
        const stack = [
            ...withRule([{ method: "GET", path: "/ip" }]),
            ...fromFixtures(
                cnp("api", "l4", {
                    endpointSelector: { matchLabels: { app: "service" } },
                    ingress: [
                        {
                            fromEndpoints: [{ matchLabels: { env: "dev" } }],
                            toPorts: [{ ports: [{ port: "80", protocol: "TCP" }] }],
                        },
                    ],
                }),
            ),
        ];
        assert.deepStrictEqual(
            codes(stack, "api/dev-client POST http://service.api/x", "api/prod-client POST http://service.api/x"),
            ["200", "403"],
        );
    });

    it("egress HTTP rules are enforced by the client's proxy", () => {
        const stack = [
            ...base(),
            ...upstream("cilium/kubernetes/kubedns-policy.yaml", { namespace: "api" }),
            ...fromFixtures(
                cnp("api", "egress-paths", {
                    endpointSelector: { matchLabels: { env: "dev" } },
                    egress: [
                        {
                            toEndpoints: [{ matchLabels: { app: "service" } }],
                            toPorts: [
                                { ports: [{ port: "80", protocol: "TCP" }], rules: { http: [{ method: "GET" }] } },
                            ],
                        },
                    ],
                }),
            ),
        ];
        const [get, post] = ask(
            stack,
            "api/dev-client GET http://service.api/",
            "api/dev-client POST http://service.api/",
        );
        assert.deepStrictEqual([get.code, post.code], ["200", "403"]);
        assert.match(post.reason, /CiliumNetworkPolicy api\/egress-paths/);
    });
});
