import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as YAML from "yaml";
import { DemoCheck } from "../components/demo-objects";
import { InputError } from "../components/validation";
import { MOCK_ENDPOINT_HOST, Registration, recordRegistrations } from "../engine/mock/mock-runtime";
import { one, ofType, providerUrn } from "./registrations";
import program = require("../index");
import type { MeshStackOutputs } from "../mesh-program";

/** What the one-cluster stacks' program returns (a mesh stack returns MeshStackOutputs). */
type OneClusterOutputs = Exclude<Awaited<ReturnType<typeof program>>, MeshStackOutputs>;

const ROOT = path.join(__dirname, "..");
const RELEASE = "kubernetes:helm.sh/v3:Release";
const NAMESPACE = "kubernetes:core/v1:Namespace";
const PEER_AUTHN = "kubernetes:security.istio.io/v1:PeerAuthentication";
const CNP = "kubernetes:cilium.io/v2:CiliumNetworkPolicy";
const PATCH = "kubernetes:apps/v1:DeploymentPatch";

interface Run {
    registrations: Registration[];
    clusterName: string;
    kubeconfigIsSecret: boolean;
    checks: DemoCheck[];
}

function value<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => output.apply(resolve));
}

/** A stack file's config as the CLI hands it to the program: every value a string. */
function stackFileConfig(file: string): { [key: string]: string } {
    const parsed = YAML.parse(fs.readFileSync(path.join(ROOT, file), "utf8"));
    const config: { [key: string]: string } = {};
    for (const [key, raw] of Object.entries(parsed.config as { [key: string]: unknown })) {
        config[key] = String(raw);
    }
    return config;
}

/** Runs the root program under the mock runtime with this config, as `pulumi up` would. */
async function run(config: { [key: string]: string }): Promise<Run> {
    const recorder = recordRegistrations({ stack: "test" });
    pulumi.runtime.setAllConfig(config);
    const outputs = (await program()) as OneClusterOutputs;
    const [clusterName, checks, kubeconfigIsSecret] = await Promise.all([
        value(outputs.clusterName),
        value(outputs.checks),
        pulumi.isSecret(outputs.kubeconfig),
    ]);
    await recorder.settle();
    return { registrations: recorder.registrations, clusterName, kubeconfigIsSecret, checks };
}

async function expectConfigRejected(
    config: { [key: string]: string },
    input: string,
    allowedFragment: string,
): Promise<void> {
    const recorder = recordRegistrations({ stack: "test" });
    pulumi.runtime.setAllConfig({ "aws:region": "us-west-2", ...config });
    await assert.rejects(program(), (err: unknown) => {
        assert.ok(err instanceof InputError, `expected InputError, got ${String(err)}`);
        assert.strictEqual(err.input, input);
        assert.ok(err.allowed.includes(allowedFragment), `"${err.allowed}" should mention "${allowedFragment}"`);
        return true;
    });
    await recorder.settle();
    assert.deepStrictEqual(
        recorder.registrations.map((r) => r.name),
        [],
        "nothing may be registered on a bad config",
    );
}

const STACKS = [
    { file: "Pulumi.dev.yaml", datapath: "eni", mode: "sidecar" },
    { file: "Pulumi.ambient.yaml", datapath: "eni", mode: "ambient" },
    { file: "Pulumi.overlay.yaml", datapath: "overlay", mode: "sidecar" },
] as const;

