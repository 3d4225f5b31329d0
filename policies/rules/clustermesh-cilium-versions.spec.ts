import * as assert from "assert";
import { clustermeshCiliumVersions as rule } from "./clustermesh-cilium-versions";
import { runStackPolicy } from "../test/harness";
import { ciliumRelease, meshCiliumValues, onCluster } from "../test/fixtures";

const member = (name: string, id: number, peer: string, version: string) =>
    onCluster(name, [ciliumRelease(meshCiliumValues(name, id, [{ name: peer }]), { version })]);

describe("clustermesh-cilium-versions", () => {
    it("passes clusters within one minor", async () => {
        assert.deepStrictEqual(
            await runStackPolicy(rule, [...member("a", 1, "b", "1.18.12"), ...member("b", 2, "a", "1.19.6")]),
            [],
        );
    });

    it("advises about clusters two minors apart, citing the upstream report", async () => {
        const reported = await runStackPolicy(rule, [
            ...member("a", 1, "b", "1.17.18"),
            ...member("b", 2, "a", "1.19.6"),
        ]);
        assert.deepStrictEqual(
            reported.map((r) => r.level),
            ["advisory"],
        );
        for (const part of ['"a" 1.17.18', '"b" 1.19.6', "cilium/cilium#33393"]) {
            assert.ok(reported[0].message.includes(part), `${part} missing from ${reported[0].message}`);
        }
    });
});
