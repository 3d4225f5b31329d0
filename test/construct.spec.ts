/**
 * The components as a Python, Go, .NET or YAML program gets them: through the component provider's `construct`
 * (ComponentProvider in @pulumi/pulumi provider/experimental, what the plugin host serves), fed the request the engine
 * sends for each resource of such a program, on the mock runtime. The YAML example (examples/yaml/Pulumi.yaml) is run
 * resource by resource this way; further cases cover non-default modes, `pulumi preview` and bad input.
 */
import * as assert from "assert";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ConstructRequest } from "@pulumi/pulumi/proto/provider_pb";
import * as rpc from "@pulumi/pulumi/runtime/rpc";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { InputError } from "../components/validation";
import { MOCK_ENDPOINT_HOST, Recorder, recordRegistrations, Registration } from "../engine/mock/mock-runtime";
import { componentProvider, inferredSchema, PackageSchema, PROVIDER_NAME } from "./component-package";
import { one, ofType, providerUrn } from "./registrations";
import { fullTypeToken, readYamlExample, referenceIn } from "./yaml-program";

// The provider server's own decoding of a ConstructRequest's inputs (exported by provider/server.js, @internal in its
// .d.ts), so the components receive exactly what they would receive from the engine.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- not in the SDK's .d.ts
const { deserializeInputs } = require("@pulumi/pulumi/provider/server") as {
    deserializeInputs(
        inputs: Struct | undefined,
        dependencies: ReturnType<ConstructRequest["getInputdependenciesMap"]>,
    ): Promise<pulumi.Inputs>;
};

const PROJECT = "eks-cilium-istio-yaml";
const STACK = "dev";
const STACK_URN = `urn:pulumi:${STACK}::${PROJECT}::pulumi:pulumi:Stack::${PROJECT}-${STACK}`;
const RELEASE = "kubernetes:helm.sh/v3:Release";
const K8S_PROVIDER = "pulumi:providers:kubernetes";
const token = (name: string) => `${PROVIDER_NAME}:index:${name}`;

function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => output.apply(resolve));
}

/**
 * How the engine passes a property bound to another resource's output (`${cluster.endpointHost}`): the provider
 * server accepts output values (ConfigureResponse acceptOutputs), so the value travels with its dependencies, and
 * without a value while it is unknown (a preview before the cluster exists).
 */
function outputValue(dependencies: string[], value?: unknown, secret = false): object {
    return {
        [rpc.specialSigKey]: rpc.specialOutputValueSig,
        ...(value === undefined ? {} : { value }),
        ...(secret ? { secret } : {}),
        dependencies,
    };
}

interface Request {
    type: string;
    name: string;
    properties: { [name: string]: unknown };
    /** `options.provider`: the provider resource's URN and ID. */
    provider?: { urn: string; id: string };
    /** `options.dependsOn`: URNs. */
    dependsOn?: string[];
}

function constructRequest(request: Request, preview: boolean): ConstructRequest {
    const req = new ConstructRequest();
    req.setProject(PROJECT);
    req.setStack(STACK);
    req.setDryrun(preview);
    req.setType(request.type);
    req.setName(request.name);
    req.setParent(STACK_URN);
    req.setInputs(Struct.fromJavaScript(request.properties as any));
    if (request.provider) {
        req.getProvidersMap().set("kubernetes", `${request.provider.urn}::${request.provider.id}`);
    }
    req.setDependenciesList(request.dependsOn ?? []);
    return req;
}

/** A provider reference as provider/server.js createProviderResource turns it back into a provider resource. */
function providerFromReference(ref: string): pulumi.ProviderResource {
    const urn = ref.slice(0, ref.lastIndexOf("::"));
    const [, , qualifiedType, name] = urn.split("::");
    const type = qualifiedType.split("$").pop()!;
    const resourcePackage = rpc.getResourcePackage(type.split(":")[2], "");
    return resourcePackage
        ? resourcePackage.constructProvider(name, type, urn)
        : new pulumi.DependencyProviderResource(ref);
}

interface Constructed {
    urn: string;
    /** The component's outputs as the server sends them back (serialized: secrets and resources as references). */
    state: { [name: string]: unknown };
}

/**
 * What provider/server.js `construct` does with a request (inputs, providers, parent, dependencies), minus
 * configureRuntime, which would point the SDK at a real engine instead of the mocks; then the state as it returns it.
 */
