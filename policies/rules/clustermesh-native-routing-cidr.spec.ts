import * as assert from "assert";
import { clustermeshNativeRoutingCidr as rule } from "./clustermesh-native-routing-cidr";
import { mandatory, runStackPolicy, UNKNOWN } from "../test/harness";
import { ciliumRelease, meshCiliumValues, meshMember, onCluster, twoClusterMesh, vpc } from "../test/fixtures";

const eni = (name: string, id: number, peer: string, cidr: string, extra: Record<string, any>) =>
    onCluster(name, [ciliumRelease({ ...meshCiliumValues(name, id, [{ name: peer }]), ...extra }), vpc("vpc", cidr)]);

describe("clustermesh-native-routing-cidr", () => {
    it("passes a native routing CIDR covering both VPCs, and clusters that do not masquerade (1.19's ENI default)", async () => {
        assert.deepStrictEqual(await runStackPolicy(rule, twoClusterMesh()), []);
        const noMasquerade = { ipv4NativeRoutingCIDR: "" };
        assert.deepStrictEqual(
            await runStackPolicy(rule, [
                ...eni("a", 1, "b", "10.1.0.0/16", noMasquerade),
                ...eni("b", 2, "a", "10.2.0.0/16", noMasquerade),
            ]),
            [],
        );
    });

    it("rejects masquerading ENI clusters left at the VPC's CIDR, proposing one that covers both", async () => {
        const unset = { ipv4NativeRoutingCIDR: "", enableIPv4Masquerade: true };
        const reported = await runStackPolicy(rule, [
            ...eni("a", 1, "b", "10.1.0.0/16", unset),
            ...eni("b", 2, "a", "10.2.0.0/16", unset),
        ]);
        assert.strictEqual(mandatory(reported).length, 2);
        for (const part of ["unset, so the VPC's CIDR (ENI mode)", '10.2.0.0/16 of cluster "b"', "e.g. 10.0.0.0/14"]) {
            assert.ok(reported[0].message.includes(part), `${part} missing from ${reported[0].message}`);
        }
    });

    it("rejects a native routing CIDR that misses the other cluster", async () => {
        const reported = await runStackPolicy(rule, [
            ...eni("a", 1, "b", "10.1.0.0/16", { ipv4NativeRoutingCIDR: "10.1.0.0/16", enableIPv4Masquerade: true }),
            ...meshMember("b", 2, "a", "10.2.0.0/16"),
        ]);
        assert.strictEqual(mandatory(reported).length, 1);
        assert.ok(reported[0].message.includes("`ipv4NativeRoutingCIDR` 10.1.0.0/16"), reported[0].message);
    });

    it("reports an unknown native routing CIDR as an advisory", async () => {
        const reported = await runStackPolicy(rule, [
            ...eni("a", 1, "b", "10.1.0.0/16", { ipv4NativeRoutingCIDR: UNKNOWN.string, enableIPv4Masquerade: true }),
            ...meshMember("b", 2, "a", "10.2.0.0/16"),
        ]);
        assert.deepStrictEqual(
            reported.map((r) => r.level),
            ["advisory"],
        );
    });
});
