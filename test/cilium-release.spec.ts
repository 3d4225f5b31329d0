import * as assert from "assert";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CiliumRelease, CiliumReleaseArgs } from "../components/CiliumRelease";
import { buildCiliumValues, CiliumValuesInput } from "../components/cilium-values";
import { InputError } from "../components/validation";
import { Recorder, recordRegistrations } from "../engine/mock/mock-runtime";
import { one, ofType, providerUrn } from "./registrations";

const COMPONENT = "eks-cilium-istio:index:CiliumRelease";
const RELEASE = "kubernetes:helm.sh/v3:Release";
const HOST = "0123456789ABCDEF.gr7.us-west-2.eks.amazonaws.com";

function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => output.apply(resolve));
}

interface Installed {
    recorder: Recorder;
    component: CiliumRelease;
    providerUrn: string;
}

/** Installs CiliumRelease "cilium" with a Kubernetes provider passed as opts.provider. */
async function install(args: CiliumReleaseArgs): Promise<Installed> {
    const recorder = recordRegistrations();
    const provider = new k8s.Provider("k8s", { kubeconfig: "{}" });
    const component = new CiliumRelease("cilium", args, { provider });
    await recorder.settle();
    return { recorder, component, providerUrn: await valueOf(provider.urn) };
}

function expectInputError(args: CiliumReleaseArgs, input: string, allowedFragment: string): void {
    const recorder = recordRegistrations();
    assert.throws(
        () => new CiliumRelease("cilium", args),
        (err: unknown) => {
            assert.ok(err instanceof InputError, `expected InputError, got ${String(err)}`);
            assert.strictEqual(err.input, input);
            assert.ok(err.allowed.includes(allowedFragment), `"${err.allowed}" should mention "${allowedFragment}"`);
            return true;
        },
    );
    assert.strictEqual(recorder.registrations.length, 0, "nothing may be registered before validation");
}

