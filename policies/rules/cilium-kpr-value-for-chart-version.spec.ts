import * as assert from "assert";
import { ciliumKprValueForChartVersion as rule } from "./cilium-kpr-value-for-chart-version";
import { mandatory, runResourcePolicy, UNKNOWN } from "../test/harness";
import { ciliumChart, ciliumConfigMap, ciliumRelease, goodCiliumValues, istioRelease } from "../test/fixtures";

const kpr = (value: unknown) => ({ ...goodCiliumValues(), kubeProxyReplacement: value });

describe("cilium-kpr-value-for-chart-version", () => {
    it("is a resource rule", () => {
        assert.ok(rule.validateResource);
    });

    it("passes true/false (strings or YAML booleans) on every carried chart", async () => {
        for (const version of ["1.15.19", "1.16.19", "1.17.18", "1.18.12", "1.19.6"]) {
            for (const value of ["true", "false", true, false]) {
                assert.deepStrictEqual(
                    await runResourcePolicy(rule, ciliumRelease(kpr(value), { version })),
                    [],
                    `${version} ${value}`,
                );
            }
        }
    });

    it("accepts 1.15's deprecated values on 1.15 (strict with an advisory) and rejects them from 1.16, naming the version and the allowed values", async () => {
        for (const value of ["strict", "partial", "disabled"]) {
            assert.deepStrictEqual(
                mandatory(await runResourcePolicy(rule, ciliumRelease(kpr(value), { version: "1.15.19" }))),
                [],
                value,
            );
            for (const version of ["1.16.19", "1.17.18", "1.18.12", "1.19.6"]) {
                const reported = await runResourcePolicy(rule, ciliumRelease(kpr(value), { version }));
                assert.strictEqual(mandatory(reported).length, 1, `${version} ${value}`);
                for (const part of [
                    `"${value}"`,
                    `cilium chart ${version} rejects`,
                    '"true", "false"',
                    "kube-proxy-replacement",
                    "Fix:",
                ]) {
                    assert.ok(reported[0].message.includes(part), `${part} missing from ${reported[0].message}`);
                }
            }
        }
    });

    it("maps an uncarried patch to its minor, and judges an unpinned chart by whether carried versions agree", async () => {
        assert.deepStrictEqual(await runResourcePolicy(rule, ciliumRelease(kpr("partial"), { version: "1.15.3" })), []);
        assert.strictEqual(
            mandatory(await runResourcePolicy(rule, ciliumRelease(kpr("strict"), { version: "1.16.2" }))).length,
            1,
        );
        const unpinned = ciliumRelease(kpr("strict"));
        delete unpinned.props.version;
        assert.deepStrictEqual(
            (await runResourcePolicy(rule, unpinned)).map((r) => r.level),
            ["advisory"],
        );
        assert.strictEqual(
            mandatory(await runResourcePolicy(rule, ciliumRelease(kpr("yes"), { version: "1.30.0" }))).length,
            1,
            "no carried chart accepts it",
        );
    });

    it('advises "true" over 1.15\'s deprecated "strict", which parts of Cilium do not treat as "true" (docs/cilium-datapath.md#kpr-strict-1-15)', async () => {
        for (const version of ["1.15.3", "1.15.19"]) {
            const reported = await runResourcePolicy(rule, ciliumRelease(kpr("strict"), { version }));
            assert.deepStrictEqual(
                reported.map((r) => r.level),
                ["advisory"],
                version,
            );
            assert.ok(
                reported[0].message.includes("cilium/cilium#32711") && reported[0].message.includes('Fix: use "true"'),
            );
        }
        assert.deepStrictEqual(await runResourcePolicy(rule, ciliumRelease(kpr("true"), { version: "1.15.19" })), []);
    });

    it("checks v4 Chart inputs the same way", async () => {
        assert.deepStrictEqual(await runResourcePolicy(rule, ciliumChart(kpr("true"))), []);
        assert.strictEqual(mandatory(await runResourcePolicy(rule, ciliumChart(kpr("strict")))).length, 1);
    });

    it("passes the value left unset (each chart's default is valid for it)", async () => {
        for (const version of ["1.15.19", "1.19.6"]) {
            assert.deepStrictEqual(
                await runResourcePolicy(rule, ciliumRelease({ cni: { exclusive: false } }, { version })),
                [],
            );
        }
    });

    it("judges a hand-written cilium-config: true passes, an old-only value is advisory, garbage is rejected", async () => {
        assert.deepStrictEqual(
            await runResourcePolicy(rule, ciliumConfigMap({ "kube-proxy-replacement": "true" })),
            [],
        );
        assert.deepStrictEqual(
            (await runResourcePolicy(rule, ciliumConfigMap({ "kube-proxy-replacement": "strict" }))).map(
                (r) => r.level,
            ),
            ["advisory"],
        );
        assert.strictEqual(
            mandatory(await runResourcePolicy(rule, ciliumConfigMap({ "kube-proxy-replacement": "on" }))).length,
            1,
        );
        assert.deepStrictEqual(
            await runResourcePolicy(rule, ciliumConfigMap({ "kube-proxy-replacement": "strict" }, "cilium")),
            [],
            "a rendered cilium-config is judged through its chart",
        );
    });

    it("ignores other resources and reports unknowns as advisories, without throwing", async () => {
        assert.deepStrictEqual(
            await runResourcePolicy(rule, istioRelease("istiod", { kubeProxyReplacement: "strict" })),
            [],
        );
        for (const resource of [
            ciliumRelease(kpr(UNKNOWN.string)),
            ciliumRelease(UNKNOWN.object),
            ciliumConfigMap(UNKNOWN.object),
            ciliumRelease({}, { valueYamlFiles: [{ path: "values.yaml" }] }),
        ]) {
            assert.deepStrictEqual(
                (await runResourcePolicy(rule, resource)).map((r) => r.level),
                ["advisory"],
                JSON.stringify(resource.props),
            );
        }
    });
});
