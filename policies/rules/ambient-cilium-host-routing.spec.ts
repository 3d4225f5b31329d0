import * as assert from "assert";
import { ambientCiliumHostRouting as rule } from "./ambient-cilium-host-routing";
import { runStackPolicy, UNKNOWN } from "../test/harness";
import {
    ciliumChart,
    ciliumConfigMap,
    ciliumRelease,
    goodCiliumConfig,
    goodCiliumValues,
    istioAmbient,
    istioSidecar,
} from "../test/fixtures";

/** goodCiliumValues (ENI, kube-proxy replacement "true") with `bpf.hostLegacyRouting` as given and other values merged. */
const values = (legacy?: unknown, extra: Record<string, unknown> = {}) => ({
    ...goodCiliumValues(),
    bpf: legacy === undefined ? {} : { hostLegacyRouting: legacy },
    ...extra,
});

describe("ambient-cilium-host-routing", () => {
    it("is mandatory", () => {
        assert.strictEqual(rule.enforcementLevel, "mandatory");
    });

    it("passes legacy host routing from a Release, a v4 Chart and a cilium-config", async () => {
        assert.deepStrictEqual(await runStackPolicy(rule, [ciliumRelease(values(true)), ...istioAmbient()]), []);
        assert.deepStrictEqual(await runStackPolicy(rule, [ciliumChart(values("true")), ...istioAmbient()]), []);
        assert.deepStrictEqual(
            await runStackPolicy(rule, [ciliumConfigMap(goodCiliumConfig()), ...istioAmbient()]),
            [],
        );
    });

    it("rejects ENI on charts 1.18+, where masquerading is off by default and BPF host routing is active (docs/cilium-datapath.md#host-routing)", async () => {
        for (const version of ["1.18.12", "1.19.6"]) {
            const reported = await runStackPolicy(rule, [ciliumRelease(values(), { version }), ...istioAmbient()]);
            assert.deepStrictEqual(
                reported.map((r) => r.level),
                ["mandatory"],
                version,
            );
            for (const part of [
                "routes in BPF on the host",
                "`enableIPv4Masquerade` (cilium-config `enable-ipv4-masquerade`) is false",
                `default of cilium chart ${version} with eni.enabled`,
                "Fix: set `bpf.hostLegacyRouting: true`",
            ]) {
                assert.ok(reported[0].message.includes(part), `${part} missing from ${reported[0].message}`);
            }
        }
        const { ["enable-host-legacy-routing"]: _omitted, ...without } = goodCiliumConfig();
        assert.strictEqual((await runStackPolicy(rule, [ciliumConfigMap(without), ...istioAmbient()])).length, 1);
        assert.strictEqual((await runStackPolicy(rule, [ciliumChart(values(false)), ...istioAmbient()])).length, 1);
    });

    it("rejects BPF masquerading with kube-proxy replacement on any chart", async () => {
        const reported = await runStackPolicy(rule, [
            ciliumRelease(values(undefined, { bpf: { masquerade: true } }), { version: "1.16.19" }),
            ...istioAmbient(),
        ]);
        assert.strictEqual(reported.length, 1);
        assert.ok(reported[0].message.includes("`bpf.masquerade`"), reported[0].message);
    });

    it("says nothing where Cilium falls back to legacy routing by itself: iptables masquerading (ENI before 1.18, or set), overlay, no kube-proxy replacement, chaining", async () => {
        for (const version of ["1.16.19", "1.17.18"]) {
            assert.deepStrictEqual(
                await runStackPolicy(rule, [ciliumRelease(values(), { version }), ...istioAmbient()]),
                [],
                version,
            );
        }
        assert.deepStrictEqual(
            await runStackPolicy(rule, [
                ciliumRelease(values(undefined, { enableIPv4Masquerade: true })),
                ...istioAmbient(),
            ]),
            [],
        );
        const overlay = { kubeProxyReplacement: "true", routingMode: "tunnel", k8sServiceHost: "x" };
        assert.deepStrictEqual(await runStackPolicy(rule, [ciliumRelease(overlay), ...istioAmbient()]), []);
        assert.deepStrictEqual(
            await runStackPolicy(rule, [
                ciliumRelease(values(false, { kubeProxyReplacement: "false" })),
                ...istioAmbient(),
            ]),
            [],
        );
        assert.deepStrictEqual(
            await runStackPolicy(rule, [
                ciliumConfigMap({
                    ...goodCiliumConfig(),
                    "enable-host-legacy-routing": "false",
                    "enable-ipv4-masquerade": "true",
                }),
                ...istioAmbient(),
            ]),
            [],
        );
        const chained = {
            cni: { chainingMode: "aws-cni", exclusive: false },
            routingMode: "native",
            socketLB: { hostNamespaceOnly: true },
        };
        assert.deepStrictEqual(await runStackPolicy(rule, [ciliumRelease(chained), ...istioAmbient()]), []);
        assert.deepStrictEqual(
            await runStackPolicy(rule, [ciliumConfigMap({ "cni-chaining-mode": "aws-cni" }), ...istioAmbient()]),
            [],
        );
    });

    it("does not apply in sidecar mode; reports unknown values as could-not-check", async () => {
        assert.deepStrictEqual(
            await runStackPolicy(rule, [ciliumRelease(values(false), { version: "1.19.6" }), ...istioSidecar()]),
            [],
        );
        const reported = await runStackPolicy(rule, [ciliumRelease(values(UNKNOWN.boolean)), ...istioAmbient()]);
        assert.ok(
            reported.length === 1 && reported[0].message.includes("\nCould not check whether Cilium routes in BPF"),
            reported[0]?.message,
        );
        assert.strictEqual(reported[0].level, "advisory");
    });
});
