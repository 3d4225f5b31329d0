import * as assert from "assert";
import * as k8s from "@pulumi/kubernetes";
import { NamespaceDemo, NamespaceDemoArgs } from "../components/NamespaceDemo";
import { DemoCheck } from "../components/demo-objects";
import { InputError } from "../components/validation";
import { Registration, recordRegistrations } from "../engine/mock/mock-runtime";
import { one, ofType, providerUrn } from "./registrations";

const NAMESPACE = "kubernetes:core/v1:Namespace";
const SERVICE = "kubernetes:core/v1:Service";
const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const CNP = "kubernetes:cilium.io/v2:CiliumNetworkPolicy";
const PEER_AUTHN = "kubernetes:security.istio.io/v1:PeerAuthentication";
const COMPONENT = "eks-cilium-istio:index:NamespaceDemo";

interface Deployed {
    registrations: Registration[];
    checks: DemoCheck[];
    standInUrn: string;
    providerUrn: string;
}

async function deploy(args: NamespaceDemoArgs): Promise<Deployed> {
    const recorder = recordRegistrations();
    const provider = new k8s.Provider("k8s", { kubeconfig: "{}" });
    const standIn = new k8s.core.v1.ConfigMap("istio-stand-in", { data: {} }, { provider });
    const demo = new NamespaceDemo("demo", args, { provider, dependsOn: [standIn] });
    const checks = await new Promise<DemoCheck[]>((resolve) => demo.checks.apply(resolve));
    await recorder.settle();
    const standInUrn = await new Promise<string>((resolve) => standIn.urn.apply(resolve));
    const providerUrnValue = await new Promise<string>((resolve) => provider.urn.apply(resolve));
    return { registrations: recorder.registrations, checks, standInUrn, providerUrn: providerUrnValue };
}

function labelsOf(deployed: Deployed): { [ns: string]: { [key: string]: string } } {
    const labels: { [ns: string]: { [key: string]: string } } = {};
    for (const ns of ofType(deployed.registrations, NAMESPACE)) {
        labels[ns.inputs.metadata.name] = ns.inputs.metadata.labels;
    }
    return labels;
}

function expectInputError(args: NamespaceDemoArgs, input: string, allowedFragment: string): void {
    const recorder = recordRegistrations();
    assert.throws(
        () => new NamespaceDemo("demo", args),
        (err: unknown) => {
            assert.ok(err instanceof InputError, `expected InputError, got ${String(err)}`);
            assert.strictEqual(err.input, input);
            assert.ok(err.allowed.includes(allowedFragment), `"${err.allowed}" should mention "${allowedFragment}"`);
            return true;
        },
    );
    assert.strictEqual(recorder.registrations.length, 0, "nothing may be registered before validation");
}