describe("CiliumRelease", () => {
    describe("defaults (eni, Istio on, chart 1.19.6)", () => {
        let installed: Installed;
        before(async () => {
            installed = await install({ k8sServiceHost: HOST });
        });

        it("registers the component and one Helm release under it, through the provider it was given", () => {
            const { registrations } = installed.recorder;
            const component = one(registrations, COMPONENT, "cilium");
            const releases = ofType(registrations, RELEASE);
            assert.strictEqual(releases.length, 1);
            assert.strictEqual(releases[0].parent, component.urn);
            assert.strictEqual(providerUrn(releases[0]), installed.providerUrn);
            assert.deepStrictEqual(releases[0].dependencies, [], "a plain host makes the release wait for nothing");
        });

        it("installs chart cilium 1.19.6 from helm.cilium.io into kube-system as release cilium, waiting up to 20 minutes", () => {
            const { inputs } = one(installed.recorder.registrations, RELEASE, "cilium");
            assert.strictEqual(inputs.chart, "cilium");
            assert.strictEqual(inputs.repositoryOpts.repo, "https://helm.cilium.io");
            assert.strictEqual(inputs.version, "1.19.6");
            assert.strictEqual(inputs.namespace, "kube-system");
            assert.strictEqual(inputs.name, "cilium");
            assert.strictEqual(inputs.timeout, 1200);
        });

        it("gives the release the builder's values, with the Istio requirements", async () => {
            const { inputs } = one(installed.recorder.registrations, RELEASE, "cilium");
            assert.deepStrictEqual(inputs.values, buildCiliumValues({ k8sServiceHost: HOST }));
            assert.strictEqual(inputs.values.socketLB.hostNamespaceOnly, true);
            assert.strictEqual(inputs.values.cni.exclusive, false);
            assert.deepStrictEqual(await valueOf(installed.component.values), inputs.values);
        });

        it("outputs the version and datapath, also as registered outputs", async () => {
            assert.strictEqual(await valueOf(installed.component.version), "1.19.6");
            assert.strictEqual(await valueOf(installed.component.datapath), "eni");
            const component = one(installed.recorder.registrations, COMPONENT, "cilium");
            assert.strictEqual(component.outputs.version, "1.19.6");
            assert.strictEqual(component.outputs.datapath, "eni");
        });
    });

    for (const [datapath, args] of [
        ["eni", { datapath: "eni", k8sServiceHost: HOST, version: "1.16.19" }],
        ["chaining", { datapath: "chaining", version: "1.17.18", hubble: { relay: true } }],
        [
            "overlay",
            {
                datapath: "overlay",
                tunnelProtocol: "geneve",
                k8sServiceHost: HOST,
                version: "1.18.12",
                gatewayApi: true,
            },
        ],
    ] as [string, CiliumReleaseArgs & CiliumValuesInput][]) {
        it(`${datapath}: the release carries the version asked for and the builder's values for the datapath`, async () => {
            const installed = await install(args);
            const { inputs } = one(installed.recorder.registrations, RELEASE, "cilium");
            assert.strictEqual(inputs.version, args.version);
            assert.deepStrictEqual(inputs.values, buildCiliumValues(args));
            assert.strictEqual(await valueOf(installed.component.datapath), datapath);
        });
    }

    describe("with the API host as an Output (e.g. Cluster.endpointHost)", () => {
        it("fills in the resolved host and makes the release depend on what produced it", async () => {
            const recorder = recordRegistrations();
            const endpoint = new k8s.core.v1.ConfigMap("endpoint", { data: { host: HOST } });
            const component = new CiliumRelease("cilium", {
                datapath: "overlay",
                k8sServiceHost: endpoint.data.apply((d) => d.host),
            });
            await recorder.settle();
            const release = one(recorder.registrations, RELEASE, "cilium");
            assert.strictEqual(release.inputs.values.k8sServiceHost, HOST);
            assert.deepStrictEqual(
                release.inputs.values,
                buildCiliumValues({ datapath: "overlay", k8sServiceHost: HOST }),
            );
            assert.ok(release.dependencies.includes(await valueOf(endpoint.urn)));
            assert.strictEqual((await valueOf(component.values)).routingMode, "tunnel");
        });

        it("still checks everything else before registering anything", () => {
            expectInputError(
                { k8sServiceHost: pulumi.output(HOST), extraValues: { cni: { exclusive: true } } },
                "CiliumRelease.extraValues.cni.exclusive",
                "docs/failure-modes.md#f2",
            );
        });
    });

    describe("rejects before registering anything", () => {
        it("an unknown datapath, a tunnel protocol other than vxlan or geneve, a malformed or unknown version", () => {
            expectInputError(
                { datapath: "ipvlan" as any, k8sServiceHost: HOST },
                "CiliumRelease.datapath",
                "one of eni, chaining, overlay",
            );
            expectInputError(
                { datapath: "overlay", tunnelProtocol: "gre" as any, k8sServiceHost: HOST },
                "CiliumRelease.tunnelProtocol",
                "vxlan, geneve",
            );
            expectInputError({ version: "1.19", k8sServiceHost: HOST }, "CiliumRelease.version", "MAJOR.MINOR.PATCH");
            expectInputError({ version: "1.20.0", k8sServiceHost: HOST }, "CiliumRelease.version", "1.19.x");
        });

        it("eni or overlay without k8sServiceHost, or a host with a scheme", () => {
            expectInputError({ datapath: "eni" }, "CiliumRelease.k8sServiceHost", "required by the eni datapath");
            expectInputError(
                { datapath: "overlay" },
                "CiliumRelease.k8sServiceHost",
                "required by the overlay datapath",
            );
            expectInputError({ k8sServiceHost: `https://${HOST}` }, "CiliumRelease.k8sServiceHost", "without scheme");
        });

        it("a kubeProxyReplacement the chart version rejects, or that contradicts the datapath", () => {
            expectInputError(
                { version: "1.16.19", k8sServiceHost: HOST, kubeProxyReplacement: "strict" },
                "CiliumRelease.kubeProxyReplacement",
                "what cilium chart 1.16.19 accepts",
            );
            expectInputError(
                { k8sServiceHost: HOST, kubeProxyReplacement: "false" },
                "CiliumRelease.kubeProxyReplacement",
                "with the eni datapath",
            );
        });

        it("extraValues that break the Istio requirements", () => {
            expectInputError(
                { k8sServiceHost: HOST, extraValues: { socketLB: { hostNamespaceOnly: false } } },
                "CiliumRelease.extraValues.socketLB.hostNamespaceOnly",
                "docs/failure-modes.md#f1",
            );
            expectInputError(
                { k8sServiceHost: HOST, extraValues: { cni: { exclusive: true } } },
                "CiliumRelease.extraValues.cni.exclusive",
                "docs/failure-modes.md#f2",
            );
        });

        it("values the chart schema rejects", () => {
            expectInputError(
                { k8sServiceHost: HOST, extraValues: { operator: { replicas: "2" } } },
                "CiliumRelease.values",
                "operator.replicas must be integer",
            );
        });

        it("Hubble UI without the relay", () => {
            expectInputError({ k8sServiceHost: HOST, hubble: { ui: true } }, "CiliumRelease.hubble.ui", "hubble.relay");
        });
    });
});
