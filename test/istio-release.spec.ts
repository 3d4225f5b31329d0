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

        it("chains istio-cni and tells istiod's injector about it, in the 1.24+ top-level layout, without an ambient profile", () => {
            const { registrations } = installed.recorder;
            assert.deepStrictEqual(one(registrations, RELEASE, "istio-istiod").inputs.values, {
                cni: { enabled: true },
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
    });

    describe("values per Istio version", () => {
        it("uses the pilot.* / cni.* layout of the 1.22 and 1.23 charts", () => {
            for (const version of ["1.22.0", "1.23.6"]) {
                const values = buildIstioValues(resolveIstioSettings({ version, mode: "ambient" }));
                assert.deepStrictEqual(
                    values.istiod,
                    { profile: "ambient", pilot: { cni: { enabled: true } } },
                    version,
                );
                assert.deepStrictEqual(values.cni, { profile: "ambient", cni: { chained: true } }, version);
            }
        });

        it("uses the top-level layout from 1.24.0", () => {
            const values = buildIstioValues(resolveIstioSettings({ version: "1.24.0" }));
            assert.deepStrictEqual(values.istiod, { cni: { enabled: true } });
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
