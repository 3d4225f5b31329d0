/**
 * The Pulumi SDK's own mock runtime (`pulumi.runtime.setMocks`), set up so that a program's registrations can be
 * recorded the way the engine would see them: type, name, URN with the full parent chain, inputs, parent,
 * dependencies and provider. Tests and the offline `plan` command share it, so what the tests assert is what the
 * plan evaluates.
 *
 * Nothing here talks to a cloud: outputs are made up by `mockOutputs`, shaped like what the real providers return
 * (see docs/pulumi-facts.md#mock-runtime for what `eks:index:Cluster` must answer).
 */
import * as crypto from "crypto";
import * as pulumi from "@pulumi/pulumi";

/** One resource registration, as the engine would have received it. */
export interface Registration {
    urn: string;
    type: string;
    name: string;
    /** true for custom resources (provider-managed), false for components. */
    custom: boolean;
    /** URN of the parent resource, if any. */
    parent?: string;
    /** URNs this resource depends on (explicit `dependsOn` plus those implied by its inputs). */
    dependencies: string[];
    /** Per input property, the URNs it depends on. */
    propertyDependencies: Record<string, string[]>;
    /** Provider reference (`<provider urn>::<provider id>`), if one was set. */
    provider?: string;
    /** Version of the provider package the SDK asked for; the engine names default providers after it. */
    packageVersion?: string;
    id?: string;
    inputs: Record<string, any>;
    outputs: Record<string, any>;
}

/** What the mocks answer for the EKS cluster endpoint; recognisable, never a real cluster. */
export const MOCK_ENDPOINT_HOST = "0123456789ABCDEF0123456789ABCDEF.gr7.us-west-2.eks.amazonaws.com";
const MOCK_ACCOUNT = "123456789012";
const MOCK_REGION = "us-west-2";
const MOCK_DEFAULT_VPC = "vpc-0defa017defa01700";
const MOCK_DEFAULT_SUBNETS = ["subnet-0defa017a0000000a", "subnet-0defa017b0000000b"];

function mockKubeconfig(clusterName: string): Record<string, unknown> {
    return {
        apiVersion: "v1",
        kind: "Config",
        clusters: [
            {
                name: clusterName,
                cluster: { server: `https://${MOCK_ENDPOINT_HOST}`, "certificate-authority-data": "bW9jaw==" },
            },
        ],
        contexts: [{ name: "aws", context: { cluster: clusterName, user: "aws" } }],
        "current-context": "aws",
        users: [
            {
                name: "aws",
                user: {
                    exec: {
                        apiVersion: "client.authentication.k8s.io/v1beta1",
                        command: "aws",
                        args: [
                            "--region",
                            MOCK_REGION,
                            "eks",
                            "get-token",
                            "--cluster-name",
                            clusterName,
                            "--output",
                            "json",
                        ],
                    },
                },
            },
        ],
    };
}

/**
 * Names the Kubernetes provider gives objects without `metadata.name` (nor `generateName`): the resource's name, "-"
 * and 8 random characters, assigned by its Check, so already at preview (pulumi/pulumi-kubernetes
 * provider/pkg/metadata/naming.go `AssignNameIfAutonamable`; https://www.pulumi.com/docs/iac/concepts/resources/names/).
 * Here the suffix is derived from the name, so that a plan is the same every time. Patches name an existing object, a
 * Helm release has its own name.
 */
function kubernetesAutoName(type: string, name: string, inputs: Record<string, any>): Record<string, any> | undefined {
    const metadata = inputs.metadata ?? {};
    if (
        !type.startsWith("kubernetes:") ||
        type.endsWith("Patch") ||
        type === "kubernetes:helm.sh/v3:Release" ||
        typeof metadata !== "object" ||
        metadata.name !== undefined ||
        metadata.generateName !== undefined
    ) {
        return undefined;
    }
    const suffix = crypto.createHash("sha256").update(name).digest("hex").slice(0, 8);
    return { ...inputs, metadata: { ...metadata, name: `${name}-${suffix}` } };
}

