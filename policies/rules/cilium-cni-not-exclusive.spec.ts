import * as assert from "assert";
import { ciliumCniNotExclusive as rule } from "./cilium-cni-not-exclusive";
import { advisories, mandatory, runStackPolicy, UNKNOWN } from "../test/harness";
import {
    ciliumChart,
    ciliumConfigMap,
    ciliumRelease,
    goodCiliumConfig,
    goodCiliumValues,
    istioRelease,
    istioSidecar,
    namespace,
} from "../test/fixtures";

const exclusive = (value: unknown) => ({ ...goodCiliumValues(), cni: { exclusive: value } });
const unsetExclusive = () => ({ ...goodCiliumValues(), cni: {} });

describe("cilium-cni-not-exclusive", () => {
    it("passes cni.exclusive false in a Release, a v4 Chart and a rendered cilium-config", async () => {
        assert.deepStrictEqual(await runStackPolicy(rule, [ciliumRelease(), ...istioSidecar()]), []);
        assert.deepStrictEqual(await runStackPolicy(rule, [ciliumChart(), ...istioSidecar()]), []);
        assert.deepStrictEqual(
            await runStackPolicy(rule, [ciliumConfigMap(goodCiliumConfig()), ...istioSidecar()]),
            [],
        );
    });

    it("rejects cni.exclusive true in a Release, naming the value path, the key and the fix", async () => {
        const reported = await runStackPolicy(rule, [ciliumRelease(exclusive(true)), ...istioSidecar()]);
        assert.strictEqual(mandatory(reported).length, 1);
        for (const part of [
            'Release "cilium"',
            "cni.exclusive",
            "cni-exclusive",
            "istio-cni runs",
            "Fix: set `cni.exclusive: false`",
        ]) {
            assert.ok(reported[0].message.includes(part), `${part} missing from ${reported[0].message}`);
        }
    });

    it("rejects it in v4 Chart inputs and in a rendered cilium-config", async () => {
        assert.strictEqual(
            mandatory(await runStackPolicy(rule, [ciliumChart(exclusive("true")), ...istioSidecar()])).length,
            1,
        );
        const rendered = ciliumConfigMap({ ...goodCiliumConfig(), "cni-exclusive": "true" }, "cilium");
        const reported = await runStackPolicy(rule, [ciliumChart(), rendered, ...istioSidecar()]);
        assert.strictEqual(mandatory(reported).length, 1);
        assert.ok(reported[0].message.includes('cilium-config has "true"'));
    });

    for (const version of ["1.15.19", "1.16.19", "1.17.18", "1.18.12", "1.19.6"]) {
        it(`rejects chart ${version} with cni.exclusive left unset (default true)`, async () => {
            const reported = await runStackPolicy(rule, [
                ciliumRelease(unsetExclusive(), { version }),
                ...istioSidecar(),
            ]);
            assert.strictEqual(mandatory(reported).length, 1);
            assert.ok(
                reported[0].message.includes(`is true (left unset; default of cilium chart ${version})`),
                reported[0].message,
            );
        });
    }

    it("passes when Cilium does not install its CNI config, and when cilium-config has no cni-exclusive", async () => {
        const noInstall = { ...goodCiliumValues(), cni: { install: false } };
        assert.deepStrictEqual(await runStackPolicy(rule, [ciliumRelease(noInstall), ...istioSidecar()]), []);
        const { ["cni-exclusive"]: _omitted, ...without } = goodCiliumConfig();
        assert.deepStrictEqual(await runStackPolicy(rule, [ciliumConfigMap(without), ...istioSidecar()]), []);
    });

    it("applies in ambient mode without a cni chart, and not to a stack without istio-cni", async () => {
        const ambientOnly = [
            ciliumRelease(unsetExclusive()),
            namespace("apps", { "istio.io/dataplane-mode": "ambient" }),
        ];
        const reported = await runStackPolicy(rule, ambientOnly);
        assert.strictEqual(mandatory(reported).length, 1);
        assert.ok(reported[0].message.includes("ambient mode, which requires istio-cni"));
        const sidecarWithoutCni = [ciliumRelease(unsetExclusive()), istioRelease("base"), istioRelease("istiod")];
        assert.deepStrictEqual(await runStackPolicy(rule, sidecarWithoutCni), []);
    });

    it("reports unknown and unreadable values as advisories, without throwing", async () => {
        for (const values of [exclusive(UNKNOWN.boolean), { ...goodCiliumValues(), cni: UNKNOWN.object }, 42]) {
            const reported = await runStackPolicy(rule, [ciliumRelease(values), ...istioSidecar()]);
            assert.deepStrictEqual(
                reported.map((r) => r.level),
                ["advisory"],
                JSON.stringify(values),
            );
            assert.ok(advisories(reported)[0].message.includes("\nCould not check `cni.exclusive`"));
        }
        const files = await runStackPolicy(rule, [
            ciliumRelease(unsetExclusive(), { valueYamlFiles: [{ path: "v.yaml" }] }),
            ...istioSidecar(),
        ]);
        assert.deepStrictEqual(
            files.map((r) => r.level),
            ["advisory"],
        );
        const unknownVersion = await runStackPolicy(rule, [
            ciliumRelease(unsetExclusive(), { version: UNKNOWN.string }),
            ...istioSidecar(),
        ]);
        assert.deepStrictEqual(
            unknownVersion.map((r) => r.level),
            ["mandatory"],
            "every carried chart defaults to true, so the version does not matter",
        );
    });
});
