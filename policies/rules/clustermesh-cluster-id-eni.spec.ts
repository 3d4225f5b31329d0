import * as assert from "assert";
import { clustermeshClusterIdEni as rule } from "./clustermesh-cluster-id-eni";
import { mandatory, runStackPolicy, UNKNOWN } from "../test/harness";
import { ciliumRelease, goodCiliumValues } from "../test/fixtures";

const withId = (id: unknown, values = goodCiliumValues()) =>
    ciliumRelease({ ...values, cluster: { name: "east", id } });
const chaining = { cni: { chainingMode: "aws-cni", exclusive: false }, routingMode: "native" };

describe("clustermesh-cluster-id-eni", () => {
    it("passes IDs below 128 with ENI, and any ID with cluster-pool IPAM", async () => {
        for (const id of [0, 1, 127, 256]) {
            assert.deepStrictEqual(await runStackPolicy(rule, [withId(id)]), [], String(id));
        }
        const overlay = { routingMode: "tunnel", ipam: { mode: "cluster-pool" }, kubeProxyReplacement: "true" };
        assert.deepStrictEqual(await runStackPolicy(rule, [withId(200, overlay)]), []);
    });

    for (const id of [128, 200, 255, 384]) {
        it(`rejects ID ${id} with ENI IPAM, citing the upstream bug`, async () => {
            const reported = await runStackPolicy(rule, [withId(id)]);
            assert.strictEqual(mandatory(reported).length, 1);
            for (const part of [`is ${id}`, "ENI IPAM", "cilium/cilium#21330", "from 1 to 127"]) {
                assert.ok(reported[0].message.includes(part), `${part} missing from ${reported[0].message}`);
            }
        });
    }

    it("rejects it with aws-cni chaining too", async () => {
        const reported = await runStackPolicy(rule, [withId(130, chaining)]);
        assert.strictEqual(mandatory(reported).length, 1);
        assert.ok(reported[0].message.includes("aws-cni chaining"), reported[0].message);
    });

    it("reports an unknown ID as an advisory", async () => {
        assert.deepStrictEqual(
            (await runStackPolicy(rule, [withId(UNKNOWN.string)])).map((r) => r.level),
            ["advisory"],
        );
    });
});
