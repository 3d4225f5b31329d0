import * as assert from "assert";
import { clustermeshClusterIdentity as rule } from "./clustermesh-cluster-identity";
import { advisories, mandatory, runStackPolicy, UNKNOWN } from "../test/harness";
import {
    ciliumRelease,
    goodCiliumValues,
    meshCiliumValues,
    meshMember,
    onCluster,
    twoClusterMesh,
    vpc,
} from "../test/fixtures";

const member = (name: string, values: Record<string, any>, cidr: string) =>
    onCluster(name, [ciliumRelease(values), vpc("vpc", cidr)]);

describe("clustermesh-cluster-identity", () => {
    it("passes a mesh whose clusters have their own IDs and names, and a single cluster left at the defaults", async () => {
        assert.deepStrictEqual(await runStackPolicy(rule, twoClusterMesh()), []);
        assert.deepStrictEqual(await runStackPolicy(rule, [ciliumRelease()]), []);
    });

    it("rejects two clusters sharing an ID, naming both clusters and the ID", async () => {
        const reported = await runStackPolicy(rule, [
            ...member("east", meshCiliumValues("east", 7, [{ name: "west" }]), "10.1.0.0/16"),
            ...member("west", meshCiliumValues("west", 7, [{ name: "east" }]), "10.2.0.0/16"),
        ]);
        assert.strictEqual(mandatory(reported).length, 1);
        for (const part of ['cluster "east"', 'cluster "west"', "cluster ID 7", "unique across the mesh"]) {
            assert.ok(reported[0].message.includes(part), `${part} missing from ${reported[0].message}`);
        }
    });

    it("rejects two clusters sharing a name", async () => {
        const reported = await runStackPolicy(rule, [
            ...member("east", meshCiliumValues("shared", 1, [{ name: "x" }]), "10.1.0.0/16"),
            ...member("west", meshCiliumValues("shared", 2, [{ name: "x" }]), "10.2.0.0/16"),
        ]);
        assert.strictEqual(mandatory(reported).length, 1);
        assert.ok(reported[0].message.includes('cluster name "shared"'), reported[0].message);
    });

    it("rejects an ID left unset (the chart's 0) in a mesh, as the Cilium release really gets it", async () => {
        const { cluster: _dropped, ...unset } = meshCiliumValues("east", 1, [{ name: "west" }]);
        const reported = await runStackPolicy(rule, [
            ...member("east", { ...unset, cluster: { name: "east" } }, "10.1.0.0/16"),
            ...meshMember("west", 2, "east", "10.2.0.0/16"),
        ]);
        assert.strictEqual(mandatory(reported).length, 1);
        for (const part of [
            "`cluster.id`",
            "is 0 (left unset; default of cilium chart 1.19.6)",
            "reserves cluster ID 0",
            "from 1 to 255",
        ]) {
            assert.ok(reported[0].message.includes(part), `${part} missing from ${reported[0].message}`);
        }
    });

    it("rejects ID 0 set explicitly on a cluster whose own peers say it is meshed, even alone", async () => {
        const reported = await runStackPolicy(rule, [ciliumRelease(meshCiliumValues("east", 0, [{ name: "west" }]))]);
        assert.strictEqual(mandatory(reported).length, 1);
        assert.ok(
            reported[0].message.includes("its ClusterMesh API server or peers are configured"),
            reported[0].message,
        );
    });

    it("rejects IDs past 255, accepting them with maxConnectedClusters 511", async () => {
        const over = await runStackPolicy(rule, [ciliumRelease(meshCiliumValues("east", 300, [{ name: "west" }]))]);
        assert.strictEqual(mandatory(over).length, 1);
        assert.ok(over[0].message.includes("outside 1–255"), over[0].message);
        const extended = meshCiliumValues("east", 300, [{ name: "west" }]);
        extended.clustermesh = { ...extended.clustermesh, maxConnectedClusters: 511 };
        assert.deepStrictEqual(await runStackPolicy(rule, [ciliumRelease(extended)]), []);
    });

    it("rejects invalid names and the name default with an ID", async () => {
        for (const [name, part] of [
            ["East_1", "at most 32 lower-case letters"],
            ["a".repeat(33), "at most 32 lower-case letters"],
            ["default", "refuses with a cluster ID other than 0"],
        ]) {
            const reported = await runStackPolicy(rule, [ciliumRelease(meshCiliumValues(name, 3, [{ name: "west" }]))]);
            assert.strictEqual(mandatory(reported).length, 1, name);
            assert.ok(reported[0].message.includes(part), reported[0].message);
        }
    });

    it("does not judge a cluster outside any mesh", async () => {
        assert.deepStrictEqual(
            await runStackPolicy(rule, [ciliumRelease({ ...goodCiliumValues(), cluster: { id: 0 } })]),
            [],
        );
    });

    it("reports unknown IDs and names as advisories, without throwing", async () => {
        const values = meshCiliumValues("east", 1, [{ name: "west" }]);
        const reported = await runStackPolicy(rule, [
            ciliumRelease({ ...values, cluster: { id: UNKNOWN.string, name: UNKNOWN.string } }),
        ]);
        assert.deepStrictEqual(
            reported.map((r) => r.level),
            ["advisory", "advisory"],
        );
        assert.ok(advisories(reported)[0].message.includes("Could not check `cluster.id`"));
    });
});
