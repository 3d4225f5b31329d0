import * as assert from "assert";
import { istioChartsSameVersion as rule } from "./istio-charts-same-version";
import { FixtureResource, mandatory, runStackPolicy, UNKNOWN } from "../test/harness";
import { istioAmbient, istioRelease, istioSidecar } from "../test/fixtures";

function chartV4(release: FixtureResource): FixtureResource {
    return { ...release, type: "kubernetes:helm.sh/v4:Chart" };
}

describe("istio-charts-same-version", () => {
    it("passes charts at one version, as Releases and as v4 Charts", async () => {
        assert.deepStrictEqual(await runStackPolicy(rule, istioAmbient()), []);
        assert.deepStrictEqual(await runStackPolicy(rule, istioSidecar().map(chartV4)), []);
        assert.deepStrictEqual(
            await runStackPolicy(rule, [istioRelease("base", {}, { version: "v1.30.3" }), istioRelease("istiod")]),
            [],
            "v1.30.3 and 1.30.3 are one version",
        );
    });

    it("rejects the chart at another version, naming charts and versions", async () => {
        const stack = [istioRelease("base"), istioRelease("istiod"), istioRelease("cni", {}, { version: "1.29.6" })];
        const reported = await runStackPolicy(rule, stack);
        assert.strictEqual(mandatory(reported).length, 1);
        assert.ok(reported[0].urn?.endsWith("::istio-cni"));
        for (const part of ["cni is at version 1.29.6", "at 1.30.3", 'base (Release "istio-base")', "Fix:"]) {
            assert.ok(reported[0].message.includes(part), `${part} missing from ${reported[0].message}`);
        }
        const mixedKinds = [
            chartV4(istioRelease("base")),
            chartV4(istioRelease("istiod", {}, { version: "1.29.6" })),
            istioRelease("cni"),
        ];
        assert.strictEqual(mandatory(await runStackPolicy(rule, mixedKinds)).length, 1);
    });

    it("ignores charts that are not Istio's (a generic chart named base from another repository)", async () => {
        const other = istioRelease(
            "base",
            {},
            { version: "9.9.9", repo: "https://charts.example.com", name: "other-base" },
        );
        assert.deepStrictEqual(await runStackPolicy(rule, [...istioSidecar(), other]), []);
    });

    it("reports unknown or missing versions beside pinned ones as advisories", async () => {
        const unknown = await runStackPolicy(rule, [
            istioRelease("base"),
            istioRelease("istiod", {}, { version: UNKNOWN.string }),
        ]);
        assert.deepStrictEqual(
            unknown.map((r) => r.level),
            ["advisory"],
        );
        const unpinnedIstiod = istioRelease("istiod");
        delete unpinnedIstiod.props.version;
        const missing = await runStackPolicy(rule, [istioRelease("base"), unpinnedIstiod]);
        assert.deepStrictEqual(
            missing.map((r) => r.level),
            ["advisory"],
        );
        assert.ok(missing[0].message.includes("Helm installs the newest chart"));
    });
});
