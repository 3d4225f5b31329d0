import * as assert from "assert";
import { ambientCiliumBpfMasquerade as rule } from "./ambient-cilium-bpf-masquerade";
import { mandatory, runStackPolicy, UNKNOWN } from "../test/harness";
import {
    ciliumChart,
    ciliumConfigMap,
    ciliumRelease,
    goodCiliumConfig,
    goodCiliumValues,
    istioAmbient,
    istioSidecar,
    namespace,
} from "../test/fixtures";

const masquerade = (value: unknown) => ({ ...goodCiliumValues(), bpf: { hostLegacyRouting: true, masquerade: value } });

describe("ambient-cilium-bpf-masquerade", () => {
    it("passes BPF masquerading off or left at its default, from every source", async () => {
        assert.deepStrictEqual(await runStackPolicy(rule, [ciliumRelease(masquerade(false)), ...istioAmbient()]), []);
        assert.deepStrictEqual(await runStackPolicy(rule, [ciliumChart(), ...istioAmbient()]), []);
        assert.deepStrictEqual(
            await runStackPolicy(rule, [ciliumConfigMap(goodCiliumConfig()), ...istioAmbient()]),
            [],
        );
        for (const version of ["1.15.19", "1.16.19", "1.17.18", "1.18.12", "1.19.6"]) {
            assert.deepStrictEqual(
                await runStackPolicy(rule, [ciliumRelease(goodCiliumValues(), { version }), ...istioAmbient()]),
                [],
                version,
            );
        }
    });

    it("rejects bpf.masquerade true in a Release, a v4 Chart and a cilium-config", async () => {
        const release = await runStackPolicy(rule, [ciliumRelease(masquerade(true)), ...istioAmbient()]);
        assert.strictEqual(mandatory(release).length, 1);
        for (const part of [
            "bpf.masquerade",
            "enable-bpf-masquerade",
            "Istio ambient",
            "169.254.7.127",
            "Fix: set `bpf.masquerade: false`",
        ]) {
            assert.ok(release[0].message.includes(part), `${part} missing from ${release[0].message}`);
        }
        assert.strictEqual(
            mandatory(await runStackPolicy(rule, [ciliumChart(masquerade("true")), ...istioAmbient()])).length,
            1,
        );
        const config = ciliumConfigMap({ ...goodCiliumConfig(), "enable-bpf-masquerade": "true" });
        assert.strictEqual(mandatory(await runStackPolicy(rule, [config, ...istioAmbient()])).length, 1);
    });

    it("applies when only a namespace is ambient, and not in sidecar mode", async () => {
        const reported = await runStackPolicy(rule, [
            ciliumRelease(masquerade(true)),
            namespace("apps", { "istio.io/dataplane-mode": "ambient" }),
        ]);
        assert.strictEqual(mandatory(reported).length, 1);
        assert.deepStrictEqual(await runStackPolicy(rule, [ciliumRelease(masquerade(true)), ...istioSidecar()]), []);
    });

    it("reports unknown or unreadable values as advisories, without throwing", async () => {
        for (const values of [masquerade(UNKNOWN.boolean), { ...goodCiliumValues(), bpf: UNKNOWN.object }, [1, 2]]) {
            const reported = await runStackPolicy(rule, [ciliumRelease(values), ...istioAmbient()]);
            assert.deepStrictEqual(
                reported.map((r) => r.level),
                ["advisory"],
                JSON.stringify(values),
            );
        }
        const config = ciliumConfigMap({ ...goodCiliumConfig(), "enable-bpf-masquerade": UNKNOWN.string });
        assert.deepStrictEqual(
            (await runStackPolicy(rule, [config, ...istioAmbient()])).map((r) => r.level),
            ["advisory"],
        );
    });
});