/** Outputs a provider would return for a resource of this type: inputs plus the computed fields code reads. */
export function mockOutputs(
    type: string,
    name: string,
    inputs: Record<string, any>,
): { id: string; state: Record<string, any> } {
    const id = `${name}-id`;
    switch (type) {
        case "eks:index:Cluster": {
            const clusterName = inputs.name ?? `${name}-eksCluster-mock`;
            const kubeconfig = mockKubeconfig(clusterName);
            return {
                id,
                state: {
                    ...inputs,
                    kubeconfig,
                    kubeconfigJson: JSON.stringify(kubeconfig),
                    eksCluster: {
                        name: clusterName,
                        endpoint: `https://${MOCK_ENDPOINT_HOST}`,
                        arn: `arn:aws:eks:${MOCK_REGION}:${MOCK_ACCOUNT}:cluster/${clusterName}`,
                    },
                    core: {
                        endpoint: `https://${MOCK_ENDPOINT_HOST}`,
                        cluster: { name: clusterName },
                        // As @pulumi/eks: the VPC given (else the default VPC) and all its subnets, public and private.
                        vpcId: inputs.vpcId ?? MOCK_DEFAULT_VPC,
                        subnetIds:
                            inputs.vpcId === undefined
                                ? MOCK_DEFAULT_SUBNETS
                                : [...(inputs.publicSubnetIds ?? []), ...(inputs.privateSubnetIds ?? [])],
                    },
                    clusterSecurityGroupId: "sg-0c1u5terc1u5ter00",
                    nodeSecurityGroupId: "sg-0n0de0n0de0n0de00",
                    oidcProviderArn: `arn:aws:iam::${MOCK_ACCOUNT}:oidc-provider/oidc.eks.${MOCK_REGION}.amazonaws.com/id/0123456789ABCDEF`,
                    oidcProviderUrl: `https://oidc.eks.${MOCK_REGION}.amazonaws.com/id/0123456789ABCDEF`,
                    oidcIssuer: `oidc.eks.${MOCK_REGION}.amazonaws.com/id/0123456789ABCDEF`,
                    instanceRoles: [],
                },
            };
        }
        case "kubernetes:helm.sh/v3:Release":
            return {
                id: `${inputs.namespace ?? "default"}/${inputs.name ?? name}`,
                state: {
                    ...inputs,
                    status: {
                        name: inputs.name ?? name,
                        namespace: inputs.namespace ?? "default",
                        chart: inputs.chart,
                        version: inputs.version,
                        status: "deployed",
                        revision: 1,
                    },
                },
            };
        case "aws:eks/cluster:Cluster": {
            // The control plane as @pulumi/aws returns it: endpoint, certificate, OIDC issuer, its security group.
            const clusterName = inputs.name ?? `${name}-mock`;
            return {
                id: clusterName,
                state: {
                    ...inputs,
                    name: clusterName,
                    arn: `arn:aws:eks:${MOCK_REGION}:${MOCK_ACCOUNT}:cluster/${clusterName}`,
                    endpoint: `https://${MOCK_ENDPOINT_HOST}`,
                    certificateAuthority: { data: "bW9jaw==" },
                    identities: [
                        { oidcs: [{ issuer: `https://oidc.eks.${MOCK_REGION}.amazonaws.com/id/0123456789ABCDEF` }] },
                    ],
                    vpcConfig: { ...inputs.vpcConfig, clusterSecurityGroupId: "sg-0c1u5terc1u5ter00" },
                    status: "ACTIVE",
                },
            };
        }
        case "aws:ec2/launchTemplate:LaunchTemplate":
            // A new launch template is at version 1.
            return {
                id,
                state: {
                    ...inputs,
                    arn: `arn:aws:ec2:${MOCK_REGION}:${MOCK_ACCOUNT}:launch-template/${id}`,
                    latestVersion: 1,
                    defaultVersion: 1,
                },
            };
        case "aws:iam/role:Role":
            // Auto-named like the engine would (name plus a suffix); the id of a role is its name.
            return {
                id: inputs.name ?? `${name}-mock`,
                state: {
                    ...inputs,
                    name: inputs.name ?? `${name}-mock`,
                    arn: `arn:aws:iam::${MOCK_ACCOUNT}:role/${inputs.name ?? `${name}-mock`}`,
                },
            };
        default:
            return {
                id,
                state: type.startsWith("aws:")
                    ? { ...inputs, arn: `arn:aws:mock:${MOCK_REGION}:${MOCK_ACCOUNT}:${name}` }
                    : (kubernetesAutoName(type, name, inputs) ?? { ...inputs }),
            };
    }
}

