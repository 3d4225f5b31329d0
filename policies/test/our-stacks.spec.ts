/**
 * Never wrong in the other direction (no false alarms on our own stacks): every stack the components build — each
 * Cilium datapath × Istio mode, the demo at each stage with the mTLS fix — passes the pack with no mandatory violation.
 * The root program runs on the SDK's mock runtime (engine/mock/mock-runtime.ts) as `pulumi up` would run it; the
 * resource rule sees each resource's inputs (Analyze), the stack rules their outputs (AnalyzeStack). And the one broken
 * state the demo builds on purpose, `demoMtlsFix: false` at stage l7, must be rejected by
 * `cilium-l7-policy-vs-istio-mtls`.
 */
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { Registration, recordRegistrations } from "../../engine/mock/mock-runtime";
import { buildMeshModel } from "../model/mesh-model";
import { policies } from "../policies";
import { FixtureResource, Reported, runResourcePolicy, runStackPolicy } from "./harness";
import program = require("../../index");
import type { MeshStackOutputs } from "../../mesh-program";

/** What the one-cluster stacks' program returns (a mesh stack returns MeshStackOutputs). */
type OneClusterOutputs = Exclude<Awaited<ReturnType<typeof program>>, MeshStackOutputs>;

interface Verdict {
    policy: string;
    level: string;
    message: string;
}

async function runProgram(config: Record<string, string>): Promise<Registration[]> {
    const recorder = recordRegistrations({ stack: "policy-test" });
    pulumi.runtime.setAllConfig({
        "aws:region": "us-west-2",
        ...Object.fromEntries(Object.entries(config).map(([k, v]) => [`eks-cilium-istio:${k}`, v])),
    });
    const outputs = (await program()) as OneClusterOutputs;
    await new Promise((resolve) => outputs.clusterName.apply(resolve));
    await recorder.settle();
    return recorder.registrations;
}

async function verdicts(registrations: Registration[]): Promise<Verdict[]> {
    const asOutputs: FixtureResource[] = registrations.map((r) => ({
        type: r.type,
        name: r.name,
        urn: r.urn,
        props: r.outputs,
    }));
    // A pass only means something if the pack saw the stack: one Cilium install, Istio, EKS.
    const model = buildMeshModel(asOutputs.map((r) => ({ type: r.type, urn: r.urn!, name: r.name, props: r.props })));
    assert.strictEqual(model.cilium.length, 1, "the pack sees the Cilium release");
    assert.ok(model.istioBecause.length > 0 && model.onEksBecause.length > 0, "the pack sees Istio and EKS");
    const found: Verdict[] = [];
    const collect = (policy: string, reported: Reported[]) =>
        found.push(...reported.map((r) => ({ policy, level: r.level, message: r.message })));
    for (const policy of policies) {
        if ("validateStack" in policy) {
            collect(policy.name, await runStackPolicy(policy as StackValidationPolicy, asOutputs));
        } else {
            for (const r of registrations) {
                collect(
                    policy.name,
                    await runResourcePolicy(policy as ResourceValidationPolicy, {
                        type: r.type,
                        name: r.name,
                        urn: r.urn,
                        props: r.inputs,
                    }),
                );
            }
        }
    }
    return found;
}

const DATAPATHS: Record<string, string>[] = [
    { ciliumDatapath: "eni" },
    { ciliumDatapath: "chaining" },
    { ciliumDatapath: "overlay", tunnelProtocol: "vxlan" },
];
const MODES = ["sidecar", "ambient"];
const STAGES = ["open", "l4", "l7"];

describe("the stacks our components build pass the pack", function () {
    this.timeout(120000);

    for (const datapath of DATAPATHS) {
        for (const istioMode of MODES) {
            it(`${Object.values(datapath).join("/")} + ${istioMode}: every demo stage with the fix, no mandatory violation`, async () => {
                for (const demoStage of STAGES) {
                    const found = await verdicts(
                        await runProgram({
                            ...datapath,
                            istioMode,
                            meshMtlsMode: "PERMISSIVE",
                            demoStage,
                            demoMtlsFix: "true",
                        }),
                    );
                    const blocking = found.filter((v) => v.level === "mandatory");
                    assert.deepStrictEqual(
                        blocking,
                        [],
                        `${demoStage}: ${blocking.map((v) => `${v.policy}: ${v.message}`).join("\n")}`,
                    );
                }
            });
        }
    }

    it("overlay with Geneve passes like VXLAN (the tunnel protocol does not meet the demo's stage)", async () => {
        for (const istioMode of MODES) {
            const found = await verdicts(
                await runProgram({
                    ciliumDatapath: "overlay",
                    tunnelProtocol: "geneve",
                    istioMode,
                    demoStage: "l7",
                    demoMtlsFix: "true",
                }),
            );
            assert.deepStrictEqual(
                found.filter((v) => v.level === "mandatory"),
                [],
                istioMode,
            );
        }
    });

    it("the component default (STRICT mesh, demo off) passes too", async () => {
        const found = await verdicts(await runProgram({ demoEnabled: "false" }));
        assert.deepStrictEqual(
            found.filter((v) => v.level === "mandatory"),
            [],
        );
    });

    for (const istioMode of MODES) {
        it(`${istioMode}: the demo's deliberately broken l7 stage (demoMtlsFix false) is rejected by cilium-l7-policy-vs-istio-mtls`, async () => {
            const found = await verdicts(
                await runProgram({
                    ciliumDatapath: "eni",
                    istioMode,
                    meshMtlsMode: "PERMISSIVE",
                    demoStage: "l7",
                    demoMtlsFix: "false",
                }),
            );
            const blocking = found.filter((v) => v.level === "mandatory");
            assert.deepStrictEqual([...new Set(blocking.map((v) => v.policy))], ["cilium-l7-policy-vs-istio-mtls"]);
            assert.ok(blocking[0].message.includes("blue/httpbin"), blocking[0].message);
        });
    }
});
