import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { CILIUM_SCHEMA_KEYS, CILIUM_SCHEMA_VERSIONS } from "../components/chart-schemas/cilium-keys";
import Ajv from "ajv";
import { AJV_OPTIONS, carriedSchemaVersions, ciliumSchemaErrors } from "../components/chart-schemas/cilium-schemas";
import { buildCiliumValues, CiliumValuesInput, resolveCiliumChartVersion } from "../components/cilium-values";
import { InputError } from "../components/validation";
import { valueAt } from "../components/values-merge";
import { CILIUM_CHART_VERSIONS } from "../policies/model/carried-charts";
import { hostRouting, readCiliumInstalls } from "../policies/model/cilium-settings";

const HOST = "0123456789ABCDEF.gr7.us-west-2.eks.amazonaws.com";
const ALL_VERSIONS = CILIUM_CHART_VERSIONS;
const DATAPATHS = ["eni", "chaining", "overlay"];

/**
 * Every option switched on that the datapath and chart allow (Gateway API needs kube-proxy replacement: not with
 * chaining; ambient needs Cilium 1.16 or later).
 */
function withOptions(datapath: string, version = "1.19.6"): CiliumValuesInput {
    return {
        version,
        datapath,
        k8sServiceHost: HOST,
        k8sServicePort: 8443,
        tunnelProtocol: "geneve",
        istioMode: version.startsWith("1.15.") ? "sidecar" : "ambient",
        hubble: { enabled: true, relay: true, ui: true },
        prometheus: true,
        gatewayApi: datapath !== "chaining",
        operatorReplicas: 1,
        extraValues: { hubble: { metrics: { enabled: ["dns", "drop", "flow"] } } },
    };
}

function expectInputError(input: CiliumValuesInput, name: string, allowedFragment: string): InputError {
    let caught: unknown;
    assert.throws(
        () => buildCiliumValues(input),
        (err: unknown) => {
            caught = err;
            return true;
        },
    );
    assert.ok(caught instanceof InputError, `expected an InputError, got ${String(caught)}`);
    assert.strictEqual(caught.input, name);
    assert.ok(caught.allowed.includes(allowedFragment), `"${caught.allowed}" should mention "${allowedFragment}"`);
    return caught;
}

