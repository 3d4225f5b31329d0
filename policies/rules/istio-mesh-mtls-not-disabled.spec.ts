import * as assert from "assert";
import { istioMeshMtlsNotDisabled as rule } from "./istio-mesh-mtls-not-disabled";
import { advisories, mandatory, runStackPolicy, UNKNOWN } from "../test/harness";
import {
    ciliumRelease,
    cnp,
    deployment,
    istioRelease,
    istioSidecar,
    l4Spec,
    l7Spec,
    namespace,
    peerAuthentication,
} from "../test/fixtures";

const blue = () => [
    namespace("blue", { "istio-injection": "enabled" }),
    deployment("blue", "httpbin"),
    deployment("blue", "netshoot"),
];

describe("istio-mesh-mtls-not-disabled", () => {
    it("rejects DISABLE in the root namespace, naming it and the fix", async () => {
        const reported = await runStackPolicy(rule, [
            ...istioSidecar(),
            peerAuthentication("istio-system", "default", "DISABLE"),
        ]);
        assert.strictEqual(mandatory(reported).length, 1);
        for (const part of [
            "PeerAuthentication istio-system/default",
            "root namespace istio-system",
            "every workload in the mesh",
            "Fix:",
        ]) {
            assert.ok(reported[0].message.includes(part), `${part} missing from ${reported[0].message}`);
        }
    });

    it("passes STRICT and PERMISSIVE mesh-wide, and ignores a selector policy in the root namespace", async () => {
        for (const mode of ["STRICT", "PERMISSIVE", "UNSET"]) {
            assert.deepStrictEqual(
                await runStackPolicy(rule, [...istioSidecar(), peerAuthentication("istio-system", "default", mode)]),
                [],
                mode,
            );
        }
        const withSelector = peerAuthentication("istio-system", "x", "DISABLE", { selector: { app: "x" } });
        assert.deepStrictEqual(await runStackPolicy(rule, [...istioSidecar(), withSelector]), []);
    });

    it("finds the root namespace from istiod's meshConfig or its namespace, or the rootNamespace option", async () => {
        const istiod = istioRelease("istiod", { meshConfig: { rootNamespace: "mesh-root" } });
        const rooted = await runStackPolicy(rule, [istiod, peerAuthentication("mesh-root", "default", "DISABLE")]);
        assert.ok(mandatory(rooted)[0].message.includes("meshConfig.rootNamespace"));
        const inOther = istioRelease("istiod", {}, { namespace: "istio-control" });
        assert.strictEqual(
            mandatory(await runStackPolicy(rule, [inOther, peerAuthentication("istio-control", "default", "DISABLE")]))
                .length,
            1,
        );
        const asChart = { ...istiod, type: "kubernetes:helm.sh/v4:Chart" };
        assert.strictEqual(
            mandatory(await runStackPolicy(rule, [asChart, peerAuthentication("mesh-root", "default", "DISABLE")]))
                .length,
            1,
        );
        assert.deepStrictEqual(
            (await runStackPolicy(rule, [asChart, peerAuthentication("istio-system", "default", "DISABLE")])).map(
                (r) => r.level,
            ),
            ["advisory"],
            "istio-system is not the root namespace of this mesh: a namespace DISABLE",
        );
        const optioned = await runStackPolicy(rule, [peerAuthentication("mesh-root", "default", "DISABLE")], {
            config: { rootNamespace: "mesh-root" },
        });
        assert.ok(mandatory(optioned)[0].message.includes("the rule's rootNamespace option"));
    });

    it("passes the demo's namespace DISABLE that a Cilium L7 policy on its pods justifies", async () => {
        const stack = [
            ciliumRelease(),
            ...istioSidecar(),
            ...blue(),
            cnp("blue", "default", l7Spec()),
            peerAuthentication("blue", "default", "DISABLE", { apiVersion: "v1beta1" }),
        ];
        assert.deepStrictEqual(await runStackPolicy(rule, stack), []);
        const workload = [
            ciliumRelease(),
            ...istioSidecar(),
            ...blue(),
            cnp("blue", "default", l7Spec()),
            peerAuthentication("blue", "httpbin", "DISABLE", { selector: { app: "httpbin" } }),
        ];
        assert.deepStrictEqual(await runStackPolicy(rule, workload), []);
    });

    it("reports an unjustified namespace or workload DISABLE as advisory", async () => {
        const l4Only = await runStackPolicy(rule, [
            ciliumRelease(),
            ...istioSidecar(),
            ...blue(),
            cnp("blue", "default", l4Spec()),
            peerAuthentication("blue", "default", "DISABLE"),
        ]);
        assert.deepStrictEqual(
            l4Only.map((r) => r.level),
            ["advisory"],
        );
        assert.ok(l4Only[0].message.includes("no Cilium L7 policy selects those pods"));
        const otherPods = await runStackPolicy(rule, [
            ciliumRelease(),
            ...istioSidecar(),
            ...blue(),
            cnp("blue", "default", l7Spec()),
            peerAuthentication("blue", "netshoot", "DISABLE", { selector: { app: "netshoot" } }),
        ]);
        assert.deepStrictEqual(
            otherPods.map((r) => r.level),
            ["advisory"],
        );
        const portLevel = await runStackPolicy(rule, [
            ...istioSidecar(),
            ...blue(),
            peerAuthentication("blue", "httpbin", "STRICT", {
                selector: { app: "httpbin" },
                portLevelMtls: { "80": { mode: "DISABLE" } },
            }),
        ]);
        assert.ok(advisories(portLevel)[0].message.includes("portLevelMtls: DISABLE"));
    });

    it("reports an unknown mode or selector as could-not-check, without throwing", async () => {
        const unknownMode = await runStackPolicy(rule, [
            ...istioSidecar(),
            peerAuthentication("istio-system", "default", UNKNOWN.string),
        ]);
        assert.deepStrictEqual(
            unknownMode.map((r) => r.level),
            ["advisory"],
        );
        assert.ok(unknownMode[0].message.includes("\nCould not check whether it disables mTLS"));
        const unplaced = peerAuthentication("blue", "x", "DISABLE");
        unplaced.props.metadata.namespace = UNKNOWN.string;
        const unplacedReported = await runStackPolicy(rule, [...istioSidecar(), unplaced]);
        assert.deepStrictEqual(
            unplacedReported.map((r) => r.level),
            ["advisory"],
        );
        assert.ok(unplacedReported[0].message.includes("\nCould not check whether it disables mTLS mesh-wide"));
        const unknownSelector = peerAuthentication("blue", "x", "DISABLE");
        unknownSelector.props.spec.selector = { matchLabels: { app: UNKNOWN.string } };
        const reported = await runStackPolicy(rule, [...istioSidecar(), ...blue(), unknownSelector]);
        assert.ok(
            reported.length === 1 && reported[0].message.includes("\nCould not check which pods its DISABLE covers"),
            reported[0]?.message,
        );
    });
});
