import * as assert from "assert";
import { clustermeshMaxConnectedClusters as rule } from "./clustermesh-max-connected-clusters";
import { mandatory, runStackPolicy, UNKNOWN } from "../test/harness";
import { ciliumRelease, meshCiliumValues, onCluster, twoClusterMesh } from "../test/fixtures";

const withMax = (name: string, id: number, peer: string, max: unknown) => {
    const values = meshCiliumValues(name, id, [{ name: peer }]);
    values.clustermesh = { ...values.clustermesh, maxConnectedClusters: max };
    return onCluster(name, [ciliumRelease(values)]);
};

describe("clustermesh-max-connected-clusters", () => {
    it("passes clusters at the default 255, and two at 511", async () => {
        assert.deepStrictEqual(await runStackPolicy(rule, twoClusterMesh()), []);
        assert.deepStrictEqual(
            await runStackPolicy(rule, [...withMax("a", 1, "b", 511), ...withMax("b", 2, "a", 511)]),
            [],
        );
    });

    it("rejects clusters that disagree, naming each value and cluster", async () => {
        const reported = await runStackPolicy(rule, [...withMax("a", 1, "b", 511), ...withMax("b", 2, "a", 255)]);
        assert.strictEqual(mandatory(reported).length, 1);
        for (const part of [
            '511 in Release "a-cilium" in cluster "a"',
            '255 in Release "b-cilium" in cluster "b"',
            "cannot be changed",
        ]) {
            assert.ok(reported[0].message.includes(part), `${part} missing from ${reported[0].message}`);
        }
    });

    it("rejects a value the agent does not accept", async () => {
        const reported = await runStackPolicy(rule, [...withMax("a", 1, "b", 300)]);
        assert.strictEqual(mandatory(reported).length, 1);
        assert.ok(reported[0].message.includes("accepts only 255 or 511"), reported[0].message);
    });

    it("reports an unknown value as an advisory", async () => {
        const reported = await runStackPolicy(rule, withMax("a", 1, "b", UNKNOWN.string));
        assert.deepStrictEqual(
            reported.map((r) => r.level),
            ["advisory"],
        );
    });
});
