import * as assert from "assert";
import { istiodHostNetworkOnOverlay as rule } from "./istiod-host-network-on-overlay";
import { advisories, mandatory, runStackPolicy, UNKNOWN } from "../test/harness";
import {
    EKS_HOST,
    ciliumChart,
    ciliumConfigMap,
    ciliumRelease,
    eksCluster,
    goodCiliumConfig,
    goodCiliumValues,
    istioAmbient,
    istioRelease,
    istioSidecar,
    istiodHostNetworkPatch,
    managedNodeGroup,
    namespace,
} from "../test/fixtures";

/** istiod's values as IstioRelease writes them for the host network, for a node group of at most 3 nodes. */
const fittedIstiod = { autoscaleMax: 3, rollingMaxSurge: 0, rollingMaxUnavailable: 1 };

/** A managed node group of at most `maxSize` nodes. */
function nodes(maxSize: number) {
    const group = managedNodeGroup("nodes");
    group.props.scalingConfig = { desiredSize: 2, minSize: 1, maxSize };
    return group;
}

/**
 * Overlay values as the Cilium EKS docs give them: no ENI, tunnel routing, kube-proxy replacement
 * (docs/cilium-istio-facts.md#cilium-on-eks).
 */
function overlayValues(routingMode?: string): Record<string, any> {
    const values: Record<string, any> = {
        kubeProxyReplacement: "true",
        k8sServiceHost: EKS_HOST,
        k8sServicePort: 443,
        socketLB: { hostNamespaceOnly: true },
        cni: { exclusive: false },
    };
    if (routingMode !== undefined) {
        values.routingMode = routingMode;
    }
    return values;
}

