import * as assert from "assert";
import { clustermeshPeersConfigured as rule } from "./clustermesh-peers-configured";
import { advisories, mandatory, runStackPolicy, UNKNOWN } from "../test/harness";
import { ciliumRelease, meshCiliumValues, meshMember, onCluster, twoClusterMesh } from "../test/fixtures";

const member = (
    name: string,
    id: number,
    peers: { name: string; address?: string }[],
    extra: Record<string, any> = {},
) => onCluster(name, [ciliumRelease({ ...meshCiliumValues(name, id, peers), ...extra })]);

describe("clustermesh-peers-configured", () => {
    it("passes clusters listing each other, also as a 1.19 map of clusters", async () => {
        assert.deepStrictEqual(await runStackPolicy(rule, twoClusterMesh()), []);
        const asMap = meshCiliumValues("b", 2, []);
        asMap.clustermesh.config.clusters = { a: { address: "a.elb.example", port: 2379 }, old: { enabled: false } };
        assert.deepStrictEqual(
            await runStackPolicy(rule, [...member("a", 1, [{ name: "b" }]), ...onCluster("b", [ciliumRelease(asMap)])]),
            [],
        );
    });

    it("rejects a cluster that does not list the other, naming it", async () => {
        const reported = await runStackPolicy(rule, [...member("a", 1, [{ name: "b" }]), ...member("b", 2, [])]);
        assert.strictEqual(mandatory(reported).length, 1);
        for (const part of ['Release "b-cilium" in cluster "b" does not list cluster "a"', "never connects"]) {
            assert.ok(reported[0].message.includes(part), `${part} missing from ${reported[0].message}`);
        }
    });

    it("rejects a cluster without its clustermesh-apiserver, a self-listing and a peer without address", async () => {
        const noServer = member("b", 2, [{ name: "a" }], {
            clustermesh: { ...meshCiliumValues("b", 2, [{ name: "a" }]).clustermesh, useAPIServer: false },
        });
        const noApi = await runStackPolicy(rule, [...member("a", 1, [{ name: "b" }]), ...noServer]);
        assert.strictEqual(mandatory(noApi).length, 1);
        assert.ok(noApi[0].message.includes("runs no clustermesh-apiserver"), noApi[0].message);
        const self = await runStackPolicy(rule, [
            ...member("a", 1, [{ name: "b" }, { name: "a" }]),
            ...member("b", 2, [{ name: "a" }]),
        ]);
        assert.ok(mandatory(self).some((r) => r.message.includes('lists itself ("a")')));
        const values = meshCiliumValues("b", 2, []);
        values.clustermesh.config.clusters = [{ name: "a", port: 2379 }];
        const noAddress = await runStackPolicy(rule, [
            ...member("a", 1, [{ name: "b" }]),
            ...onCluster("b", [ciliumRelease(values)]),
        ]);
        assert.ok(mandatory(noAddress).some((r) => r.message.includes("neither `address` nor `ips`")));
    });

    it("reports a peer address unknown during preview (a load balancer not yet created) as unchecked, not missing", async () => {
        const values = meshCiliumValues("b", 2, []);
        values.clustermesh.config.clusters = [{ name: "a", address: UNKNOWN.string, port: 2379 }];
        const reported = await runStackPolicy(rule, [
            ...member("a", 1, [{ name: "b" }]),
            ...onCluster("b", [ciliumRelease(values)]),
        ]);
        assert.deepStrictEqual(mandatory(reported), []);
        assert.strictEqual(advisories(reported).length, 1);
        assert.ok(advisories(reported)[0].message.includes('Could not check the address of peer "a"'));
        assert.ok(advisories(reported)[0].message.includes("unknown until the deployment runs"));
    });

    it("advises about a peer that is not among the judged clusters", async () => {
        const reported = await runStackPolicy(rule, [
            ...member("a", 1, [{ name: "b" }, { name: "c" }]),
            ...member("b", 2, [{ name: "a" }]),
        ]);
        assert.deepStrictEqual(mandatory(reported), []);
        assert.ok(
            advisories(reported)[0].message.includes('lists peer "c", which is not among the clusters judged here'),
        );
    });

    it("does not judge a single cluster, and reports unknown peers as advisories", async () => {
        assert.deepStrictEqual(await runStackPolicy(rule, meshMember("a", 1, "b", "10.1.0.0/16")), []);
        const values = meshCiliumValues("b", 2, []);
        values.clustermesh.config.clusters = UNKNOWN.array;
        const reported = await runStackPolicy(rule, [
            ...member("a", 1, [{ name: "b" }]),
            ...onCluster("b", [ciliumRelease(values)]),
        ]);
        assert.deepStrictEqual(
            reported.map((r) => r.level),
            ["advisory"],
        );
    });
});
