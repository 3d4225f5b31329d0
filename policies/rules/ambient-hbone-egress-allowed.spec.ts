import * as assert from "assert";
import { ambientHboneEgressAllowed as rule } from "./ambient-hbone-egress-allowed";
import { FixtureResource, mandatory, runStackPolicy, UNKNOWN } from "../test/harness";
import { ciliumRelease, cnp, deployment, istioAmbient, namespace, networkPolicy } from "../test/fixtures";

function ambientApps(redMode: "ambient" | "none" = "ambient"): FixtureResource[] {
    return [
        ciliumRelease(),
        ...istioAmbient(),
        namespace("red", redMode === "ambient" ? { "istio.io/dataplane-mode": "ambient" } : {}),
        namespace("blue", { "istio.io/dataplane-mode": "ambient" }),
        deployment("red", "netshoot"),
        deployment("blue", "httpbin"),
    ];
}

/** netshoot in red may reach blue's pods on `ports`, and kube-dns on 53 (a common egress policy's shape). */
function egressToBlue(ports: string[]): FixtureResource {
    return cnp("red", "egress", {
        endpointSelector: { matchLabels: { app: "netshoot" } },
        egress: [
            {
                toEndpoints: [{ matchLabels: { "io.kubernetes.pod.namespace": "blue" } }],
                toPorts: [{ ports: ports.map((port) => ({ port, protocol: "TCP" })) }],
            },
            {
                toEndpoints: [
                    { matchLabels: { "k8s:io.kubernetes.pod.namespace": "kube-system", "k8s:k8s-app": "kube-dns" } },
                ],
                toPorts: [{ ports: [{ port: "53", protocol: "ANY" }] }],
            },
        ],
    });
}

describe("ambient-hbone-egress-allowed", () => {
    it("is mandatory", () => {
        assert.strictEqual(rule.enforcementLevel, "mandatory");
    });

    it("rejects an ambient client's egress that admits ambient servers on their application port only (docs/mesh-policy.md#hbone-egress)", async () => {
        const reported = await runStackPolicy(rule, [...ambientApps(), egressToBlue(["80"])]);
        assert.strictEqual(mandatory(reported).length, 1);
        for (const part of [
            "CiliumNetworkPolicy red/egress (spec)",
            "Deployment red/netshoot",
            "Deployment blue/httpbin",
            "only on 80/TCP, not 15008/TCP",
            "Fix: add port 15008/TCP",
        ]) {
            assert.ok(reported[0].message.includes(part), `${part} missing from ${reported[0].message}`);
        }
        const np = networkPolicy("red", "egress", {
            podSelector: {},
            policyTypes: ["Egress"],
            egress: [
                {
                    to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "blue" } } }],
                    ports: [{ port: 80 }],
                },
            ],
        });
        assert.strictEqual(mandatory(await runStackPolicy(rule, [...ambientApps(), np])).length, 1);
    });

    it("passes 15008 admitted, egress that reaches no ambient pod, clients out of ambient, and egress not in default deny", async () => {
        assert.deepStrictEqual(await runStackPolicy(rule, [...ambientApps(), egressToBlue(["80", "15008"])]), []);
        const dnsOnly = cnp("red", "dns", {
            endpointSelector: {},
            egress: [
                {
                    toEndpoints: [{ matchLabels: { "k8s:io.kubernetes.pod.namespace": "kube-system" } }],
                    toPorts: [{ ports: [{ port: "53" }] }],
                },
            ],
        });
        assert.deepStrictEqual(await runStackPolicy(rule, [...ambientApps(), dnsOnly]), []);
        assert.deepStrictEqual(await runStackPolicy(rule, [...ambientApps("none"), egressToBlue(["80"])]), []);
        const optedOut = egressToBlue(["80"]);
        optedOut.props.spec.enableDefaultDeny = { egress: false };
        assert.deepStrictEqual(await runStackPolicy(rule, [...ambientApps(), optedOut]), []);
    });

    it("reports unknown egress rules as could-not-check", async () => {
        const unknown = cnp("red", "egress", { endpointSelector: {}, egress: UNKNOWN.array });
        const reported = await runStackPolicy(rule, [...ambientApps(), unknown]);
        assert.ok(
            reported.some((r) => r.message.includes("\nCould not check the egress rules")),
            JSON.stringify(reported),
        );
    });
});