describe("istiod-host-network-on-overlay", () => {
    it("rejects tunnel routing on EKS with sidecar injection and istiod off the host network", async () => {
        const reported = await runStackPolicy(rule, [
            eksCluster(),
            ciliumRelease(overlayValues("tunnel")),
            ...istioSidecar(),
        ]);
        assert.strictEqual(mandatory(reported).length, 1);
        for (const part of ["routingMode", "routing-mode", "15017", "eks:index:Cluster", "hostNetwork: true", "Fix:"]) {
            assert.ok(reported[0].message.includes(part), `${part} missing from ${reported[0].message}`);
        }
    });

    it("passes when a DeploymentPatch puts istiod on the host network, sized to the nodes", async () => {
        const stack = [
            eksCluster(),
            nodes(3),
            ciliumRelease(overlayValues("tunnel")),
            istioRelease("base"),
            istioRelease("istiod", fittedIstiod),
            istioRelease("cni"),
            istiodHostNetworkPatch(),
        ];
        assert.deepStrictEqual(await runStackPolicy(rule, stack), []);
    });

    describe("istiod on the host network: one per node (docs/istio-install.md#istiod-host-ports)", () => {
        const onNode = (istiod: Record<string, unknown>, maxSize = 3) => [
            eksCluster(),
            nodes(maxSize),
            ciliumRelease(overlayValues("tunnel")),
            istioRelease("base"),
            istioRelease("istiod", istiod),
            istioRelease("cni"),
            istiodHostNetworkPatch(),
        ];

        it("advises against the chart's defaults: up to 5 replicas on 3 nodes, and a 25% rollout that rounds to 0", async () => {
            const reported = await runStackPolicy(rule, onNode({}));
            assert.deepStrictEqual(
                reported.map((r) => r.level),
                ["advisory", "advisory"],
            );
            assert.ok(reported[0].message.includes("autoscaleMax is 5, but the node groups hold at most 3 nodes"));
            assert.ok(reported[1].message.includes('rollingMaxUnavailable "25%" rounds down to 0 at 1 replica(s)'));
        });

        it("reads replicaCount without autoscaling, and the 1.22/1.23 pilot.* layout", async () => {
            const fixed = await runStackPolicy(
                rule,
                onNode({ autoscaleEnabled: false, replicaCount: 4, rollingMaxUnavailable: 1 }),
            );
            assert.strictEqual(fixed.length, 1);
            assert.ok(fixed[0].message.includes("replicaCount is 4"), fixed[0].message);
            const older = onNode({ pilot: { autoscaleMax: 2, rollingMaxUnavailable: "50%", autoscaleMin: 2 } });
            older[4] = istioRelease(
                "istiod",
                { pilot: { autoscaleMax: 2, rollingMaxUnavailable: "50%", autoscaleMin: 2 } },
                { version: "1.23.6" },
            );
            assert.deepStrictEqual(await runStackPolicy(rule, older), []);
        });

        it("rejects istio-cni's agent on the host network beside it in ambient mode: a compatibilityVersion of 1.25, or Istio before 1.26 (docs/istio-install.md#compatibility-version)", async () => {
            const ambient = (cni: Record<string, unknown>, version = "1.30.3") => [
                eksCluster(),
                nodes(3),
                ciliumRelease(overlayValues("tunnel")),
                istioRelease("base", {}, { version }),
                istioRelease("istiod", { profile: "ambient", ...fittedIstiod }, { version }),
                istioRelease("cni", { profile: "ambient", ...cni }, { version }),
                istioRelease("ztunnel", {}, { version }),
                istiodHostNetworkPatch(),
            ];
            const compat = await runStackPolicy(rule, ambient({ compatibilityVersion: "1.25" }));
            assert.strictEqual(mandatory(compat).length, 1);
            for (const part of [
                "compatibilityVersion 1.25",
                "sets ambient.shareHostNetworkNamespace: true",
                "15014",
                "Fix:",
            ]) {
                assert.ok(compat[0].message.includes(part), `${part} missing from ${compat[0].message}`);
            }
            assert.strictEqual(mandatory(await runStackPolicy(rule, ambient({}, "1.25.2"))).length, 1);
            assert.strictEqual(
                mandatory(await runStackPolicy(rule, ambient({ ambient: { shareHostNetworkNamespace: true } }))).length,
                1,
            );
            for (const cni of [
                {},
                { compatibilityVersion: "1.26" },
                { compatibilityVersion: "1.25", ambient: { shareHostNetworkNamespace: false } },
            ]) {
                assert.deepStrictEqual(await runStackPolicy(rule, ambient(cni)), [], JSON.stringify(cni));
            }
        });
    });

    it("rejects a patch that leaves hostNetwork false, naming it", async () => {
        const reported = await runStackPolicy(rule, [
            eksCluster(),
            ciliumRelease(overlayValues("tunnel")),
            ...istioSidecar(),
            istiodHostNetworkPatch(false),
        ]);
        assert.ok(mandatory(reported)[0].message.includes('DeploymentPatch "istiod-host-network"'));
    });

    it("passes native routing: ENI mode set explicitly, v4 Chart inputs, and a rendered cilium-config", async () => {
        assert.deepStrictEqual(await runStackPolicy(rule, [eksCluster(), ciliumRelease(), ...istioSidecar()]), []);
        assert.deepStrictEqual(await runStackPolicy(rule, [eksCluster(), ciliumChart(), ...istioSidecar()]), []);
        assert.deepStrictEqual(
            await runStackPolicy(rule, [eksCluster(), ciliumConfigMap(goodCiliumConfig()), ...istioSidecar()]),
            [],
        );
    });

    it("rejects tunnel routing in v4 Chart inputs and in a rendered cilium-config", async () => {
        assert.strictEqual(
            mandatory(await runStackPolicy(rule, [eksCluster(), ciliumChart(overlayValues()), ...istioSidecar()]))
                .length,
            1,
        );
        const config = ciliumConfigMap(
            { ...goodCiliumConfig(), "routing-mode": "tunnel", ipam: "cluster-pool" },
            "cilium",
        );
        const reported = await runStackPolicy(rule, [eksCluster(), ciliumChart(), config, ...istioSidecar()]);
        assert.ok(mandatory(reported)[0].message.includes('cilium-config has "tunnel"'));
    });

    it("takes each carried chart's default routing when routingMode is unset", async () => {
        for (const version of ["1.15.19", "1.16.19", "1.17.18", "1.18.12", "1.19.6"]) {
            const reported = await runStackPolicy(rule, [
                eksCluster(),
                ciliumRelease(overlayValues(), { version }),
                ...istioSidecar(),
            ]);
            assert.ok(
                mandatory(reported)[0].message.includes(`"tunnel" (left unset; default of cilium chart ${version})`),
                version,
            );
        }
    });

    it("with eni.enabled and routingMode unset: 1.19.6 renders native, 1.18 tunnel, an uncarried 1.20 cannot be told", async () => {
        const eniNoRouting = () => ({ ...goodCiliumValues(), routingMode: undefined });
        assert.deepStrictEqual(
            await runStackPolicy(rule, [
                eksCluster(),
                ciliumRelease(eniNoRouting(), { version: "1.19.6" }),
                ...istioSidecar(),
            ]),
            [],
        );
        assert.strictEqual(
            mandatory(
                await runStackPolicy(rule, [
                    eksCluster(),
                    ciliumRelease(eniNoRouting(), { version: "1.18.12" }),
                    ...istioSidecar(),
                ]),
            ).length,
            1,
        );
        const uncarried = await runStackPolicy(rule, [
            eksCluster(),
            ciliumRelease(eniNoRouting(), { version: "1.20.0" }),
            ...istioSidecar(),
        ]);
        assert.deepStrictEqual(
            uncarried.map((r) => r.level),
            ["advisory"],
        );
        assert.ok(uncarried[0].message.includes("differs between the carried chart versions"), uncarried[0].message);
    });

    it("passes aws-cni chaining, where the VPC CNI assigns pod addresses", async () => {
        const chaining = { cni: { chainingMode: "aws-cni", exclusive: false }, socketLB: { hostNamespaceOnly: true } };
        assert.deepStrictEqual(
            await runStackPolicy(rule, [eksCluster(), ciliumRelease(chaining), ...istioSidecar()]),
            [],
        );
    });

    it("needs EKS and sidecar injection", async () => {
        assert.deepStrictEqual(
            await runStackPolicy(rule, [
                ciliumRelease({ ...overlayValues("tunnel"), k8sServiceHost: "10.0.0.1" }),
                ...istioSidecar(),
            ]),
            [],
        );
        assert.deepStrictEqual(
            await runStackPolicy(rule, [eksCluster(), ciliumRelease(overlayValues("tunnel")), ...istioAmbient()]),
            [],
        );
        assert.deepStrictEqual(
            await runStackPolicy(rule, [eksCluster(), ciliumRelease(overlayValues("tunnel")), istioRelease("base")]),
            [],
        );
        const injectedNamespace = [
            eksCluster(),
            ciliumRelease(overlayValues("tunnel")),
            namespace("apps", { "istio-injection": "enabled" }),
        ];
        assert.strictEqual(mandatory(await runStackPolicy(rule, injectedNamespace)).length, 1);
        const byEndpoint = [ciliumRelease(overlayValues("tunnel")), ...istioSidecar()];
        assert.strictEqual(
            mandatory(await runStackPolicy(rule, byEndpoint)).length,
            1,
            "k8sServiceHost names an EKS endpoint",
        );
    });

    it("reports unknown routing or an unknown hostNetwork as advisories, without throwing", async () => {
        const unknownRouting = await runStackPolicy(rule, [
            eksCluster(),
            ciliumRelease({ ...overlayValues(), routingMode: UNKNOWN.string }),
            ...istioSidecar(),
        ]);
        assert.deepStrictEqual(
            unknownRouting.map((r) => r.level),
            ["advisory"],
        );
        const unknownPatch = await runStackPolicy(rule, [
            eksCluster(),
            ciliumRelease(overlayValues("tunnel")),
            ...istioSidecar(),
            istiodHostNetworkPatch(UNKNOWN.boolean),
        ]);
        assert.strictEqual(advisories(unknownPatch).length, 1);
        assert.strictEqual(mandatory(unknownPatch).length, 0);
    });
});
