import * as assert from "assert";
import { istioCniNodeReadiness as rule } from "./istio-cni-node-readiness";
import { FixtureResource, advisories, mandatory, runStackPolicy, UNKNOWN } from "../test/harness";
import { ciliumRelease, eksCluster, goodCiliumValues, istioRelease, managedNodeGroup } from "../test/fixtures";

const CILIUM_TAINT = { key: "node.cilium.io/agent-not-ready", value: "true", effect: "NO_EXECUTE" };
const ISTIO_TAINT = { key: "cni.istio.io/not-ready", value: "true", effect: "NO_SCHEDULE" };

/** Istio charts, with istiod's untaint controller on unless said otherwise. */
function istio(
    mode: "sidecar" | "ambient",
    istiod: Record<string, unknown> = { taint: { enabled: true } },
    version = "1.30.3",
) {
    const profile = mode === "ambient" ? { profile: "ambient" } : {};
    return [
        istioRelease("base", {}, { version }),
        istioRelease("istiod", { ...profile, ...istiod }, { version }),
        istioRelease("cni", profile, { version }),
        ...(mode === "ambient" ? [istioRelease("ztunnel", {}, { version })] : []),
    ];
}

/** A Karpenter NodePool with the given startup taints. */
function nodePool(startupTaints: unknown[]): FixtureResource {
    return {
        type: "kubernetes:karpenter.sh/v1:NodePool",
        name: "general",
        props: {
            metadata: { name: "general" },
            spec: { template: { spec: { startupTaints, nodeClassRef: { name: "default" } } } },
        },
    };
}

/** Cilium 1.19.6 with its operator tolerating Istio's taint, as CiliumRelease writes it. */
function cilium(tolerations: unknown[] = [{ key: "cni.istio.io/not-ready", operator: "Exists" }], version = "1.19.6") {
    return ciliumRelease({ ...goodCiliumValues(), operator: { tolerations } }, { version });
}

describe("istio-cni-node-readiness", () => {
    it("is mandatory", () => {
        assert.strictEqual(rule.enforcementLevel, "mandatory");
    });

    it("passes node pools tainted until istio-cni is ready, an istiod that lifts the taint, and an operator that tolerates it", async () => {
        for (const mode of ["sidecar", "ambient"] as const) {
            assert.deepStrictEqual(
                await runStackPolicy(rule, [
                    eksCluster(),
                    managedNodeGroup("nodes", [CILIUM_TAINT, ISTIO_TAINT]),
                    nodePool([CILIUM_TAINT, ISTIO_TAINT]),
                    cilium(),
                    ...istio(mode),
                ]),
                [],
                mode,
            );
        }
        // Before 1.30 the controller needs its variable too; 1.15–1.17 operators tolerate every taint by default.
        assert.deepStrictEqual(
            await runStackPolicy(rule, [
                eksCluster(),
                managedNodeGroup("nodes", [CILIUM_TAINT, ISTIO_TAINT]),
                ciliumRelease(goodCiliumValues(), { version: "1.17.18" }),
                ...istio(
                    "sidecar",
                    { taint: { enabled: true }, env: { PILOT_ENABLE_NODE_UNTAINT_CONTROLLERS: "true" } },
                    "1.28.1",
                ),
            ]),
            [],
        );
    });

    it("rejects an untainted node pool in sidecar mode, advises in ambient mode (docs/istio-install.md#cni-node-readiness)", async () => {
        const sidecar = await runStackPolicy(rule, [
            eksCluster(),
            managedNodeGroup("nodes"),
            cilium(),
            ...istio("sidecar"),
        ]);
        assert.strictEqual(mandatory(sidecar).length, 1);
        for (const part of [
            "but not cni.istio.io/not-ready",
            "istio-validation",
            "istio/istio#14327",
            "Fix: taint the node pool cni.istio.io/not-ready=true:NoSchedule",
        ]) {
            assert.ok(sidecar[0].message.includes(part), `${part} missing from ${sidecar[0].message}`);
        }
        const ambient = await runStackPolicy(rule, [
            eksCluster(),
            managedNodeGroup("nodes"),
            cilium(),
            ...istio("ambient"),
        ]);
        assert.deepStrictEqual(
            ambient.map((r) => r.level),
            ["advisory"],
        );
        assert.ok(ambient[0].message.includes("outside ztunnel"), ambient[0].message);
        const karpenter = await runStackPolicy(rule, [
            eksCluster(),
            nodePool([CILIUM_TAINT]),
            cilium(),
            ...istio("sidecar"),
        ]);
        assert.ok(mandatory(karpenter)[0].message.includes("Karpenter NodePool general"), karpenter[0]?.message);
    });

    it("rejects a taint nobody lifts: istiod's controller off, or before 1.30 without its variable", async () => {
        for (const [istiod, version, part] of [
            [{}, "1.30.3", "taint.enabled is left unset (default false)"],
            [{ taint: { enabled: false } }, "1.30.3", "taint.enabled is false"],
            [{ taint: { enabled: true } }, "1.27.2", "before Istio 1.30 taint.enabled does not start the controller"],
        ] as const) {
            const reported = await runStackPolicy(rule, [
                eksCluster(),
                managedNodeGroup("nodes", [CILIUM_TAINT, ISTIO_TAINT]),
                cilium(),
                ...istio("sidecar", istiod, version),
            ]);
            assert.strictEqual(mandatory(reported).length, 1, JSON.stringify(istiod));
            assert.ok(
                reported[0].message.includes("no istiod removes it") && reported[0].message.includes(part),
                reported[0].message,
            );
        }
    });

    it("rejects a Cilium 1.18+ operator that does not tolerate the taint; 1.15–1.17 defaults tolerate every taint (docs/cilium-datapath.md#operator-tolerations)", async () => {
        const pool = managedNodeGroup("nodes", [CILIUM_TAINT, ISTIO_TAINT]);
        for (const version of ["1.18.12", "1.19.6"]) {
            const reported = await runStackPolicy(rule, [
                eksCluster(),
                pool,
                ciliumRelease(goodCiliumValues(), { version }),
                ...istio("sidecar"),
            ]);
            assert.strictEqual(mandatory(reported).length, 1, version);
            assert.ok(reported[0].message.includes("Cilium's operator does not tolerate cni.istio.io/not-ready"));
        }
        for (const version of ["1.15.19", "1.16.19", "1.17.18"]) {
            assert.deepStrictEqual(
                await runStackPolicy(rule, [
                    eksCluster(),
                    pool,
                    ciliumRelease(goodCiliumValues(), { version }),
                    ...istio("sidecar"),
                ]),
                [],
                version,
            );
        }
        assert.deepStrictEqual(
            await runStackPolicy(rule, [eksCluster(), pool, cilium([{ operator: "Exists" }]), ...istio("sidecar")]),
            [],
        );
    });

    it("does not apply without istio-cni or without node pools; reports unknown taints as could-not-check", async () => {
        assert.deepStrictEqual(await runStackPolicy(rule, [eksCluster(), managedNodeGroup("nodes"), cilium()]), []);
        assert.deepStrictEqual(await runStackPolicy(rule, [cilium(), ...istio("sidecar")]), []);
        const unknown = await runStackPolicy(rule, [
            eksCluster(),
            managedNodeGroup("nodes", UNKNOWN.array),
            cilium(),
            ...istio("sidecar"),
        ]);
        assert.ok(advisories(unknown).some((r) => r.message.includes("\nCould not check the node pool's taints")));
    });
});
