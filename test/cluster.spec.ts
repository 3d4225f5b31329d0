import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { Cluster, ClusterArgs } from "../components/Cluster";
import { addonPlan, CILIUM_ENI_EC2_ACTIONS, endpointHost } from "../components/cluster-settings";
import { InputError } from "../components/validation";
import { MOCK_ENDPOINT_HOST, Recorder, recordRegistrations, Registration } from "../engine/mock/mock-runtime";
import { one, ofType } from "./registrations";

const COMPONENT = "eks-cilium-istio:index:Cluster";
const EKS = "eks:index:Cluster";
const NODE_GROUP = "aws:eks/nodeGroup:NodeGroup";
const LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate";
const ADDON = "aws:eks/addon:Addon";
const ROLE = "aws:iam/role:Role";
const ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment";
const ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy";
const K8S_PROVIDER = "pulumi:providers:kubernetes";
const KMS_KEY = "arn:aws:kms:us-west-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";

function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => output.apply(resolve));
}

interface Built {
    recorder: Recorder;
    cluster: Cluster;
    registrations: Registration[];
}

async function build(args: ClusterArgs): Promise<Built> {
    const recorder = recordRegistrations();
    const cluster = new Cluster("demo", args);
    await recorder.settle();
    return { recorder, cluster, registrations: recorder.registrations };
}

function expectInputError(args: ClusterArgs, input: string, allowedFragment: string): void {
    const recorder = recordRegistrations();
    assert.throws(
        () => new Cluster("demo", args),
        (err: unknown) => {
            assert.ok(err instanceof InputError, `expected InputError, got ${String(err)}`);
            assert.strictEqual(err.input, input);
            assert.ok(err.allowed.includes(allowedFragment), `"${err.allowed}" should mention "${allowedFragment}"`);
            return true;
        },
    );
    assert.strictEqual(recorder.registrations.length, 0, "nothing may be registered before validation");
}

