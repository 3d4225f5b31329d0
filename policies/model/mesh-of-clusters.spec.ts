import * as assert from "assert";
import { partitionByCluster } from "./clusters";
import { buildMeshOfClusters, clusterMeshConnects } from "./mesh-of-clusters";
import { StackResource } from "./resources";
import { ciliumSocketLbHostNamespaceOnly } from "../rules/cilium-socket-lb-host-namespace-only";
import { FixtureResource, mandatory, providerUrn, runStackPolicy, urnOf } from "../test/harness";
import {
    ciliumRelease,
    goodCiliumValues,
    istioSidecar,
    meshMember,
    onCluster,
    twoClusterMesh,
    vpc,
} from "../test/fixtures";

/** Fixture resources as the server hands them: provider objects and parent links by URN. */
function asStack(resources: FixtureResource[]): StackResource[] {
    return resources.map((r) => ({
        type: r.type,
        urn: urnOf(r),
        name: r.name,
        props: r.props,
        provider: r.provider && { type: "pulumi:providers:kubernetes", urn: providerUrn(r.provider), props: {} },
        parent: r.parent ? { urn: r.parent } : undefined,
    }));
}

describe("mesh of clusters", () => {
    it("puts a stack without providers, or with one, in one cluster holding everything", () => {
        const single = partitionByCluster(asStack([ciliumRelease(), ...istioSidecar(), vpc("vpc", "10.0.0.0/16")]));
        assert.strictEqual(single.clusters.length, 1);
        assert.strictEqual(single.clusters[0].resources.length, 5);
        assert.deepStrictEqual(single.shared, []);
        const one = partitionByCluster(asStack(onCluster("a", [ciliumRelease(), vpc("vpc", "10.0.0.0/16")])));
        assert.deepStrictEqual(
            one.clusters.map((c) => [c.label, c.resources.length]),
            [["a-k8s", 4]],
        );
    });

    it("splits objects by provider and attributes AWS resources through the component that parents the provider", () => {
        const stack = asStack([
            ...twoClusterMesh(),
            { type: "aws:ec2/vpcPeeringConnection:VpcPeeringConnection", name: "peering", props: {} },
        ]);
        const { clusters, shared } = partitionByCluster(stack);
        assert.deepStrictEqual(
            clusters.map((c) => [
                c.label,
                c.resources.map((r) => r.name).filter((n) => n.endsWith("vpc") || n.endsWith("cilium")),
            ]),
            [
                ["east-k8s", ["east-cilium", "east-vpc"]],
                ["west-k8s", ["west-cilium", "west-vpc"]],
            ],
        );
        assert.deepStrictEqual(
            shared.map((r) => r.name),
            ["peering"],
        );
    });

    it("keeps two stacks' clusters apart by the stack in their URNs, and their default providers joined to their one explicit provider", () => {
        const rename = (stack: string, urn: string) => urn.replace("urn:pulumi:test::", `urn:pulumi:${stack}::`);
        const inStack = (stack: string, r: StackResource): StackResource => ({
            ...r,
            urn: rename(stack, r.urn),
            provider: r.provider && { ...r.provider, urn: rename(stack, r.provider.urn) },
            parent: r.parent && { urn: rename(stack, r.parent.urn) },
        });
        const a = asStack([ciliumRelease(), vpc("vpc", "10.1.0.0/16")]).map((r) => inStack("a", r));
        const b = asStack(onCluster("b", [ciliumRelease()])).map((r) => inStack("b", r));
        const clusters = partitionByCluster([...a, ...b]).clusters;
        assert.deepStrictEqual(
            clusters.map((c) => [c.label, c.resources.length]),
            [
                ["a", 2],
                ["b-k8s", 3],
            ],
        );
    });

    it("names clusters after Cilium's cluster.name, and knows which ClusterMesh joins", () => {
        const mesh = buildMeshOfClusters(asStack(twoClusterMesh()));
        assert.deepStrictEqual(
            mesh.members.map((m) => [m.name, m.nameFrom]),
            [
                ["east", "Cilium's cluster.name on east-cilium"],
                ["west", "Cilium's cluster.name on west-cilium"],
            ],
        );
        assert.ok(clusterMeshConnects(mesh, mesh.members[0], mesh.members[1]));
        const lonely = buildMeshOfClusters(
            asStack([...meshMember("east", 1, "west", "10.1.0.0/16"), ...onCluster("west", [ciliumRelease()])]),
        );
        assert.ok(!clusterMeshConnects(lonely, lonely.members[0], lonely.members[1]));
    });

    it("judges a stack rule in every cluster, naming the cluster", async () => {
        const bad = { ...goodCiliumValues(), socketLB: { hostNamespaceOnly: false } };
        const reported = await runStackPolicy(ciliumSocketLbHostNamespaceOnly, [
            ...onCluster("east", [ciliumRelease(), ...istioSidecar()]),
            ...onCluster("west", [ciliumRelease(bad), ...istioSidecar()]),
        ]);
        assert.strictEqual(mandatory(reported).length, 1);
        assert.ok(reported[0].message.includes('In cluster "west-k8s": '), reported[0].message);
    });
});
