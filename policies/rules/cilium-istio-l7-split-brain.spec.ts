import * as assert from "assert";
import { ciliumIstioL7SplitBrain as rule } from "./cilium-istio-l7-split-brain";
import { FixtureResource, runStackPolicy, UNKNOWN } from "../test/harness";
import {
    ciliumRelease,
    cnp,
    deployment,
    istioSidecar,
    l4Spec,
    l7Spec,
    namespace,
    peerAuthentication,
} from "../test/fixtures";

/** An AuthorizationPolicy in the shape of Istio's HTTP-traffic task (istio.io, Authorization on HTTP traffic). */
function authorizationPolicy(ns: string, name: string, spec: Record<string, unknown>): FixtureResource {
    return {
        type: "kubernetes:security.istio.io/v1:AuthorizationPolicy",
        name: `${ns}-${name}`,
        props: {
            apiVersion: "security.istio.io/v1",
            kind: "AuthorizationPolicy",
            metadata: { name, namespace: ns },
            spec,
        },
    };
}

const allowGetIp = (selector?: Record<string, string>) => ({
    ...(selector ? { selector: { matchLabels: selector } } : {}),
    action: "ALLOW",
    rules: [{ to: [{ operation: { methods: ["GET"], paths: ["/ip"] } }] }],
});

function blue(): FixtureResource[] {
    return [
        ciliumRelease(),
        ...istioSidecar(),
        namespace("blue", { "istio-injection": "enabled" }),
        deployment("blue", "httpbin"),
        deployment("blue", "netshoot"),
        peerAuthentication("blue", "default", "DISABLE"),
    ];
}

describe("cilium-istio-l7-split-brain", () => {
    it("is advisory", () => {
        assert.strictEqual(rule.enforcementLevel, "advisory");
    });

    it("flags a workload under the demo's Cilium HTTP rule and an Istio AuthorizationPolicy with HTTP operations", async () => {
        const reported = await runStackPolicy(rule, [
            ...blue(),
            cnp("blue", "default", l7Spec()),
            authorizationPolicy("blue", "get-ip", allowGetIp({ app: "httpbin" })),
        ]);
        assert.deepStrictEqual(
            reported.map((r) => r.level),
            ["advisory"],
        );
        for (const part of [
            "Deployment blue/httpbin is under two L7 HTTP policies",
            "CiliumNetworkPolicy blue/default (spec)",
            "AuthorizationPolicy blue/get-ip (methods, paths)",
            "split-brain",
            "Fix:",
        ]) {
            assert.ok(reported[0].message.includes(part), `${part} missing from ${reported[0].message}`);
        }
        assert.ok(reported[0].urn?.includes("Deployment"), reported[0].urn);
    });

    it("follows namespace-wide and root-namespace (mesh-wide) policies", async () => {
        for (const ap of [
            authorizationPolicy("blue", "all", allowGetIp()),
            authorizationPolicy("istio-system", "mesh", allowGetIp({ app: "httpbin" })),
        ]) {
            const reported = await runStackPolicy(rule, [...blue(), cnp("blue", "default", l7Spec()), ap]);
            assert.strictEqual(reported.length, 1, ap.name);
        }
    });

    it("passes one L7 policy alone, L4-only conditions, other workloads, and targetRefs policies", async () => {
        assert.deepStrictEqual(await runStackPolicy(rule, [...blue(), cnp("blue", "default", l7Spec())]), []);
        assert.deepStrictEqual(
            await runStackPolicy(rule, [
                ...blue(),
                authorizationPolicy("blue", "get-ip", allowGetIp({ app: "httpbin" })),
            ]),
            [],
        );
        const portsOnly = { rules: [{ to: [{ operation: { ports: ["80"] } }] }] };
        assert.deepStrictEqual(
            await runStackPolicy(rule, [
                ...blue(),
                cnp("blue", "default", l7Spec()),
                authorizationPolicy("blue", "l4", portsOnly),
            ]),
            [],
        );
        assert.deepStrictEqual(
            await runStackPolicy(rule, [
                ...blue(),
                cnp("blue", "default", l4Spec()),
                authorizationPolicy("blue", "get-ip", allowGetIp({ app: "httpbin" })),
            ]),
            [],
        );
        assert.deepStrictEqual(
            await runStackPolicy(rule, [
                ...blue(),
                cnp("blue", "default", l7Spec()),
                authorizationPolicy("blue", "get-ip", allowGetIp({ app: "netshoot" })),
            ]),
            [],
        );
        const targeted = { ...allowGetIp(), targetRefs: [{ kind: "Service", group: "", name: "httpbin" }] };
        assert.deepStrictEqual(
            await runStackPolicy(rule, [
                ...blue(),
                cnp("blue", "default", l7Spec()),
                authorizationPolicy("blue", "wp", targeted),
            ]),
            [],
        );
    });

    it("reports unknown rules as could-not-check", async () => {
        const reported = await runStackPolicy(rule, [
            ...blue(),
            cnp("blue", "default", l7Spec()),
            authorizationPolicy("blue", "x", { rules: UNKNOWN.array }),
        ]);
        assert.ok(
            reported.length === 1 && reported[0].message.includes("\nCould not check whether its rules hold HTTP"),
        );
    });
});
