import * as assert from "assert";
import { istioMulticlusterClusterNames as rule } from "./istio-multicluster-cluster-names";
import { advisories, mandatory, runStackPolicy } from "../test/harness";
import { istioMeshMember, istioRelease, onCluster, remoteSecret, twoClusterMesh } from "../test/fixtures";

describe("istio-multicluster-cluster-names", () => {
    it("passes clusters with their own names and a remote secret for each other", async () => {
        assert.deepStrictEqual(await runStackPolicy(rule, twoClusterMesh()), []);
    });

    it("rejects a cluster missing the remote secret for the other, saying what to create", async () => {
        const reported = await runStackPolicy(rule, [
            ...onCluster("a", istioMeshMember("a", "n", ["b"])),
            ...onCluster("b", istioMeshMember("b", "n", [])),
        ]);
        assert.strictEqual(mandatory(reported).length, 1);
        for (const part of [
            'in cluster "b" has no remote secret for cluster "a"',
            "its sidecars route to local endpoints only",
            "istioctl create-remote-secret --name a",
        ]) {
            assert.ok(reported[0].message.includes(part), `${part} missing from ${reported[0].message}`);
        }
    });

    it("rejects clusters left at istiod's default name, and a remote secret for the cluster itself", async () => {
        const unnamed = (name: string) =>
            onCluster(name, [istioRelease("istiod", { global: { meshID: "mesh1" } }), remoteSecret("Kubernetes")]);
        const reported = await runStackPolicy(rule, [...unnamed("a"), ...unnamed("b")]);
        assert.ok(
            mandatory(reported).some((r) =>
                r.message.includes(
                    'share the Istio cluster name "Kubernetes" (istiod\'s default: clusterName is unset)',
                ),
            ),
        );
        assert.ok(mandatory(reported).some((r) => r.message.includes("is a remote secret for the cluster itself")));
    });

    it("advises about a remote secret for a cluster not judged here", async () => {
        const reported = await runStackPolicy(rule, [
            ...onCluster("a", istioMeshMember("a", "n", ["b", "c"])),
            ...onCluster("b", istioMeshMember("b", "n", ["a"])),
        ]);
        assert.deepStrictEqual(mandatory(reported), []);
        assert.ok(advisories(reported)[0].message.includes('reads cluster "c"'));
    });
});
