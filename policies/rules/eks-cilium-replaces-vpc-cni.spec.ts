import * as assert from "assert";
import { eksCiliumReplacesVpcCni as rule } from "./eks-cilium-replaces-vpc-cni";
import { FixtureResource, advisories, mandatory, runStackPolicy, UNKNOWN } from "../test/harness";
import {
    EKS_HOST,
    ciliumChart,
    ciliumConfigMap,
    ciliumRelease,
    eksAddon,
    eksCluster,
    goodCiliumConfig,
    goodCiliumValues,
} from "../test/fixtures";

const chainingValues = () => ({
    cni: { chainingMode: "aws-cni", exclusive: false },
    routingMode: "native",
    socketLB: { hostNamespaceOnly: true },
});

function ciliumAgent(host?: string): FixtureResource {
    const env = host === undefined ? [] : [{ name: "KUBERNETES_SERVICE_HOST", value: host }];
    return {
        type: "kubernetes:apps/v1:DaemonSet",
        name: "cilium:kube-system/cilium",
        props: {
            metadata: { name: "cilium", namespace: "kube-system" },
            spec: { template: { spec: { containers: [{ name: "cilium-agent", env }] } } },
        },
    };
}

function awsNodePatch(): FixtureResource {
    return {
        type: "kubernetes:apps/v1:DaemonSetPatch",
        name: "aws-node-off",
        props: {
            metadata: { name: "aws-node", namespace: "kube-system" },
            spec: { template: { spec: { nodeSelector: { "io.cilium/aws-node-enabled": "true" } } } },
        },
    };
}

