import * as assert from "assert";
import * as k8s from "@pulumi/kubernetes";
import { IstioRelease, IstioReleaseArgs } from "../components/IstioRelease";
import { buildIstioValues, resolveIstioSettings } from "../components/istio-values";
import { InputError } from "../components/validation";
import { recordRegistrations, Recorder } from "../engine/mock/mock-runtime";
import { one, ofType, providerUrn } from "./registrations";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const PATCH = "kubernetes:apps/v1:DeploymentPatch";
const PEER_AUTHN = "kubernetes:security.istio.io/v1:PeerAuthentication";
const CCNP = "kubernetes:cilium.io/v2:CiliumClusterwideNetworkPolicy";
const COMPONENT = "eks-cilium-istio:index:IstioRelease";

interface Installed {
    recorder: Recorder;
    provider: k8s.Provider;
    standIn: k8s.core.v1.ConfigMap;
    istio: IstioRelease;
}

/** Installs IstioRelease "istio" with a k8s provider, held back by a stand-in for the Cilium release. */
async function install(args: IstioReleaseArgs): Promise<Installed> {
    const recorder = recordRegistrations();
    const provider = new k8s.Provider("k8s", { kubeconfig: "{}" });
    const standIn = new k8s.core.v1.ConfigMap("cilium-stand-in", { data: {} }, { provider });
    const istio = new IstioRelease("istio", args, { provider, dependsOn: [standIn] });
    await recorder.settle();
    return { recorder, provider, standIn, istio };
}

function expectInputError(args: IstioReleaseArgs, input: string, allowedFragment: string): void {
    const recorder = recordRegistrations();
    assert.throws(
        () => new IstioRelease("istio", args),
        (err: unknown) => {
            assert.ok(err instanceof InputError, `expected InputError, got ${String(err)}`);
            assert.strictEqual(err.input, input);
            assert.ok(err.allowed.includes(allowedFragment), `"${err.allowed}" should mention "${allowedFragment}"`);
            return true;
        },
    );
    assert.strictEqual(recorder.registrations.length, 0, "nothing may be registered before validation");
}

