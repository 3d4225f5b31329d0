import * as assert from "assert";
import { eksNodesCiliumTaint as rule } from "./eks-nodes-cilium-taint";
import { runStackPolicy, UNKNOWN } from "../test/harness";
import {
    ciliumChart,
    ciliumConfigMap,
    ciliumRelease,
    eksCluster,
    goodCiliumConfig,
    goodCiliumValues,
    managedNodeGroup,
} from "../test/fixtures";

const managed = (taints: unknown) => ({ type: "eks:index:ManagedNodeGroup", name: "workers", props: { taints } });
const agentNotReady = [{ key: "node.cilium.io/agent-not-ready", value: "true", effect: "NO_EXECUTE" }];

describe("eks-nodes-cilium-taint", () => {
    it("is advisory", () => {
        assert.strictEqual(rule.enforcementLevel, "advisory");
    });

    it("passes tainted node groups (aws and @pulumi/eks managed, and a default node group's map)", async () => {
        assert.deepStrictEqual(await runStackPolicy(rule, [eksCluster(), ciliumRelease(), managedNodeGroup("ng")]), []);
        assert.deepStrictEqual(await runStackPolicy(rule, [eksCluster(), ciliumRelease(), managed(agentNotReady)]), []);
        const withDefault = eksCluster({
            skipDefaultNodeGroup: false,
            nodeGroupOptions: { taints: { "node.cilium.io/agent-not-ready": { value: "true", effect: "NoExecute" } } },
        });
        assert.deepStrictEqual(await runStackPolicy(rule, [withDefault, ciliumRelease()]), []);
    });

    it("flags a node group without the taint, naming it, its taints and the fix", async () => {
        const reported = await runStackPolicy(rule, [
            eksCluster(),
            ciliumRelease(),
            managedNodeGroup("ng", [{ key: "dedicated", value: "x", effect: "NO_SCHEDULE" }]),
        ]);
        assert.deepStrictEqual(
            reported.map((r) => r.level),
            ["advisory"],
        );
        for (const part of ["ng", "taints dedicated", "node.cilium.io/agent-not-ready", "Fix:"]) {
            assert.ok(reported[0].message.includes(part), `${part} missing from ${reported[0].message}`);
        }
        const defaultGroup = await runStackPolicy(rule, [eksCluster({ skipDefaultNodeGroup: false }), ciliumRelease()]);
        assert.ok(defaultGroup[0].message.includes("default node group of cluster"));
    });

    it("uses the taint key Cilium is configured with: Release values, v4 Chart inputs, cilium-config", async () => {
        const custom = [{ key: "example.com/cilium-not-ready", value: "true", effect: "NO_EXECUTE" }];
        const values = { ...goodCiliumValues(), agentNotReadyTaintKey: "example.com/cilium-not-ready" };
        assert.deepStrictEqual(await runStackPolicy(rule, [ciliumRelease(values), managedNodeGroup("ng", custom)]), []);
        assert.deepStrictEqual(await runStackPolicy(rule, [ciliumChart(values), managedNodeGroup("ng", custom)]), []);
        assert.strictEqual((await runStackPolicy(rule, [ciliumChart(values), managedNodeGroup("ng")])).length, 1);
        const config = ciliumConfigMap({
            ...goodCiliumConfig(),
            "agent-not-ready-taint-key": "example.com/cilium-not-ready",
        });
        assert.deepStrictEqual(await runStackPolicy(rule, [config, managedNodeGroup("ng", custom)]), []);
        assert.deepStrictEqual(
            await runStackPolicy(rule, [ciliumConfigMap(goodCiliumConfig()), managedNodeGroup("ng")]),
            [],
            "without the key, cilium-config means the default node.cilium.io/agent-not-ready",
        );
    });

    it("does not apply without Cilium; reports unknown taints as could-not-check", async () => {
        assert.deepStrictEqual(await runStackPolicy(rule, [managedNodeGroup("ng", [])]), []);
        const reported = await runStackPolicy(rule, [ciliumRelease(), managedNodeGroup("ng", UNKNOWN.array)]);
        assert.ok(
            reported.length === 1 && reported[0].message.includes("\nCould not check the node group's taints"),
            reported[0]?.message,
        );
    });
});
