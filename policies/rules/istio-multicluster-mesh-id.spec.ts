import * as assert from "assert";
import { istioMulticlusterMeshId as rule } from "./istio-multicluster-mesh-id";
import { mandatory, runStackPolicy, UNKNOWN } from "../test/harness";
import { istioMeshMember, istioRelease, onCluster, twoClusterMesh } from "../test/fixtures";

describe("istio-multicluster-mesh-id", () => {
    it("passes clusters with one meshID, and two left at the same trust domain", async () => {
        assert.deepStrictEqual(await runStackPolicy(rule, twoClusterMesh()), []);
        const unset = (name: string, remote: string) =>
            onCluster(name, [
                istioRelease("istiod", { global: { multiCluster: { clusterName: name } } }),
                ...istioMeshMember(name, "n", [remote]).slice(3),
            ]);
        assert.deepStrictEqual(await runStackPolicy(rule, [...unset("a", "b"), ...unset("b", "a")]), []);
    });

    it("rejects different mesh IDs, naming each and where it comes from", async () => {
        const reported = await runStackPolicy(rule, [
            ...onCluster("a", istioMeshMember("a", "n", ["b"], "mesh1")),
            ...onCluster("b", istioMeshMember("b", "n", ["a"], "mesh2")),
        ]);
        assert.strictEqual(mandatory(reported).length, 1);
        for (const part of [
            '"mesh1" for Release "a-istiod" in cluster "a"',
            '"mesh2" for Release "b-istiod" in cluster "b"',
        ]) {
            assert.ok(reported[0].message.includes(part), `${part} missing from ${reported[0].message}`);
        }
    });

    it("reports an unknown meshID as an advisory", async () => {
        const reported = await runStackPolicy(rule, [
            ...onCluster("a", istioMeshMember("a", "n", ["b"], UNKNOWN.string)),
            ...onCluster("b", istioMeshMember("b", "n", ["a"])),
        ]);
        assert.deepStrictEqual(
            reported.map((r) => r.level),
            ["advisory"],
        );
    });
});
