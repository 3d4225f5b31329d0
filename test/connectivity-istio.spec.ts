/**
 * Istio in the connectivity predictor, on Istio's own samples (istio/istio samples @1.30.3: httpbin, sleep, curl,
 * bookinfo) and the policies of its documentation (test/fixtures/upstream/SOURCES.md): PeerAuthentication levels and
 * port-level mTLS, AuthorizationPolicy at the sidecar, at ztunnel (L4 only) and at a waypoint, and traffic between
 * sidecar and ambient pods.
 */
import * as assert from "assert";
import {
    ask,
    codes,
    deploymentObject,
    fromFixtures,
    namespaceObject,
    objectResource,
    upstream,
} from "./upstream-stack";
import { ciliumRelease, cnp, istioAmbient, istioSidecar } from "../policies/test/fixtures";
import { StackResource } from "../policies/model/resources";

function peerAuthentication(namespace: string, name: string, spec: Record<string, unknown>): StackResource {
    return objectResource({
        apiVersion: "security.istio.io/v1",
        kind: "PeerAuthentication",
        metadata: { name, namespace },
        spec,
    });
}

function authorizationPolicy(
    namespace: string,
    name: string,
    spec: Record<string, unknown>,
    annotations: Record<string, string> = {},
): StackResource {
    return objectResource({
        apiVersion: "security.istio.io/v1",
        kind: "AuthorizationPolicy",
        metadata: { name, namespace, annotations },
        spec,
    });
}

/** httpbin and sleep in `foo` with sidecars, curl in `legacy` outside the mesh (istio.io's mTLS migration task layout). */
const sidecarMesh = (): StackResource[] => [
    ...fromFixtures(ciliumRelease(), istioSidecar()),
    namespaceObject("foo", { "istio-injection": "enabled" }),
    namespaceObject("legacy"),
    ...upstream("istio/httpbin.yaml", { namespace: "foo" }),
    ...upstream("istio/sleep.yaml", { namespace: "foo" }),
    ...upstream("istio/curl.yaml", { namespace: "legacy" }),
];

const FROM_LEGACY = "legacy/curl GET http://httpbin.foo:8000/get";
const FROM_SLEEP = "foo/sleep GET http://httpbin.foo:8000/get";

describe("PeerAuthentication (istio/api peer_authentication.proto @1.30.3)", () => {
    it("Istio's default PERMISSIVE takes plain text from outside the mesh; the Service port 8000 reaches the pod's 8080", () => {
        const [legacy, sleep] = ask(sidecarMesh(), FROM_LEGACY, FROM_SLEEP);
        assert.deepStrictEqual([legacy.code, sleep.code], ["200", "200"]);
        assert.match(sleep.reason, /client sidecar sends mTLS to the server sidecar/);
        assert.ok(legacy.steps.some((s) => /foo\/deployment\/httpbin port 8080/.test(s.detail)));
    });

    it("a namespace STRICT refuses plain text (the sidecar resets: 000) and keeps mesh clients", () => {
        const stack = [...sidecarMesh(), peerAuthentication("foo", "default", { mtls: { mode: "STRICT" } })];
        const [legacy, sleep] = ask(stack, FROM_LEGACY, FROM_SLEEP);
        assert.deepStrictEqual([legacy.code, sleep.code], ["000", "200"]);
        assert.match(
            legacy.reason,
            /plain text refused by STRICT mTLS: the server sidecar resets the connection \(PeerAuthentication foo\/default sets STRICT\)/,
        );
    });

    it("the namespace level wins over the mesh level (root namespace istio-system)", () => {
        const stack = [
            ...sidecarMesh(),
            peerAuthentication("istio-system", "default", { mtls: { mode: "STRICT" } }),
            peerAuthentication("foo", "default", { mtls: { mode: "PERMISSIVE" } }),
        ];
        assert.deepStrictEqual(codes(stack, FROM_LEGACY), ["200"]);
    });

    it("portLevelMtls names the workload's port, not the Service's (the proto's finance example, on httpbin)", () => {
        const onPod = peerAuthentication("foo", "httpbin", {
            selector: { matchLabels: { app: "httpbin" } },
            mtls: { mode: "STRICT" },
            portLevelMtls: { 8080: { mode: "DISABLE" } },
        });
        const onService = peerAuthentication("foo", "httpbin", {
            selector: { matchLabels: { app: "httpbin" } },
            mtls: { mode: "STRICT" },
            portLevelMtls: { 8000: { mode: "DISABLE" } },
        });
        assert.deepStrictEqual(codes([...sidecarMesh(), onPod], FROM_LEGACY), ["200"]);
        assert.deepStrictEqual(codes([...sidecarMesh(), onService], FROM_LEGACY), ["000"]);
    });

    it("port-level DISABLE makes the client sidecar send plain HTTP, which Cilium's HTTP rules can judge (else 503)", () => {
        const l7 = fromFixtures(
            cnp("foo", "paths", {
                endpointSelector: { matchLabels: { app: "httpbin" } },
                ingress: [
                    {
                        toPorts: [
                            {
                                ports: [{ port: "8080", protocol: "TCP" }],
                                rules: { http: [{ method: "GET", path: "/get" }] },
                            },
                        ],
                    },
                ],
            }),
        );
        const disabled = peerAuthentication("foo", "httpbin", {
            selector: { matchLabels: { app: "httpbin" } },
            mtls: { mode: "UNSET" },
            portLevelMtls: { 8080: { mode: "DISABLE" } },
        });
        assert.deepStrictEqual(codes([...sidecarMesh(), ...l7], FROM_SLEEP), ["503"]);
        assert.deepStrictEqual(
            codes([...sidecarMesh(), ...l7, disabled], FROM_SLEEP, "foo/sleep GET http://httpbin.foo:8000/headers"),
            ["200", "403"],
        );
    });
});