async function construct(req: ConstructRequest): Promise<Constructed> {
    const inputs = await deserializeInputs(req.getInputs(), req.getInputdependenciesMap());
    const providers: { [pkg: string]: pulumi.ProviderResource } = {};
    req.getProvidersMap().forEach((ref, pkg) => {
        providers[pkg] = providerFromReference(ref);
    });
    const opts: pulumi.ComponentResourceOptions = {
        dependsOn: req.getDependenciesList().map((urn) => new pulumi.DependencyResource(urn)),
        providers,
        parent: req.getParent() ? new pulumi.DependencyResource(req.getParent()) : undefined,
    };
    const result = await componentProvider().construct(req.getName(), req.getType(), inputs, opts);
    const [state] = await rpc.serializeResourceProperties(
        `construct(${req.getType()}, ${req.getName()})`,
        result.state,
    );
    return { urn: await valueOf(pulumi.output(result.urn)), state };
}

/** A Kubernetes provider as a YAML program declares it (`pulumi:providers:kubernetes`): registered by the program. */
async function kubernetesProvider(
    name: string,
    kubeconfig: pulumi.Input<string>,
): Promise<{ urn: string; id: string }> {
    const provider = new k8s.Provider(name, { kubeconfig });
    return { urn: await valueOf(provider.urn), id: await valueOf(provider.id) };
}

function childrenOf(registrations: Registration[], parentUrn: string): Registration[] {
    return registrations.filter((r) => r.parent === parentUrn);
}

