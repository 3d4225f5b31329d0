import * as assert from "assert";
import { istioNamespaceEnrolmentConflict as rule } from "./istio-namespace-enrolment-conflict";
import { FixtureResource, mandatory, runStackPolicy, UNKNOWN } from "../test/harness";
import { ciliumRelease, istioAmbient, istioRelease, istioSidecar, namespace } from "../test/fixtures";

function namespacePatch(name: string, labels: Record<string, string>): FixtureResource {
    return { type: "kubernetes:core/v1:NamespacePatch", name: `${name}-labels`, props: { metadata: { name, labels } } };
}

describe("istio-namespace-enrolment-conflict", () => {
    it("passes namespaces enrolled through one label", async () => {
        const stack = [
            ...istioSidecar(),
            namespace("red", { "istio-injection": "enabled" }),
            namespace("rev", { "istio.io/rev": "1-30" }),
            namespace("amb", { "istio.io/dataplane-mode": "ambient" }),
            namespace("green"),
        ];
        assert.deepStrictEqual(await runStackPolicy(rule, stack), []);
    });

    it("rejects a namespace labelled for sidecar injection and ambient at once, naming labels and fix", async () => {
        for (const sidecar of [{ "istio-injection": "enabled" }, { "istio.io/rev": "1-30" }] as Record<
            string,
            string
        >[]) {
            const reported = await runStackPolicy(rule, [
                ...istioAmbient(),
                namespace("blue", { ...sidecar, "istio.io/dataplane-mode": "ambient" }),
            ]);
            assert.strictEqual(mandatory(reported).length, 1, JSON.stringify(sidecar));
            for (const part of ["Namespace blue", "istio.io/dataplane-mode=ambient", "IST0123", "Fix:"]) {
                assert.ok(reported[0].message.includes(part), `${part} missing from ${reported[0].message}`);
            }
        }
    });

    it("rejects istio-injection together with istio.io/rev, also when a NamespacePatch adds one of them", async () => {
        const both = await runStackPolicy(rule, [
            ...istioSidecar(),
            namespace("blue", { "istio-injection": "enabled", "istio.io/rev": "canary" }),
        ]);
        assert.ok(mandatory(both)[0].message.includes("istio-injection takes precedence"));
        const patched = await runStackPolicy(rule, [
            ...istioSidecar(),
            namespace("blue", { "istio-injection": "enabled" }),
            namespacePatch("blue", { "istio.io/rev": "canary" }),
        ]);
        assert.strictEqual(mandatory(patched).length, 1);
    });

    it("rejects an enrolled namespace that the cni chart's excludeNamespaces lists, set or by the 1.30.3 default", async () => {
        const set = [
            istioRelease("base"),
            istioRelease("istiod"),
            istioRelease("cni", { excludeNamespaces: ["kube-system", "legacy"] }),
            namespace("legacy", { "istio-injection": "enabled" }),
        ];
        const reported = await runStackPolicy(rule, set);
        assert.strictEqual(mandatory(reported).length, 1);
        assert.ok(
            reported[0].message.includes('excludeNamespaces of Release "istio-cni", set in values.excludeNamespaces'),
            reported[0].message,
        );
        const legacySpelling = [
            istioRelease("cni", { cni: { excludeNamespaces: ["legacy"] } }),
            namespace("legacy", { "istio-injection": "enabled" }),
        ];
        assert.strictEqual(
            mandatory(await runStackPolicy(rule, legacySpelling)).length,
            1,
            "cni.excludeNamespaces still works (docs/cilium-istio-facts.md#istio-values-layout)",
        );
        const byDefault = await runStackPolicy(rule, [
            ...istioSidecar(),
            namespace("kube-system", { "istio-injection": "enabled" }),
        ]);
        assert.ok(
            mandatory(byDefault)[0].message.includes("left unset; default of istio cni chart 1.30.3"),
            byDefault[0]?.message,
        );
        assert.deepStrictEqual(
            await runStackPolicy(rule, [...istioSidecar(), namespace("legacy", { "istio-injection": "enabled" })]),
            [],
        );
    });

    it("reads the cni chart from v4 Chart inputs too", async () => {
        const asChart = {
            ...istioRelease("cni", { excludeNamespaces: ["legacy"] }),
            type: "kubernetes:helm.sh/v4:Chart",
        };
        assert.strictEqual(
            mandatory(
                await runStackPolicy(rule, [asChart, namespace("legacy", { "istio.io/dataplane-mode": "ambient" })]),
            ).length,
            1,
        );
    });

    it("reports unknown labels or an unknown exclusion list as advisories, without throwing", async () => {
        const unknownLabels = {
            ...namespace("blue"),
            props: { metadata: { name: "blue", labels: { "istio-injection": UNKNOWN.string } } },
        };
        assert.deepStrictEqual(
            (await runStackPolicy(rule, [...istioSidecar(), unknownLabels])).map((r) => r.level),
            ["advisory"],
        );
        assert.deepStrictEqual(
            await runStackPolicy(rule, [ciliumRelease(), unknownLabels]),
            [],
            "no Istio, nothing to check",
        );
        const unknownExclusions = [
            istioRelease("cni", { excludeNamespaces: UNKNOWN.array }),
            namespace("blue", { "istio-injection": "enabled" }),
        ];
        assert.deepStrictEqual(
            (await runStackPolicy(rule, unknownExclusions)).map((r) => r.level),
            ["advisory"],
        );
        const oldChart = [
            istioRelease("cni", {}, { version: "1.22.8" }),
            namespace("blue", { "istio-injection": "enabled" }),
        ];
        assert.deepStrictEqual(
            (await runStackPolicy(rule, oldChart)).map((r) => r.level),
            ["advisory"],
            "the default of an uncarried Istio minor is not known",
        );
    });
});