describe("AuthorizationPolicy at the sidecar: istio.io's authz-http task on Bookinfo", () => {
    const bookinfo = () => [
        ...fromFixtures(ciliumRelease(), istioSidecar()),
        namespaceObject("default", { "istio-injection": "enabled" }),
        namespaceObject("legacy"),
        ...upstream("istio/bookinfo.yaml"),
        ...upstream("istio/curl.yaml", { namespace: "legacy" }),
    ];
    const policies = () => upstream("istio/authz-http-bookinfo.yaml");
    const REVIEWS_TO_RATINGS = "default/reviews-v1 GET http://ratings.default:9080/ratings/0";
    const PRODUCTPAGE_TO_RATINGS = "default/productpage-v1 GET http://ratings.default:9080/ratings/0";

    it('allow-nothing alone: every request is denied, "RBAC: access denied" (403)', () => {
        const stack = [...bookinfo(), policies()[0]];
        const [answer] = ask(stack, "default/reviews-v1 GET http://productpage.default:9080/productpage");
        assert.strictEqual(answer.code, "403");
        assert.match(
            answer.reason,
            /the server sidecar denies it \(RBAC: access denied\): no ALLOW policy .* matches it \(AuthorizationPolicy default\/allow-nothing\)/,
        );
    });

    it("with all five policies each service reaches only what it was granted, by principal and method", () => {
        const stack = [...bookinfo(), ...policies()];
        assert.deepStrictEqual(
            codes(
                stack,
                "legacy/curl GET http://productpage.default:9080/productpage",
                "default/productpage-v1 GET http://details.default:9080/details/0",
                "default/productpage-v1 GET http://reviews.default:9080/reviews/0",
                REVIEWS_TO_RATINGS,
                PRODUCTPAGE_TO_RATINGS,
                "default/reviews-v2 POST http://ratings.default:9080/ratings/0",
            ),
            ["200", "200", "200", "200", "403", "403"],
        );
    });

    it("principals need mTLS: a client outside the mesh is denied where a principal is required", () => {
        const [answer] = ask([...bookinfo(), ...policies()], "legacy/curl GET http://details.default:9080/details/0");
        assert.strictEqual(answer.code, "403");
        assert.match(answer.reason, /the request carries no mTLS identity/);
    });

    it("DENY wins over ALLOW; AUDIT decides nothing; CUSTOM asks an external authorizer (???); dry-run is not enforced", () => {
        const deny = authorizationPolicy("default", "deny-post", {
            action: "DENY",
            rules: [{ to: [{ operation: { methods: ["POST"] } }] }],
        });
        const allowAll = authorizationPolicy("default", "allow-all", { rules: [{}] });
        const audit = authorizationPolicy("default", "audit", { action: "AUDIT", rules: [{}] });
        const custom = authorizationPolicy("default", "ext", {
            action: "CUSTOM",
            provider: { name: "my-custom-authz" },
            rules: [{}],
        });
        const dryRun = authorizationPolicy(
            "default",
            "dry",
            { action: "DENY", rules: [{}] },
            { "istio.io/dry-run": "true" },
        );
        const post = "default/reviews-v1 POST http://ratings.default:9080/ratings/0";
        assert.deepStrictEqual(codes([...bookinfo(), allowAll, deny], REVIEWS_TO_RATINGS, post), ["200", "403"]);
        assert.deepStrictEqual(codes([...bookinfo(), audit], post), ["200"]);
        const [external] = ask([...bookinfo(), custom], post);
        assert.strictEqual(external.code, "???");
        assert.match(external.reason, /CUSTOM.*external authorizer/);
        assert.deepStrictEqual(codes([...bookinfo(), dryRun], post), ["200"]);
    });
});