describe("Cilium values builder", () => {
    describe("against the chart's own values.schema.json", () => {
        it("carries a schema for exactly the chart versions the extractor is told about", () => {
            assert.deepStrictEqual(carriedSchemaVersions().sort(), [...CILIUM_SCHEMA_VERSIONS].sort());
        });

        for (const version of CILIUM_SCHEMA_VERSIONS) {
            for (const datapath of DATAPATHS) {
                for (const [label, input] of [
                    ["defaults", { datapath, k8sServiceHost: HOST }],
                    ["every option", withOptions(datapath, version)],
                    ["without Istio", { datapath, k8sServiceHost: HOST, istio: false }],
                ] as const) {
                    it(`${datapath}, ${label}: validates against cilium ${version}'s schema`, () => {
                        const values = buildCiliumValues({ ...input, version });
                        assert.deepStrictEqual(ciliumSchemaErrors(version, values), []);
                    });
                }
            }

            it(`the ${version} schema is valid draft-07, as compiling it without the meta-schema check assumes`, () => {
                const schema = JSON.parse(
                    fs.readFileSync(
                        path.join(__dirname, "..", "components", "chart-schemas", `cilium-${version}.schema.json`),
                        "utf8",
                    ),
                );
                const checking = new Ajv({ ...AJV_OPTIONS, validateSchema: true });
                assert.strictEqual(checking.validateSchema(schema), true, JSON.stringify(checking.errors));
                assert.strictEqual(
                    checking.validateSchema({ ...schema, properties: { operator: { type: "integr" } } }),
                    false,
                );
            });

            it(`the ${version} schema is not vacuous: it rejects a wrongly typed value the builder writes`, () => {
                const values = buildCiliumValues({ version, k8sServiceHost: HOST });
                const broken = { ...values, operator: { replicas: "2" }, socketLB: { enabled: "yes" } };
                assert.deepStrictEqual(
                    ciliumSchemaErrors(version, broken)
                        .map((e) => e.path)
                        .sort(),
                    ["operator.replicas", "socketLB.enabled"],
                );
            });
        }

        it("writes only top-level keys whose schema is carried, so nothing it writes escapes the check", () => {
            for (const version of ALL_VERSIONS) {
                for (const datapath of DATAPATHS) {
                    for (const key of Object.keys(buildCiliumValues(withOptions(datapath, version)))) {
                        assert.ok(
                            CILIUM_SCHEMA_KEYS.includes(key),
                            `${key} (${datapath}, ${version}) is not a carried schema key`,
                        );
                    }
                }
            }
        });

        it("rejects values the schema rejects, listing each offending path, when they come through extraValues", () => {
            const error = expectInputError(
                {
                    k8sServiceHost: HOST,
                    extraValues: { operator: { replicas: "two" }, hubble: { relay: { enabled: "yes" } } },
                },
                "CiliumRelease.values",
                "cilium chart 1.19.6's values.schema.json",
            );
            assert.deepStrictEqual(error.value, { "hubble.relay.enabled": "yes", "operator.replicas": "two" });
            assert.ok(error.allowed.includes("operator.replicas must be integer"), error.allowed);
            assert.ok(error.allowed.includes("hubble.relay.enabled must be boolean"), error.allowed);
        });

        it("checks a patch release of a carried minor with that minor's carried schema", () => {
            assert.deepStrictEqual(
                { ...resolveCiliumChartVersion("1.18.3"), operatorTolerations: undefined },
                {
                    version: "1.18.3",
                    carried: "1.18.12",
                    booleanKubeProxyReplacement: true,
                    enableDefaultDeny: true,
                    nonDefaultDenyPoliciesValue: true,
                    operatorTolerations: undefined,
                    hasSchema: true,
                },
            );
            expectInputError(
                { version: "1.18.3", k8sServiceHost: HOST, extraValues: { operator: { replicas: 1.5 } } },
                "CiliumRelease.values",
                "cilium chart 1.18.12's",
            );
        });

        it("has no schema to check for 1.15 charts (none ships one) and says so", () => {
            assert.deepStrictEqual(resolveCiliumChartVersion("1.15.19"), {
                version: "1.15.19",
                carried: "1.15.19",
                booleanKubeProxyReplacement: false,
                enableDefaultDeny: false,
                nonDefaultDenyPoliciesValue: false,
                operatorTolerations: undefined,
                hasSchema: false,
            });
        });
    });

    describe("per datapath (docs/cilium-istio-facts.md#cilium-on-eks)", () => {
        it("eni: ENI IPAM, native routing, kube-proxy replacement with the API host, IPv4 masquerading on", () => {
            const values = buildCiliumValues({ datapath: "eni", k8sServiceHost: HOST, istio: false });
            assert.deepStrictEqual(values, {
                kubeProxyReplacement: true,
                eni: { enabled: true },
                ipam: { mode: "eni" },
                routingMode: "native",
                k8sServiceHost: HOST,
                k8sServicePort: 443,
                enableIPv4Masquerade: true,
                operator: { replicas: 2 },
                hubble: { enabled: true, relay: { enabled: false }, ui: { enabled: false } },
            });
        });

        describe("eni: pods' Internet traffic is masqueraded on every carried chart and any node AMI (docs/cilium-datapath.md#masquerading-default-choice)", () => {
            /** The settings the policy pack reads from a Helm release of these values at this chart version. */
            const effective = (values: Record<string, unknown>, version: string) =>
                readCiliumInstalls([
                    {
                        type: "kubernetes:helm.sh/v3:Release",
                        urn: "urn:pulumi:test::p::kubernetes:helm.sh/v3:Release::cilium",
                        name: "cilium",
                        props: { chart: "cilium", repositoryOpts: { repo: "https://helm.cilium.io" }, version, values },
                    },
                ])[0].settings;

            for (const version of ALL_VERSIONS) {
                it(`${version}: enableIPv4Masquerade true with no interface match, so traffic leaving the VPC takes the node's address on eth0 or ens5`, () => {
                    const values = buildCiliumValues({ version, k8sServiceHost: HOST });
                    assert.strictEqual(values.enableIPv4Masquerade, true);
                    assert.strictEqual(values.egressMasqueradeInterfaces, undefined, "eth+ matched nothing on AL2023");
                    const settings = effective(values, version);
                    assert.strictEqual(settings.ipv4Masquerade.value, true);
                    assert.strictEqual(settings.ipv4Masquerade.origin, "set");
                });
            }

            it("left to the charts, 1.18+ would not masquerade in ENI mode at all (cilium/cilium#38663): removing eth+ alone changes nothing", () => {
                for (const version of ALL_VERSIONS) {
                    const { enableIPv4Masquerade: _set, ...chartDefault } = buildCiliumValues({
                        version,
                        k8sServiceHost: HOST,
                    });
                    const expected = version.startsWith("1.18.") || version.startsWith("1.19.") ? false : true;
                    assert.strictEqual(effective(chartDefault, version).ipv4Masquerade.value, expected, version);
                }
            });

            it("with iptables masquerading the agent keeps legacy host routing on every version, even without bpf.hostLegacyRouting", () => {
                for (const version of ALL_VERSIONS) {
                    const settings = effective(buildCiliumValues({ version, k8sServiceHost: HOST }), version);
                    assert.strictEqual(hostRouting(settings).bpf, false, version);
                }
            });

            it("nodes behind a NAT gateway may turn it off through extraValues", () => {
                const values = buildCiliumValues({
                    k8sServiceHost: HOST,
                    extraValues: { enableIPv4Masquerade: false },
                });
                assert.strictEqual(values.enableIPv4Masquerade, false);
            });
        });

        it("chaining: aws-cni chaining, no IPv4 masquerade, native routing, endpoint routes, kube-proxy kept", () => {
            const values = buildCiliumValues({ datapath: "chaining", istio: false });
            assert.deepStrictEqual(values, {
                kubeProxyReplacement: false,
                cni: { chainingMode: "aws-cni", exclusive: false },
                enableIPv4Masquerade: false,
                routingMode: "native",
                endpointRoutes: { enabled: true },
                operator: { replicas: 2 },
                hubble: { enabled: true, relay: { enabled: false }, ui: { enabled: false } },
            });
        });

        it("chaining passes an API host on when given, without requiring it", () => {
            const values = buildCiliumValues({ datapath: "chaining", k8sServiceHost: HOST, k8sServicePort: 6443 });
            assert.strictEqual(values.k8sServiceHost, HOST);
            assert.strictEqual(values.k8sServicePort, 6443);
        });

        for (const tunnelProtocol of ["vxlan", "geneve"]) {
            it(`overlay (${tunnelProtocol}): tunnel routing with that protocol, kube-proxy replacement, no ENI`, () => {
                const values = buildCiliumValues({ datapath: "overlay", tunnelProtocol, k8sServiceHost: HOST });
                assert.strictEqual(values.routingMode, "tunnel");
                assert.strictEqual(values.tunnelProtocol, tunnelProtocol);
                assert.strictEqual(values.kubeProxyReplacement, true);
                assert.strictEqual(values.k8sServiceHost, HOST);
                assert.strictEqual(values.eni, undefined);
                assert.strictEqual(values.ipam, undefined);
            });
        }

        it("uses tunnelProtocol only for overlay", () => {
            assert.strictEqual(
                buildCiliumValues({ datapath: "eni", tunnelProtocol: "geneve", k8sServiceHost: HOST }).tunnelProtocol,
                undefined,
            );
        });
    });

    describe("with Istio", () => {
        for (const datapath of DATAPATHS) {
            it(`${datapath}: always socketLB.hostNamespaceOnly true and cni.exclusive false (docs/failure-modes.md#f1, #f2), by default`, () => {
                const values = buildCiliumValues({ datapath, k8sServiceHost: HOST });
                assert.deepStrictEqual(values.socketLB, { hostNamespaceOnly: true });
                assert.strictEqual(valueAt(values, "cni.exclusive"), false);
                assert.strictEqual(values.bpf, undefined, "sidecar mode sets no bpf values");
            });
        }

        it("leaves both to the chart when the stack has no Istio", () => {
            const values = buildCiliumValues({ datapath: "eni", k8sServiceHost: HOST, istio: false });
            assert.strictEqual(values.socketLB, undefined);
            assert.strictEqual(values.cni, undefined);
        });

        it("ambient: turns BPF masquerading off and legacy host routing on (docs/failure-modes.md#f5)", () => {
            const values = buildCiliumValues({ k8sServiceHost: HOST, istioMode: "ambient" });
            assert.deepStrictEqual(values.bpf, { masquerade: false, hostLegacyRouting: true });
        });

        describe("ambient and Istio's allow-ambient-hostprobes policy (docs/cilium-datapath.md#enable-default-deny)", () => {
            it("rejects Cilium 1.15, which has no enableDefaultDeny, before anything is built", () => {
                for (const version of ["1.15.0", "1.15.19"]) {
                    expectInputError(
                        { version, k8sServiceHost: HOST, istioMode: "ambient" },
                        "CiliumRelease.version",
                        "1.16.0 or later when Istio runs in ambient mode",
                    );
                }
                assert.ok(buildCiliumValues({ version: "1.15.19", k8sServiceHost: HOST, istioMode: "sidecar" }));
                assert.ok(
                    buildCiliumValues({ version: "1.15.19", k8sServiceHost: HOST, istio: false, istioMode: "ambient" }),
                );
            });

            it("keeps enableNonDefaultDenyPolicies on from 1.17, where the chart has it; 1.16 always honours the field", () => {
                assert.strictEqual(
                    buildCiliumValues({ version: "1.16.19", k8sServiceHost: HOST, istioMode: "ambient" })
                        .enableNonDefaultDenyPolicies,
                    undefined,
                );
                for (const version of ["1.17.18", "1.18.12", "1.19.6"]) {
                    assert.strictEqual(
                        buildCiliumValues({ version, k8sServiceHost: HOST, istioMode: "ambient" })
                            .enableNonDefaultDenyPolicies,
                        true,
                    );
                    expectInputError(
                        {
                            version,
                            k8sServiceHost: HOST,
                            istioMode: "ambient",
                            extraValues: { enableNonDefaultDenyPolicies: false },
                        },
                        "CiliumRelease.extraValues.enableNonDefaultDenyPolicies",
                        "allow-ambient-hostprobes",
                    );
                }
            });
        });

        describe("Cilium's operator on nodes tainted until istio-cni is ready (docs/cilium-datapath.md#operator-tolerations)", () => {
            const ISTIO_TOLERATION = { key: "cni.istio.io/not-ready", operator: "Exists" };

            for (const version of ["1.18.12", "1.19.6"]) {
                it(`${version}: adds the taint's toleration to the chart's own operator tolerations`, () => {
                    const values = buildCiliumValues({ version, k8sServiceHost: HOST });
                    assert.deepStrictEqual(values.operator.tolerations, [
                        { key: "node-role.kubernetes.io/control-plane", operator: "Exists" },
                        { key: "node-role.kubernetes.io/master", operator: "Exists" },
                        { key: "node.kubernetes.io/not-ready", operator: "Exists" },
                        { key: "node.cloudprovider.kubernetes.io/uninitialized", operator: "Exists" },
                        ISTIO_TOLERATION,
                    ]);
                    assert.strictEqual(
                        buildCiliumValues({ version, k8sServiceHost: HOST, istio: false }).operator.tolerations,
                        undefined,
                    );
                });
            }

            it("1.15–1.17: leaves the chart's default, which tolerates every taint", () => {
                for (const version of ["1.15.19", "1.16.19", "1.17.18"]) {
                    assert.strictEqual(
                        buildCiliumValues({ version, k8sServiceHost: HOST }).operator.tolerations,
                        undefined,
                    );
                }
            });

            it("rejects extraValues tolerations that leave the taint out; takes ones that tolerate it", () => {
                expectInputError(
                    {
                        k8sServiceHost: HOST,
                        extraValues: { operator: { tolerations: [{ key: "x", operator: "Exists" }] } },
                    },
                    "CiliumRelease.extraValues.operator.tolerations",
                    "a list that tolerates cni.istio.io/not-ready",
                );
                for (const tolerations of [
                    [{ operator: "Exists" }],
                    [ISTIO_TOLERATION],
                    [{ key: "cni.istio.io/not-ready", operator: "Equal", value: "true", effect: "NoSchedule" }],
                ]) {
                    const values = buildCiliumValues({
                        k8sServiceHost: HOST,
                        extraValues: { operator: { tolerations } },
                    });
                    assert.deepStrictEqual(values.operator.tolerations, tolerations);
                }
                expectInputError(
                    {
                        k8sServiceHost: HOST,
                        extraValues: {
                            operator: {
                                tolerations: [{ key: "cni.istio.io/not-ready", operator: "Equal", value: "no" }],
                            },
                        },
                    },
                    "CiliumRelease.extraValues.operator.tolerations",
                    "cni.istio.io/not-ready",
                );
            });
        });

        it("ignores istioMode when the stack has no Istio", () => {
            assert.strictEqual(
                buildCiliumValues({ k8sServiceHost: HOST, istio: false, istioMode: "ambient" }).bpf,
                undefined,
            );
        });
    });

    describe("options", () => {
        it("Hubble relay and UI, Prometheus on agent and operator, operator replicas", () => {
            const values = buildCiliumValues({
                k8sServiceHost: HOST,
                hubble: { relay: true, ui: true },
                prometheus: true,
                operatorReplicas: 3,
            });
            assert.deepStrictEqual(values.hubble, { enabled: true, relay: { enabled: true }, ui: { enabled: true } });
            assert.deepStrictEqual(values.prometheus, { enabled: true });
            assert.strictEqual(values.operator.replicas, 3);
            assert.deepStrictEqual(values.operator.prometheus, { enabled: true });
        });

        it("Gateway API with the L7 proxy and an explicit kube-proxy replacement", () => {
            const values = buildCiliumValues({ k8sServiceHost: HOST, gatewayApi: true });
            assert.deepStrictEqual(values.gatewayAPI, { enabled: true });
            assert.strictEqual(values.l7Proxy, true);
            assert.strictEqual(values.kubeProxyReplacement, true);
        });

        it("merges extraValues last: maps key by key, other values replace", () => {
            const values = buildCiliumValues({
                k8sServiceHost: HOST,
                hubble: { relay: true },
                extraValues: {
                    egressMasqueradeInterfaces: "ens+",
                    hubble: { relay: { replicas: 2 } },
                    debug: { enabled: true },
                },
            });
            assert.strictEqual(values.egressMasqueradeInterfaces, "ens+");
            assert.deepStrictEqual(values.hubble.relay, { enabled: true, replicas: 2 });
            assert.deepStrictEqual(values.debug, { enabled: true });
            assert.strictEqual(values.socketLB.hostNamespaceOnly, true);
        });

        it("takes an extraValues override that repeats a required value", () => {
            const values = buildCiliumValues({
                k8sServiceHost: HOST,
                extraValues: { cni: { exclusive: false }, routingMode: "native" },
            });
            assert.strictEqual(values.routingMode, "native");
        });
    });

    describe("kubeProxyReplacement per chart version", () => {
        for (const version of CILIUM_CHART_VERSIONS.filter((v) => !v.startsWith("1.15."))) {
            it(`${version}: written as a boolean`, () => {
                assert.strictEqual(buildCiliumValues({ version, k8sServiceHost: HOST }).kubeProxyReplacement, true);
                assert.strictEqual(buildCiliumValues({ version, datapath: "chaining" }).kubeProxyReplacement, false);
            });

            for (const kpr of ["strict", "partial", "disabled", "TRUE"]) {
                it(`${version}: rejects "${kpr}"`, () => {
                    expectInputError(
                        { version, k8sServiceHost: HOST, kubeProxyReplacement: kpr },
                        "CiliumRelease.kubeProxyReplacement",
                        `one of true, false (what cilium chart ${version} accepts)`,
                    );
                });
            }
        }

        it("1.15: written as the string the chart accepts, deprecated spellings included", () => {
            assert.strictEqual(
                buildCiliumValues({ version: "1.15.19", k8sServiceHost: HOST }).kubeProxyReplacement,
                "true",
            );
            assert.strictEqual(
                buildCiliumValues({ version: "1.15.19", datapath: "chaining", kubeProxyReplacement: "disabled" })
                    .kubeProxyReplacement,
                "disabled",
            );
        });

        it("1.15: rejects what the chart rejects, and partial replacement where kube-proxy is gone", () => {
            expectInputError(
                { version: "1.15.19", k8sServiceHost: HOST, kubeProxyReplacement: "probe" },
                "CiliumRelease.kubeProxyReplacement",
                "one of true, false, disabled, partial, strict",
            );
            expectInputError(
                { version: "1.15.19", k8sServiceHost: HOST, kubeProxyReplacement: "partial" },
                "CiliumRelease.kubeProxyReplacement",
                "true with the eni datapath",
            );
        });

        it('1.15: asks for "true" instead of the deprecated "strict" (docs/cilium-datapath.md#kpr-strict-1-15)', () => {
            for (const datapath of ["eni", "overlay"]) {
                expectInputError(
                    { version: "1.15.19", datapath, k8sServiceHost: HOST, kubeProxyReplacement: "strict" },
                    "CiliumRelease.kubeProxyReplacement",
                    'true: "strict" is its deprecated spelling',
                );
            }
        });

        it("must be on where the datapath has no kube-proxy, and off where chaining keeps it", () => {
            expectInputError(
                { datapath: "eni", k8sServiceHost: HOST, kubeProxyReplacement: "false" },
                "CiliumRelease.kubeProxyReplacement",
                "true with the eni datapath",
            );
            expectInputError(
                { datapath: "overlay", k8sServiceHost: HOST, kubeProxyReplacement: "false" },
                "CiliumRelease.kubeProxyReplacement",
                "true with the overlay datapath",
            );
            expectInputError(
                { datapath: "chaining", kubeProxyReplacement: "true" },
                "CiliumRelease.kubeProxyReplacement",
                "false with the chaining datapath",
            );
        });

        it("1.15 with Gateway API: the chart wants an explicit true, not strict", () => {
            expectInputError(
                { version: "1.15.19", k8sServiceHost: HOST, kubeProxyReplacement: "strict", gatewayApi: true },
                "CiliumRelease.kubeProxyReplacement",
                "true",
            );
        });
    });

    describe("rejects", () => {
        it("a malformed chart version", () => {
            for (const version of ["1.19", "latest", "1.19.6.1", ""]) {
                expectInputError({ version, k8sServiceHost: HOST }, "CiliumRelease.version", "MAJOR.MINOR.PATCH");
            }
        });

        it("a pre-release, or a version of a minor whose chart data is not carried", () => {
            for (const version of ["v1.19.6", "1.19.0-pre.1", "1.20.0", "1.14.12", "2.0.0"]) {
                expectInputError(
                    { version, k8sServiceHost: HOST },
                    "CiliumRelease.version",
                    "a released chart version of a minor this project carries chart data for: 1.15.x, 1.16.x, 1.17.x, 1.18.x, 1.19.x",
                );
            }
        });

        it("an unknown datapath, tunnel protocol or Istio mode", () => {
            expectInputError(
                { datapath: "ipvlan", k8sServiceHost: HOST },
                "CiliumRelease.datapath",
                "one of eni, chaining, overlay",
            );
            expectInputError(
                { datapath: "overlay", tunnelProtocol: "gre", k8sServiceHost: HOST },
                "CiliumRelease.tunnelProtocol",
                "one of vxlan, geneve",
            );
            expectInputError(
                { k8sServiceHost: HOST, istioMode: "mesh" },
                "CiliumRelease.istioMode",
                "one of sidecar, ambient",
            );
        });

        it("eni and overlay without k8sServiceHost", () => {
            expectInputError({ datapath: "eni" }, "CiliumRelease.k8sServiceHost", "required by the eni datapath");
            expectInputError(
                { datapath: "overlay" },
                "CiliumRelease.k8sServiceHost",
                "required by the overlay datapath",
            );
        });

        it("a k8sServiceHost with scheme, port or path (Cilium's agent would crash)", () => {
            for (const host of [`https://${HOST}`, `${HOST}:443`, `${HOST}/`, ""]) {
                expectInputError(
                    { k8sServiceHost: host },
                    "CiliumRelease.k8sServiceHost",
                    "without scheme, port or path",
                );
            }
        });

        it("a port, operator replica count or flag out of range", () => {
            expectInputError(
                { k8sServiceHost: HOST, k8sServicePort: 0 },
                "CiliumRelease.k8sServicePort",
                "from 1 to 65535",
            );
            expectInputError(
                { k8sServiceHost: HOST, operatorReplicas: 0 },
                "CiliumRelease.operatorReplicas",
                "from 1 to 10",
            );
            expectInputError(
                { k8sServiceHost: HOST, operatorReplicas: 1.5 },
                "CiliumRelease.operatorReplicas",
                "from 1 to 10",
            );
            expectInputError(
                { k8sServiceHost: HOST, istio: "yes" as unknown as boolean },
                "CiliumRelease.istio",
                "true or false",
            );
            expectInputError(
                { k8sServiceHost: HOST, extraValues: ["x"] as unknown as object },
                "CiliumRelease.extraValues",
                "a map",
            );
        });

        it("Hubble UI without relay, relay without Hubble (the chart's validate rules)", () => {
            expectInputError(
                { k8sServiceHost: HOST, hubble: { ui: true } },
                "CiliumRelease.hubble.ui",
                "unless hubble.relay is true",
            );
            expectInputError(
                { k8sServiceHost: HOST, hubble: { enabled: false, relay: true } },
                "CiliumRelease.hubble.relay",
                "unless hubble.enabled is true",
            );
            expectInputError(
                {
                    k8sServiceHost: HOST,
                    hubble: { relay: true, ui: true },
                    extraValues: { hubble: { relay: { enabled: false } } },
                },
                "CiliumRelease.extraValues.hubble.relay.enabled",
                "true while hubble.ui.enabled is true",
            );
        });

        it("Gateway API with chaining, which keeps kube-proxy", () => {
            expectInputError(
                { datapath: "chaining", gatewayApi: true },
                "CiliumRelease.gatewayApi",
                "needs kube-proxy replacement",
            );
        });
    });

    describe("extraValues that undo a requirement are rejected, not kept", () => {
        const cases: [string, CiliumValuesInput, string, string][] = [
            [
                "Istio's socketLB.hostNamespaceOnly set false",
                { k8sServiceHost: HOST, extraValues: { socketLB: { hostNamespaceOnly: false } } },
                "socketLB.hostNamespaceOnly",
                "docs/failure-modes.md#f1",
            ],
            [
                "Istio's socketLB.hostNamespaceOnly removed with null",
                { k8sServiceHost: HOST, extraValues: { socketLB: { hostNamespaceOnly: null } } },
                "socketLB.hostNamespaceOnly",
                "docs/failure-modes.md#f1",
            ],
            [
                "Istio's socketLB replaced as a whole",
                { k8sServiceHost: HOST, extraValues: { socketLB: null } },
                "socketLB.hostNamespaceOnly",
                "docs/failure-modes.md#f1",
            ],
            [
                "Istio's cni.exclusive set true",
                { k8sServiceHost: HOST, extraValues: { cni: { exclusive: true } } },
                "cni.exclusive",
                "docs/failure-modes.md#f2",
            ],
            [
                "chaining's cni.exclusive, also without Istio",
                { datapath: "chaining", istio: false, extraValues: { cni: { exclusive: true } } },
                "cni.exclusive",
                "aws-cni chaining install",
            ],
            [
                "eni's routing mode",
                { k8sServiceHost: HOST, extraValues: { routingMode: "tunnel" } },
                "routingMode",
                "the eni datapath",
            ],
            [
                "eni's IPAM mode",
                { k8sServiceHost: HOST, extraValues: { ipam: { mode: "cluster-pool" } } },
                "ipam.mode",
                "the eni datapath",
            ],
            [
                "eni's eni.enabled",
                { k8sServiceHost: HOST, extraValues: { eni: { enabled: false } } },
                "eni.enabled",
                "the eni datapath",
            ],
            [
                "eni's kube-proxy replacement",
                { k8sServiceHost: HOST, extraValues: { kubeProxyReplacement: false } },
                "kubeProxyReplacement",
                "docs/failure-modes.md#f9",
            ],
            [
                "the API host, with a scheme",
                { k8sServiceHost: HOST, extraValues: { k8sServiceHost: `https://${HOST}` } },
                "k8sServiceHost",
                "docs/failure-modes.md#f9",
            ],
            [
                "chaining's chaining mode",
                { datapath: "chaining", extraValues: { cni: { chainingMode: "generic-veth" } } },
                "cni.chainingMode",
                "chaining",
            ],
            [
                "chaining's IPv4 masquerade",
                { datapath: "chaining", extraValues: { enableIPv4Masquerade: true } },
                "enableIPv4Masquerade",
                "chaining",
            ],
            [
                "chaining's endpoint routes",
                { datapath: "chaining", extraValues: { endpointRoutes: { enabled: false } } },
                "endpointRoutes.enabled",
                "chaining",
            ],
            [
                "chaining's kube-proxy (replacement beside it)",
                { datapath: "chaining", extraValues: { kubeProxyReplacement: true } },
                "kubeProxyReplacement",
                "keeps the kube-proxy add-on",
            ],
            [
                "overlay's tunnel protocol",
                { datapath: "overlay", k8sServiceHost: HOST, extraValues: { tunnelProtocol: "geneve" } },
                "tunnelProtocol",
                "overlay",
            ],
            [
                "overlay's routing mode",
                { datapath: "overlay", k8sServiceHost: HOST, extraValues: { routingMode: "native" } },
                "routingMode",
                "overlay",
            ],
            [
                "ambient's BPF masquerade",
                { k8sServiceHost: HOST, istioMode: "ambient", extraValues: { bpf: { masquerade: true } } },
                "bpf.masquerade",
                "docs/failure-modes.md#f5",
            ],
            [
                "Gateway API's L7 proxy",
                { k8sServiceHost: HOST, gatewayApi: true, extraValues: { l7Proxy: false } },
                "l7Proxy",
                "Gateway API",
            ],
        ];
        for (const [label, input, path, reason] of cases) {
            it(label, () => {
                const error = expectInputError(input, `CiliumRelease.extraValues.${path}`, reason);
                assert.deepStrictEqual(error.value, valueAt(input.extraValues ?? {}, path));
            });
        }

        it("names both reasons where two requirements meet (chaining and Istio on cni.exclusive)", () => {
            expectInputError(
                { datapath: "chaining", extraValues: { cni: { exclusive: true } } },
                "CiliumRelease.extraValues.cni.exclusive",
                "aws-cni chaining install, docs/cilium-istio-facts.md#cilium-on-eks); and by Istio",
            );
        });
    });
});
