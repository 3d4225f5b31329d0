import * as assert from "assert";
import { ciliumL7PolicyVsIstioMtls as rule } from "./cilium-l7-policy-vs-istio-mtls";
import { FixtureResource, advisories, mandatory, runStackPolicy, UNKNOWN } from "../test/harness";
import {
    ccnp,
    ciliumRelease,
    cnp,
    cnpSpecs,
    deployment,
    istioAmbient,
    istioSidecar,
    l4Spec,
    l7Spec,
    namespace,
    peerAuthentication,
} from "../test/fixtures";

/**
 * The demo in sidecar mode (docs/cilium-istio-facts.md#demo): red and blue injected, httpbin in blue, the mesh-wide
 * PeerAuthentication.
 */
function sidecarDemo(meshMode = "PERMISSIVE"): FixtureResource[] {
    return [
        ciliumRelease(),
        ...istioSidecar(),
        peerAuthentication("istio-system", "default", meshMode),
        namespace("red", { "istio-injection": "enabled" }),
        namespace("blue", { "istio-injection": "enabled" }),
        namespace("green"),
        deployment("blue", "httpbin"),
        deployment("blue", "netshoot"),
        deployment("red", "httpbin"),
    ];
}

function ambientDemo(enrolled = true): FixtureResource[] {
    const labels: Record<string, string> = enrolled ? { "istio.io/dataplane-mode": "ambient" } : {};
    return [
        ciliumRelease(),
        ...istioAmbient(),
        namespace("red", labels),
        namespace("blue", labels),
        deployment("blue", "httpbin"),
    ];
}