/** istio.io's ambient L4 policy page: httpbin and sleep in ambient-demo, curl beside them. */
const ambientDemo = (): StackResource[] => [
    ...fromFixtures(ciliumRelease(), istioAmbient()),
    namespaceObject("ambient-demo", { "istio.io/dataplane-mode": "ambient" }),
    namespaceObject("legacy"),
    ...upstream("istio/httpbin.yaml", { namespace: "ambient-demo" }),
    ...upstream("istio/sleep.yaml", { namespace: "ambient-demo" }),
    ...upstream("istio/curl.yaml", { namespace: "ambient-demo" }),
    deploymentObject("legacy", "outsider", { app: "outsider" }),
];
const SLEEP = "ambient-demo/sleep GET http://httpbin.ambient-demo:8000/get";
const CURL = "ambient-demo/curl GET http://httpbin.ambient-demo:8000/get";

describe("AuthorizationPolicy at ztunnel (istio.io docs/ambient/usage/l4-policy; pilot authorization.go @1.30.3)", () => {
    const allowSleep = () => upstream("istio/l4-policy-ambient.yaml", { namespace: "ambient-demo" });

    it("the page's L4 policy: sleep's principal gets through, curl's connection is refused (000)", () => {
        const [sleep, curl] = ask([...ambientDemo(), ...allowSleep()], SLEEP, CURL);
        assert.strictEqual(sleep.code, "200", sleep.reason);
        assert.match(sleep.reason, /ztunnel tunnels the request over HBONE/);
        assert.strictEqual(curl.code, "000");
        assert.match(curl.reason, /ztunnel denies the connection: no ALLOW policy at ztunnel matches it/);
    });

    it("an ALLOW rule with an HTTP attribute is left out by ztunnel, so even sleep is refused (more restrictive, as the page warns)", () => {
        const withMethod = authorizationPolicy("ambient-demo", "allow-sleep-to-httpbin", {
            selector: { matchLabels: { app: "httpbin" } },
            action: "ALLOW",
            rules: [
                {
                    from: [{ source: { principals: ["cluster.local/ns/ambient-demo/sa/sleep"] } }],
                    to: [{ operation: { methods: ["GET"] } }],
                },
            ],
        });
        const [sleep] = ask([...ambientDemo(), withMethod], SLEEP);
        assert.strictEqual(sleep.code, "000");
        assert.match(
            sleep.reason,
            /ztunnel leaves out the rule of AuthorizationPolicy ambient-demo\/allow-sleep-to-httpbin that uses methods/,
        );
    });

    it("a DENY rule with an HTTP attribute is enforced without it: it denies every method", () => {
        const denyPost = authorizationPolicy("ambient-demo", "deny-post", {
            selector: { matchLabels: { app: "httpbin" } },
            action: "DENY",
            rules: [{ to: [{ operation: { methods: ["POST"] } }] }],
        });
        const [sleep] = ask([...ambientDemo(), denyPost], SLEEP);
        assert.strictEqual(sleep.code, "000");
        assert.match(
            sleep.reason,
            /enforces AuthorizationPolicy ambient-demo\/deny-post without its HTTP attributes \(methods\)/,
        );
    });

    it("ztunnel ignores CUSTOM and AUDIT policies", () => {
        const custom = authorizationPolicy("ambient-demo", "ext", {
            selector: { matchLabels: { app: "httpbin" } },
            action: "CUSTOM",
            provider: { name: "authz" },
            rules: [{}],
        });
        assert.deepStrictEqual(codes([...ambientDemo(), custom], SLEEP), ["200"]);
    });

    it("STRICT refuses a client outside the mesh; ztunnel ignores DISABLE", () => {
        const outsider = "legacy/outsider GET http://httpbin.ambient-demo:8000/get";
        assert.deepStrictEqual(
            codes(
                [...ambientDemo(), peerAuthentication("ambient-demo", "default", { mtls: { mode: "STRICT" } })],
                outsider,
            ),
            ["000"],
        );
        const disabled = [
            ...ambientDemo(),
            peerAuthentication("istio-system", "default", { mtls: { mode: "STRICT" } }),
            peerAuthentication("ambient-demo", "default", { mtls: { mode: "DISABLE" } }),
        ];
        const [answer] = ask(disabled, outsider);
        assert.strictEqual(answer.code, "000");
        assert.match(answer.reason, /PeerAuthentication istio-system\/default sets STRICT/);
    });

    it("Cilium sees HBONE on 15008: a policy admitting only the application port blocks the tunnel", () => {
        const appPortOnly = fromFixtures(
            cnp("ambient-demo", "app-port", {
                endpointSelector: { matchLabels: { app: "httpbin" } },
                ingress: [{ fromEndpoints: [{}], toPorts: [{ ports: [{ port: "8080", protocol: "TCP" }] }] }],
            }),
        );
        const [answer] = ask([...ambientDemo(), ...appPortOnly], SLEEP);
        assert.strictEqual(answer.code, "000");
        assert.match(
            answer.reason,
            /HBONE tunnel blocked: CiliumNetworkPolicy ambient-demo\/app-port admits no TCP 15008/,
        );
    });
});

