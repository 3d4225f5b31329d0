import * as assert from "assert";
import { clustermeshGlobalServiceVsIstio as rule } from "./clustermesh-global-service-vs-istio";
import { FixtureResource, mandatory, runStackPolicy } from "../test/harness";
import { ciliumRelease, istioMeshMember, meshMember, onCluster, service, twoClusterMesh } from "../test/fixtures";

/** httpbin in namespace blue, annotated for Cilium. */
const httpbin = (annotations: Record<string, string>): FixtureResource => {
    const svc = service("blue", "httpbin");
    return { ...svc, props: { ...svc.props, metadata: { ...svc.props.metadata, annotations } } };
};
const withService = (cluster: FixtureResource[], annotations: Record<string, string>, cluster_: string) => [
    ...cluster,
    ...onCluster(cluster_, [httpbin(annotations)]).slice(2),
];

describe("clustermesh-global-service-vs-istio", () => {
    it("passes a global Service both clusters' Istio discover across, and Services that are not global", async () => {
        const global = { "service.cilium.io/global": "true" };
        const stack = [
            ...withService(meshMember("east", 1, "west", "10.1.0.0/16"), global, "east"),
            ...withService(meshMember("west", 2, "east", "10.2.0.0/16"), global, "west"),
        ];
        assert.deepStrictEqual(await runStackPolicy(rule, stack), []);
        assert.deepStrictEqual(
            await runStackPolicy(rule, [...twoClusterMesh(), ...onCluster("east", [httpbin({})]).slice(2)]),
            [],
        );
    });

    it("rejects a global Service whose cluster's istiod has no remote secret for the other cluster", async () => {
        const global = { "service.cilium.io/global": "true" };
        const east = onCluster("east", [ciliumRelease(), ...istioMeshMember("east", "network1", []), httpbin(global)]);
        const reported = await runStackPolicy(rule, [
            ...east,
            ...withService(meshMember("west", 2, "east", "10.2.0.0/16"), global, "west"),
        ]);
        assert.strictEqual(mandatory(reported).length, 1);
        for (const part of [
            'Service blue/httpbin in cluster "east" is a Cilium global service',
            'backends in "west"',
            "no remote secret",
            "cilium/cilium#21815",
        ]) {
            assert.ok(reported[0].message.includes(part), `${part} missing from ${reported[0].message}`);
        }
    });

    it("rejects Cilium-only locality annotations where Istio balances across clusters", async () => {
        for (const [annotation, value] of [
            ["service.cilium.io/shared", "false"],
            ["service.cilium.io/affinity", "local"],
        ]) {
            const annotations = { "service.cilium.io/global": "true", [annotation]: value };
            const stack = [
                ...withService(meshMember("east", 1, "west", "10.1.0.0/16"), annotations, "east"),
                ...withService(
                    meshMember("west", 2, "east", "10.2.0.0/16"),
                    { "service.cilium.io/global": "true" },
                    "west",
                ),
            ];
            const reported = await runStackPolicy(rule, stack);
            assert.strictEqual(mandatory(reported).length, 1, annotation);
            assert.ok(reported[0].message.includes(`${annotation}: "${value}"`), reported[0].message);
            assert.ok(reported[0].message.includes("only Cilium's load balancing honours"), reported[0].message);
        }
    });

    it("does not judge a cluster without mesh clients", async () => {
        const global = { "service.cilium.io/global": "true", "service.cilium.io/shared": "false" };
        const plain = (name: string) => onCluster(name, [ciliumRelease(), httpbin(global)]);
        assert.deepStrictEqual(await runStackPolicy(rule, [...plain("a"), ...plain("b")]), []);
    });
});
