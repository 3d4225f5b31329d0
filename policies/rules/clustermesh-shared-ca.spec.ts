import * as assert from "assert";
import { clustermeshSharedCa as rule } from "./clustermesh-shared-ca";
import { mandatory, runStackPolicy, UNKNOWN } from "../test/harness";
import {
    ciliumRelease,
    fixturePem,
    MESH_CA,
    meshCiliumValues,
    meshMember,
    onCluster,
    twoClusterMesh,
} from "../test/fixtures";

const withCa = (name: string, id: number, peer: string, tls: unknown, extra: Record<string, any> = {}) =>
    onCluster(name, [ciliumRelease({ ...meshCiliumValues(name, id, [{ name: peer }]), tls, ...extra })]);
const otherCa = Buffer.from(fixturePem("another-ca")).toString("base64");

describe("clustermesh-shared-ca", () => {
    it("passes clusters given the same CA, however the base64 is wrapped, and a single cluster", async () => {
        assert.deepStrictEqual(await runStackPolicy(rule, twoClusterMesh()), []);
        const wrapped = MESH_CA.replace(/(.{20})/g, "$1\n");
        assert.deepStrictEqual(
            await runStackPolicy(rule, [
                ...withCa("a", 1, "b", { ca: { cert: MESH_CA } }),
                ...withCa("b", 2, "a", { ca: { cert: wrapped } }),
            ]),
            [],
        );
        assert.deepStrictEqual(await runStackPolicy(rule, withCa("a", 1, "b", {})), []);
    });

    it("rejects a cluster whose chart generates its own CA", async () => {
        const reported = await runStackPolicy(rule, [
            ...meshMember("a", 1, "b", "10.1.0.0/16"),
            ...withCa("b", 2, "a", {}),
        ]);
        assert.strictEqual(mandatory(reported).length, 1);
        for (const part of [
            'Release "b-cilium" in cluster "b"',
            "`tls.ca.cert` is not set",
            "generates a clustermesh CA of its own",
        ]) {
            assert.ok(reported[0].message.includes(part), `${part} missing from ${reported[0].message}`);
        }
    });

    it("rejects clusters given different CAs, naming fingerprints and never the certificates", async () => {
        const reported = await runStackPolicy(rule, [
            ...withCa("a", 1, "b", { ca: { cert: MESH_CA } }),
            ...withCa("b", 2, "a", { ca: { cert: otherCa } }),
        ]);
        assert.strictEqual(mandatory(reported).length, 1);
        assert.match(reported[0].message, /CA sha256:[0-9a-f]{16}… in "a"; CA sha256:[0-9a-f]{16}… in "b"/);
        assert.ok(
            !reported[0].message.includes(MESH_CA) && !reported[0].message.includes("BEGIN"),
            reported[0].message,
        );
    });

    it("leaves to cert-manager or externally made certificates what it cannot see, and reports unknown CAs", async () => {
        const certManager = {
            clustermesh: {
                ...meshCiliumValues("b", 2, []).clustermesh,
                apiserver: { tls: { auto: { method: "certmanager" } } },
            },
        };
        const reported = await runStackPolicy(rule, [
            ...meshMember("a", 1, "b", "10.1.0.0/16"),
            ...withCa("b", 2, "a", {}, certManager),
        ]);
        assert.deepStrictEqual(
            reported.map((r) => r.level),
            ["advisory"],
        );
        assert.ok(reported[0].message.includes("cert-manager issuer decides the CA"), reported[0].message);
        const unknown = await runStackPolicy(rule, [
            ...meshMember("a", 1, "b", "10.1.0.0/16"),
            ...withCa("b", 2, "a", { ca: { cert: UNKNOWN.string } }),
        ]);
        assert.deepStrictEqual(
            unknown.map((r) => r.level),
            ["advisory"],
        );
    });
});
