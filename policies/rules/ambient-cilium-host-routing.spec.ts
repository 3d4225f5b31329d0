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

const legacy = (value?: unknown) => ({
    ...goodCiliumValues(),
    bpf: value === undefined ? {} : { hostLegacyRouting: value },
});

describe("ambient-cilium-host-routing", () => {
    it("is advisory", () => {
        assert.strictEqual(rule.enforcementLevel, "advisory");
    });

    it("passes legacy host routing from a Release, a v4 Chart and a cilium-config", async () => {
        assert.deepStrictEqual(await runStackPolicy(rule, [ciliumRelease(legacy(true)), ...istioAmbient()]), []);
        assert.deepStrictEqual(await runStackPolicy(rule, [ciliumChart(legacy("true")), ...istioAmbient()]), []);
        assert.deepStrictEqual(
            await runStackPolicy(rule, [ciliumConfigMap(goodCiliumConfig()), ...istioAmbient()]),
            [],
        );
    });

    it("flags BPF host routing, set or by default, from every source", async () => {
        const set = await runStackPolicy(rule, [ciliumRelease(legacy(false)), ...istioAmbient()]);
        assert.deepStrictEqual(
            set.map((r) => r.level),
            ["advisory"],
        );
        for (const part of [
            "bpf.hostLegacyRouting",
            "enable-host-legacy-routing",
            "Fix: set `bpf.hostLegacyRouting: true`",
        ]) {
            assert.ok(set[0].message.includes(part), `${part} missing from ${set[0].message}`);
        }
        for (const version of ["1.15.19", "1.19.6"]) {
            const unset = await runStackPolicy(rule, [ciliumRelease(legacy(), { version }), ...istioAmbient()]);
            assert.ok(unset[0].message.includes(`left unset; default of cilium chart ${version}`), unset[0].message);
        }
        assert.strictEqual((await runStackPolicy(rule, [ciliumChart(legacy()), ...istioAmbient()])).length, 1);
        const { ["enable-host-legacy-routing"]: _omitted, ...without } = goodCiliumConfig();
        assert.strictEqual((await runStackPolicy(rule, [ciliumConfigMap(without), ...istioAmbient()])).length, 1);
    });

    it("passes chaining mode, which turns legacy routing on by default (docs/cilium-istio-facts.md#cilium-values-to-config)", async () => {
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
        assert.deepStrictEqual(await runStackPolicy(rule, [ciliumRelease(legacy(false)), ...istioSidecar()]), []);
        const reported = await runStackPolicy(rule, [ciliumRelease(legacy(UNKNOWN.boolean)), ...istioAmbient()]);
        assert.ok(
            reported.length === 1 && reported[0].message.includes("\nCould not check `bpf.hostLegacyRouting`"),
            reported[0]?.message,
        );
    });
});
