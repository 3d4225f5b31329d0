/**
 * The package schema that other languages get their SDK from (`pulumi package add`), inferred offline by Pulumi's
 * own schema inference (@pulumi/pulumi provider/experimental, the code the plugin host answers GetSchema with).
 * The five components with their inputs, outputs, enums and descriptions.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as types from "../components/types";
import {
    COMPONENTS,
    inferredSchema,
    localTypeToken,
    PackageSchema,
    PACKAGE_DIR,
    PROVIDER_NAME,
    SchemaProperty,
} from "./component-package";

const token = (name: string) => `${PROVIDER_NAME}:index:${name}`;

/** The public args and outputs agreed for each component (interfaces: keep them; README's tables). */
const PUBLIC_SURFACE: {
    [component: string]: { inputs: string[]; outputs: string[]; optionalOutputs: string[]; requiredInputs?: string[] };
} = {
    Cluster: {
        inputs: [
            "kubernetesVersion",
            "ciliumDatapath",
            "vpcId",
            "publicSubnetIds",
            "privateSubnetIds",
            "nodeGroup",
            "endpointPublicAccess",
            "endpointPrivateAccess",
            "publicAccessCidrs",
            "secretsKmsKeyArn",
            "istioCniTaint",
            "tags",
        ],
        // `provider` is TypeScript-only (a getter): see components/Cluster.ts and the external-reference test below.
        outputs: [
            "eksCluster",
            "clusterName",
            "endpointHost",
            "kubeconfig",
            "oidcProviderArn",
            "oidcIssuer",
            "clusterSecurityGroupId",
            "nodeSecurityGroupId",
            "nodeGroup",
        ],
        optionalOutputs: [],
    },
    CiliumRelease: {
        inputs: [
            "version",
            "kubernetesVersion",
            "allowUnsupportedVersions",
            "datapath",
            "tunnelProtocol",
            "k8sServiceHost",
            "k8sServicePort",
            "istio",
            "istioMode",
            "hubble",
            "prometheus",
            "gatewayApi",
            "operatorReplicas",
            "kubeProxyReplacement",
            "extraValues",
            "clusterMesh",
        ],
        outputs: ["release", "values", "version", "datapath"],
        optionalOutputs: [],
    },
    IstioRelease: {
        inputs: [
            "version",
            "kubernetesVersion",
            "allowUnsupportedVersions",
            "mode",
            "ciliumDatapath",
            "meshMtlsMode",
            "ambientHostProbes",
            "untaintNodes",
            "nodeGroupMaxSize",
            "extraValues",
            "multiCluster",
        ],
        outputs: [
            "base",
            "istiod",
            "cni",
            "ztunnel",
            "istiodHostNetwork",
            "ambientHostProbesPolicy",
            "meshPeerAuthentication",
            "eastWestGateway",
        ],
        optionalOutputs: ["ambientHostProbesPolicy", "istiodHostNetwork", "ztunnel", "eastWestGateway"],
    },
    NamespaceDemo: {
        inputs: ["istioMode", "stage", "mtlsFix"],
        outputs: ["namespaces", "checks"],
        optionalOutputs: [],
    },
    ClusterMesh: {
        inputs: [
            "clusters",
            "datapath",
            "tunnelProtocol",
            "maxConnectedClusters",
            "meshId",
            "istioNetwork",
            "ciliumCa",
            "istioRootCa",
            "vpcPeering",
        ],
        outputs: ["apiServerHosts", "ciliumCaCertPem", "istioRootCertPem", "peeringConnectionIds"],
        optionalOutputs: [],
        // A mesh has no default members.
        requiredInputs: ["clusters"],
    },
};

/** Inputs typed `pulumi.Input<...>`: they take another resource's outputs; every other input is plain. */
const OUTPUT_ACCEPTING_INPUTS = [
    "Cluster.vpcId",
    "Cluster.publicSubnetIds",
    "Cluster.privateSubnetIds",
    "Cluster.secretsKmsKeyArn",
    "CiliumRelease.k8sServiceHost",
];

/** Which enum each mode input takes. */
const ENUM_INPUTS: [string, string, keyof typeof types][] = [
    ["Cluster", "ciliumDatapath", "CiliumDatapath"],
    ["CiliumRelease", "datapath", "CiliumDatapath"],
    ["CiliumRelease", "tunnelProtocol", "TunnelProtocol"],
    ["CiliumRelease", "istioMode", "IstioMode"],
    ["IstioRelease", "mode", "IstioMode"],
    ["IstioRelease", "ciliumDatapath", "CiliumDatapath"],
    ["IstioRelease", "meshMtlsMode", "MtlsMode"],
    ["NamespaceDemo", "istioMode", "IstioMode"],
    ["NamespaceDemo", "stage", "DemoStage"],
];