describe("eks-cilium-replaces-vpc-cni", () => {
    it("passes a cluster without VPC CNI and kube-proxy, from a Release, a v4 Chart and a cilium-config with the agent's env", async () => {
        assert.deepStrictEqual(await runStackPolicy(rule, [eksCluster(), ciliumRelease()]), []);
        assert.deepStrictEqual(await runStackPolicy(rule, [eksCluster(), ciliumChart()]), []);
        assert.deepStrictEqual(
            await runStackPolicy(rule, [eksCluster(), ciliumConfigMap(goodCiliumConfig()), ciliumAgent(EKS_HOST)]),
            [],
        );
    });

    it("rejects the VPC CNI left installed by the cluster defaults, naming the input and the fix", async () => {
        const reported = await runStackPolicy(rule, [
            eksCluster({ bootstrapSelfManagedAddons: undefined, useDefaultVpcCni: undefined }),
            ciliumRelease(),
        ]);
        const messages = mandatory(reported).map((r) => r.message);
        assert.ok(
            messages.some(
                (m) => m.includes("bootstrapSelfManagedAddons is not set (default true)") && m.includes("VPC CNI"),
            ),
            messages.join("\n"),
        );
        assert.ok(
            messages.some((m) => m.includes("useDefaultVpcCni is not true")),
            messages.join("\n"),
        );
        assert.ok(
            messages.every((m) => !m.includes("self-managed kube-proxy")),
            "kube-proxy beside kube-proxy replacement is not a mandatory finding",
        );
        const advised = advisories(reported).map((r) => r.message);
        assert.ok(
            advised.some((m) => m.includes("self-managed kube-proxy") && m.includes("cilium/cilium#24407")),
            "KPR is on, so the bootstrapped kube-proxy is advised against (docs/cilium-datapath.md#kube-proxy-beside-kpr)",
        );
        assert.ok([...messages, ...advised].every((m) => m.includes("Fix:")));
    });

    it("rejects vpc-cni EKS add-ons and a VpcCniAddon; advises against a kube-proxy add-on", async () => {
        for (const addon of [eksAddon("vpc-cni"), { type: "eks:index:VpcCniAddon", name: "vpc-cni", props: {} }]) {
            const reported = await runStackPolicy(rule, [eksCluster(), ciliumRelease(), addon]);
            assert.strictEqual(mandatory(reported).length, 1, addon.type);
            assert.ok(reported[0].urn?.includes(addon.type));
        }
        const kubeProxy = await runStackPolicy(rule, [eksCluster(), ciliumRelease(), eksAddon("kube-proxy")]);
        assert.deepStrictEqual(
            kubeProxy.map((r) => r.level),
            ["advisory"],
        );
        assert.ok(kubeProxy[0].message.includes('"highly not recommended" upstream'), kubeProxy[0].message);
        assert.deepStrictEqual(await runStackPolicy(rule, [eksCluster(), ciliumRelease(), eksAddon("coredns")]), []);
    });

    it("reads Cilium's mode from v4 Chart inputs and from a rendered cilium-config", async () => {
        assert.strictEqual(
            mandatory(await runStackPolicy(rule, [eksCluster(), ciliumChart(), eksAddon("vpc-cni")])).length,
            1,
        );
        const rendered = ciliumConfigMap({ ...goodCiliumConfig(), "kube-proxy-replacement": "true" }, "cilium");
        assert.strictEqual(
            advisories(await runStackPolicy(rule, [eksCluster(), ciliumChart(), rendered, eksAddon("kube-proxy")]))
                .length,
            1,
        );
    });

    it("passes aws-cni chaining with the VPC CNI and kube-proxy kept", async () => {
        const brownfield = eksCluster({
            bootstrapSelfManagedAddons: true,
            useDefaultVpcCni: false,
            kubeProxyAddonOptions: { enabled: true },
        });
        assert.deepStrictEqual(await runStackPolicy(rule, [brownfield, ciliumRelease(chainingValues())]), []);
        assert.deepStrictEqual(
            await runStackPolicy(rule, [brownfield, ciliumConfigMap({ "cni-chaining-mode": "aws-cni" })]),
            [],
        );
    });

    it("passes an installed aws-node that a DaemonSetPatch keeps off Cilium's nodes", async () => {
        const stack = [
            eksCluster({
                bootstrapSelfManagedAddons: true,
                useDefaultVpcCni: true,
                kubeProxyAddonOptions: { enabled: false },
            }),
            ciliumRelease({ ...goodCiliumValues(), kubeProxyReplacement: "false" }),
            awsNodePatch(),
        ];
        assert.deepStrictEqual(await runStackPolicy(rule, stack), []);
    });

    it("rejects kube-proxy replacement without k8sServiceHost, set or by the chart default, and reads the agent's env", async () => {
        for (const version of ["1.15.19", "1.19.6"]) {
            const values = { ...goodCiliumValues(), k8sServiceHost: undefined };
            const reported = await runStackPolicy(rule, [eksCluster(), ciliumRelease(values, { version })]);
            assert.strictEqual(mandatory(reported).length, 1, version);
            assert.ok(
                reported[0].message.includes(
                    `k8sServiceHost\` is not set (left unset; default of cilium chart ${version})`,
                ),
                reported[0].message,
            );
        }
        const noEnv = await runStackPolicy(rule, [eksCluster(), ciliumConfigMap(goodCiliumConfig()), ciliumAgent()]);
        assert.strictEqual(mandatory(noEnv).length, 1);
        const ref = {
            ...goodCiliumValues(),
            k8sServiceHost: "",
            k8sServiceHostRef: { name: "cluster-info", key: "host" },
        };
        assert.deepStrictEqual(
            await runStackPolicy(rule, [eksCluster(), ciliumRelease(ref, { version: "1.18.12" })]),
            [],
        );
    });

    it("does not apply off EKS or without kube-proxy replacement", async () => {
        const values = {
            ...goodCiliumValues(),
            eni: { enabled: false },
            ipam: { mode: "cluster-pool" },
            k8sServiceHost: "10.0.0.1",
        };
        assert.deepStrictEqual(
            await runStackPolicy(rule, [ciliumRelease(values), eksAddon("vpc-cni")]),
            [],
            "nothing says EKS",
        );
        const noKpr = { ...goodCiliumValues(), kubeProxyReplacement: "false", k8sServiceHost: undefined };
        assert.deepStrictEqual(await runStackPolicy(rule, [eksCluster(), ciliumRelease(noKpr)]), []);
    });

    it("reports what it could not check as advisories, without throwing", async () => {
        const unknownInputs = await runStackPolicy(rule, [
            eksCluster({ bootstrapSelfManagedAddons: UNKNOWN.boolean }),
            ciliumRelease(),
        ]);
        assert.strictEqual(mandatory(unknownInputs).length, 0);
        assert.ok(advisories(unknownInputs).length >= 1);
        const unknownChaining = await runStackPolicy(rule, [
            eksCluster(),
            ciliumRelease({ ...goodCiliumValues(), cni: UNKNOWN.object }),
            eksAddon("vpc-cni"),
        ]);
        assert.deepStrictEqual(
            unknownChaining.map((r) => r.level),
            ["advisory"],
        );
        const noAgent = await runStackPolicy(rule, [eksCluster(), ciliumConfigMap(goodCiliumConfig())]);
        assert.deepStrictEqual(
            noAgent.map((r) => r.level),
            ["advisory"],
        );
        assert.ok(noAgent[0].message.includes("k8sServiceHost"));
        const unknownAddon = await runStackPolicy(rule, [eksCluster(), ciliumRelease(), eksAddon(UNKNOWN.string)]);
        assert.strictEqual(mandatory(unknownAddon).length, 0);
        assert.ok(advisories(unknownAddon).length >= 1);
    });
});
