import * as assert from "assert";
import { ciliumGatewayApiBesideIstio as rule } from "./cilium-gateway-api-beside-istio";
import { FixtureResource, runStackPolicy, UNKNOWN } from "../test/harness";
import { ciliumConfigMap, ciliumRelease, goodCiliumConfig, goodCiliumValues, istioSidecar } from "../test/fixtures";

function gatewayApiCilium(): FixtureResource {
    return ciliumRelease({ ...goodCiliumValues(), gatewayAPI: { enabled: true }, l7Proxy: true });
}

/** A Gateway as the Gateway API's own examples write one. */
function gateway(name: string, gatewayClassName: unknown): FixtureResource {
    return {
        type: "kubernetes:gateway.networking.k8s.io/v1:Gateway",
        name,
        props: {
            metadata: { name, namespace: "default" },
            spec: { gatewayClassName, listeners: [{ name: "http", port: 80, protocol: "HTTP" }] },
        },
    };
}

function gatewayClass(name: string, controllerName: string): FixtureResource {
    return {
        type: "kubernetes:gateway.networking.k8s.io/v1:GatewayClass",
        name: `class-${name}`,
        props: { metadata: { name }, spec: { controllerName } },
    };
}

describe("cilium-gateway-api-beside-istio", () => {
    it("is advisory", () => {
        assert.strictEqual(rule.enforcementLevel, "advisory");
    });

    it("says which controller owns which Gateway when both run (cilium/cilium#31978)", async () => {
        const reported = await runStackPolicy(rule, [
            gatewayApiCilium(),
            ...istioSidecar(),
            gateway("cilium-test", "cilium"),
            gateway("istio-test", "istio"),
        ]);
        assert.deepStrictEqual(
            reported.map((r) => r.level),
            ["advisory"],
        );
        for (const part of [
            "runs Cilium's Gateway API (class cilium, io.cilium/gateway-controller)",
            "istio; istio-remote; istio-waypoint",
            "default/cilium-test → cilium (Cilium, io.cilium/gateway-controller)",
            "default/istio-test → istio (Istio, istio.io/gateway-controller)",
            "cilium/cilium#31978",
        ]) {
            assert.ok(reported[0].message.includes(part), `${part} missing from ${reported[0].message}`);
        }
    });

    it("flags a Gateway of a class nobody here owns, and a class that reuses an owned name", async () => {
        const reported = await runStackPolicy(rule, [
            gatewayApiCilium(),
            ...istioSidecar(),
            gateway("eg-test", "eg"),
            gatewayClass("eg", "gateway.envoyproxy.io/gatewayclass-controller"),
            gatewayClass("cilium", "example.com/other"),
        ]);
        const messages = reported.map((r) => r.message);
        assert.ok(
            messages.some((m) => m.includes('Gateway default/eg-test names class "eg", which neither')),
            messages.join("\n"),
        );
        assert.ok(messages.some((m) => m.includes("\nGatewayClass cilium names controller example.com/other")));
        const unknown = await runStackPolicy(rule, [
            gatewayApiCilium(),
            ...istioSidecar(),
            gateway("x", UNKNOWN.string),
        ]);
        assert.ok(unknown.some((r) => r.message.includes("\nCould not check the Gateway's class")));
    });

    it("does not apply without Cilium's Gateway API or without Istio; reads cilium-config", async () => {
        assert.deepStrictEqual(
            await runStackPolicy(rule, [ciliumRelease(), ...istioSidecar(), gateway("g", "istio")]),
            [],
        );
        assert.deepStrictEqual(await runStackPolicy(rule, [gatewayApiCilium(), gateway("g", "cilium")]), []);
        const config = await runStackPolicy(rule, [
            ciliumConfigMap({ ...goodCiliumConfig(), "enable-gateway-api": "true" }),
            ...istioSidecar(),
        ]);
        assert.strictEqual(config.length, 1);
    });
});