describe("Waypoints: L7 AuthorizationPolicy with targetRefs", () => {
    const waypoint = objectResource({
        apiVersion: "gateway.networking.k8s.io/v1",
        kind: "Gateway",
        metadata: { name: "waypoint", namespace: "ambient-demo", labels: { "istio.io/waypoint-for": "service" } },
        spec: { gatewayClassName: "istio-waypoint", listeners: [{ name: "mesh", port: 15008, protocol: "HBONE" }] },
    });
    const withWaypoint = () =>
        ambientDemo().map((r) =>
            r.type === "kubernetes:core/v1:Namespace" && r.props.metadata.name === "ambient-demo"
                ? {
                      ...r,
                      props: {
                          ...r.props,
                          metadata: {
                              ...r.props.metadata,
                              labels: { ...r.props.metadata.labels, "istio.io/use-waypoint": "waypoint" },
                          },
                      },
                  }
                : r,
        );
    const getFromSleep = authorizationPolicy("ambient-demo", "httpbin-get", {
        targetRefs: [{ kind: "Service", group: "", name: "httpbin" }],
        action: "ALLOW",
        rules: [
            {
                from: [{ source: { principals: ["cluster.local/ns/ambient-demo/sa/sleep"] } }],
                to: [{ operation: { methods: ["GET"] } }],
            },
        ],
    });

    it("the waypoint enforces methods and principals: GET from sleep 200, POST from sleep and GET from curl 403", () => {
        const stack = [...withWaypoint(), waypoint, getFromSleep];
        const [get, post, curl] = ask(
            stack,
            SLEEP,
            "ambient-demo/sleep POST http://httpbin.ambient-demo:8000/post",
            CURL,
        );
        assert.strictEqual(get.code, "200", get.reason);
        assert.match(get.reason, /through waypoint ambient-demo\/waypoint/);
        assert.deepStrictEqual([post.code, curl.code], ["403", "403"]);
        assert.match(post.reason, /the waypoint denies it \(RBAC: access denied\)/);
    });

    it("behind a waypoint ztunnel sees the waypoint's identity: a selector policy naming the client refuses it (503 from the waypoint)", () => {
        const stack = [
            ...withWaypoint(),
            waypoint,
            getFromSleep,
            ...upstream("istio/l4-policy-ambient.yaml", { namespace: "ambient-demo" }),
        ];
        const [get] = ask(stack, SLEEP);
        assert.strictEqual(get.code, "503");
        assert.match(get.reason, /ztunnel denies the connection.*the waypoint gets the reset/);
    });

    it("a waypoint the stack does not declare is unknown, with why", () => {
        const [answer] = ask(withWaypoint(), SLEEP);
        assert.strictEqual(answer.code, "???");
        assert.match(
            answer.reason,
            /uses waypoint ambient-demo\/waypoint \(istio.io\/use-waypoint\), which the stack does not declare/,
        );
    });
});

