import * as assert from "assert";
import { ciliumEnableDefaultDenySupported as rule } from "./cilium-enable-default-deny-supported";
import { advisories, mandatory, runStackPolicy } from "../test/harness";
import {
    ciliumConfigMap,
    ciliumRelease,
    cnp,
    goodCiliumConfig,
    goodCiliumValues,
    l4Spec,
    probeAllowPolicy,
} from "../test/fixtures";

// Istio's allow-ambient-hostprobes as IstioRelease installs it (components/istio-values.ts), any stack.
describe("cilium-enable-default-deny-supported", () => {
    it("is mandatory", () => {
        assert.strictEqual(rule.enforcementLevel, "mandatory");
    });

    it("passes the probe policy beside Cilium 1.16+, where enableDefaultDeny is honoured", async () => {
        for (const version of ["1.16.19", "1.17.18", "1.18.12", "1.19.6"]) {
            assert.deepStrictEqual(
                await runStackPolicy(rule, [ciliumRelease(goodCiliumValues(), { version }), probeAllowPolicy()]),
                [],
                version,
            );
        }
        assert.deepStrictEqual(
            await runStackPolicy(rule, [
                ciliumConfigMap({ ...goodCiliumConfig(), "enable-non-default-deny-policies": "true" }),
                probeAllowPolicy(),
            ]),
            [],
        );
    });

    it("rejects it beside Cilium 1.15, which has no enableDefaultDeny: every pod in default deny (docs/cilium-datapath.md#enable-default-deny)", async () => {
        for (const version of ["1.15.19", "1.15.3"]) {
            const reported = await runStackPolicy(rule, [
                ciliumRelease(goodCiliumValues(), { version }),
                probeAllowPolicy(),
            ]);
            assert.strictEqual(mandatory(reported).length, 1, version);
            for (const part of [
                "CiliumClusterwideNetworkPolicy allow-ambient-hostprobes (spec)",
                "predates enableDefaultDeny (Cilium 1.16)",
                "every pod in the cluster, a cluster-wide outage",
                "Fix:",
            ]) {
                assert.ok(reported[0].message.includes(part), `${part} missing from ${reported[0].message}`);
            }
        }
    });

    it("rejects it where enableNonDefaultDenyPolicies is false, from the chart's values or cilium-config", async () => {
        const off = await runStackPolicy(rule, [
            ciliumRelease({ ...goodCiliumValues(), enableNonDefaultDenyPolicies: false }),
            probeAllowPolicy(),
        ]);
        assert.strictEqual(mandatory(off).length, 1);
        assert.ok(off[0].message.includes("`enableNonDefaultDenyPolicies`"), off[0].message);
        const config = await runStackPolicy(rule, [
            ciliumConfigMap({ ...goodCiliumConfig(), "enable-non-default-deny-policies": "false" }),
            probeAllowPolicy(),
        ]);
        assert.strictEqual(mandatory(config).length, 1);
    });

    it("reports a cilium-config of unknown version as could-not-check; ignores policies that do not opt out", async () => {
        const unknown = await runStackPolicy(rule, [ciliumConfigMap(goodCiliumConfig()), probeAllowPolicy()]);
        assert.deepStrictEqual(
            unknown.map((r) => r.level),
            ["advisory"],
        );
        assert.ok(advisories(unknown)[0].message.includes("\nCould not check whether Cilium honours"));
        assert.deepStrictEqual(
            await runStackPolicy(rule, [
                ciliumRelease(goodCiliumValues(), { version: "1.15.19" }),
                cnp("blue", "default", l4Spec()),
                probeAllowPolicy(false),
            ]),
            [],
        );
    });
});