/** The doc comment right above `export class <name>` in components/<name>.ts, as plain text. */
function classDocComment(name: string): string {
    const source = fs.readFileSync(path.join(PACKAGE_DIR, "components", `${name}.ts`), "utf8");
    const match = new RegExp(`/\\*\\*((?:(?!\\*/)[\\s\\S])*)\\*/\\s*export class ${name}\\b`).exec(source);
    assert.ok(match, `no doc comment above class ${name}`);
    return match[1]
        .split("\n")
        .map((line) => line.replace(/^\s*\* ?/, ""))
        .join("\n")
        .trim();
}

/** Every `$ref` in the schema, with where it was found. */
function refsOf(schema: PackageSchema): { where: string; ref: string }[] {
    const found: { where: string; ref: string }[] = [];
    const visit = (where: string, property: SchemaProperty) => {
        if (property.$ref) {
            found.push({ where, ref: property.$ref });
        }
        if (property.items) {
            visit(`${where}[]`, property.items);
        }
        if (property.additionalProperties) {
            visit(`${where}{}`, property.additionalProperties);
        }
    };
    for (const [resourceToken, resource] of Object.entries(schema.resources)) {
        for (const [name, property] of Object.entries({ ...resource.inputProperties, ...resource.properties })) {
            visit(`${resourceToken}.${name}`, property);
        }
    }
    for (const [typeToken, type] of Object.entries(schema.types)) {
        for (const [name, property] of Object.entries(type.properties ?? {})) {
            visit(`${typeToken}.${name}`, property);
        }
    }
    return found;
}

/** Tokens of the object types reachable from the components' inputs. */
function inputTypeTokens(schema: PackageSchema): Set<string> {
    const reached = new Set<string>();
    const visit = (property: SchemaProperty) => {
        const local = localTypeToken(property);
        if (local && !reached.has(local)) {
            reached.add(local);
            Object.values(schema.types[local]?.properties ?? {}).forEach(visit);
        }
        [property.items, property.additionalProperties].forEach((inner) => inner && visit(inner));
    };
    Object.values(schema.resources).forEach((resource) => Object.values(resource.inputProperties).forEach(visit));
    return new Set([...reached].filter((t) => schema.types[t]?.properties));
}