describe("Sidecar and ambient pods talk over HBONE (istio.io docs/ambient/usage/add-workloads; ambient profile)", () => {
    const mixed = (): StackResource[] => [
        ...fromFixtures(ciliumRelease(), istioAmbient()),
        namespaceObject("side", { "istio-injection": "enabled" }),
        namespaceObject("amb", { "istio.io/dataplane-mode": "ambient" }),
        ...upstream("istio/httpbin.yaml", { namespace: "side" }),
        ...upstream("istio/sleep.yaml", { namespace: "side" }),
        ...upstream("istio/httpbin.yaml", { namespace: "amb" }),
        ...upstream("istio/sleep.yaml", { namespace: "amb" }),
    ];

    it("sidecar to ambient and ambient to sidecar both get through, over HBONE", () => {
        const [toAmbient, toSidecar] = ask(
            mixed(),
            "side/sleep GET http://httpbin.amb:8000/get",
            "amb/sleep GET http://httpbin.side:8000/get",
        );
        assert.deepStrictEqual([toAmbient.code, toSidecar.code], ["200", "200"]);
        assert.match(toAmbient.reason, /client sidecar tunnels the request over HBONE to the ambient server/);
        assert.match(toSidecar.reason, /ztunnel tunnels the request over HBONE to the server sidecar/);
    });

    it("a Cilium policy admitting only the application port blocks HBONE either way", () => {
        const appPortOnly = fromFixtures(
            cnp("amb", "app-port", {
                endpointSelector: { matchLabels: { app: "httpbin" } },
                ingress: [
                    {
                        fromEndpoints: [{ matchLabels: { "k8s:io.kubernetes.pod.namespace": "side" } }],
                        toPorts: [{ ports: [{ port: "8080", protocol: "TCP" }] }],
                    },
                ],
            }),
        );
        const [answer] = ask([...mixed(), ...appPortOnly], "side/sleep GET http://httpbin.amb:8000/get");
        assert.strictEqual(answer.code, "000");
    });

    it("the sidecar server sees the ambient client's identity: an ALLOW policy on its principal lets it in", () => {
        const allow = authorizationPolicy("side", "from-amb", {
            selector: { matchLabels: { app: "httpbin" } },
            rules: [{ from: [{ source: { namespaces: ["amb"] } }] }],
        });
        assert.deepStrictEqual(
            codes(
                [...mixed(), allow],
                "amb/sleep GET http://httpbin.side:8000/get",
                "side/sleep GET http://httpbin.side:8000/get",
            ),
            ["200", "403"],
        );
    });

    it("without ambient mode running, the ambient label enrols nothing", () => {
        const sidecarOnly = [
            ...fromFixtures(ciliumRelease(), istioSidecar()),
            ...mixed().filter((r) => !r.type.startsWith("kubernetes:helm.sh")),
        ];
        const [answer] = ask(sidecarOnly, "side/sleep GET http://httpbin.amb:8000/get");
        assert.strictEqual(answer.code, "200");
        assert.match(answer.reason, /the server is outside the mesh: plain HTTP/);
    });
});
