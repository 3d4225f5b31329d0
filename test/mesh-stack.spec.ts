/**
 * The mesh stack (Pulumi.mesh.yaml): the root program with `meshClusters` on the mock runtime, as `pulumi up` would
 * run it. `plan --stack mesh` itself is judged by the real pack in plan.spec.ts.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as YAML from "yaml";
import { InputError } from "../components/validation";
import { Registration, recordRegistrations } from "../engine/mock/mock-runtime";
import { SECRET_SIG, SIG_KEY } from "../engine/state/property-values";
import { MeshStackOutputs, meshChecks, subnetCidrs } from "../mesh-program";
import { ofType } from "./registrations";
import program = require("../index");

const ROOT = path.join(__dirname, "..");

/** The stack file's config as the CLI hands it to a program: scalars as strings, objects and lists as JSON. */
function meshConfig(): { [key: string]: string } {
    const parsed = YAML.parse(fs.readFileSync(path.join(ROOT, "Pulumi.mesh.yaml"), "utf8"));
    return Object.fromEntries(
        Object.entries(parsed.config as { [key: string]: unknown }).map(([key, raw]) => [
            key,
            typeof raw === "object" ? JSON.stringify(raw) : String(raw),
        ]),
    );
}

const revealed = (value: any) => (value?.[SIG_KEY] === SECRET_SIG ? value.value : value);

describe("the mesh stack (Pulumi.mesh.yaml)", function () {
    this.timeout(120_000);
    let registrations: Registration[];
    let outputs: MeshStackOutputs;

    before(async () => {
        // As `pulumi preview` runs it (the plan's mode): the load balancers' names and the certificates stay unknown.
        const recorder = recordRegistrations({ stack: "mesh", preview: true });
        pulumi.runtime.setAllConfig(meshConfig());
        outputs = (await program()) as MeshStackOutputs;
        await recorder.settle();
        registrations = recorder.registrations;
    });

    it("builds two clusters, each with its own VPC, Cilium and Istio, joined by one ClusterMesh", () => {
        const names = (type: string) =>
            ofType(registrations, type)
                .map((r) => r.name)
                .sort();
        assert.deepStrictEqual(names("eks-cilium-istio:index:Cluster"), ["east", "west"]);
        assert.deepStrictEqual(names("eks-cilium-istio:index:CiliumRelease"), ["east-cilium", "west-cilium"]);
        assert.deepStrictEqual(names("eks-cilium-istio:index:IstioRelease"), ["east-istio", "west-istio"]);
        assert.deepStrictEqual(names("eks-cilium-istio:index:ClusterMesh"), ["mesh"]);
        const vpcs = ofType(registrations, "aws:ec2/vpc:Vpc").map((r) => r.inputs.cidrBlock);
        assert.deepStrictEqual(vpcs.sort(), ["10.0.0.0/16", "10.1.0.0/16"]);
        const subnets = ofType(registrations, "aws:ec2/subnet:Subnet").filter((r) => r.name.startsWith("east"));
        assert.deepStrictEqual(
            subnets.map((r) => r.inputs.cidrBlock),
            ["10.0.0.0/17", "10.0.128.0/17"],
        );
        assert.ok(subnets.every((r) => r.inputs.tags["kubernetes.io/role/internal-elb"] === "1"));
    });

    it("gives each cluster's Cilium its name and ID from the config, and the other as its peer", () => {
        const values = ofType(registrations, "kubernetes:helm.sh/v3:Release")
            .filter((r) => r.inputs.chart === "cilium")
            .map((r) => revealed(r.inputs.values));
        assert.deepStrictEqual(
            values.map((v) => [v.cluster.name, v.cluster.id, v.clustermesh.config.clusters.map((p: any) => p.name)]),
            [
                ["east", 1, ["west"]],
                ["west", 2, ["east"]],
            ],
        );
        assert.ok(values.every((v) => v.eni.enabled === true && v.ipv4NativeRoutingCIDR === "10.0.0.0/15"));
        // What only the deployment knows stays unknown, at its leaf: the peer's load balancer and the CA.
        assert.ok(values.every((v) => pulumi.isUnknown(v.clustermesh.config.clusters[0].address)));
    });

    it("runs the demo in east and the remote httpbin in west, its Service global in both", () => {
        const services = ofType(registrations, "kubernetes:core/v1:Service").filter((r) =>
            r.name.includes("-remote-httpbin"),
        );
        assert.deepStrictEqual(services.map((r) => r.name).sort(), [
            "east-remote-httpbin-service",
            "west-remote-httpbin-service",
        ]);
        assert.ok(services.every((r) => r.inputs.metadata.annotations["service.cilium.io/global"] === "true"));
        const deployments = ofType(registrations, "kubernetes:apps/v1:Deployment").filter((r) =>
            r.name.includes("-remote-"),
        );
        assert.deepStrictEqual(
            deployments.map((r) => r.name),
            ["west-remote-httpbin"],
        );
        assert.strictEqual(ofType(registrations, "eks-cilium-istio:index:NamespaceDemo")[0].name, "east-demo");
    });

    it("outputs the cross-cluster checks: every east client against west's httpbin, 200 expected", () => {
        assert.deepStrictEqual(outputs.checks, meshChecks("east", "west"));
        assert.deepStrictEqual(
            outputs.checks.map((c) => `${c.from} ${c.to} ${c.expected}`),
            ["east:red west:remote 200", "east:blue west:remote 200", "east:green west:remote 200"],
        );
        assert.ok(outputs.checks[0].command.startsWith("kubectl --context east exec -n red deploy/netshoot -- curl"));
    });

    it("refuses a mesh config ClusterMesh would refuse, before any resource", async () => {
        const recorder = recordRegistrations({ stack: "mesh" });
        const config = meshConfig();
        const clusters = JSON.parse(config["eks-cilium-istio:meshClusters"]);
        clusters[1].id = 1;
        pulumi.runtime.setAllConfig({ ...config, "eks-cilium-istio:meshClusters": JSON.stringify(clusters) });
        await assert.rejects(program(), (err: unknown) => {
            assert.ok(err instanceof InputError, String(err));
            assert.strictEqual(err.input, "ClusterMesh.clusters[1].id");
            return true;
        });
        await recorder.settle();
        assert.strictEqual(recorder.registrations.filter((r) => r.custom).length, 0);
    });
});

describe("subnetCidrs", () => {
    it("halves a VPC's CIDR", () => {
        assert.deepStrictEqual(subnetCidrs("10.1.0.0/16"), ["10.1.0.0/17", "10.1.128.0/17"]);
        assert.deepStrictEqual(subnetCidrs("192.168.4.0/22"), ["192.168.4.0/23", "192.168.6.0/23"]);
    });
});