describe("cilium-l7-policy-vs-istio-mtls", () => {
    it("rejects the demo's L7 policy without the PeerAuthentication fix, naming policy, pod, mode and fix", async () => {
        const reported = await runStackPolicy(rule, [...sidecarDemo(), cnp("blue", "default", l7Spec())]);
        assert.strictEqual(mandatory(reported).length, 1);
        for (const part of [
            "CiliumNetworkPolicy blue/default (spec)",
            "http rules on 80/TCP",
            "Deployment blue/httpbin",
            "namespace label istio-injection=enabled",
            "PeerAuthentication istio-system/default sets PERMISSIVE",
            "503",
            "Fix:",
        ]) {
            assert.ok(reported[0].message.includes(part), `${part} missing from ${reported[0].message}`);
        }
    });

    it("passes the demo's fix: PeerAuthentication DISABLE in blue (v1 and v1beta1)", async () => {
        for (const apiVersion of ["v1", "v1beta1"] as const) {
            const stack = [
                ...sidecarDemo(),
                cnp("blue", "default", l7Spec()),
                peerAuthentication("blue", "default", "DISABLE", { apiVersion }),
            ];
            assert.deepStrictEqual(await runStackPolicy(rule, stack), [], apiVersion);
        }
    });

    it("resolves PeerAuthentication: workload selector over namespace over mesh-wide, UNSET inherits, port level counts", async () => {
        const l7 = cnp("blue", "default", l7Spec());
        const workloadDisable = peerAuthentication("blue", "httpbin", "DISABLE", { selector: { app: "httpbin" } });
        const namespaceStrict = peerAuthentication("blue", "default", "STRICT");
        assert.deepStrictEqual(
            await runStackPolicy(rule, [...sidecarDemo(), l7, namespaceStrict, workloadDisable]),
            [],
        );
        const otherApp = peerAuthentication("blue", "other", "DISABLE", { selector: { app: "other" } });
        assert.strictEqual(mandatory(await runStackPolicy(rule, [...sidecarDemo(), l7, otherApp])).length, 1);
        const unsetInherits = peerAuthentication("blue", "httpbin", "UNSET", { selector: { app: "httpbin" } });
        assert.deepStrictEqual(await runStackPolicy(rule, [...sidecarDemo("DISABLE"), l7, unsetInherits]), []);
        const port80 = peerAuthentication("blue", "httpbin", "STRICT", {
            selector: { app: "httpbin" },
            portLevelMtls: { "80": { mode: "DISABLE" } },
        });
        assert.deepStrictEqual(await runStackPolicy(rule, [...sidecarDemo(), l7, port80]), []);
        const port8080 = peerAuthentication("blue", "httpbin", "STRICT", {
            selector: { app: "httpbin" },
            portLevelMtls: { "8080": { mode: "DISABLE" } },
        });
        assert.ok(
            mandatory(await runStackPolicy(rule, [...sidecarDemo(), l7, port8080]))[0].message.includes(
                "sets STRICT on port 80",
            ),
        );
        const rootSelector = peerAuthentication("istio-system", "httpbin", "DISABLE", { selector: { app: "httpbin" } });
        assert.strictEqual(
            mandatory(await runStackPolicy(rule, [...sidecarDemo(), l7, rootSelector])).length,
            1,
            "a selector in the root namespace is ignored",
        );
    });

    it("defaults to PERMISSIVE without any PeerAuthentication", async () => {
        const stack = [
            ...sidecarDemo().filter((r) => !r.type.includes("PeerAuthentication")),
            cnp("blue", "default", l7Spec()),
        ];
        assert.ok(mandatory(await runStackPolicy(rule, stack))[0].message.includes("Istio's default PERMISSIVE"));
    });

    it("ignores L4-only policies and pods outside the mesh", async () => {
        assert.deepStrictEqual(await runStackPolicy(rule, [...sidecarDemo(), cnp("blue", "default", l4Spec())]), []);
        const green = [
            ciliumRelease(),
            ...istioSidecar(),
            namespace("green"),
            deployment("green", "httpbin"),
            cnp("green", "default", l7Spec()),
        ];
        assert.deepStrictEqual(await runStackPolicy(rule, green), []);
        const optedOut = [
            ...sidecarDemo().filter((r) => r.name !== "blue-httpbin"),
            deployment("blue", "httpbin", { labels: { app: "httpbin", "sidecar.istio.io/inject": "false" } }),
            cnp("blue", "default", l7Spec()),
        ];
        assert.deepStrictEqual(await runStackPolicy(rule, optedOut), []);
    });

    it("reads the upstream demo's specs: list form", async () => {
        const reported = await runStackPolicy(rule, [
            ...sidecarDemo(),
            cnpSpecs("blue", "default", [l4Spec(["8080"]), l7Spec()]),
        ]);
        assert.strictEqual(mandatory(reported).length, 1);
        assert.ok(reported[0].message.includes("(specs[1])"));
    });

    it("rejects ambient pods under an L7 policy; passes when they leave ambient or disable redirection", async () => {
        assert.ok(
            mandatory(
                await runStackPolicy(rule, [...ambientDemo(), cnp("blue", "default", l7Spec())]),
            )[0].message.includes("ambient: namespace label"),
        );
        assert.deepStrictEqual(
            await runStackPolicy(rule, [...ambientDemo(false), cnp("blue", "default", l7Spec())]),
            [],
        );
        const annotated = [
            ...ambientDemo().filter((r) => r.name !== "blue-httpbin"),
            deployment("blue", "httpbin", { annotations: { "ambient.istio.io/redirection": "disabled" } }),
            cnp("blue", "default", l7Spec()),
        ];
        assert.deepStrictEqual(await runStackPolicy(rule, annotated), []);
    });

    it("in ambient, names only the ports that carry HTTP rules and says the rules are bypassed, not that a sidecar answers", async () => {
        // The demo's ambient l7 policy (components/demo-objects.ts): HTTP rules on 80, 15008 admitted without rules.
        const spec = l7Spec();
        spec.ingress[0].toPorts.push({ ports: [{ port: "15008", protocol: "TCP" }] });
        const [reported] = mandatory(await runStackPolicy(rule, [...ambientDemo(), cnp("blue", "default", spec)]));
        for (const part of ["http rules on 80/TCP select ambient pods", "Deployment blue/httpbin", "15008", "bypass"]) {
            assert.ok(reported.message.includes(part), `${part} missing from ${reported.message}`);
        }
        assert.ok(!reported.message.includes("80/TCP, 15008/TCP"), reported.message);
        // The first line is the rule's description, for every mode; the finding follows it.
        const finding = reported.message.split("\n").slice(1).join("\n");
        assert.ok(!/sidecar|503/.test(finding), finding);
    });

    it("judges a clusterwide policy and a namespace-wide selector through the namespace's pods", async () => {
        const everyBluePod = ccnp("l7-blue", {
            ...l7Spec(),
            endpointSelector: { matchLabels: { "k8s:io.kubernetes.pod.namespace": "blue" } },
        });
        const reported = await runStackPolicy(rule, [...sidecarDemo(), everyBluePod]);
        assert.ok(mandatory(reported)[0].message.includes("any pod of namespace blue"), reported[0]?.message);
        const noWorkloads = [
            ciliumRelease(),
            ...istioSidecar(),
            namespace("apps", { "istio-injection": "enabled" }),
            cnp("apps", "all", { ...l7Spec(), endpointSelector: {} }),
        ];
        assert.strictEqual(mandatory(await runStackPolicy(rule, noWorkloads)).length, 1);
    });

    it("finds Istio installed by helm.v4.Chart inputs as well", async () => {
        const asCharts = sidecarDemo().map((r) =>
            r.props.chart && r.props.chart !== "cilium" ? { ...r, type: "kubernetes:helm.sh/v4:Chart" } : r,
        );
        assert.strictEqual(
            mandatory(await runStackPolicy(rule, [...asCharts, cnp("blue", "default", l7Spec())])).length,
            1,
        );
        assert.deepStrictEqual(
            await runStackPolicy(rule, [
                ...asCharts,
                cnp("blue", "default", l7Spec()),
                peerAuthentication("blue", "default", "DISABLE"),
            ]),
            [],
        );
    });

    it("does not apply without Istio", async () => {
        assert.deepStrictEqual(
            await runStackPolicy(rule, [
                ciliumRelease(),
                namespace("blue"),
                deployment("blue", "httpbin"),
                cnp("blue", "default", l7Spec()),
            ]),
            [],
        );
    });

    it("uses the rootNamespace option for the mesh-wide PeerAuthentication", async () => {
        const stack = [
            namespace("blue", { "istio-injection": "enabled" }),
            deployment("blue", "httpbin"),
            cnp("blue", "default", l7Spec()),
            peerAuthentication("mesh-root", "default", "DISABLE"),
        ];
        assert.strictEqual(mandatory(await runStackPolicy(rule, stack)).length, 1);
        assert.deepStrictEqual(await runStackPolicy(rule, stack, { config: { rootNamespace: "mesh-root" } }), []);
        assert.deepStrictEqual(rule.configSchema?.properties.rootNamespace.type, "string");
    });

    it("reports what it cannot check as advisories, without throwing", async () => {
        const unknownMode = [
            ...sidecarDemo(),
            cnp("blue", "default", l7Spec()),
            peerAuthentication("blue", "default", UNKNOWN.string),
        ];
        assert.deepStrictEqual(
            (await runStackPolicy(rule, unknownMode)).map((r) => r.level),
            ["advisory"],
        );
        const unknownLabels = [
            ...sidecarDemo().filter((r) => r.name !== "blue"),
            { ...namespace("blue"), props: { metadata: { name: "blue", labels: UNKNOWN.object } } },
            cnp("blue", "default", l7Spec()),
        ];
        assert.deepStrictEqual(
            (await runStackPolicy(rule, unknownLabels)).map((r) => r.level),
            ["advisory"],
        );
        for (const odd of [
            cnp("blue", "default", UNKNOWN.object),
            cnp("blue", "default", "not a spec"),
            cnpSpecs("blue", "default", { not: "a list" }),
            cnp("blue", "default", { ...l7Spec(), ingress: UNKNOWN.array }),
        ]) {
            const reported = await runStackPolicy(rule, [...sidecarDemo(), odd]);
            assert.strictEqual(mandatory(reported).length, 0, JSON.stringify(odd.props));
            assert.strictEqual(advisories(reported).length, 1, JSON.stringify(odd.props));
        }
        const elsewhere = [
            ...sidecarDemo(),
            cnp("blue", "default", { ...l7Spec(), endpointSelector: { matchLabels: { app: "payments" } } }),
        ];
        const unseen = await runStackPolicy(rule, elsewhere);
        assert.deepStrictEqual(
            unseen.map((r) => r.level),
            ["advisory"],
        );
        assert.ok(unseen[0].message.includes("pods deployed elsewhere decide"));
        const unplacedPod = deployment("blue", "web");
        unplacedPod.props.metadata.namespace = UNKNOWN.string;
        const unplaced = await runStackPolicy(rule, [
            ...sidecarDemo(),
            cnp("blue", "default", l7Spec()),
            peerAuthentication("blue", "default", "DISABLE"),
            unplacedPod,
        ]);
        assert.deepStrictEqual(
            unplaced.map((r) => r.level),
            ["advisory"],
        );
        assert.ok(unplaced[0].message.includes("whether a Cilium L7 policy selects this pod"), unplaced[0].message);
        const undeclared = await runStackPolicy(rule, [
            ciliumRelease(),
            ...istioSidecar(),
            cnp("shop", "default", l7Spec()),
        ]);
        assert.ok(undeclared[0].message.includes("namespace shop is not declared"));
    });
});