describe("root program", () => {
    for (const stack of STACKS) {
        describe(`${stack.file} (${stack.datapath} + ${stack.mode}, demo l7 with the fix)`, () => {
            let result: Run;
            let registrations: Registration[];
            before(async () => {
                result = await run(stackFileConfig(stack.file));
                registrations = result.registrations;
            });

            it("sets the AWS region and the PERMISSIVE mesh the demo expects", () => {
                const config = stackFileConfig(stack.file);
                assert.ok(config["aws:region"], "aws:region");
                assert.strictEqual(config["eks-cilium-istio:meshMtlsMode"], "PERMISSIVE");
            });

            it("builds the four components, each once, at the top level", () => {
                for (const [type, name] of [
                    ["Cluster", "cluster"],
                    ["CiliumRelease", "cilium"],
                    ["IstioRelease", "istio"],
                    ["NamespaceDemo", "demo"],
                ]) {
                    assert.strictEqual(
                        one(registrations, `eks-cilium-istio:index:${type}`, name).parent,
                        undefined,
                        type,
                    );
                }
                assert.strictEqual(
                    one(registrations, "eks-cilium-istio:index:Cluster", "cluster").inputs.ciliumDatapath,
                    stack.datapath,
                );
            });

            it("installs Cilium with the Istio requirements, its datapath, and the cluster's API host", () => {
                const values = one(registrations, RELEASE, "cilium").inputs.values;
                assert.strictEqual(values.socketLB.hostNamespaceOnly, true, "docs/failure-modes.md#f1");
                assert.strictEqual(values.cni.exclusive, false, "docs/failure-modes.md#f2");
                assert.strictEqual(values.k8sServiceHost, MOCK_ENDPOINT_HOST);
                assert.strictEqual(values.kubeProxyReplacement, true);
                if (stack.datapath === "eni") {
                    assert.deepStrictEqual(
                        [values.eni.enabled, values.ipam.mode, values.routingMode],
                        [true, "eni", "native"],
                    );
                } else {
                    assert.deepStrictEqual([values.routingMode, values.tunnelProtocol], ["tunnel", "vxlan"]);
                }
                if (stack.mode === "ambient") {
                    assert.strictEqual(values.bpf.masquerade, false, "docs/failure-modes.md#f5");
                    assert.strictEqual(values.bpf.hostLegacyRouting, true, "docs/failure-modes.md#f5");
                }
            });

            it("lets Cilium wait for the control plane only, not the node group that needs it", () => {
                const cilium = one(registrations, RELEASE, "cilium");
                const cluster = one(registrations, "eks-cilium-istio:index:Cluster", "cluster");
                const eks = one(registrations, "eks:index:Cluster", "cluster-eks");
                const nodeGroups = registrations.filter(
                    (r) => r.parent === cluster.urn && r.type.startsWith("aws:eks/nodeGroup"),
                );
                assert.strictEqual(nodeGroups.length, 1);
                assert.ok(cilium.dependencies.includes(eks.urn));
                assert.ok(!cilium.dependencies.includes(nodeGroups[0].urn));
            });

            it("installs Istio base -> istiod -> cni (-> ztunnel) after Cilium, with the mode's values", () => {
                const cilium = one(registrations, RELEASE, "cilium");
                const istio = ofType(registrations, RELEASE).filter((r) => r.name.startsWith("istio-"));
                const charts =
                    stack.mode === "ambient" ? ["base", "istiod", "cni", "ztunnel"] : ["base", "istiod", "cni"];
                assert.deepStrictEqual(
                    istio.map((r) => r.inputs.chart),
                    charts,
                );
                assert.deepStrictEqual(istio[0].dependencies, [cilium.urn]);
                for (let i = 1; i < istio.length; i++) {
                    assert.deepStrictEqual(istio[i].dependencies, [istio[i - 1].urn], istio[i].name);
                }
                for (const r of istio) {
                    assert.strictEqual(r.inputs.version, "1.30.3");
                    assert.strictEqual(r.inputs.namespace, "istio-system");
                }
                const cni = istio[2].inputs.values;
                assert.strictEqual(cni.chained, true);
                const profile = stack.mode === "ambient" ? "ambient" : undefined;
                assert.strictEqual(cni.profile, profile);
                assert.strictEqual(istio[1].inputs.values.profile, profile);
            });

            it("puts istiod on the host network exactly when Cilium runs an overlay", () => {
                const patches = ofType(registrations, PATCH);
                assert.strictEqual(patches.length, stack.datapath === "overlay" ? 1 : 0);
                if (patches.length) {
                    assert.strictEqual(patches[0].inputs.spec.template.spec.hostNetwork, true);
                }
            });

            it("makes the mesh PERMISSIVE", () => {
                const mesh = one(registrations, PEER_AUTHN, "istio-mesh-peer-authentication").inputs;
                assert.deepStrictEqual([mesh.metadata.namespace, mesh.spec.mtls.mode], ["istio-system", "PERMISSIVE"]);
            });

            it("deploys the demo for the mode: enrolment, the L7 policy, and the fix", () => {
                const labels = Object.fromEntries(
                    ofType(registrations, NAMESPACE).map((n) => [n.inputs.metadata.name, n.inputs.metadata.labels]),
                );
                const policy = one(registrations, CNP, "demo-blue-cilium-policy").inputs.spec;
                assert.deepStrictEqual(policy.ingress[0].toPorts[0].rules, { http: [{ method: "GET", path: "/ip" }] });
                const demoPeerAuthn = ofType(registrations, PEER_AUTHN).filter((r) => r.name.startsWith("demo-"));
                if (stack.mode === "sidecar") {
                    assert.deepStrictEqual(labels, {
                        red: { "istio-injection": "enabled" },
                        blue: { "istio-injection": "enabled" },
                        green: {},
                    });
                    assert.deepStrictEqual(
                        demoPeerAuthn.map((r) => [r.inputs.metadata.namespace, r.inputs.spec.mtls.mode]),
                        [["blue", "DISABLE"]],
                    );
                } else {
                    assert.deepStrictEqual(
                        labels,
                        { red: {}, blue: {}, green: {} },
                        "the ambient fix takes red and blue out of the mesh",
                    );
                    assert.strictEqual(demoPeerAuthn.length, 0);
                }
            });

            it("holds the demo's namespaces back until all of Istio is in place", () => {
                const istioChildren = registrations.filter(
                    (r) => r.parent === one(registrations, "eks-cilium-istio:index:IstioRelease", "istio").urn,
                );
                for (const ns of ofType(registrations, NAMESPACE)) {
                    assert.deepStrictEqual(
                        [...ns.dependencies].sort(),
                        istioChildren.map((r) => r.urn).sort(),
                        ns.name,
                    );
                }
            });

            it("uses the cluster's Kubernetes provider for every Kubernetes object", () => {
                const clusterUrn = one(registrations, "eks-cilium-istio:index:Cluster", "cluster").urn;
                const provider = registrations.filter(
                    (r) => r.type === "pulumi:providers:kubernetes" && r.parent === clusterUrn,
                );
                assert.strictEqual(provider.length, 1);
                const kubernetesObjects = registrations.filter((r) => r.type.startsWith("kubernetes:"));
                assert.ok(kubernetesObjects.length >= 15);
                for (const r of kubernetesObjects) {
                    assert.strictEqual(providerUrn(r), provider[0].urn, r.name);
                }
            });

            it("returns the cluster name, the kubeconfig as a secret, and the 12 checks", () => {
                const eks = one(registrations, "eks:index:Cluster", "cluster-eks");
                assert.strictEqual(result.clusterName, eks.outputs.eksCluster.name);
                assert.strictEqual(result.kubeconfigIsSecret, true);
                assert.strictEqual(result.checks.length, 12);
                assert.deepStrictEqual(
                    result.checks.find((c) => c.from === "green" && c.to === "blue" && c.path === "/deny"),
                    {
                        from: "green",
                        to: "blue",
                        path: "/deny",
                        command:
                            'kubectl exec -n green deploy/netshoot -- curl -s -o /dev/null -m 1 -w "%{http_code}" http://httpbin.blue/deny',
                    },
                );
            });
        });
    }

    describe("the network of a real deploy", () => {
        const dev = () => stackFileConfig("Pulumi.dev.yaml");

        it("createVpc: a VPC with public and private subnets in two zones, a NAT gateway, nodes in the private subnets", async () => {
            const { registrations } = await run({ ...dev(), "eks-cilium-istio:createVpc": "true" });
            assert.strictEqual(ofType(registrations, "aws:ec2/vpc:Vpc").length, 1);
            const subnets = ofType(registrations, "aws:ec2/subnet:Subnet");
            const privateSubnets = subnets.filter((s) => s.inputs.tags["kubernetes.io/role/internal-elb"] === "1");
            assert.deepStrictEqual(subnets.map((s) => s.inputs.cidrBlock).sort(), [
                "10.0.0.0/20",
                "10.0.128.0/18",
                "10.0.16.0/20",
                "10.0.192.0/18",
            ]);
            assert.deepStrictEqual(
                new Set(subnets.map((s) => s.inputs.availabilityZone)).size,
                2,
                "two availability zones",
            );
            assert.strictEqual(ofType(registrations, "aws:ec2/natGateway:NatGateway").length, 1);
            const privateRoutes = one(registrations, "aws:ec2/routeTable:RouteTable", "cluster-vpc-private");
            assert.ok(privateRoutes.inputs.routes[0].natGatewayId, "the private subnets leave through the NAT gateway");
            const eks = one(registrations, "eks:index:Cluster", "cluster-eks").inputs;
            assert.deepStrictEqual(
                eks.privateSubnetIds,
                privateSubnets.map((s) => s.outputs.id ?? s.id),
            );
            const nodes = one(registrations, "aws:eks/nodeGroup:NodeGroup", "cluster-nodes").inputs;
            assert.deepStrictEqual(nodes.subnetIds, eks.privateSubnetIds, "nodes in the private subnets");
        });

        it("an existing VPC and subnets, and the endpoint's access, reach the EKS cluster", async () => {
            const { registrations } = await run({
                ...dev(),
                "eks-cilium-istio:vpcId": "vpc-0123456789abcdef0",
                "eks-cilium-istio:privateSubnetIds": "subnet-0123456789abcdef0, subnet-0fedcba9876543210",
                "eks-cilium-istio:publicAccessCidrs": "203.0.113.0/24",
            });
            assert.strictEqual(ofType(registrations, "aws:ec2/vpc:Vpc").length, 0, "no VPC created");
            const eks = one(registrations, "eks:index:Cluster", "cluster-eks").inputs;
            assert.strictEqual(eks.vpcId, "vpc-0123456789abcdef0");
            assert.deepStrictEqual(eks.privateSubnetIds, ["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"]);
            assert.deepStrictEqual(eks.publicAccessCidrs, ["203.0.113.0/24"]);
            assert.strictEqual(eks.endpointPublicAccess, true);
        });

        it("private endpoint only", async () => {
            const { registrations } = await run({ ...dev(), "eks-cilium-istio:endpointPublicAccess": "false" });
            const eks = one(registrations, "eks:index:Cluster", "cluster-eks").inputs;
            assert.strictEqual(eks.endpointPublicAccess, false);
            assert.strictEqual(eks.endpointPrivateAccess, true);
        });

        it("refuses a VPC without subnets, a new VPC beside an existing one, and CIDRs without a public endpoint", async () => {
            await expectConfigRejected(
                { "eks-cilium-istio:vpcId": "vpc-0123456789abcdef0" },
                "Cluster.publicSubnetIds",
                "vpcId",
            );
            await expectConfigRejected(
                { "eks-cilium-istio:createVpc": "true", "eks-cilium-istio:vpcId": "vpc-0123456789abcdef0" },
                "eks-cilium-istio:createVpc",
                "not both",
            );
            await expectConfigRejected(
                {
                    "eks-cilium-istio:endpointPublicAccess": "false",
                    "eks-cilium-istio:publicAccessCidrs": "203.0.113.0/24",
                },
                "Cluster.publicAccessCidrs",
                "endpointPublicAccess",
            );
            await expectConfigRejected(
                { "eks-cilium-istio:privateSubnetIds": "subnet-1" },
                "eks-cilium-istio:privateSubnetIds",
                "subnet-0123456789abcdef0",
            );
        });
    });

    describe("config beyond the shipped stacks", () => {
        it("demoMtlsFix false keeps mTLS on blue: no PeerAuthentication DISABLE", async () => {
            const result = await run({
                ...stackFileConfig("Pulumi.dev.yaml"),
                "eks-cilium-istio:demoMtlsFix": "false",
            });
            assert.deepStrictEqual(
                ofType(result.registrations, PEER_AUTHN).map((r) => r.name),
                ["istio-mesh-peer-authentication"],
            );
        });

        it("demoEnabled false leaves the demo out and returns no checks", async () => {
            const result = await run({ "aws:region": "us-west-2", "eks-cilium-istio:demoEnabled": "false" });
            assert.strictEqual(ofType(result.registrations, "eks-cilium-istio:index:NamespaceDemo").length, 0);
            assert.strictEqual(ofType(result.registrations, NAMESPACE).length, 0);
            assert.deepStrictEqual(result.checks, []);
        });

        it("without config: eni, sidecar, a STRICT mesh (the component default), demo l7 with the fix", async () => {
            const result = await run({ "aws:region": "us-west-2" });
            const { registrations } = result;
            assert.strictEqual(one(registrations, RELEASE, "cilium").inputs.values.routingMode, "native");
            assert.strictEqual(
                one(registrations, PEER_AUTHN, "istio-mesh-peer-authentication").inputs.spec.mtls.mode,
                "STRICT",
            );
            assert.strictEqual(ofType(registrations, RELEASE).length, 4);
            assert.strictEqual(
                one(registrations, PEER_AUTHN, "demo-blue-peer-authentication").inputs.spec.mtls.mode,
                "DISABLE",
            );
        });

        it("rejects bad config before any resource is registered, naming the input", async () => {
            await expectConfigRejected({ "eks-cilium-istio:demoStag": "l4" }, "eks-cilium-istio:demoStag", "demoStage");
            await expectConfigRejected(
                { "eks-cilium-istio:demoStage": "l3" },
                "eks-cilium-istio:demoStage",
                "open, l4, l7",
            );
            await expectConfigRejected(
                { "eks-cilium-istio:tunnelProtocol": "geneve" },
                "eks-cilium-istio:tunnelProtocol",
                "overlay",
            );
            await expectConfigRejected(
                { "eks-cilium-istio:istioMode": "ambient", "eks-cilium-istio:istioVersion": "1.21.6" },
                "IstioRelease.version",
                "ambient",
            );
            await expectConfigRejected(
                {
                    "eks-cilium-istio:ciliumDatapath": "overlay",
                    "eks-cilium-istio:istioMode": "ambient",
                    "eks-cilium-istio:istioVersion": "1.25.5",
                },
                "IstioRelease.version",
                "1.26.0",
            );
            await expectConfigRejected(
                { "eks-cilium-istio:ciliumVersion": "1.14.0" },
                "CiliumRelease.version",
                "1.19.x",
            );
            // Istio's ambient probe policy relies on enableDefaultDeny, which Cilium 1.15 lacks: `plan` exits 2.
            await expectConfigRejected(
                { "eks-cilium-istio:istioMode": "ambient", "eks-cilium-istio:ciliumVersion": "1.15.19" },
                "CiliumRelease.version",
                "1.16.0 or later when Istio runs in ambient mode",
            );
            await expectConfigRejected(
                { "eks-cilium-istio:kubernetesVersion": "1.20" },
                "Cluster.kubernetesVersion",
                "1.34",
            );
        });

        it("rejects a missing, empty or unknown aws:region before any resource is registered", async () => {
            await expectConfigRejected({ "aws:region": "" }, "aws:region", "required");
            await expectConfigRejected({ "aws:region": "mars-1" }, "aws:region", "an AWS region name");
            await expectConfigRejected({ "aws:region": "mars-north-1" }, "aws:region", "us-west-2");
        });
    });

    describe("a fresh cluster: what runs before istio-cni's taint is lifted tolerates it (docs/istio-install.md#taint-tolerations)", () => {
        /** Kubernetes toleration rules for a NoSchedule taint `key`. */
        const tolerates = (tolerations: { key?: string; operator?: string; effect?: string }[], key: string) =>
            tolerations.some(
                (t) =>
                    (t.key === key || (t.key === undefined && t.operator === "Exists")) &&
                    t.operator === "Exists" &&
                    (t.effect === undefined || t.effect === "NoSchedule"),
            );
        // What the charts themselves give (their values.yaml / templates at the tags named).
        const CHART_TOLERATIONS = {
            // istio/istio manifests/charts/istio-control/istio-discovery/templates/deployment.yaml@1.30.3
            istiod: [{ key: "cni.istio.io/not-ready", operator: "Exists" }],
            // istio/istio manifests/charts/istio-cni/values.yaml@1.30.3
            "istio-cni": [{ effect: "NoSchedule", operator: "Exists" }],
            // cilium values.yaml `tolerations` (agent DaemonSet), every carried chart
            "cilium-agent": [{ operator: "Exists" }],
            // cilium values.yaml `operator.tolerations` in 1.15.19, 1.16.19, 1.17.18
            "cilium-operator-1.15-1.17": [{ operator: "Exists" }],
        };

        // Each Cilium release with a Kubernetes version it supports, and an Istio release that supports it too
        // (docs/versions.md).
        for (const [stack, ciliumVersion, kubernetesVersion, istioVersion] of [
            ["Pulumi.dev.yaml", "1.19.6", "1.34", "1.30.3"],
            ["Pulumi.ambient.yaml", "1.18.12", "1.33", "1.30.3"],
            ["Pulumi.overlay.yaml", "1.17.18", "1.32", "1.30.3"],
            ["Pulumi.dev.yaml", "1.15.19", "1.29", "1.27.9"],
        ]) {
            it(`${stack} with Cilium ${ciliumVersion}: every node is tainted, and Cilium, its operator, istiod, istio-cni and CoreDNS tolerate the taint`, async () => {
                const { registrations } = await run({
                    ...stackFileConfig(stack),
                    "eks-cilium-istio:ciliumVersion": ciliumVersion,
                    "eks-cilium-istio:kubernetesVersion": kubernetesVersion,
                    "eks-cilium-istio:istioVersion": istioVersion,
                });
                const taints = one(registrations, "aws:eks/nodeGroup:NodeGroup", "cluster-nodes").inputs.taints;
                assert.ok(
                    taints.some(
                        (t: { key: string; effect: string }) =>
                            t.key === "cni.istio.io/not-ready" && t.effect === "NO_SCHEDULE",
                    ),
                    JSON.stringify(taints),
                );
                const istiod = one(registrations, RELEASE, "istio-istiod").inputs.values;
                assert.strictEqual(istiod.taint.enabled, true, "istiod removes the taint");
                const operator =
                    one(registrations, RELEASE, "cilium").inputs.values.operator.tolerations ??
                    CHART_TOLERATIONS["cilium-operator-1.15-1.17"];
                const coredns = JSON.parse(
                    one(registrations, "aws:eks/addon:Addon", "cluster-coredns").inputs.configurationValues,
                ).tolerations;
                for (const [who, tolerations] of Object.entries({
                    ...CHART_TOLERATIONS,
                    "cilium-operator": operator,
                    coredns,
                })) {
                    assert.ok(tolerates(tolerations, "cni.istio.io/not-ready"), `${who} does not tolerate the taint`);
                }
            });
        }
    });
});
