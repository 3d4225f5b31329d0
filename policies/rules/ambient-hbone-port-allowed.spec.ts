import * as assert from "assert";
import { ambientHbonePortAllowed as rule } from "./ambient-hbone-port-allowed";
import { advisories, mandatory, runStackPolicy, UNKNOWN } from "../test/harness";
import {
    ambientBlueHttpbin,
    ccnp,
    ciliumRelease,
    cnp,
    cnpSpecs,
    deployment,
    istioAmbient,
    istioSidecar,
    l4Spec,
    namespace,
    networkPolicy,
} from "../test/fixtures";

const npPorts = (ports: unknown[]) =>
    networkPolicy("blue", "web", { podSelector: { matchLabels: { app: "httpbin" } }, ingress: [{ ports }] });

describe("ambient-hbone-port-allowed", () => {
    it("rejects the demo's L4 policy on port 80 alone in ambient mode, naming ports, pods and fix", async () => {
        const reported = await runStackPolicy(rule, [...ambientBlueHttpbin(), cnp("blue", "default", l4Spec(["80"]))]);
        assert.strictEqual(mandatory(reported).length, 1);
        for (const part of [
            "CiliumNetworkPolicy blue/default (spec)",
            "only on 80/TCP",
            "15008/TCP",
            "Deployment blue/httpbin",
            "Fix: add port 15008/TCP",
        ]) {
            assert.ok(reported[0].message.includes(part), `${part} missing from ${reported[0].message}`);
        }
    });

    it("passes the ambient demo's policy with 15008 (Cilium, specs form, NetworkPolicy, port ranges)", async () => {
        assert.deepStrictEqual(
            await runStackPolicy(rule, [...ambientBlueHttpbin(), cnp("blue", "default", l4Spec(["80", "15008"]))]),
            [],
        );
        assert.deepStrictEqual(
            await runStackPolicy(rule, [
                ...ambientBlueHttpbin(),
                cnpSpecs("blue", "default", [l4Spec(["80", "15008"])]),
            ]),
            [],
        );
        assert.deepStrictEqual(
            await runStackPolicy(rule, [...ambientBlueHttpbin(), npPorts([{ port: 80 }, { port: 15008 }])]),
            [],
        );
        assert.deepStrictEqual(
            await runStackPolicy(rule, [...ambientBlueHttpbin(), npPorts([{ port: 15000, endPort: 15010 }])]),
            [],
        );
    });

    it("rejects a NetworkPolicy and a clusterwide policy limited to other ports", async () => {
        assert.strictEqual(
            mandatory(await runStackPolicy(rule, [...ambientBlueHttpbin(), npPorts([{ port: 80, protocol: "TCP" }])]))
                .length,
            1,
        );
        assert.strictEqual(
            mandatory(
                await runStackPolicy(rule, [...ambientBlueHttpbin(), npPorts([{ port: 15008, protocol: "UDP" }])]),
            ).length,
            1,
            "HBONE is TCP",
        );
        const clusterwide = ccnp("web", { ...l4Spec(["443"]), endpointSelector: { matchLabels: { app: "httpbin" } } });
        assert.strictEqual(mandatory(await runStackPolicy(rule, [...ambientBlueHttpbin(), clusterwide])).length, 1);
    });

    it("passes policies that leave some port list open, deny-all policies, and sidecar or non-mesh pods", async () => {
        const anyPort = cnp("blue", "default", {
            endpointSelector: {},
            ingress: [{ fromEndpoints: [{}] }, { toPorts: [{ ports: [{ port: "80" }] }] }],
        });
        assert.deepStrictEqual(await runStackPolicy(rule, [...ambientBlueHttpbin(), anyPort]), []);
        assert.deepStrictEqual(
            await runStackPolicy(rule, [
                ...ambientBlueHttpbin(),
                cnp("blue", "deny", { endpointSelector: {}, ingress: [{}] }),
            ]),
            [],
        );
        const sidecar = [
            ciliumRelease(),
            ...istioSidecar(),
            namespace("blue", { "istio-injection": "enabled" }),
            deployment("blue", "httpbin"),
            cnp("blue", "default", l4Spec(["80"])),
        ];
        assert.deepStrictEqual(await runStackPolicy(rule, sidecar), []);
        const green = [
            ...ambientBlueHttpbin(),
            namespace("green"),
            deployment("green", "httpbin"),
            cnp("green", "default", l4Spec(["80"])),
        ];
        assert.deepStrictEqual(await runStackPolicy(rule, green), []);
    });

    it("finds ambient mode from helm.v4.Chart inputs as well", async () => {
        const asCharts = ambientBlueHttpbin().map((r) =>
            r.props.chart && r.props.chart !== "cilium" ? { ...r, type: "kubernetes:helm.sh/v4:Chart" } : r,
        );
        const withoutLabel = asCharts.filter((r) => r.name !== "blue").concat(namespace("blue"));
        assert.strictEqual(
            mandatory(
                await runStackPolicy(rule, [
                    ...withoutLabel,
                    deployment("blue", "web", { labels: { app: "httpbin", "istio.io/dataplane-mode": "ambient" } }),
                    cnp("blue", "default", l4Spec(["80"])),
                ]),
            ).length,
            1,
        );
        assert.deepStrictEqual(
            await runStackPolicy(rule, [...asCharts, cnp("blue", "default", l4Spec(["80", "15008"]))]),
            [],
        );
    });

    it("judges pods of an ambient namespace the stack does not deploy itself", async () => {
        const reported = await runStackPolicy(rule, [
            ciliumRelease(),
            ...istioAmbient(),
            namespace("tenant", { "istio.io/dataplane-mode": "ambient" }),
            networkPolicy("tenant", "web", { podSelector: {}, ingress: [{ ports: [{ port: 8080 }] }] }),
        ]);
        assert.ok(mandatory(reported)[0].message.includes("any pod of namespace tenant"));
    });

    it("reports unknown ports, selectors and labels as advisories, without throwing", async () => {
        const unknownPort = cnp("blue", "default", {
            ...l4Spec(["80"]),
            ingress: [{ toPorts: [{ ports: [{ port: UNKNOWN.string }] }] }],
        });
        const reported = await runStackPolicy(rule, [...ambientBlueHttpbin(), unknownPort]);
        assert.strictEqual(mandatory(reported).length, 0);
        assert.strictEqual(advisories(reported).length, 1);
        const unknownSelector = cnp("blue", "default", {
            ...l4Spec(["80"]),
            endpointSelector: { matchLabels: { app: UNKNOWN.string } },
        });
        assert.deepStrictEqual(
            (await runStackPolicy(rule, [...ambientBlueHttpbin(), unknownSelector])).map((r) => r.level),
            ["advisory"],
        );
        const elsewhere = cnp("blue", "default", {
            ...l4Spec(["80"]),
            endpointSelector: { matchLabels: { app: "payments" } },
        });
        assert.deepStrictEqual(
            (await runStackPolicy(rule, [...ambientBlueHttpbin(), elsewhere])).map((r) => r.level),
            ["advisory"],
        );
        assert.deepStrictEqual(
            (await runStackPolicy(rule, [...ambientBlueHttpbin(), cnp("blue", "odd", UNKNOWN.object)])).map(
                (r) => r.level,
            ),
            ["advisory"],
        );
        const unplacedPod = deployment("blue", "web");
        unplacedPod.props.metadata.namespace = UNKNOWN.string;
        const unplaced = await runStackPolicy(rule, [
            ...ambientBlueHttpbin(),
            cnp("blue", "default", l4Spec(["80", "15008"])),
            networkPolicy("blue", "web", {
                podSelector: { matchLabels: { app: "web" } },
                ingress: [{ ports: [{ port: 8080 }] }],
            }),
            unplacedPod,
        ]);
        assert.deepStrictEqual(
            unplaced.map((r) => r.level),
            ["advisory", "advisory"],
            unplaced.map((r) => r.message).join("\n"),
        );
    });
});
