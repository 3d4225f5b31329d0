/**
 * The root program (index.ts) run on the SDK's mock runtime as `pulumi up` would run it, with a stack config, and the
 * pack's verdicts on what it registered: the resource rules see each resource's inputs (Analyze), the stack rules
 * their outputs (AnalyzeStack), through the harness that calls rules as the policy server does.
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

export interface Verdict {
    policy: string;
    level: string;
    message: string;
}

export async function runProgram(config: Record<string, string>): Promise<Registration[]> {
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

export async function verdicts(registrations: Registration[]): Promise<Verdict[]> {
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
