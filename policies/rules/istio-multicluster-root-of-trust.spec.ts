import * as assert from "assert";
import { istioMulticlusterRootOfTrust as rule } from "./istio-multicluster-root-of-trust";
import { mandatory, runStackPolicy, UNKNOWN } from "../test/harness";
import { cacerts, fixturePem, ISTIO_ROOT, istioMeshMember, onCluster, secret, twoClusterMesh } from "../test/fixtures";

const member = (name: string, remote: string, ca: unknown[]) =>
    onCluster(name, [
        ...istioMeshMember(name, "n", [remote]).filter((r) => !r.name.endsWith("/cacerts")),
        ...(ca as any[]),
    ]);

describe("istio-multicluster-root-of-trust", () => {
    it("passes clusters with intermediates of one root (stringData or base64 data)", async () => {
        assert.deepStrictEqual(await runStackPolicy(rule, twoClusterMesh()), []);
        const asData = secret("istio-system", "cacerts", {
            data: { "root-cert.pem": Buffer.from(ISTIO_ROOT).toString("base64") },
        });
        assert.deepStrictEqual(
            await runStackPolicy(rule, [...member("a", "b", [cacerts("a")]), ...member("b", "a", [asData])]),
            [],
        );
    });

    it("rejects a cluster without cacerts: its istiod self-signs", async () => {
        const reported = await runStackPolicy(rule, [...member("a", "b", [cacerts("a")]), ...member("b", "a", [])]);
        assert.strictEqual(mandatory(reported).length, 1);
        for (const part of [
            'Release "b-istiod" in cluster "b" has no `cacerts` Secret in istio-system',
            "self-signed root",
        ]) {
            assert.ok(reported[0].message.includes(part), `${part} missing from ${reported[0].message}`);
        }
    });

    it("rejects different roots, naming fingerprints only", async () => {
        const reported = await runStackPolicy(rule, [
            ...member("a", "b", [cacerts("a")]),
            ...member("b", "a", [cacerts("b", fixturePem("another-root"))]),
        ]);
        assert.strictEqual(mandatory(reported).length, 1);
        assert.match(reported[0].message, /root sha256:[0-9a-f]{16}… in "a"; root sha256:[0-9a-f]{16}… in "b"/);
        assert.ok(!reported[0].message.includes("BEGIN"), reported[0].message);
    });

    it("reports an unknown root as an advisory", async () => {
        const unknown = secret("istio-system", "cacerts", { stringData: { "root-cert.pem": UNKNOWN.string } });
        assert.deepStrictEqual(
            (await runStackPolicy(rule, [...member("a", "b", [cacerts("a")]), ...member("b", "a", [unknown])])).map(
                (r) => r.level,
            ),
            ["advisory"],
        );
    });
});
