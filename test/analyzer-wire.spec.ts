/**
 * engine/analyzer/analyzer-wire.ts writes the Analyze and AnalyzeStack requests straight to bytes. The oracle is
 * @pulumi/pulumi's generated google-protobuf classes, filled as the engine fills them: the bytes must be the same, and
 * the pack's own decoder must read back the same request.
 */
import * as assert from "assert";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { AnalyzerResource, AnalyzerStackResource } from "../engine/analyzer/analyzer";
import { encodeAnalyzeRequest, encodeAnalyzeStackRequest } from "../engine/analyzer/analyzer-wire";
import { SECRET_SIG, SIG_KEY } from "../engine/state/property-values";
// eslint-disable-next-line @typescript-eslint/no-require-imports -- used untyped: the messages are built by name
const analyzerProto = require("@pulumi/pulumi/proto/analyzer_pb");

/** The generated classes, filled field by field. */
function oracleResource<Message>(message: Message, resource: AnalyzerResource): Message {
    const m = message as any;
    m.setUrn(resource.urn);
    m.setType(resource.type);
    m.setName(resource.name);
    m.setProperties(Struct.fromJavaScript(JSON.parse(JSON.stringify(resource.properties))));
    const options = new analyzerProto.AnalyzerResourceOptions();
    if (resource.parent) {
        options.setParent(resource.parent);
    }
    m.setOptions(options);
    if (resource.provider) {
        const provider = new analyzerProto.AnalyzerProviderResource();
        provider.setUrn(resource.provider.urn);
        provider.setType(resource.provider.type);
        provider.setName(resource.provider.name);
        provider.setProperties(Struct.fromJavaScript(JSON.parse(JSON.stringify(resource.provider.properties))));
        m.setProvider(provider);
    }
    return message;
}

function oracleAnalyze(resource: AnalyzerResource): Buffer {
    return Buffer.from(oracleResource(new analyzerProto.AnalyzeRequest(), resource).serializeBinary());
}

function oracleAnalyzeStack(resources: AnalyzerStackResource[]): Buffer {
    const req = new analyzerProto.AnalyzeStackRequest();
    req.setResourcesList(
        resources.map((resource) => {
            const r = oracleResource(new analyzerProto.AnalyzerResource(), resource);
            r.setParent(resource.parent ?? "");
            r.setDependenciesList(resource.dependencies);
            for (const [key, urns] of Object.entries(resource.propertyDependencies)) {
                if (urns.length > 0) {
                    const deps = new analyzerProto.AnalyzerPropertyDependencies();
                    deps.setUrnsList(urns);
                    r.getPropertydependenciesMap().set(key, deps);
                }
            }
            return r;
        }),
    );
    return Buffer.from(req.serializeBinary());
}

const PROVIDER = {
    urn: "urn:pulumi:dev::p::pulumi:providers:kubernetes::k8s",
    type: "pulumi:providers:kubernetes",
    name: "k8s",
    properties: { kubeconfig: '{"apiVersion":"v1"}', enableServerSideApply: "true" },
};

/** Every kind of Value, nested; keys out of order; values JSON drops or turns into null. */
const DEPLOYMENT: AnalyzerResource = {
    urn: "urn:pulumi:dev::p::kubernetes:apps/v1:Deployment::httpbin",
    type: "kubernetes:apps/v1:Deployment",
    name: "httpbin",
    parent: "urn:pulumi:dev::p::eks-cilium-istio:index:NamespaceDemo::demo",
    provider: PROVIDER,
    properties: {
        spec: {
            replicas: 2,
            ratio: -0.25,
            big: 2 ** 40,
            template: {
                metadata: { labels: { app: "httpbin", "sidecar.istio.io/inject": "true" }, annotations: {} },
                spec: {
                    containers: [{ name: "httpbin", ports: [{ containerPort: 8080 }], args: [] }],
                    hostNetwork: false,
                },
            },
        },
        metadata: { name: "httpbin", namespace: "blue", note: "", unicode: "ünïcødé ☸ 🚀" },
        nothing: null,
        dropped: undefined,
        list: [1, "two", true, null, undefined, { nested: [[]] }, Number.NaN],
        infinite: Number.POSITIVE_INFINITY,
        token: { [SIG_KEY]: SECRET_SIG, value: "s3cret" },
        long: "x".repeat(70_000),
    } as Record<string, any>,
};

const NAMESPACE: AnalyzerResource = {
    urn: "urn:pulumi:dev::p::kubernetes:core/v1:Namespace::blue",
    type: "kubernetes:core/v1:Namespace",
    name: "blue",
    properties: {},
};

describe("analyzer-wire: requests written straight to bytes", () => {
    it("writes an AnalyzeRequest byte for byte as the generated classes do", () => {
        for (const resource of [DEPLOYMENT, NAMESPACE]) {
            assert.ok(encodeAnalyzeRequest(resource).equals(oracleAnalyze(resource)), resource.urn);
        }
    });

    it("writes an AnalyzeStackRequest byte for byte as the generated classes do", () => {
        const stack: AnalyzerStackResource[] = [
            { ...NAMESPACE, dependencies: [], propertyDependencies: {} },
            {
                ...DEPLOYMENT,
                dependencies: [NAMESPACE.urn, PROVIDER.urn],
                propertyDependencies: {
                    spec: [],
                    metadata: [NAMESPACE.urn],
                    apiVersion: [PROVIDER.urn, NAMESPACE.urn],
                },
            },
        ];
        assert.ok(encodeAnalyzeStackRequest(stack).equals(oracleAnalyzeStack(stack)));
    });

    it("is read back by the pack's decoder as the request it describes", () => {
        const decoded = analyzerProto.AnalyzeRequest.deserializeBinary(encodeAnalyzeRequest(DEPLOYMENT));
        assert.strictEqual(decoded.getUrn(), DEPLOYMENT.urn);
        assert.strictEqual(decoded.getOptions().getParent(), DEPLOYMENT.parent);
        assert.strictEqual(decoded.getProvider().getName(), "k8s");
        const properties = decoded.getProperties().toJavaScript();
        assert.deepStrictEqual(properties.list, [1, "two", true, null, null, { nested: [[]] }, null]);
        assert.strictEqual(properties.spec.big, 2 ** 40);
        assert.strictEqual(properties.metadata.unicode, "ünïcødé ☸ 🚀");
        assert.strictEqual(properties.infinite, null);
        assert.ok(!("dropped" in properties));
        assert.strictEqual(properties.long.length, 70_000);
    });

    it("starts each request afresh after one that could not be encoded", () => {
        assert.throws(() => encodeAnalyzeRequest({ ...NAMESPACE, properties: { n: BigInt(1) } }), /BigInt/);
        assert.ok(encodeAnalyzeRequest(NAMESPACE).equals(oracleAnalyze(NAMESPACE)));
    });
});