describe("component package schema (inferred offline, as `pulumi package add` receives it)", function () {
    this.timeout(180_000);
    let schema: PackageSchema;
    before(async () => {
        schema = await inferredSchema();
    });

    it("is named after package.json and describes exactly the five components", () => {
        const packageJson = JSON.parse(fs.readFileSync(path.join(PACKAGE_DIR, "package.json"), "utf8"));
        assert.strictEqual(schema.name, PROVIDER_NAME);
        assert.strictEqual(PROVIDER_NAME, "eks-cilium-istio", "the type tokens eks-cilium-istio:index:<Name> need it");
        assert.strictEqual(schema.version, packageJson.version);
        assert.deepStrictEqual(COMPONENTS.map((c) => c.name).sort(), Object.keys(PUBLIC_SURFACE).sort());
        assert.deepStrictEqual(Object.keys(schema.resources).sort(), Object.keys(PUBLIC_SURFACE).map(token).sort());
        for (const resource of Object.values(schema.resources)) {
            assert.strictEqual(resource.isComponent, true);
        }
    });

    for (const [name, surface] of Object.entries(PUBLIC_SURFACE)) {
        describe(name, () => {
            it("takes the agreed inputs, optional but where agreed, each with a description that states its default", () => {
                const resource = schema.resources[token(name)];
                assert.deepStrictEqual(Object.keys(resource.inputProperties).sort(), [...surface.inputs].sort());
                assert.deepStrictEqual(resource.requiredInputs, surface.requiredInputs ?? []);
                for (const [input, property] of Object.entries(resource.inputProperties)) {
                    assert.match(property.description ?? "", /default/i, `${name}.${input} says no default`);
                }
            });

            it("accepts other resources' outputs exactly where the args are pulumi.Input", () => {
                const resource = schema.resources[token(name)];
                const outputAccepting = Object.entries(resource.inputProperties)
                    .filter(([, property]) => !property.plain)
                    .map(([input]) => `${name}.${input}`);
                assert.deepStrictEqual(
                    outputAccepting.sort(),
                    OUTPUT_ACCEPTING_INPUTS.filter((i) => i.startsWith(`${name}.`)).sort(),
                );
            });

            it("exposes the agreed outputs, each described", () => {
                const resource = schema.resources[token(name)];
                assert.deepStrictEqual(Object.keys(resource.properties).sort(), [...surface.outputs].sort());
                assert.deepStrictEqual(
                    resource.required,
                    surface.outputs.filter((o) => !surface.optionalOutputs.includes(o)).sort(),
                );
                for (const [output, property] of Object.entries(resource.properties)) {
                    assert.ok(property.description, `${name}.${output} has no description`);
                }
            });

            it("carries the class's whole doc comment as its description", () => {
                assert.strictEqual(schema.resources[token(name)].description, classDocComment(name));
            });
        });
    }

    it("turns each mode enum into a schema enum with the same names and values", () => {
        for (const enumName of ["CiliumDatapath", "TunnelProtocol", "IstioMode", "MtlsMode", "DemoStage"] as const) {
            const declared = types[enumName];
            const inferred = schema.types[token(enumName)];
            assert.ok(inferred?.enum, `${enumName} is not a schema enum`);
            assert.strictEqual(inferred.type, "string");
            assert.deepStrictEqual(
                inferred.enum.map((e) => [e.name, e.value]),
                Object.entries(declared),
            );
        }
        for (const [component, input, enumName] of ENUM_INPUTS) {
            const property = schema.resources[token(component)].inputProperties[input];
            assert.strictEqual(localTypeToken(property), token(enumName), `${component}.${input}`);
        }
    });

    it("describes every property of the nested input types, defaults included", () => {
        const reachable = inputTypeTokens(schema);
        assert.deepStrictEqual(
            [...reachable].sort(),
            [
                "HubbleArgs",
                "IstioExtraValuesArgs",
                "NodeGroupArgs",
                "CaArgs",
                "CiliumClusterMeshArgs",
                "CiliumClusterMeshPeerArgs",
                "ClusterMeshMemberArgs",
                "IstioCacertsArgs",
                "IstioMultiClusterArgs",
                "IstioRemoteClusterArgs",
            ]
                .map(token)
                .sort(),
        );
        for (const typeToken of reachable) {
            for (const [name, property] of Object.entries(schema.types[typeToken].properties ?? {})) {
                assert.match(property.description ?? "", /default/i, `${typeToken}.${name} says no default`);
            }
        }
    });

    it("types NamespaceDemo.checks as DemoCheck objects with from, to, path and command", () => {
        const checks = schema.resources[token("NamespaceDemo")].properties.checks;
        assert.strictEqual(checks.type, "array");
        const demoCheck = schema.types[localTypeToken(checks.items!)!];
        assert.deepStrictEqual(Object.keys(demoCheck.properties ?? {}).sort(), ["command", "from", "path", "to"]);
        assert.deepStrictEqual(demoCheck.required, ["command", "from", "path", "to"]);
        for (const property of Object.values(demoCheck.properties ?? {})) {
            assert.strictEqual(property.type, "string");
        }
    });

    it("refers only to types it defines and to resources of its declared dependencies, at their installed versions", () => {
        const external = /^\/([^/]+)\/v([^/]+)\/schema\.json#\/resources\/(.+)$/;
        for (const { where, ref } of refsOf(schema)) {
            if (ref.startsWith("#/types/")) {
                assert.ok(
                    schema.types[decodeURIComponent(ref.slice("#/types/".length))],
                    `${where}: ${ref} is not defined`,
                );
                continue;
            }
            if (ref.startsWith("pulumi.json#/")) {
                continue;
            }
            const match = external.exec(ref);
            assert.ok(match, `${where}: ${ref} is neither a local type nor an external resource`);
            const [, pkg, version, resourceToken] = match;
            assert.ok(
                schema.dependencies.some((d) => d.name === pkg && d.version === version),
                `${where}: ${pkg} v${version} undeclared`,
            );
            assert.strictEqual(
                version,
                JSON.parse(fs.readFileSync(require.resolve(`@pulumi/${pkg}/package.json`), "utf8")).version,
                `${where}: not the installed @pulumi/${pkg}`,
            );
            // A resource token is <package>:<module>:<Type>. A Provider has the bare token "kubernetes", which the
            // kubernetes schema has no resource for (providers are `#/provider`): SDK generation would fail on it.
            const parts = decodeURIComponent(resourceToken).split(":");
            assert.strictEqual(parts.length, 3, `${where}: ${ref} names no resource`);
            assert.strictEqual(parts[0], pkg, `${where}: ${ref}`);
        }
    });
});