describe("IstioRelease", () => {
    describe("sidecar mode on the ENI datapath (defaults)", () => {
        let installed: Installed;
        before(async () => {
            installed = await install({});
        });

        it("registers base, istiod and cni releases under the component, and no ztunnel or istiod patch", () => {
            const { registrations } = installed.recorder;
            const component = one(registrations, COMPONENT, "istio");
            const releases = ofType(registrations, RELEASE);
            assert.deepStrictEqual(
                releases.map((r) => r.name),
                ["istio-base", "istio-istiod", "istio-cni"],
            );
            for (const r of releases) {
                assert.strictEqual(r.parent, component.urn);
            }
            assert.strictEqual(ofType(registrations, PATCH).length, 0);
            assert.strictEqual(ofType(registrations, CCNP).length, 0, "the ambient probe policy is for ambient only");
            assert.strictEqual(installed.istio.ambientHostProbesPolicy, undefined);
        });

        it("installs chart 1.30.3 of every chart from the Istio repository into istio-system, with the docs' release names", () => {
            const releases = ofType(installed.recorder.registrations, RELEASE);
            assert.deepStrictEqual(
                releases.map((r) => [
                    r.inputs.chart,
                    r.inputs.name,
                    r.inputs.version,
                    r.inputs.namespace,
                    r.inputs.repositoryOpts.repo,
                    r.inputs.createNamespace,
                ]),
                [
                    [
                        "base",
                        "istio-base",
                        "1.30.3",
                        "istio-system",
                        "https://istio-release.storage.googleapis.com/charts",
                        true,
                    ],
                    [
                        "istiod",
                        "istiod",
                        "1.30.3",
                        "istio-system",
                        "https://istio-release.storage.googleapis.com/charts",
                        false,
                    ],
                    [
                        "cni",
                        "istio-cni",
                        "1.30.3",
                        "istio-system",
                        "https://istio-release.storage.googleapis.com/charts",
                        false,
                    ],
                ],
            );
        });

        it("chains istio-cni, tells istiod's injector about it and runs the untaint controller, in the 1.24+ top-level layout, without an ambient profile", () => {
            const { registrations } = installed.recorder;
            assert.deepStrictEqual(one(registrations, RELEASE, "istio-istiod").inputs.values, {
                cni: { enabled: true },
                // The boolean true at the top level; from 1.30 it also sets PILOT_ENABLE_NODE_UNTAINT_CONTROLLERS.
                taint: { enabled: true },
            });
            assert.deepStrictEqual(one(registrations, RELEASE, "istio-cni").inputs.values, { chained: true });
            assert.deepStrictEqual(one(registrations, RELEASE, "istio-base").inputs.values, {});
        });

        it("orders base -> istiod -> cni, with opts.dependsOn holding back base", async () => {
            const { registrations } = installed.recorder;
            const standInUrn = await new Promise<string>((resolve) => installed.standIn.urn.apply(resolve));
            const base = one(registrations, RELEASE, "istio-base");
            const istiod = one(registrations, RELEASE, "istio-istiod");
            const cni = one(registrations, RELEASE, "istio-cni");
            assert.deepStrictEqual(base.dependencies, [standInUrn]);
            assert.deepStrictEqual(istiod.dependencies, [base.urn]);
            assert.deepStrictEqual(cni.dependencies, [istiod.urn]);
        });

        it("gives every child the provider passed to the component", async () => {
            const providerUrnValue = await new Promise<string>((resolve) => installed.provider.urn.apply(resolve));
            const children = installed.recorder.registrations.filter(
                (r) => r.type === RELEASE || r.type === PEER_AUTHN,
            );
            assert.strictEqual(children.length, 4);
            for (const child of children) {
                assert.strictEqual(providerUrn(child), providerUrnValue, `${child.name} should use the given provider`);
            }
        });

        it("creates the mesh-wide PeerAuthentication istio-system/default in STRICT mode after istiod", () => {
            const { registrations } = installed.recorder;
            const pa = one(registrations, PEER_AUTHN, "istio-mesh-peer-authentication");
            assert.deepStrictEqual(pa.inputs.metadata, { name: "default", namespace: "istio-system" });
            assert.deepStrictEqual(pa.inputs.spec, { mtls: { mode: "STRICT" } });
            assert.deepStrictEqual(pa.dependencies, [one(registrations, RELEASE, "istio-istiod").urn]);
        });

        it("outputs the PeerAuthentication as namespace/name", async () => {
            const meshPeerAuthentication = await new Promise<string>((resolve) =>
                installed.istio.meshPeerAuthentication.apply(resolve),
            );
            assert.strictEqual(meshPeerAuthentication, "istio-system/default");
        });
    });

    describe("ambient mode", () => {
        let installed: Installed;
        before(async () => {
            installed = await install({ mode: "ambient", meshMtlsMode: "PERMISSIVE" });
        });

        it("adds ztunnel after cni and sets profile ambient on istiod and cni", () => {
            const { registrations } = installed.recorder;
            const releases = ofType(registrations, RELEASE);
            assert.deepStrictEqual(
                releases.map((r) => r.inputs.chart),
                ["base", "istiod", "cni", "ztunnel"],
            );
            const ztunnel = one(registrations, RELEASE, "istio-ztunnel");
            assert.deepStrictEqual(ztunnel.dependencies, [one(registrations, RELEASE, "istio-cni").urn]);
            assert.strictEqual(ztunnel.inputs.name, "ztunnel");
            assert.deepStrictEqual(one(registrations, RELEASE, "istio-istiod").inputs.values, {
                profile: "ambient",
                cni: { enabled: true },
                taint: { enabled: true },
            });
            assert.deepStrictEqual(one(registrations, RELEASE, "istio-cni").inputs.values, {
                profile: "ambient",
                chained: true,
            });
        });

        it("takes the PeerAuthentication mode from meshMtlsMode", () => {
            const pa = one(installed.recorder.registrations, PEER_AUTHN, "istio-mesh-peer-authentication");
            assert.deepStrictEqual(pa.inputs.spec, { mtls: { mode: "PERMISSIVE" } });
        });

        it("admits ambient's SNAT-ed health probes with Istio's allow-ambient-hostprobes policy, after ztunnel", async () => {
            const { registrations } = installed.recorder;
            const policy = one(registrations, CCNP, "istio-ambient-host-probes");
            assert.deepStrictEqual(policy.inputs.metadata, { name: "allow-ambient-hostprobes" });
            assert.deepStrictEqual(policy.inputs.spec, {
                description: "Allows SNAT-ed kubelet health check probes into ambient pods",
                enableDefaultDeny: { egress: false, ingress: false },
                endpointSelector: {},
                ingress: [{ fromCIDR: ["169.254.7.127/32"] }],
            });
            assert.deepStrictEqual(policy.dependencies, [one(registrations, RELEASE, "istio-ztunnel").urn]);
            assert.strictEqual(policy.parent, one(registrations, COMPONENT, "istio").urn);
            const name = await new Promise<string>((resolve) =>
                installed.istio.ambientHostProbesPolicy!.apply(resolve),
            );
            assert.strictEqual(name, "allow-ambient-hostprobes");
        });

        it("leaves the probe policy out when ambientHostProbes is false", async () => {
            const without = await install({ mode: "ambient", ambientHostProbes: false });
            assert.strictEqual(ofType(without.recorder.registrations, CCNP).length, 0);
            assert.strictEqual(without.istio.ambientHostProbesPolicy, undefined);
        });
    });

    describe("Cilium overlay datapath", () => {
        let installed: Installed;
        before(async () => {
            installed = await install({ ciliumDatapath: "overlay" });
        });

        it("patches istio-system/istiod onto the host network after the istiod release", () => {
            const { registrations } = installed.recorder;
            const patch = one(registrations, PATCH, "istio-istiod-host-network");
            assert.strictEqual(patch.parent, one(registrations, COMPONENT, "istio").urn);
            assert.strictEqual(patch.inputs.metadata.name, "istiod");
            assert.strictEqual(patch.inputs.metadata.namespace, "istio-system");
            assert.strictEqual(patch.inputs.metadata.annotations["pulumi.com/patchForce"], "true");
            assert.deepStrictEqual(patch.inputs.spec, {
                template: { spec: { hostNetwork: true, dnsPolicy: "ClusterFirstWithHostNet" } },
            });
            assert.deepStrictEqual(patch.dependencies, [one(registrations, RELEASE, "istio-istiod").urn]);
        });

        it("creates the PeerAuthentication only once istiod's webhook is reachable on the host network", () => {
            const { registrations } = installed.recorder;
            const pa = one(registrations, PEER_AUTHN, "istio-mesh-peer-authentication");
            assert.deepStrictEqual(pa.dependencies, [one(registrations, PATCH, "istio-istiod-host-network").urn]);
        });

        it("accepts ambient on an overlay from Istio 1.26.0, where istio-cni left the host network", async () => {
            const ambient = await install({ ciliumDatapath: "overlay", mode: "ambient", version: "1.26.0" });
            assert.strictEqual(ofType(ambient.recorder.registrations, PATCH).length, 1);
            assert.strictEqual(ofType(ambient.recorder.registrations, RELEASE).length, 4);
        });

        it("bounds istiod's own chart values to the node group, one per node, and rolls out one at a time (docs/istio-install.md#istiod-host-ports)", () => {
            const values = one(installed.recorder.registrations, RELEASE, "istio-istiod").inputs.values;
            assert.strictEqual(values.autoscaleMax, 3, "the default node group's maxSize, below the chart's 5");
            assert.strictEqual(values.rollingMaxSurge, 0);
            assert.strictEqual(values.rollingMaxUnavailable, 1);
            for (const [nodeGroupMaxSize, autoscaleMax] of [
                [1, 1],
                [2, 2],
                [5, 5],
                [40, 5],
            ]) {
                const built = buildIstioValues(resolveIstioSettings({ ciliumDatapath: "overlay", nodeGroupMaxSize }));
                assert.strictEqual(built.istiod.autoscaleMax, autoscaleMax, `nodeGroupMaxSize ${nodeGroupMaxSize}`);
            }
            const older = buildIstioValues(resolveIstioSettings({ ciliumDatapath: "overlay", version: "1.23.6" }));
            assert.deepStrictEqual(
                [
                    older.istiod.pilot.autoscaleMax,
                    older.istiod.pilot.rollingMaxSurge,
                    older.istiod.pilot.rollingMaxUnavailable,
                ],
                [3, 0, 1],
            );
            const eni = buildIstioValues(resolveIstioSettings({}));
            assert.strictEqual(
                eni.istiod.autoscaleMax,
                undefined,
                "in the pod network istiod keeps the chart's values",
            );
        });

        it("rejects istiod values that would leave replicas Pending or a rollout stalled on the host network", () => {
            const overlay = (istiod: object, extra: object = {}): IstioReleaseArgs => ({
                ciliumDatapath: "overlay",
                nodeGroupMaxSize: 3,
                extraValues: { istiod },
                ...extra,
            });
            expectInputError(overlay({ autoscaleMax: 5 }), "IstioRelease.extraValues.istiod.autoscaleMax", "up to 3");
            expectInputError(
                overlay({ pilot: { autoscaleMax: 4 } }),
                "IstioRelease.extraValues.istiod.autoscaleMax",
                "one fits per node",
            );
            expectInputError(
                overlay({ autoscaleEnabled: false, replicaCount: 4 }),
                "IstioRelease.extraValues.istiod.replicaCount",
                "up to 3",
            );
            expectInputError(
                overlay({ rollingMaxUnavailable: "25%" }),
                "IstioRelease.extraValues.istiod.rollingMaxUnavailable",
                "or it stalls",
            );
            expectInputError(
                overlay({ autoscaleEnabled: false, replicaCount: 3, rollingMaxUnavailable: 0 }),
                "IstioRelease.extraValues.istiod.rollingMaxUnavailable",
                "1 or more at 3 replica(s)",
            );
            expectInputError(
                overlay({ pilot: { rollingMaxUnavailable: "25%" } }, { version: "1.23.6" }),
                "IstioRelease.extraValues.istiod.pilot.rollingMaxUnavailable",
                "stalls",
            );
            for (const istiod of [
                { autoscaleEnabled: false, replicaCount: 2 },
                { autoscaleMin: 2, rollingMaxUnavailable: "50%" },
                { rollingMaxUnavailable: "100%", rollingMaxSurge: 1 },
            ]) {
                assert.ok(buildIstioValues(resolveIstioSettings(overlay(istiod))), JSON.stringify(istiod));
            }
            expectInputError({ nodeGroupMaxSize: 0 }, "IstioRelease.nodeGroupMaxSize", "from 1 to 450");
        });
    });

    describe("node readiness: istiod removes istio-cni's taint (docs/istio-install.md#untaint-controller)", () => {
        it("from 1.30 sets taint.enabled only; 1.24–1.29 also the controller variable; 1.22/1.23 both under pilot.", () => {
            assert.deepStrictEqual(buildIstioValues(resolveIstioSettings({ version: "1.30.0" })).istiod.taint, {
                enabled: true,
            });
            assert.strictEqual(buildIstioValues(resolveIstioSettings({ version: "1.30.3" })).istiod.env, undefined);
            for (const version of ["1.24.0", "1.29.6"]) {
                const istiod = buildIstioValues(resolveIstioSettings({ version })).istiod;
                assert.deepStrictEqual(istiod.taint, { enabled: true }, version);
                assert.deepStrictEqual(istiod.env, { PILOT_ENABLE_NODE_UNTAINT_CONTROLLERS: "true" }, version);
            }
            const older = buildIstioValues(resolveIstioSettings({ version: "1.23.6" })).istiod;
            assert.deepStrictEqual(older.pilot.taint, { enabled: true });
            assert.deepStrictEqual(older.pilot.env, { PILOT_ENABLE_NODE_UNTAINT_CONTROLLERS: "true" });
        });

        it("leaves the controller off when untaintNodes is false", () => {
            const istiod = buildIstioValues(resolveIstioSettings({ untaintNodes: false, version: "1.28.0" })).istiod;
            assert.strictEqual(istiod.taint, undefined);
            assert.strictEqual(istiod.env, undefined);
        });

        it("rejects extraValues that turn the controller off while untaintNodes is on", () => {
            expectInputError(
                { extraValues: { istiod: { taint: { enabled: false } } } },
                "IstioRelease.extraValues.istiod.taint.enabled",
                "would keep the taint",
            );
            expectInputError(
                { extraValues: { istiod: { pilot: { taint: { enabled: "true" } } } } },
                "IstioRelease.extraValues.istiod.taint.enabled",
                "true while untaintNodes is on",
            );
            expectInputError(
                {
                    version: "1.27.0",
                    extraValues: { istiod: { env: { PILOT_ENABLE_NODE_UNTAINT_CONTROLLERS: "false" } } },
                },
                "IstioRelease.extraValues.istiod.env.PILOT_ENABLE_NODE_UNTAINT_CONTROLLERS",
                "before Istio 1.30",
            );
            expectInputError(
                { untaintNodes: "yes" as unknown as boolean },
                "IstioRelease.untaintNodes",
                "true or false",
            );
        });
    });

    describe("values per Istio version", () => {
        it("uses the pilot.* / cni.* layout of the 1.22 and 1.23 charts", () => {
            for (const version of ["1.22.0", "1.23.6"]) {
                const values = buildIstioValues(resolveIstioSettings({ version, mode: "ambient" }));
                assert.deepStrictEqual(
                    values.istiod,
                    {
                        profile: "ambient",
                        pilot: {
                            cni: { enabled: true },
                            taint: { enabled: true },
                            env: { PILOT_ENABLE_NODE_UNTAINT_CONTROLLERS: "true" },
                        },
                    },
                    version,
                );
                assert.deepStrictEqual(values.cni, { profile: "ambient", cni: { chained: true } }, version);
            }
        });

        it("uses the top-level layout from 1.24.0", () => {
            const values = buildIstioValues(resolveIstioSettings({ version: "1.24.0" }));
            assert.deepStrictEqual(values.istiod, {
                cni: { enabled: true },
                taint: { enabled: true },
                env: { PILOT_ENABLE_NODE_UNTAINT_CONTROLLERS: "true" },
            });
            assert.deepStrictEqual(values.cni, { chained: true });
        });

        it("drops a leading v from the chart version", async () => {
            const installed = await install({ version: "v1.29.6" });
            for (const r of ofType(installed.recorder.registrations, RELEASE)) {
                assert.strictEqual(r.inputs.version, "1.29.6");
            }
        });
    });

    describe("extraValues", () => {
        it("merges a user's values over the built ones, per chart", () => {
            const values = buildIstioValues(
                resolveIstioSettings({
                    extraValues: {
                        istiod: { pilot: { resources: { requests: { cpu: "1" } } }, cni: { provider: "default" } },
                        cni: { excludeNamespaces: ["kube-system", "istio-system"] },
                    },
                }),
            );
            assert.deepStrictEqual(values.istiod, {
                cni: { enabled: true, provider: "default" },
                taint: { enabled: true },
                pilot: { resources: { requests: { cpu: "1" } } },
            });
            assert.deepStrictEqual(values.cni, { chained: true, excludeNamespaces: ["kube-system", "istio-system"] });
        });

        it("rejects unchaining istio-cni, in either spelling", () => {
            expectInputError(
                { extraValues: { cni: { chained: false } } },
                "IstioRelease.extraValues.cni.chained",
                "true",
            );
            expectInputError(
                { extraValues: { cni: { cni: { chained: false } } } },
                "IstioRelease.extraValues.cni.cni.chained",
                "true",
            );
            expectInputError(
                { version: "1.23.6", extraValues: { cni: { cni: { chained: "false" } } } },
                "IstioRelease.extraValues.cni.cni.chained",
                "true",
            );
        });

        it("rejects a profile that contradicts the mode", () => {
            expectInputError(
                { mode: "ambient", extraValues: { istiod: { profile: "default" } } },
                "IstioRelease.extraValues.istiod.profile",
                "ambient",
            );
            expectInputError(
                { extraValues: { cni: { profile: "ambient" } } },
                "IstioRelease.extraValues.cni.profile",
                "sidecar mode",
            );
        });

        it("rejects putting the istio-cni agent on the host network beside a host-network istiod", () => {
            expectInputError(
                {
                    ciliumDatapath: "overlay",
                    mode: "ambient",
                    extraValues: { cni: { ambient: { shareHostNetworkNamespace: true } } },
                },
                "IstioRelease.extraValues.cni.ambient.shareHostNetworkNamespace",
                "15014",
            );
            expectInputError(
                {
                    ciliumDatapath: "overlay",
                    mode: "ambient",
                    extraValues: { cni: { cni: { ambient: { shareHostNetworkNamespace: true } } } },
                },
                "IstioRelease.extraValues.cni.cni.ambient.shareHostNetworkNamespace",
                "15014",
            );
            const eni = buildIstioValues(
                resolveIstioSettings({
                    mode: "ambient",
                    extraValues: { cni: { ambient: { shareHostNetworkNamespace: true } } },
                }),
            );
            assert.strictEqual(
                eni.cni.ambient.shareHostNetworkNamespace,
                true,
                "allowed where istiod stays in the pod network",
            );
        });

        it("rejects a compatibilityVersion of 1.25 or lower, which puts the agent back on the host network, beside a host-network istiod (docs/istio-install.md#compatibility-version)", () => {
            for (const compatibilityVersion of ["1.25", "1.24"]) {
                expectInputError(
                    { ciliumDatapath: "overlay", mode: "ambient", extraValues: { cni: { compatibilityVersion } } },
                    "IstioRelease.extraValues.cni.compatibilityVersion",
                    `compatibilityVersion ${compatibilityVersion} sets ambient.shareHostNetworkNamespace: true`,
                );
            }
            for (const cni of [
                { compatibilityVersion: "1.26" },
                { compatibilityVersion: "1.29" },
                { compatibilityVersion: "1.25", ambient: { shareHostNetworkNamespace: false } },
                { compatibilityVersion: "1.25", cni: { ambient: { shareHostNetworkNamespace: false } } },
            ]) {
                const settings = resolveIstioSettings({
                    ciliumDatapath: "overlay",
                    mode: "ambient",
                    extraValues: { cni },
                });
                assert.ok(buildIstioValues(settings), JSON.stringify(cni));
            }
            for (const args of [
                { mode: "ambient", extraValues: { cni: { compatibilityVersion: "1.25" } } },
                { ciliumDatapath: "overlay", extraValues: { cni: { compatibilityVersion: "1.25" } } },
            ] as IstioReleaseArgs[]) {
                assert.ok(buildIstioValues(resolveIstioSettings(args)), "no clash without both on the host network");
            }
        });

        it("rejects values for a chart it does not install", () => {
            expectInputError(
                { extraValues: { gateway: {} } as never },
                "IstioRelease.extraValues",
                "base, istiod, cni, ztunnel",
            );
            expectInputError(
                { extraValues: { ztunnel: { logLevel: "debug" } } },
                "IstioRelease.extraValues.ztunnel",
                "ambient",
            );
        });
    });

    describe("validation", () => {
        it("rejects an unknown mode, datapath or mTLS mode", () => {
            expectInputError({ mode: "hybrid" as never }, "IstioRelease.mode", "sidecar, ambient");
            expectInputError(
                { ciliumDatapath: "calico" as never },
                "IstioRelease.ciliumDatapath",
                "eni, chaining, overlay",
            );
            expectInputError({ meshMtlsMode: "DISABLE" as never }, "IstioRelease.meshMtlsMode", "STRICT, PERMISSIVE");
            expectInputError(
                { mode: "ambient", ambientHostProbes: "yes" as never },
                "IstioRelease.ambientHostProbes",
                "true or false",
            );
        });

        it("rejects a malformed version", () => {
            expectInputError({ version: "1.30" }, "IstioRelease.version", "MAJOR.MINOR.PATCH");
            expectInputError({ version: "latest" }, "IstioRelease.version", "MAJOR.MINOR.PATCH");
        });

        it("rejects ambient mode with an Istio older than 1.22", () => {
            expectInputError(
                { mode: "ambient", version: "1.21.6" },
                "IstioRelease.version",
                "1.22.0 or later in ambient mode",
            );
        });

        it("rejects sidecar mode with an Istio older than 1.22", () => {
            expectInputError({ version: "1.21.6" }, "IstioRelease.version", "1.22.0 or later");
        });

        it("rejects ambient on an overlay before Istio 1.26 (port 15014 clash with istio-cni on the host network)", () => {
            expectInputError(
                { mode: "ambient", ciliumDatapath: "overlay", version: "1.25.5" },
                "IstioRelease.version",
                "1.26.0 or later",
            );
            assert.doesNotThrow(() =>
                resolveIstioSettings({ mode: "sidecar", ciliumDatapath: "overlay", version: "1.25.5" }),
            );
        });
    });
});
