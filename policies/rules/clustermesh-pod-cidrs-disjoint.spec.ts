import * as assert from "assert";
import { clustermeshPodCidrsDisjoint as rule } from "./clustermesh-pod-cidrs-disjoint";
import { mandatory, runStackPolicy, UNKNOWN } from "../test/harness";
import { ciliumRelease, meshCiliumValues, meshMember, onCluster, twoClusterMesh, vpc } from "../test/fixtures";

/** An overlay member: cluster-pool IPAM with `pool` (unset: the chart's 10.0.0.0/8). */
const overlay = (name: string, id: number, peer: string, pool?: string[]) => {
    const values = meshCiliumValues(name, id, [{ name: peer }], {
        routingMode: "tunnel",
        ipam: { mode: "cluster-pool" },
    });
    delete values.eni;
    if (pool) {
        values.ipam = { mode: "cluster-pool", operator: { clusterPoolIPv4PodCIDRList: pool } };
    }
    return onCluster(name, [ciliumRelease(values)]);
};

describe("clustermesh-pod-cidrs-disjoint", () => {
    it("passes ENI clusters in disjoint VPCs, and overlay clusters with distinct pools", async () => {
        assert.deepStrictEqual(await runStackPolicy(rule, twoClusterMesh()), []);
        const pools = [...overlay("a", 1, "b", ["10.100.0.0/16"]), ...overlay("b", 2, "a", ["10.101.0.0/16"])];
        assert.deepStrictEqual(await runStackPolicy(rule, pools), []);
    });

    it("rejects two overlay clusters left at the chart's pool, naming both and the overlap", async () => {
        const reported = await runStackPolicy(rule, [...overlay("a", 1, "b"), ...overlay("b", 2, "a")]);
        assert.strictEqual(mandatory(reported).length, 1);
        for (const part of [
            'cluster "a"',
            'cluster "b"',
            "10.0.0.0/8 and 10.0.0.0/8",
            "left unset; default of cilium chart 1.19.6",
        ]) {
            assert.ok(reported[0].message.includes(part), `${part} missing from ${reported[0].message}`);
        }
    });

    it("rejects ENI clusters whose VPCs overlap", async () => {
        const reported = await runStackPolicy(rule, [
            ...meshMember("east", 1, "west", "10.1.0.0/16"),
            ...meshMember("west", 2, "east", "10.1.128.0/17"),
        ]);
        assert.strictEqual(mandatory(reported).length, 1);
        assert.ok(reported[0].message.includes("10.1.0.0/16 and 10.1.128.0/17"), reported[0].message);
        assert.ok(reported[0].message.includes("ENI IPAM gives pods VPC addresses"), reported[0].message);
    });

    it("reports what it cannot read: an ENI cluster without its VPC, an unknown pool", async () => {
        const noVpc = onCluster("west", [ciliumRelease(meshCiliumValues("west", 2, [{ name: "east" }]))]);
        const reported = await runStackPolicy(rule, [...meshMember("east", 1, "west", "10.1.0.0/16"), ...noVpc]);
        assert.deepStrictEqual(
            reported.map((r) => r.level),
            ["advisory"],
        );
        assert.ok(reported[0].message.includes("the cluster's VPC is not among its resources"), reported[0].message);
        const unknownPool = [...overlay("a", 1, "b", [UNKNOWN.string]), ...overlay("b", 2, "a", ["10.1.0.0/16"])];
        assert.deepStrictEqual(
            (await runStackPolicy(rule, unknownPool)).map((r) => r.level),
            ["advisory"],
        );
        assert.deepStrictEqual(await runStackPolicy(rule, [...onCluster("a", [vpc("vpc", UNKNOWN.string)])]), []);
    });
});