describe("component provider construct (requests as from a Python/Go/.NET/YAML program)", function () {
    this.timeout(180_000);
    let schema: PackageSchema;
    before(async () => {
        schema = await inferredSchema();
    });

    describe("the YAML example, resource by resource", () => {
        let recorder: Recorder;
        const constructed: { [name: string]: Constructed } = {};
        const providers: { [name: string]: { urn: string; id: string } } = {};

        before(async () => {
            recorder = recordRegistrations({ project: PROJECT, stack: STACK });
            const program = readYamlExample();
            // Like the YAML runtime: a `${name.output}` becomes an output value of that resource, `${name}` the resource.
            const resolve = (value: unknown): unknown => {
                const reference = referenceIn(value);
                if (!reference?.property) {
                    return value;
                }
                const source = constructed[reference.resource];
                const output = source.state[reference.property];
                return outputValue([source.urn], rpc.unwrapRpcSecret(output), rpc.isRpcSecret(output));
            };
            for (const [name, resource] of Object.entries(program.resources)) {
                const properties = Object.fromEntries(
                    Object.entries(resource.properties ?? {}).map(([k, v]) => [k, resolve(v)]),
                );
                if (resource.type === K8S_PROVIDER) {
                    const kubeconfig = referenceIn(resource.properties?.kubeconfig)!;
                    const source = constructed[kubeconfig.resource].state[kubeconfig.property!];
                    providers[name] = await kubernetesProvider(
                        name,
                        pulumi.secret(rpc.unwrapRpcSecret(source) as string),
                    );
                    continue;
                }
                const providerName = referenceIn(resource.options?.provider)?.resource;
                const request: Request = {
                    type: fullTypeToken(resource.type),
                    name,
                    properties,
                    provider: providerName ? providers[providerName] : undefined,
                    dependsOn: (resource.options?.dependsOn ?? []).map(
                        (d) => constructed[referenceIn(d)!.resource].urn,
                    ),
                };
                constructed[name] = await construct(constructRequest(request, false));
            }
            await recorder.settle();
        });

        it("registers each component under the program's stack, with the URN construct returns", () => {
            for (const [name, component] of [
                ["cluster", "Cluster"],
                ["cilium", "CiliumRelease"],
                ["istio", "IstioRelease"],
                ["demo", "NamespaceDemo"],
            ]) {
                const registration = one(recorder.registrations, token(component), name);
                assert.strictEqual(registration.parent, STACK_URN);
                assert.strictEqual(registration.urn, constructed[name].urn);
                assert.strictEqual(registration.custom, false);
            }
        });

        it("returns exactly the schema's outputs as each component's state", () => {
            for (const [name, component] of [
                ["cluster", "Cluster"],
                ["cilium", "CiliumRelease"],
                ["istio", "IstioRelease"],
                ["demo", "NamespaceDemo"],
            ]) {
                const resource = schema.resources[token(component)];
                const keys = Object.keys(constructed[name].state);
                assert.deepStrictEqual(
                    keys.filter((k) => !(k in resource.properties)),
                    [],
                    `${component}: outputs outside the schema`,
                );
                assert.deepStrictEqual(
                    resource.required.filter((k) => !keys.includes(k)),
                    [],
                    `${component}: required outputs missing`,
                );
            }
        });

        it("Cluster: builds its children from the YAML properties and returns the endpoint host and a secret kubeconfig", () => {
            const cluster = constructed.cluster;
            const children = childrenOf(recorder.registrations, cluster.urn);
            assert.deepStrictEqual([...new Set(children.map((r) => r.type))].sort(), [
                "aws:ec2/launchTemplate:LaunchTemplate",
                "aws:eks/addon:Addon",
                "aws:eks/nodeGroup:NodeGroup",
                "aws:iam/role:Role",
                "aws:iam/rolePolicy:RolePolicy",
                "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
                "eks:index:Cluster",
                K8S_PROVIDER,
            ]);
            const nodeGroup = ofType(children, "aws:eks/nodeGroup:NodeGroup")[0];
            const yamlCluster = readYamlExample().resources.cluster.properties!;
            const yamlNodeGroup = yamlCluster.nodeGroup as { [k: string]: unknown };
            assert.deepStrictEqual(nodeGroup.inputs.scalingConfig, {
                desiredSize: yamlNodeGroup.desiredSize,
                minSize: yamlNodeGroup.minSize,
                maxSize: yamlNodeGroup.maxSize,
            });
            assert.deepStrictEqual(nodeGroup.inputs.instanceTypes, yamlNodeGroup.instanceTypes);
            assert.strictEqual(ofType(children, "eks:index:Cluster")[0].inputs.version, yamlCluster.kubernetesVersion);
            assert.strictEqual(cluster.state.endpointHost, MOCK_ENDPOINT_HOST);
            assert.ok(rpc.isRpcSecret(cluster.state.kubeconfig), "kubeconfig must stay secret across the wire");
            assert.ok(!("provider" in cluster.state), "the TypeScript-only provider must not be sent back");
        });

        it("CiliumRelease: its Release uses the YAML program's provider and the cluster's endpoint, and depends on the cluster", () => {
            const cilium = constructed.cilium;
            const [release] = ofType(childrenOf(recorder.registrations, cilium.urn), RELEASE);
            assert.strictEqual(providerUrn(release), providers.k8s.urn);
            assert.strictEqual(release.inputs.values.k8sServiceHost, MOCK_ENDPOINT_HOST);
            assert.strictEqual(release.inputs.values.hubble.relay.enabled, true);
            assert.ok(
                release.propertyDependencies.values.includes(constructed.cluster.urn),
                "values must depend on the cluster whose endpoint they carry",
            );
            assert.strictEqual(cilium.state.datapath, "eni");
        });

        it("IstioRelease: dependsOn from YAML holds back its first chart; every child uses the provider", () => {
            const istio = constructed.istio;
            const children = childrenOf(recorder.registrations, istio.urn);
            const base = children.find((r) => r.type === RELEASE && r.inputs.chart === "base")!;
            assert.ok(base.dependencies.includes(constructed.cilium.urn), "base must wait for Cilium");
            for (const child of children) {
                assert.strictEqual(providerUrn(child), providers.k8s.urn, `${child.name} has another provider`);
            }
            assert.ok(
                !children.some((r) => r.type === RELEASE && r.inputs.chart === "ztunnel"),
                "sidecar mode has no ztunnel",
            );
            const peerAuthentication = ofType(children, "kubernetes:security.istio.io/v1:PeerAuthentication")[0];
            assert.strictEqual(peerAuthentication.inputs.spec.mtls.mode, "PERMISSIVE");
            assert.strictEqual(istio.state.meshPeerAuthentication, "istio-system/default");
        });

        it("NamespaceDemo: namespaces wait for Istio; the l7 policy and blue's mTLS fix are there; the checks come back", () => {
            const demo = constructed.demo;
            const children = childrenOf(recorder.registrations, demo.urn);
            const namespaces = ofType(children, "kubernetes:core/v1:Namespace");
            assert.deepStrictEqual(namespaces.map((n) => n.inputs.metadata.name).sort(), ["blue", "green", "red"]);
            for (const namespace of namespaces) {
                assert.ok(
                    namespace.dependencies.includes(constructed.istio.urn),
                    `${namespace.name} must wait for Istio`,
                );
            }
            const policy = ofType(children, "kubernetes:cilium.io/v2:CiliumNetworkPolicy")[0];
            assert.ok(JSON.stringify(policy.inputs.spec).includes("/ip"), "stage l7 has the HTTP rule");
            const blue = ofType(children, "kubernetes:security.istio.io/v1:PeerAuthentication")[0];
            assert.strictEqual(blue.inputs.spec.mtls.mode, "DISABLE");
            assert.strictEqual((demo.state.checks as unknown[]).length, 12);
        });
    });

    describe("non-default modes", () => {
        let recorder: Recorder;
        let istio: Constructed;
        let demo: Constructed;

        before(async () => {
            recorder = recordRegistrations({ project: PROJECT, stack: STACK });
            const provider = await kubernetesProvider("k8s", "{}");
            istio = await construct(
                constructRequest(
                    {
                        type: token("IstioRelease"),
                        name: "istio",
                        provider,
                        properties: { mode: "ambient", ciliumDatapath: "overlay", meshMtlsMode: "STRICT" },
                    },
                    false,
                ),
            );
            demo = await construct(
                constructRequest(
                    {
                        type: token("NamespaceDemo"),
                        name: "demo",
                        provider,
                        dependsOn: [istio.urn],
                        properties: { istioMode: "ambient", stage: "l4", mtlsFix: false },
                    },
                    false,
                ),
            );
            await recorder.settle();
        });

        it("IstioRelease ambient on an overlay: ztunnel, istiod on the host network, and both returned", () => {
            const children = childrenOf(recorder.registrations, istio.urn);
            assert.ok(children.some((r) => r.type === RELEASE && r.inputs.chart === "ztunnel"));
            assert.strictEqual(ofType(children, "kubernetes:apps/v1:DeploymentPatch").length, 1);
            assert.ok("ztunnel" in istio.state && "istiodHostNetwork" in istio.state);
        });

        it("NamespaceDemo ambient at l4: red and blue enrolled in ambient, no mTLS fix", () => {
            const children = childrenOf(recorder.registrations, demo.urn);
            const labels = Object.fromEntries(
                ofType(children, "kubernetes:core/v1:Namespace").map((n) => [
                    n.inputs.metadata.name,
                    n.inputs.metadata.labels ?? {},
                ]),
            );
            assert.strictEqual(labels.red["istio.io/dataplane-mode"], "ambient");
            assert.strictEqual(labels.blue["istio.io/dataplane-mode"], "ambient");
            assert.strictEqual(labels.green["istio.io/dataplane-mode"], undefined);
            assert.strictEqual(ofType(children, "kubernetes:security.istio.io/v1:PeerAuthentication").length, 0);
        });
    });

    it("on `pulumi preview`, a CiliumRelease whose endpoint is not known yet still constructs (that value unknown)", async () => {
        const recorder = recordRegistrations({ project: PROJECT, stack: STACK, preview: true });
        const provider = await kubernetesProvider("k8s", "{}");
        const clusterUrn = `urn:pulumi:${STACK}::${PROJECT}::${token("Cluster")}::cluster`;
        const cilium = await construct(
            constructRequest(
                {
                    type: token("CiliumRelease"),
                    name: "cilium",
                    provider,
                    properties: { datapath: "eni", k8sServiceHost: outputValue([clusterUrn]) },
                },
                true,
            ),
        );
        await recorder.settle();
        const [release] = ofType(childrenOf(recorder.registrations, cilium.urn), RELEASE);
        // Only the endpoint waits: the rest of the values is known at preview, for the policies to read.
        assert.ok(pulumi.isUnknown(release.inputs.values.k8sServiceHost), "the host waits for the endpoint");
        assert.strictEqual(release.inputs.values.eni.enabled, true);
        assert.ok(release.propertyDependencies.values.includes(clusterUrn));
    });

    it("rejects a value outside an enum with the InputError a YAML author sees, before registering anything", async () => {
        const recorder = recordRegistrations({ project: PROJECT, stack: STACK });
        const provider = await kubernetesProvider("k8s", "{}");
        const before = recorder.registrations.length;
        await assert.rejects(
            construct(
                constructRequest(
                    {
                        type: token("CiliumRelease"),
                        name: "cilium",
                        provider,
                        properties: { datapath: "vxlan" },
                    },
                    false,
                ),
            ),
            (err: unknown) => {
                assert.ok(err instanceof InputError, `expected InputError, got ${String(err)}`);
                assert.strictEqual(err.input, "CiliumRelease.datapath");
                assert.match(err.message, /vxlan/);
                return true;
            },
        );
        await recorder.settle();
        assert.strictEqual(recorder.registrations.length, before, "nothing may be registered");
    });

    it("refuses a type token of another package, as the provider host does", async () => {
        recordRegistrations({ project: PROJECT, stack: STACK });
        await assert.rejects(
            construct(constructRequest({ type: "other:index:Cluster", name: "c", properties: {} }, false)),
            /Invalid package name other/,
        );
    });
});
