import * as assert from "assert";
import { istioMulticlusterServiceConsistent as rule } from "./istio-multicluster-service-consistent";
import { FixtureResource, runStackPolicy } from "../test/harness";
import { onCluster, service, twoClusterMesh } from "../test/fixtures";

const httpbin = (port: number): FixtureResource => {
    const svc = service("blue", "httpbin");
    return { ...svc, props: { ...svc.props, spec: { ...svc.props.spec, ports: [{ port }] } } };
};

describe("istio-multicluster-service-consistent", () => {
    it("passes one Service defined alike in both clusters", async () => {
        const stack = [
            ...twoClusterMesh(),
            ...onCluster("east", [httpbin(80)]).slice(2),
            ...onCluster("west", [httpbin(80)]).slice(2),
        ];
        assert.deepStrictEqual(await runStackPolicy(rule, stack), []);
    });

    it("advises about a Service whose ports differ, as IST0170 does", async () => {
        const stack = [
            ...twoClusterMesh(),
            ...onCluster("east", [httpbin(80)]).slice(2),
            ...onCluster("west", [httpbin(8000)]).slice(2),
        ];
        const reported = await runStackPolicy(rule, stack);
        assert.deepStrictEqual(
            reported.map((r) => r.level),
            ["advisory"],
        );
        for (const part of [
            "Service blue/httpbin differs",
            '"east": ClusterIP 80/TCP',
            '"west": ClusterIP 8000/TCP',
            "IST0170",
        ]) {
            assert.ok(reported[0].message.includes(part), `${part} missing from ${reported[0].message}`);
        }
    });
});
