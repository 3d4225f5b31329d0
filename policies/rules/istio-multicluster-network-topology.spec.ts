import * as assert from "assert";
import { istioMulticlusterNetworkTopology as rule } from "./istio-multicluster-network-topology";
import { advisories, mandatory, runStackPolicy } from "../test/harness";
import {
    ciliumRelease,
    istioMeshMember,
    istioRelease,
    meshCiliumValues,
    onCluster,
    twoClusterMesh,
    vpc,
} from "../test/fixtures";
import { FixtureResource } from "../test/harness";

const eastWest = (network: string): FixtureResource[] => [
    istioRelease(
        "gateway",
        { name: "istio-eastwestgateway", networkGateway: network },
        { name: "istio-eastwestgateway" },
    ),
    {
        type: "kubernetes:networking.istio.io/v1:Gateway",
        name: "cross-network-gateway",
        props: {
            metadata: { name: "cross-network-gateway", namespace: "istio-system" },
            spec: {
                selector: { istio: "eastwestgateway" },
                servers: [
                    {
                        port: { number: 15443, name: "tls", protocol: "TLS" },
                        tls: { mode: "AUTO_PASSTHROUGH" },
                        hosts: ["*.local"],
                    },
                ],
            },
        },
    },
];
/** A cluster without ClusterMesh (Cilium alone), on Istio network `network`. */
const separate = (name: string, remote: string, network: string, extra: FixtureResource[] = []) =>
    onCluster(name, [ciliumRelease(), ...istioMeshMember(name, network, [remote]), ...extra]);

describe("istio-multicluster-network-topology", () => {
    it("passes ClusterMesh-joined clusters on one network, and separate clusters on two networks with gateways", async () => {
        assert.deepStrictEqual(await runStackPolicy(rule, twoClusterMesh()), []);
        assert.deepStrictEqual(
            await runStackPolicy(rule, [
                ...separate("a", "b", "n1", eastWest("n1")),
                ...separate("b", "a", "n2", eastWest("n2")),
            ]),
            [],
        );
    });

    it("rejects ClusterMesh-joined clusters put on different networks", async () => {
        const member = (name: string, id: number, peer: string, network: string, cidr: string) =>
            onCluster(name, [
                ciliumRelease(meshCiliumValues(name, id, [{ name: peer }])),
                vpc("vpc", cidr),
                ...istioMeshMember(name, network, [peer]),
                ...eastWest(network),
            ]);
        const reported = await runStackPolicy(rule, [
            ...member("a", 1, "b", "n1", "10.1.0.0/16"),
            ...member("b", 2, "a", "n2", "10.2.0.0/16"),
        ]);
        assert.strictEqual(mandatory(reported).length, 1);
        assert.ok(reported[0].message.includes("joined by Cilium's ClusterMesh"), reported[0].message);
    });

    it("rejects different networks without east-west gateways, naming the missing piece", async () => {
        const reported = await runStackPolicy(rule, [
            ...separate("a", "b", "n1", eastWest("n1")),
            ...separate("b", "a", "n2"),
        ]);
        assert.strictEqual(mandatory(reported).length, 1);
        for (const part of [
            'Cluster "b" is on Istio network "n2"',
            'runs no east-west gateway for "n2"',
            "networkGateway: n2",
        ]) {
            assert.ok(reported[0].message.includes(part), `${part} missing from ${reported[0].message}`);
        }
        const noPassthrough = await runStackPolicy(rule, [
            ...separate("a", "b", "n1", eastWest("n1")),
            ...separate("b", "a", "n2", eastWest("n2").slice(0, 1)),
        ]);
        assert.ok(mandatory(noPassthrough)[0].message.includes("no Gateway passes port 15443 through"));
    });

    it("rejects an Istio namespace labelled with another network than istiod's", async () => {
        const mislabelled = onCluster("b", [
            ciliumRelease(meshCiliumValues("b", 2, [{ name: "a" }])),
            vpc("vpc", "10.2.0.0/16"),
            ...istioMeshMember("b", "network1", ["a"]).map((r) =>
                r.type === "kubernetes:core/v1:Namespace"
                    ? {
                          ...r,
                          props: {
                              ...r.props,
                              metadata: { name: "istio-system", labels: { "topology.istio.io/network": "other" } },
                          },
                      }
                    : r,
            ),
        ]);
        const reported = await runStackPolicy(rule, [...twoClusterMesh().slice(0, 10), ...mislabelled]);
        assert.ok(mandatory(reported).some((r) => r.message.includes("is labelled topology.istio.io/network=other")));
    });

    it("advises when one network is claimed without ClusterMesh to route the pods", async () => {
        const reported = await runStackPolicy(rule, [...separate("a", "b", "n1"), ...separate("b", "a", "n1")]);
        assert.deepStrictEqual(mandatory(reported), []);
        assert.ok(advisories(reported)[0].message.includes("no Cilium ClusterMesh joins them here"));
    });
});
