import * as assert from "assert";
import { ambientHboneBypassesPortRules as rule } from "./ambient-hbone-bypasses-port-rules";
import { runStackPolicy } from "../test/harness";
import {
    ambientBlueHttpbin,
    ciliumRelease,
    cnp,
    deployment,
    istioAmbient,
    istioSidecar,
    l4Spec,
    l7Spec,
    namespace,
    networkPolicy,
} from "../test/fixtures";

describe("ambient-hbone-bypasses-port-rules", () => {
    it("is advisory", () => {
        assert.strictEqual(rule.enforcementLevel, "advisory");
    });

    it("warns that the ambient demo's policy, admitting 15008 beside port 80, admits every port (istio/istio#56659)", async () => {
        const reported = await runStackPolicy(rule, [
            ...ambientBlueHttpbin(),
            cnp("blue", "default", l4Spec(["80", "15008"])),
        ]);
        assert.deepStrictEqual(
            reported.map((r) => r.level),
            ["advisory"],
        );
        for (const part of [
            "CiliumNetworkPolicy blue/default (spec) admits 15008/TCP",
            "Deployment blue/httpbin",
            "reaches every port of these pods through ztunnel",
            "AuthorizationPolicy",
        ]) {
            assert.ok(reported[0].message.includes(part), `${part} missing from ${reported[0].message}`);
        }
    });

    it("names the HTTP rules it voids, and reads Kubernetes NetworkPolicies too", async () => {
        const l7 = l7Spec();
        l7.ingress[0].toPorts.push({ ports: [{ port: "15008", protocol: "TCP" }] });
        const reported = await runStackPolicy(rule, [...ambientBlueHttpbin(), cnp("blue", "default", l7)]);
        assert.ok(reported[0].message.includes("port limits and its HTTP rules"), reported[0].message);
        const np = networkPolicy("blue", "web", {
            podSelector: { matchLabels: { app: "httpbin" } },
            ingress: [{ ports: [{ port: 8080 }, { port: 15008 }] }],
        });
        assert.strictEqual((await runStackPolicy(rule, [...ambientBlueHttpbin(), np])).length, 1);
    });

    it("says nothing without 15008, for pods out of ambient, or outside ambient mode", async () => {
        assert.deepStrictEqual(
            await runStackPolicy(rule, [...ambientBlueHttpbin(), cnp("blue", "default", l4Spec(["80"]))]),
            [],
        );
        assert.deepStrictEqual(
            await runStackPolicy(rule, [
                ciliumRelease(),
                ...istioAmbient(),
                namespace("blue"),
                deployment("blue", "httpbin"),
                cnp("blue", "default", l4Spec(["80", "15008"])),
            ]),
            [],
        );
        assert.deepStrictEqual(
            await runStackPolicy(rule, [
                ciliumRelease(),
                ...istioSidecar(),
                namespace("blue", { "istio-injection": "enabled" }),
                deployment("blue", "httpbin"),
                cnp("blue", "default", l4Spec(["80", "15008"])),
            ]),
            [],
        );
    });
});