describe("NamespaceDemo", () => {
    describe("sidecar mode, stage l7 with the fix (defaults)", () => {
        let deployed: Deployed;
        before(async () => {
            deployed = await deploy({});
        });

        it("creates namespaces red, blue, green; red and blue labelled for sidecar injection, green not enrolled", () => {
            assert.deepStrictEqual(labelsOf(deployed), {
                red: { "istio-injection": "enabled" },
                blue: { "istio-injection": "enabled" },
                green: {},
            });
        });

        it("runs httpbin (Service port 80 + Deployment) in red and blue and netshoot in all three", () => {
            const { registrations } = deployed;
            const where = (type: string, name: string) =>
                ofType(registrations, type)
                    .filter((r) => r.inputs.metadata.name === name)
                    .map((r) => r.inputs.metadata.namespace)
                    .sort();
            assert.deepStrictEqual(where(SERVICE, "httpbin"), ["blue", "red"]);
            assert.deepStrictEqual(where(DEPLOYMENT, "httpbin"), ["blue", "red"]);
            assert.deepStrictEqual(where(DEPLOYMENT, "netshoot"), ["blue", "green", "red"]);

            const service = one(registrations, SERVICE, "demo-blue-httpbin-service").inputs.spec;
            assert.deepStrictEqual(service.selector, { app: "httpbin" });
            assert.deepStrictEqual(service.ports, [{ name: "http", port: 80, targetPort: 80, protocol: "TCP" }]);

            const httpbin = one(registrations, DEPLOYMENT, "demo-red-httpbin").inputs.spec;
            assert.strictEqual(httpbin.replicas, 1);
            assert.deepStrictEqual(httpbin.template.metadata.labels, { app: "httpbin" });
            assert.deepStrictEqual(httpbin.template.spec.containers, [
                { name: "httpbin", image: "docker.io/kong/httpbin", ports: [{ containerPort: 80 }] },
            ]);

            const netshoot = one(registrations, DEPLOYMENT, "demo-green-netshoot").inputs.spec;
            assert.deepStrictEqual(netshoot.template.spec.containers, [
                { name: "netshoot", image: "nicolaka/netshoot:v0.9", command: ["sleep", "infinite"] },
            ]);
        });

        it("puts the L7 CiliumNetworkPolicy blue/default on httpbin: red and blue on TCP 80, GET /ip only", () => {
            const policy = one(deployed.registrations, CNP, "demo-blue-cilium-policy").inputs;
            assert.deepStrictEqual(policy.metadata, { name: "default", namespace: "blue" });
            assert.deepStrictEqual(policy.spec, {
                endpointSelector: { matchLabels: { app: "httpbin" } },
                ingress: [
                    {
                        fromEndpoints: [
                            { matchLabels: { "io.kubernetes.pod.namespace": "red" } },
                            { matchLabels: { "io.kubernetes.pod.namespace": "blue" } },
                        ],
                        toPorts: [
                            {
                                ports: [{ port: "80", protocol: "TCP" }],
                                rules: { http: [{ method: "GET", path: "/ip" }] },
                            },
                        ],
                    },
                ],
            });
        });

        it("disables mTLS for blue with PeerAuthentication blue/default DISABLE", () => {
            const pa = one(deployed.registrations, PEER_AUTHN, "demo-blue-peer-authentication").inputs;
            assert.deepStrictEqual(pa.metadata, { name: "default", namespace: "blue" });
            assert.deepStrictEqual(pa.spec, { mtls: { mode: "DISABLE" } });
        });

        it("holds back only the namespaces with opts.dependsOn; every other object waits only for its namespace", () => {
            const { registrations, standInUrn } = deployed;
            const component = one(registrations, COMPONENT, "demo");
            const namespaceUrns: { [ns: string]: string } = {};
            for (const ns of ofType(registrations, NAMESPACE)) {
                assert.deepStrictEqual(ns.dependencies, [standInUrn], ns.name);
                namespaceUrns[ns.inputs.metadata.name] = ns.urn;
            }
            const objects = registrations.filter((r) => [SERVICE, DEPLOYMENT, CNP, PEER_AUTHN].includes(r.type));
            assert.strictEqual(objects.length, 2 + 5 + 1 + 1);
            for (const object of objects) {
                assert.deepStrictEqual(
                    object.dependencies,
                    [namespaceUrns[object.inputs.metadata.namespace]],
                    object.name,
                );
                assert.strictEqual(object.parent, component.urn, object.name);
                assert.strictEqual(providerUrn(object), deployed.providerUrn, object.name);
            }
        });

        it("outputs the 12 check commands: red, blue, green × httpbin in red, blue × /ip, /deny", () => {
            assert.strictEqual(deployed.checks.length, 12);
            assert.deepStrictEqual(deployed.checks[0], {
                from: "red",
                to: "red",
                path: "/ip",
                command:
                    'kubectl exec -n red deploy/netshoot -- curl -s -o /dev/null -m 1 -w "%{http_code}" http://httpbin.red/ip',
            });
            const triples = deployed.checks.map((c) => `${c.from}>${c.to}${c.path}`);
            assert.deepStrictEqual(triples, [
                "red>red/ip",
                "red>red/deny",
                "red>blue/ip",
                "red>blue/deny",
                "blue>red/ip",
                "blue>red/deny",
                "blue>blue/ip",
                "blue>blue/deny",
                "green>red/ip",
                "green>red/deny",
                "green>blue/ip",
                "green>blue/deny",
            ]);
            for (const c of deployed.checks) {
                assert.strictEqual(
                    c.command,
                    `kubectl exec -n ${c.from} deploy/netshoot -- curl -s -o /dev/null -m 1 -w "%{http_code}" http://httpbin.${c.to}${c.path}`,
                );
            }
        });
    });

    describe("stages", () => {
        it("open: no Cilium policy and no PeerAuthentication", async () => {
            const deployed = await deploy({ stage: "open" });
            assert.strictEqual(ofType(deployed.registrations, CNP).length, 0);
            assert.strictEqual(ofType(deployed.registrations, PEER_AUTHN).length, 0);
        });

        it("l4: red and blue on TCP 80 without HTTP rules, and no PeerAuthentication", async () => {
            const deployed = await deploy({ stage: "l4" });
            const policy = one(deployed.registrations, CNP, "demo-blue-cilium-policy").inputs;
            assert.deepStrictEqual(policy.spec.ingress[0].toPorts, [{ ports: [{ port: "80", protocol: "TCP" }] }]);
            assert.strictEqual(ofType(deployed.registrations, PEER_AUTHN).length, 0);
        });

        it("l7 without the fix: the L7 policy stays, mTLS stays on (the broken state, on purpose)", async () => {
            const deployed = await deploy({ stage: "l7", mtlsFix: false });
            const policy = one(deployed.registrations, CNP, "demo-blue-cilium-policy").inputs;
            assert.deepStrictEqual(policy.spec.ingress[0].toPorts[0].rules, { http: [{ method: "GET", path: "/ip" }] });
            assert.strictEqual(ofType(deployed.registrations, PEER_AUTHN).length, 0);
            assert.deepStrictEqual(labelsOf(deployed).blue, { "istio-injection": "enabled" });
        });
    });

    describe("ambient mode", () => {
        it("enrols red and blue with istio.io/dataplane-mode=ambient and admits HBONE 15008 at l4", async () => {
            const deployed = await deploy({ istioMode: "ambient", stage: "l4" });
            assert.deepStrictEqual(labelsOf(deployed), {
                red: { "istio.io/dataplane-mode": "ambient" },
                blue: { "istio.io/dataplane-mode": "ambient" },
                green: {},
            });
            const policy = one(deployed.registrations, CNP, "demo-blue-cilium-policy").inputs;
            assert.deepStrictEqual(policy.spec.ingress[0].toPorts, [
                {
                    ports: [
                        { port: "80", protocol: "TCP" },
                        { port: "15008", protocol: "TCP" },
                    ],
                },
            ]);
        });

        it("l7 with the fix: red and blue leave ambient, no PeerAuthentication; HTTP rule on 80, plain 15008", async () => {
            const deployed = await deploy({ istioMode: "ambient", stage: "l7" });
            assert.deepStrictEqual(labelsOf(deployed), { red: {}, blue: {}, green: {} });
            assert.strictEqual(ofType(deployed.registrations, PEER_AUTHN).length, 0);
            const policy = one(deployed.registrations, CNP, "demo-blue-cilium-policy").inputs;
            assert.deepStrictEqual(policy.spec.ingress[0].toPorts, [
                { ports: [{ port: "80", protocol: "TCP" }], rules: { http: [{ method: "GET", path: "/ip" }] } },
                { ports: [{ port: "15008", protocol: "TCP" }] },
            ]);
        });

        it("l7 without the fix: red and blue stay in ambient", async () => {
            const deployed = await deploy({ istioMode: "ambient", stage: "l7", mtlsFix: false });
            assert.deepStrictEqual(labelsOf(deployed).red, { "istio.io/dataplane-mode": "ambient" });
            assert.deepStrictEqual(labelsOf(deployed).blue, { "istio.io/dataplane-mode": "ambient" });
        });

        it("the fix changes nothing below l7", async () => {
            const deployed = await deploy({ istioMode: "ambient", stage: "open", mtlsFix: true });
            assert.deepStrictEqual(labelsOf(deployed).blue, { "istio.io/dataplane-mode": "ambient" });
        });
    });

    describe("validation", () => {
        it("rejects an unknown mode or stage, and a non-boolean mtlsFix", () => {
            expectInputError({ istioMode: "hybrid" as never }, "NamespaceDemo.istioMode", "sidecar, ambient");
            expectInputError({ stage: "l3" as never }, "NamespaceDemo.stage", "open, l4, l7");
            expectInputError({ mtlsFix: "yes" as never }, "NamespaceDemo.mtlsFix", "true or false");
        });
    });
});
