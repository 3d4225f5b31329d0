import * as assert from "assert";
import { ciliumL7PolicyUnderChaining as rule } from "./cilium-l7-policy-under-chaining";
import { runStackPolicy } from "../test/harness";
import { ciliumConfigMap, ciliumRelease, cnp, l4Spec, l7Spec } from "../test/fixtures";

/** Cilium chained behind the VPC CNI as Cilium's aws-cni chaining guide installs it. */
const chained = () =>
    ciliumRelease({
        cni: { chainingMode: "aws-cni", exclusive: false },
        enableIPv4Masquerade: false,
        routingMode: "native",
        endpointRoutes: { enabled: true },
    });

describe("cilium-l7-policy-under-chaining", () => {
    it("is advisory", () => {
        assert.strictEqual(rule.enforcementLevel, "advisory");
    });

    it("advises on the demo's L7 policy under aws-cni chaining (docs/cilium-datapath.md#chaining-l7)", async () => {
        for (const cilium of [chained(), ciliumConfigMap({ "cni-chaining-mode": "aws-cni" })]) {
            const reported = await runStackPolicy(rule, [cilium, cnp("blue", "default", l7Spec())]);
            assert.deepStrictEqual(
                reported.map((r) => r.level),
                ["advisory"],
            );
            for (const part of [
                "CiliumNetworkPolicy blue/default has L7 rules (http)",
                "aws-cni",
                "cilium/cilium#12454",
                "403",
            ]) {
                assert.ok(reported[0].message.includes(part), `${part} missing from ${reported[0].message}`);
            }
        }
    });

    it("says nothing for L4 policies, or when Cilium is the only CNI", async () => {
        assert.deepStrictEqual(await runStackPolicy(rule, [chained(), cnp("blue", "default", l4Spec())]), []);
        assert.deepStrictEqual(await runStackPolicy(rule, [ciliumRelease(), cnp("blue", "default", l7Spec())]), []);
    });
});