/** Answers for provider functions (invokes) that the components or @pulumi/aws call; undefined for the others. */
export function mockCall(token: string, inputs: Record<string, any>): Record<string, any> | undefined {
    switch (token) {
        case "aws:index/getRegion:getRegion":
            return { name: MOCK_REGION, region: MOCK_REGION, id: MOCK_REGION };
        case "aws:index/getCallerIdentity:getCallerIdentity":
            return {
                accountId: MOCK_ACCOUNT,
                arn: `arn:aws:iam::${MOCK_ACCOUNT}:user/mock`,
                userId: "AIDAMOCK",
                id: MOCK_ACCOUNT,
            };
        case "aws:index/getPartition:getPartition":
            return { partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" };
        case "aws:eks/getAddonVersion:getAddonVersion":
            return { ...inputs, version: "v0.0.0-mock-eksbuild.1", id: inputs.addonName };
        case "aws:index/getAvailabilityZones:getAvailabilityZones":
            return {
                ...inputs,
                names: ["a", "b", "c"].map((zone) => `${MOCK_REGION}${zone}`),
                zoneIds: ["usw2-az1", "usw2-az2", "usw2-az3"],
                id: MOCK_REGION,
            };
        default:
            return undefined;
    }
}

export interface Recorder {
    /** Registrations in the order the monitor received them. */
    readonly registrations: Registration[];
    /** Provider functions the mocks have no answer for, each answered with its own arguments: token -> calls. */
    readonly unansweredCalls: Map<string, number>;
    /** Resolves once every registration the program started has reached the monitor. */
    settle(): Promise<void>;
}

export interface RecorderOptions {
    project?: string;
    stack?: string;
    /** Run as `pulumi preview` would (unknown outputs stay unknown). Default false. */
    preview?: boolean;
    /**
     * Outputs a spec gives for resources the mocks leave to the provider (a certificate, a load balancer's address),
     * asked first; undefined to fall back to the mocks. Default none.
     */
    answer?: (
        type: string,
        name: string,
        inputs: Record<string, any>,
    ) => { id: string; state: Record<string, any> } | undefined;
}

/** The engine's URN: the parent's qualified type chain, then this type (the root Stack type is not part of it). */
function engineUrn(stack: string, project: string, parent: string | undefined, type: string, name: string): string {
    let qualified = type;
    if (parent) {
        const parentQualified = parent.split("::")[2];
        if (parentQualified !== "pulumi:pulumi:Stack") {
            qualified = `${parentQualified}$${type}`;
        }
    }
    return `urn:pulumi:${stack}::${project}::${qualified}::${name}`;
}

/**
 * Installs the mocks and starts recording. Call before the program (or component) is constructed; a second call
 * replaces the first, so each test can start from an empty record.
 */
export function recordRegistrations(options: RecorderOptions = {}): Recorder {
    const project = options.project ?? "eks-cilium-istio";
    const stack = options.stack ?? "test";
    const registrations: Registration[] = [];
    const unansweredCalls = new Map<string, number>();

    pulumi.runtime.setMocks(
        {
            newResource: (args) =>
                options.answer?.(args.type, args.name, args.inputs) ?? mockOutputs(args.type, args.name, args.inputs),
            call: (args) => {
                const answer = mockCall(args.token, args.inputs);
                if (answer !== undefined) {
                    return answer;
                }
                unansweredCalls.set(args.token, (unansweredCalls.get(args.token) ?? 0) + 1);
                return args.inputs;
            },
        },
        project,
        stack,
        options.preview ?? false,
    );

    // The mock monitor's own URNs keep only the parent's last type; the engine keeps the whole chain.
    // The monitor is the SDK's MockMonitor instance: wrap it to see what the engine would see.
    /* eslint-disable @typescript-eslint/no-require-imports -- SDK internals the mock monitor is reached through, untyped in its .d.ts */
    const settings = require("@pulumi/pulumi/runtime/settings");
    const { deserializeProperties } = require("@pulumi/pulumi/runtime/rpc");
    /* eslint-enable @typescript-eslint/no-require-imports */
    const monitor = settings.getMonitor();
    monitor.newUrn = (parent: string | undefined, type: string, name: string) =>
        engineUrn(stack, project, parent, type, name);
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req: any, callback: (err: any, resp: any) => void) => {
        register(req, (err: any, resp: any) => {
            if (!err && resp) {
                const propertyDependencies: Record<string, string[]> = {};
                req.getPropertydependenciesMap().forEach((deps: any, key: string) => {
                    propertyDependencies[key] = deps.getUrnsList();
                });
                const registration: Registration = {
                    urn: resp.getUrn(),
                    type: req.getType(),
                    name: req.getName(),
                    custom: req.getCustom(),
                    parent: req.getParent() || undefined,
                    dependencies: req.getDependenciesList(),
                    propertyDependencies,
                    provider: req.getProvider() || undefined,
                    packageVersion: req.getVersion() || undefined,
                    id: resp.getId() || undefined,
                    inputs: deserializeProperties(req.getObject()),
                    outputs: deserializeProperties(resp.getObject()),
                };
                registrations.push(registration);
            }
            callback(err, resp);
        });
    };
    // A component's (and the root Stack's) outputs in the engine's state are what it passes to registerOutputs,
    // not what the mock answered at registration: record them the same way.
    const registerOutputs = monitor.registerResourceOutputs.bind(monitor);
    monitor.registerResourceOutputs = (req: any, callback: (err: any, resp: any) => void) => {
        const registration = registrations.find((r) => r.urn === req.getUrn());
        if (registration && req.getOutputs()) {
            registration.outputs = deserializeProperties(req.getOutputs());
        }
        registerOutputs(req, callback);
    };

    return {
        registrations,
        unansweredCalls,
        settle: () => settings.waitForRPCs(),
    };
}
