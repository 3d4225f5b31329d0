import * as assert from "assert";
import { clustermeshSameDatapath as rule } from "./clustermesh-same-datapath";
import { mandatory, runStackPolicy, UNKNOWN } from "../test/harness";
import { ciliumRelease, meshCiliumValues, meshMember, onCluster, twoClusterMesh } from "../test/fixtures";

const tunnel = (name: string, id: number, peer: string, tunnelProtocol?: unknown) =>
    onCluster(name, [
        ciliumRelease(
            meshCiliumValues(name, id, [{ name: peer }], {
                routingMode: "tunnel",
                eni: { enabled: false },
                ipam: { mode: "cluster-pool" },
                ...(tunnelProtocol === undefined ? {} : { tunnelProtocol }),
            }),
        ),
    ]);

describe("clustermesh-same-datapath", () => {
    it("passes two native clusters and two VXLAN clusters (one by the chart's default)", async () => {
        assert.deepStrictEqual(await runStackPolicy(rule, twoClusterMesh()), []);
        assert.deepStrictEqual(
            await runStackPolicy(rule, [...tunnel("a", 1, "b"), ...tunnel("b", 2, "a", "vxlan")]),
            [],
        );
    });

    it("rejects a native and a tunnelling cluster, naming both", async () => {
        const reported = await runStackPolicy(rule, [
            ...meshMember("a", 1, "b", "10.1.0.0/16"),
            ...tunnel("b", 2, "a"),
        ]);
        assert.strictEqual(mandatory(reported).length, 1);
        for (const part of ['native in "a"', 'tunnel in "b"', "one datapath mode"]) {
            assert.ok(reported[0].message.includes(part), `${part} missing from ${reported[0].message}`);
        }
    });

    it("rejects VXLAN beside Geneve", async () => {
        const reported = await runStackPolicy(rule, [
            ...tunnel("a", 1, "b", "vxlan"),
            ...tunnel("b", 2, "a", "geneve"),
        ]);
        assert.strictEqual(mandatory(reported).length, 1);
        assert.ok(reported[0].message.includes('geneve in "b"'), reported[0].message);
    });

    it("reports an unknown routing mode as an advisory", async () => {
        const unknown = onCluster("b", [
            ciliumRelease(meshCiliumValues("b", 2, [{ name: "a" }], { routingMode: UNKNOWN.string })),
        ]);
        assert.deepStrictEqual(
            (await runStackPolicy(rule, [...meshMember("a", 1, "b", "10.1.0.0/16"), ...unknown])).map((r) => r.level),
            ["advisory"],
        );
    });
});