describe("Cluster", () => {
    describe("defaults (eni datapath)", () => {
        let built: Built;
        before(async () => {
            built = await build({});
        });

        it("registers the eks cluster, node role and policies, launch template, node group, CoreDNS and a k8s provider under the component", () => {
            const component = one(built.registrations, COMPONENT, "demo");
            const children = built.registrations.filter((r) => r !== component);
            assert.deepStrictEqual(
                children.map((r) => `${r.type} ${r.name}`).sort(),
                [
                    `${ROLE} demo-node`,
                    `${LAUNCH_TEMPLATE} demo-nodes`,
                    `${ADDON} demo-coredns`,
                    `${NODE_GROUP} demo-nodes`,
                    `${ROLE_POLICY} demo-node-cilium-eni`,
                    `${ATTACHMENT} demo-node-ecr`,
                    `${ATTACHMENT} demo-node-worker`,
                    `${EKS} demo-eks`,
                    `${K8S_PROVIDER} demo-k8s`,
                ].sort(),
            );
            for (const child of children) {
                assert.strictEqual(child.parent, component.urn, `${child.name} must be parented to the component`);
            }
        });

        it("asks @pulumi/eks for a cluster without the VPC CNI, kube-proxy and self-managed add-ons", () => {
            const { inputs } = one(built.registrations, EKS, "demo-eks");
            assert.strictEqual(inputs.version, "1.34");
            assert.strictEqual(inputs.bootstrapSelfManagedAddons, false);
            assert.strictEqual(inputs.useDefaultVpcCni, true, "true stops @pulumi/eks creating its vpc-cni add-on");
            assert.strictEqual(inputs.kubeProxyAddonOptions.enabled, false);
            assert.strictEqual(inputs.corednsAddonOptions.enabled, false, "CoreDNS is the component's own add-on");
            assert.strictEqual(inputs.skipDefaultNodeGroup, true);
            assert.strictEqual(inputs.skipDefaultSecurityGroups, true);
            assert.strictEqual(inputs.authenticationMode, "API");
            assert.strictEqual(inputs.createOidcProvider, true);
            assert.strictEqual(inputs.endpointPublicAccess, true);
            assert.strictEqual(inputs.endpointPrivateAccess, true);
            for (const absent of [
                "vpcId",
                "publicSubnetIds",
                "privateSubnetIds",
                "publicAccessCidrs",
                "encryptionConfigKeyArn",
            ]) {
                assert.strictEqual(inputs[absent], undefined, `${absent} is left to the defaults`);
            }
        });

        it("taints the managed node group until Cilium and istio-cni run on it (docs/istio-install.md#untaint-controller), and sizes it", () => {
            const { inputs } = one(built.registrations, NODE_GROUP, "demo-nodes");
            assert.deepStrictEqual(inputs.taints, [
                { key: "node.cilium.io/agent-not-ready", value: "true", effect: "NO_EXECUTE" },
                { key: "cni.istio.io/not-ready", value: "true", effect: "NO_SCHEDULE" },
            ]);
            assert.deepStrictEqual(inputs.scalingConfig, { desiredSize: 2, minSize: 1, maxSize: 3 });
            assert.deepStrictEqual(inputs.instanceTypes, ["t3.large"]);
            assert.strictEqual(inputs.diskSize, undefined, "the disk size comes from the launch template");
        });

        it("puts the nodes in the cluster's subnets, on the cluster's name, with the node role", () => {
            const nodes = one(built.registrations, NODE_GROUP, "demo-nodes");
            const eksCluster = one(built.registrations, EKS, "demo-eks");
            const role = one(built.registrations, ROLE, "demo-node");
            assert.deepStrictEqual(nodes.inputs.subnetIds, eksCluster.outputs.core.subnetIds);
            assert.strictEqual(nodes.inputs.clusterName, eksCluster.outputs.eksCluster.name);
            assert.strictEqual(nodes.inputs.nodeRoleArn, role.outputs.arn);
        });

        it("launches nodes from a template that requires IMDSv2 with hop limit 1 and an encrypted gp3 root volume", () => {
            const template = one(built.registrations, LAUNCH_TEMPLATE, "demo-nodes");
            assert.deepStrictEqual(template.inputs.metadataOptions, {
                httpEndpoint: "enabled",
                httpTokens: "required",
                httpPutResponseHopLimit: 1,
            });
            assert.deepStrictEqual(template.inputs.blockDeviceMappings, [
                {
                    deviceName: "/dev/xvda",
                    ebs: { volumeSize: 20, volumeType: "gp3", encrypted: "true", deleteOnTermination: "true" },
                },
            ]);
            const nodes = one(built.registrations, NODE_GROUP, "demo-nodes");
            assert.deepStrictEqual(nodes.inputs.launchTemplate, { id: template.id, version: "1" });
        });

        it("gives the node role the EKS worker and ECR policies plus Cilium's ENI privileges, and no VPC CNI policy", () => {
            const role = one(built.registrations, ROLE, "demo-node");
            assert.deepStrictEqual(JSON.parse(role.inputs.assumeRolePolicy).Statement[0].Principal, {
                Service: "ec2.amazonaws.com",
            });
            const attachments = ofType(built.registrations, ATTACHMENT);
            assert.deepStrictEqual(attachments.map((a) => a.inputs.policyArn).sort(), [
                "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
                "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
            ]);
            const eniPolicy = one(built.registrations, ROLE_POLICY, "demo-node-cilium-eni");
            assert.deepStrictEqual(JSON.parse(eniPolicy.inputs.policy).Statement, [
                { Effect: "Allow", Action: [...CILIUM_ENI_EC2_ACTIONS], Resource: "*" },
            ]);
            for (const policy of [...attachments, eniPolicy]) {
                assert.strictEqual(policy.inputs.role, role.outputs.name);
            }
        });

        it("orders the node group after the role's policies, and CoreDNS after the node group", () => {
            const urn = (type: string, name: string): string => one(built.registrations, type, name).urn;
            const nodes = one(built.registrations, NODE_GROUP, "demo-nodes");
            for (const policy of [
                urn(ATTACHMENT, "demo-node-worker"),
                urn(ATTACHMENT, "demo-node-ecr"),
                urn(ROLE_POLICY, "demo-node-cilium-eni"),
            ]) {
                assert.ok(nodes.dependencies.includes(policy), `node group must wait for ${policy}`);
            }
            const coredns = one(built.registrations, ADDON, "demo-coredns");
            assert.strictEqual(coredns.inputs.addonName, "coredns");
            assert.ok(coredns.dependencies.includes(nodes.urn), "CoreDNS waits for the nodes");
        });

        it("lets CoreDNS, which is outside the mesh, tolerate the istio-cni taint so that it does not wait for Istio (docs/istio-install.md#taint-tolerations)", () => {
            const coredns = one(built.registrations, ADDON, "demo-coredns");
            assert.deepStrictEqual(JSON.parse(coredns.inputs.configurationValues), {
                tolerations: [
                    { key: "CriticalAddonsOnly", operator: "Exists" },
                    { key: "cni.istio.io/not-ready", operator: "Exists", effect: "NoSchedule" },
                ],
            });
        });

        it("builds the k8s provider from the cluster's kubeconfigJson, depending on the control plane only", () => {
            const provider = one(built.registrations, K8S_PROVIDER, "demo-k8s");
            const eksCluster = one(built.registrations, EKS, "demo-eks");
            assert.strictEqual(provider.inputs.kubeconfig, eksCluster.outputs.kubeconfigJson);
            assert.deepStrictEqual(provider.dependencies, [eksCluster.urn]);
        });

        it("outputs the endpoint host without scheme, the secret kubeconfig, names, OIDC and security groups", async () => {
            const { cluster } = built;
            const eksCluster = one(built.registrations, EKS, "demo-eks");
            assert.strictEqual(await valueOf(cluster.endpointHost), MOCK_ENDPOINT_HOST);
            assert.strictEqual(await valueOf(cluster.kubeconfig), eksCluster.outputs.kubeconfigJson);
            assert.strictEqual(await pulumi.isSecret(cluster.kubeconfig), true);
            assert.strictEqual(await valueOf(cluster.clusterName), eksCluster.outputs.eksCluster.name);
            assert.strictEqual(await valueOf(cluster.oidcProviderArn), eksCluster.outputs.oidcProviderArn);
            assert.strictEqual(await valueOf(cluster.oidcIssuer), eksCluster.outputs.oidcIssuer);
            assert.strictEqual(
                await valueOf(cluster.clusterSecurityGroupId),
                eksCluster.outputs.clusterSecurityGroupId,
            );
            assert.strictEqual(await valueOf(cluster.nodeSecurityGroupId), eksCluster.outputs.nodeSecurityGroupId);
            assert.strictEqual(
                await valueOf(cluster.provider.urn),
                one(built.registrations, K8S_PROVIDER, "demo-k8s").urn,
            );
        });
    });

    it("overlay: the same add-ons as eni, and a node role without ENI or VPC CNI privileges", async () => {
        const { registrations } = await build({ ciliumDatapath: "overlay" });
        const { inputs } = one(registrations, EKS, "demo-eks");
        assert.strictEqual(inputs.bootstrapSelfManagedAddons, false);
        assert.strictEqual(inputs.useDefaultVpcCni, true);
        assert.strictEqual(inputs.kubeProxyAddonOptions.enabled, false);
        assert.strictEqual(ofType(registrations, ROLE_POLICY).length, 0);
        assert.strictEqual(ofType(registrations, ATTACHMENT).length, 2);
        assert.deepStrictEqual(
            one(registrations, NODE_GROUP, "demo-nodes").inputs.taints[0].key,
            "node.cilium.io/agent-not-ready",
        );
    });

    it("chaining: keeps the VPC CNI (the eks component's add-on) and kube-proxy, with the VPC CNI policy on the node role", async () => {
        const { registrations } = await build({ ciliumDatapath: "chaining" });
        const { inputs } = one(registrations, EKS, "demo-eks");
        assert.strictEqual(inputs.bootstrapSelfManagedAddons, false);
        assert.strictEqual(inputs.useDefaultVpcCni, false, "false makes @pulumi/eks create its vpc-cni add-on");
        assert.strictEqual(inputs.kubeProxyAddonOptions.enabled, true);
        assert.strictEqual(ofType(registrations, ROLE_POLICY).length, 0);
        assert.ok(
            ofType(registrations, ATTACHMENT).some(
                (a) => a.inputs.policyArn === "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
            ),
        );
        assert.deepStrictEqual(
            one(registrations, NODE_GROUP, "demo-nodes").inputs.taints.map((t: { key: string }) => t.key),
            ["node.cilium.io/agent-not-ready", "cni.istio.io/not-ready"],
            "Cilium and istio-cni run in chaining too",
        );
    });

    it("istioCniTaint false: only Cilium's taint, and CoreDNS with the add-on's own configuration", async () => {
        const { registrations } = await build({ istioCniTaint: false });
        assert.deepStrictEqual(one(registrations, NODE_GROUP, "demo-nodes").inputs.taints, [
            { key: "node.cilium.io/agent-not-ready", value: "true", effect: "NO_EXECUTE" },
        ]);
        assert.strictEqual(one(registrations, ADDON, "demo-coredns").inputs.configurationValues, undefined);
        expectInputError({ istioCniTaint: "no" as unknown as boolean }, "Cluster.istioCniTaint", "true or false");
    });

    it("passes VPC, subnets, endpoint access, CIDRs, KMS key, version, sizes and tags through", async () => {
        const tags = { team: "platform" };
        const { registrations } = await build({
            kubernetesVersion: "1.31",
            vpcId: "vpc-0123",
            publicSubnetIds: ["subnet-pub-a"],
            privateSubnetIds: ["subnet-priv-a", "subnet-priv-b"],
            endpointPrivateAccess: false,
            publicAccessCidrs: ["203.0.113.0/24"],
            secretsKmsKeyArn: KMS_KEY,
            tags,
            nodeGroup: {
                instanceTypes: ["m6i.large", "m5.large"],
                desiredSize: 4,
                minSize: 3,
                maxSize: 6,
                diskSizeGiB: 50,
            },
        });
        const { inputs } = one(registrations, EKS, "demo-eks");
        assert.strictEqual(inputs.version, "1.31");
        assert.strictEqual(inputs.vpcId, "vpc-0123");
        assert.deepStrictEqual(inputs.publicSubnetIds, ["subnet-pub-a"]);
        assert.deepStrictEqual(inputs.privateSubnetIds, ["subnet-priv-a", "subnet-priv-b"]);
        assert.strictEqual(inputs.endpointPrivateAccess, false);
        assert.deepStrictEqual(inputs.publicAccessCidrs, ["203.0.113.0/24"]);
        assert.strictEqual(inputs.encryptionConfigKeyArn, KMS_KEY);
        assert.deepStrictEqual(inputs.tags, tags);
        const nodes = one(registrations, NODE_GROUP, "demo-nodes");
        assert.deepStrictEqual(
            nodes.inputs.subnetIds,
            ["subnet-priv-a", "subnet-priv-b"],
            "nodes go to the private subnets",
        );
        assert.deepStrictEqual(nodes.inputs.instanceTypes, ["m6i.large", "m5.large"]);
        assert.deepStrictEqual(nodes.inputs.scalingConfig, { desiredSize: 4, minSize: 3, maxSize: 6 });
        assert.strictEqual(
            one(registrations, LAUNCH_TEMPLATE, "demo-nodes").inputs.blockDeviceMappings[0].ebs.volumeSize,
            50,
        );
        for (const type of [NODE_GROUP, LAUNCH_TEMPLATE, ROLE, ADDON]) {
            assert.deepStrictEqual(ofType(registrations, type)[0].inputs.tags, tags, `${type} carries the tags`);
        }
    });

    describe("rejects before registering anything", () => {
        it("a Kubernetes version that is malformed or not an EKS version this project knows", () => {
            for (const version of ["1.34.1", "v1.34", "latest", ""]) {
                expectInputError({ kubernetesVersion: version }, "Cluster.kubernetesVersion", "MAJOR.MINOR");
            }
            for (const version of ["1.28", "1.36", "2.0"]) {
                expectInputError(
                    { kubernetesVersion: version },
                    "Cluster.kubernetesVersion",
                    "1.29, 1.30, 1.31, 1.32, 1.33, 1.34, 1.35",
                );
            }
        });

        it("an unknown datapath", () => {
            expectInputError(
                { ciliumDatapath: "calico" as any },
                "Cluster.ciliumDatapath",
                "one of eni, chaining, overlay",
            );
        });

        it("malformed public access CIDRs, or CIDRs without public access", () => {
            expectInputError({ publicAccessCidrs: ["203.0.113.0/33"] }, "Cluster.publicAccessCidrs[0]", "IPv4 CIDR");
            expectInputError(
                { publicAccessCidrs: ["10.0.0.0/8", "300.1.2.3/32"] },
                "Cluster.publicAccessCidrs[1]",
                "IPv4 CIDR",
            );
            expectInputError({ publicAccessCidrs: [] }, "Cluster.publicAccessCidrs", "non-empty");
            expectInputError(
                { endpointPublicAccess: false, publicAccessCidrs: ["203.0.113.0/24"] },
                "Cluster.publicAccessCidrs",
                "unless endpointPublicAccess is true",
            );
        });

        it("no endpoint at all", () => {
            expectInputError(
                { endpointPublicAccess: false, endpointPrivateAccess: false },
                "Cluster.endpointPrivateAccess",
                "at least one endpoint",
            );
        });

        it("node sizes out of range or out of order", () => {
            expectInputError(
                { nodeGroup: { minSize: 3, maxSize: 2 } },
                "Cluster.nodeGroup.minSize",
                "at most maxSize (2)",
            );
            expectInputError(
                { nodeGroup: { desiredSize: 5 } },
                "Cluster.nodeGroup.desiredSize",
                "from minSize (1) to maxSize (3)",
            );
            expectInputError(
                { nodeGroup: { minSize: 2, desiredSize: 1 } },
                "Cluster.nodeGroup.desiredSize",
                "from minSize (2) to maxSize (3)",
            );
            expectInputError({ nodeGroup: { desiredSize: 0 } }, "Cluster.nodeGroup.desiredSize", "from 1 to 450");
            expectInputError({ nodeGroup: { maxSize: 451 } }, "Cluster.nodeGroup.maxSize", "from 1 to 450");
            expectInputError({ nodeGroup: { minSize: -1 } }, "Cluster.nodeGroup.minSize", "from 0 to 450");
            expectInputError({ nodeGroup: { desiredSize: 2.5 } }, "Cluster.nodeGroup.desiredSize", "an integer");
            expectInputError({ nodeGroup: { diskSizeGiB: 10 } }, "Cluster.nodeGroup.diskSizeGiB", "from 20 to 16384");
        });

        it("malformed or empty instance types", () => {
            expectInputError({ nodeGroup: { instanceTypes: [] } }, "Cluster.nodeGroup.instanceTypes", "non-empty");
            expectInputError(
                { nodeGroup: { instanceTypes: ["t3.large", "large"] } },
                "Cluster.nodeGroup.instanceTypes[1]",
                "such as t3.large",
            );
        });

        it("a KMS key that is not a key ARN", () => {
            expectInputError({ secretsKmsKeyArn: "alias/eks" }, "Cluster.secretsKmsKeyArn", "a KMS key ARN");
        });

        it("a VPC without subnets, or subnets without their VPC", () => {
            expectInputError({ vpcId: "vpc-0123" }, "Cluster.publicSubnetIds", "when vpcId is set");
            expectInputError({ privateSubnetIds: ["subnet-a"] }, "Cluster.vpcId", "the VPC of the given subnets");
        });
    });

    it("takes an Output KMS key and VPC without looking into them", async () => {
        const { registrations } = await build({
            secretsKmsKeyArn: pulumi.output(KMS_KEY),
            vpcId: pulumi.output("vpc-0123"),
            privateSubnetIds: pulumi.output(["subnet-a"]),
        });
        assert.strictEqual(one(registrations, EKS, "demo-eks").inputs.encryptionConfigKeyArn, KMS_KEY);
    });
});

describe("cluster settings", () => {
    it("endpointHost strips scheme, port and path, and keeps the host as it is", () => {
        assert.strictEqual(
            endpointHost("https://ABC.gr7.us-west-2.eks.amazonaws.com"),
            "ABC.gr7.us-west-2.eks.amazonaws.com",
        );
        assert.strictEqual(endpointHost("https://abc.eks.amazonaws.com:443/"), "abc.eks.amazonaws.com");
        assert.strictEqual(endpointHost("abc.eks.amazonaws.com"), "abc.eks.amazonaws.com");
        assert.throws(() => endpointHost("https://"), /has no host/);
    });

    it("plans the networking add-ons per datapath: only chaining keeps the VPC CNI and kube-proxy", () => {
        assert.deepStrictEqual(addonPlan("eni"), {
            bootstrapSelfManagedAddons: false,
            vpcCni: false,
            kubeProxy: false,
        });
        assert.deepStrictEqual(addonPlan("overlay"), {
            bootstrapSelfManagedAddons: false,
            vpcCni: false,
            kubeProxy: false,
        });
        assert.deepStrictEqual(addonPlan("chaining"), {
            bootstrapSelfManagedAddons: false,
            vpcCni: true,
            kubeProxy: true,
        });
    });
});
