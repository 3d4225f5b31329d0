import * as assert from "assert";
import { ambientHealthProbesAllowed as rule } from "./ambient-health-probes-allowed";
import { FixtureResource, advisories, mandatory, runStackPolicy, UNKNOWN } from "../test/harness";
import {
    ccnp,
    ciliumRelease,
    cnp,
    deployment,
    istioAmbient,
    istioSidecar,
    l4Spec,
    namespace,
    networkPolicy,
    probeAllowPolicy,
} from "../test/fixtures";

function ambientApps(): FixtureResource[] {
    return [
        ciliumRelease(),
        ...istioAmbient(),
        namespace("blue", { "istio.io/dataplane-mode": "ambient" }),
        deployment("blue", "httpbin", { probe: "http" }),
    ];
}

const denyAllIngress = () => networkPolicy("blue", "deny-all", { podSelector: {}, policyTypes: ["Ingress"] });

describe("ambient-health-probes-allowed", () => {
    it("rejects ambient pods under a default-deny NetworkPolicy with nothing admitting 169.254.7.127", async () => {
        const reported = await runStackPolicy(rule, [...ambientApps(), denyAllIngress()]);
        assert.strictEqual(mandatory(reported).length, 1);
        assert.ok(
            !mandatory(reported)[0].message.includes("any pod of namespace blue"),
            "pods deployed elsewhere are only advisory",
        );
        for (const part of [
            "NetworkPolicy blue/deny-all",
            "169.254.7.127/32",
            "Deployment blue/httpbin",
            "allow-ambient-hostprobes",
            "Fix:",
        ]) {
            assert.ok(reported[0].message.includes(part), `${part} missing from ${reported[0].message}`);
        }
    });

    it("rejects a CiliumNetworkPolicy with an ingress section (default-deny) that does not admit the probes", async () => {
        assert.strictEqual(
            mandatory(await runStackPolicy(rule, [...ambientApps(), cnp("blue", "default", l4Spec(["80", "15008"]))]))
                .length,
            1,
        );
    });

    it("passes with Istio's allow-ambient-hostprobes policy, and with an ipBlock in the NetworkPolicy", async () => {
        assert.deepStrictEqual(
            await runStackPolicy(rule, [...ambientApps(), denyAllIngress(), probeAllowPolicy()]),
            [],
        );
        const withIpBlock = networkPolicy("blue", "deny-all", {
            podSelector: {},
            ingress: [{ from: [{ ipBlock: { cidr: "169.254.7.127/32" } }] }],
        });
        assert.deepStrictEqual(await runStackPolicy(rule, [...ambientApps(), withIpBlock]), []);
        const wider = cnp("blue", "default", {
            endpointSelector: {},
            ingress: [{ fromCIDRSet: [{ cidr: "169.254.0.0/16" }] }],
        });
        assert.deepStrictEqual(await runStackPolicy(rule, [...ambientApps(), wider]), []);
        const excepted = cnp("blue", "default", {
            endpointSelector: {},
            ingress: [{ fromCIDRSet: [{ cidr: "169.254.0.0/16", except: ["169.254.7.0/24"] }] }],
        });
        assert.strictEqual(mandatory(await runStackPolicy(rule, [...ambientApps(), excepted])).length, 1);
    });

    it("rejects a catch-all clusterwide allow that leaves enableDefaultDeny on", async () => {
        const reported = await runStackPolicy(rule, [...ambientApps(), probeAllowPolicy(false)]);
        assert.strictEqual(mandatory(reported).length, 1, "probes are admitted, but every pod is now default-deny");
        assert.ok(
            reported[0].message.includes(
                "CiliumClusterwideNetworkPolicy allow-ambient-hostprobes (spec) selects every endpoint",
            ),
        );
        assert.ok(reported[0].message.includes("enableDefaultDeny"));
    });

    it("passes pods that are not redirected by ambient, and sidecar-mode stacks", async () => {
        const annotated = [
            ...ambientApps().filter((r) => r.name !== "blue-httpbin"),
            deployment("blue", "httpbin", {
                probe: "http",
                annotations: { "ambient.istio.io/redirection": "disabled" },
            }),
            denyAllIngress(),
        ];
        assert.strictEqual(
            mandatory(await runStackPolicy(rule, annotated)).length,
            0,
            "the annotated pod is not ambient-redirected",
        );
        const sidecar = [
            ciliumRelease(),
            ...istioSidecar(),
            namespace("blue", { "istio-injection": "enabled" }),
            deployment("blue", "httpbin"),
            denyAllIngress(),
        ];
        assert.deepStrictEqual(await runStackPolicy(rule, sidecar), []);
    });

    it("passes pods without network probes: none, or exec probes only (the kubelet runs those inside the container)", async () => {
        for (const probe of [undefined, "exec"]) {
            const stack = [
                ...ambientApps().filter((r) => r.name !== "blue-httpbin"),
                deployment("blue", "httpbin", { probe }),
                denyAllIngress(),
            ];
            assert.strictEqual(mandatory(await runStackPolicy(rule, stack)).length, 0, String(probe));
        }
    });

    it("finds ambient mode from a pod label, from v4 Chart inputs and from a rendered ztunnel DaemonSet", async () => {
        const podLabel = [
            ciliumRelease(),
            namespace("blue"),
            deployment("blue", "httpbin", {
                probe: "http",
                labels: { app: "httpbin", "istio.io/dataplane-mode": "ambient" },
            }),
            denyAllIngress(),
        ];
        assert.strictEqual(mandatory(await runStackPolicy(rule, podLabel)).length, 1);
        const asCharts = ambientApps().map((r) => (r.props.chart ? { ...r, type: "kubernetes:helm.sh/v4:Chart" } : r));
        assert.strictEqual(mandatory(await runStackPolicy(rule, [...asCharts, denyAllIngress()])).length, 1);
        const ztunnel: FixtureResource = {
            type: "kubernetes:apps/v1:DaemonSet",
            name: "istio:istio-system/ztunnel",
            props: { metadata: { name: "ztunnel", namespace: "istio-system" } },
        };
        const rendered = [
            ciliumRelease(),
            ztunnel,
            namespace("blue", { "istio.io/dataplane-mode": "ambient" }),
            deployment("blue", "httpbin", { probe: "http" }),
            denyAllIngress(),
        ];
        assert.strictEqual(mandatory(await runStackPolicy(rule, rendered)).length, 1);
    });

    it("reports pods of an ambient namespace the stack does not deploy itself as could-not-check", async () => {
        const reported = await runStackPolicy(rule, [
            ciliumRelease(),
            ...istioAmbient(),
            namespace("tenant", { "istio.io/dataplane-mode": "ambient" }),
            networkPolicy("tenant", "deny-all", { podSelector: {} }),
        ]);
        assert.deepStrictEqual(
            reported.map((r) => r.level),
            ["advisory"],
        );
        assert.ok(reported[0].message.includes("any pod of namespace tenant"), reported[0].message);
    });

    it("reports unknown selectors, ingress rules and labels as advisories, without throwing", async () => {
        const unknownSelector = networkPolicy("blue", "deny", {
            podSelector: { matchLabels: { app: UNKNOWN.string } },
        });
        assert.deepStrictEqual(
            (await runStackPolicy(rule, [...ambientApps(), unknownSelector])).map((r) => r.level),
            ["advisory"],
        );
        const unknownIngress = cnp("blue", "default", { endpointSelector: {}, ingress: UNKNOWN.array });
        const reported = await runStackPolicy(rule, [...ambientApps(), unknownIngress]);
        assert.strictEqual(mandatory(reported).length, 0);
        assert.ok(advisories(reported).length >= 1);
        const unknownNamespaceLabels = [
            ciliumRelease(),
            ...istioAmbient(),
            { ...namespace("blue"), props: { metadata: { name: "blue", labels: UNKNOWN.object } } },
            deployment("blue", "httpbin", { probe: "http" }),
            denyAllIngress(),
        ];
        const labels = await runStackPolicy(rule, unknownNamespaceLabels);
        assert.strictEqual(mandatory(labels).length, 0);
        assert.ok(advisories(labels).length >= 1);
        const odd = await runStackPolicy(rule, [...ambientApps(), ccnp("odd", "not a spec")]);
        assert.deepStrictEqual(
            odd.map((r) => r.level),
            ["advisory"],
        );
        assert.ok(odd[0].message.includes("spec is a string"), odd[0].message);
        const unknownProbe = [
            ...ambientApps().filter((r) => r.name !== "blue-httpbin"),
            deployment("blue", "httpbin", { probe: UNKNOWN.object }),
            denyAllIngress(),
        ];
        assert.strictEqual(mandatory(await runStackPolicy(rule, unknownProbe)).length, 0);
    });
});
