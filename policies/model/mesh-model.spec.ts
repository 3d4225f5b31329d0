import * as assert from "assert";
import * as policy from "@pulumi/policy";
import { buildMeshOfClusters } from "./mesh-of-clusters";
import { buildMeshModel, meshModelFor } from "./mesh-model";
import { StackResource } from "./resources";
import { policies } from "../policies";
import { FixtureResource, UNKNOWN, urnOf } from "../test/harness";
import {
    ciliumRelease,
    cnp,
    deployment,
    istioAmbient,
    istioSidecar,
    l7Spec,
    namespace,
    peerAuthentication,
    tenantStack,
} from "../test/fixtures";

const unknownCheckingProxy: <T>(props: T) => T = (policy as any).unknownCheckingProxy;

/** As buildMeshModel's callers hand it resources: plain objects (the offline engine) or the server's proxies. */
function plain(resources: FixtureResource[]): StackResource[] {
    return resources.map((r) => ({ type: r.type, urn: urnOf(r), name: r.name, props: r.props }));
}

function proxied(resources: FixtureResource[]): StackResource[] {
    return resources.map((r) => ({ type: r.type, urn: urnOf(r), name: r.name, props: unknownCheckingProxy(r.props) }));
}

describe("mesh model", () => {
    it("works on plain objects as the offline engine passes them, unknown sentinels included", () => {
        const model = buildMeshModel(
            plain([
                ciliumRelease({ socketLB: { hostNamespaceOnly: UNKNOWN.boolean } }),
                ...istioSidecar(),
                namespace("blue", { "istio-injection": "enabled" }),
                deployment("blue", "httpbin"),
            ]),
        );
        assert.strictEqual(model.cilium[0].settings.socketLbHostNamespaceOnly.origin, "unchecked");
        assert.strictEqual(model.cilium[0].settings.cniExclusive.value, true);
        const httpbin = model.workloads.find((w) => w.name === "httpbin")!;
        assert.deepStrictEqual(
            [httpbin.enrolment.mode, httpbin.enrolment.detail],
            ["sidecar", "namespace label istio-injection=enabled"],
        );
        assert.deepStrictEqual(
            model.workloadsByNamespace.get("blue")?.map((w) => [w.kind, w.standIn]),
            [
                ["Deployment", false],
                ["Namespace", true],
            ],
        );
    });

    it("gives the offline engine selections and effective mTLS to predict connectivity from", () => {
        const model = buildMeshModel(
            plain([
                ...istioSidecar(),
                peerAuthentication("istio-system", "default", "STRICT"),
                namespace("blue", { "istio-injection": "enabled" }),
                deployment("blue", "httpbin"),
                deployment("blue", "netshoot"),
                cnp("blue", "default", l7Spec()),
                peerAuthentication("blue", "httpbin", "DISABLE", { selector: { app: "httpbin" } }),
            ]),
        );
        const rule = model.policies[0].rules[0];
        assert.deepStrictEqual(
            model.selectedBy(rule).map((s) => [s.workload.name, s.match]),
            [["httpbin", true]],
        );
        const [httpbin, netshoot] = ["httpbin", "netshoot"].map((name) =>
            model.workloads.find((w) => w.name === name)!,
        );
        assert.deepStrictEqual(model.rulesSelecting(netshoot), []);
        assert.strictEqual(model.effectiveMtls(httpbin, 80, "istio-system").mode, "DISABLE");
        assert.strictEqual(model.effectiveMtls(netshoot, 80, "istio-system").mode, "STRICT");
        assert.deepStrictEqual(model.istioBecause.slice(0, 1), ["the Istio base chart (istio-base)"]);
        assert.deepStrictEqual(model.ambientBecause, []);
    });

    it("tells ambient from sidecar and names why", () => {
        const model = buildMeshModel(
            plain([...istioAmbient(), namespace("red", { "istio.io/dataplane-mode": "ambient" })]),
        );
        assert.ok(model.ambientBecause.some((because) => because.includes("ztunnel")));
        assert.strictEqual(model.workloads.find((w) => w.namespace === "red")?.enrolment.mode, "ambient");
    });

    it("builds one model per stack although the server hands each policy fresh proxies", () => {
        const raw = tenantStack(3);
        const first = meshModelFor(proxied(raw));
        assert.strictEqual(meshModelFor(proxied(raw)), first, "same content, new array and proxies: the same model");
        const changed = [...raw, namespace("extra")];
        assert.notStrictEqual(meshModelFor(proxied(changed)), first, "different content: a new model");
    });

    it("grows linearly: the per-resource cost at 1000 tenants stays within 3x of that at 100 (a scan per resource would be 10x)", () => {
        const stackRules = policies.filter((p) => "validateStack" in p);
        const evaluators = stackRules.map((rule) => ({
            // eslint-disable-next-line @typescript-eslint/no-require-imports -- each rule module by its file name
            evaluate: require(`../rules/${rule.name}`).evaluate as (m: unknown, c: object) => unknown[],
            acrossClusters: rule.acrossClusters === true,
        }));
        const stacks = { small: plain(tenantStack(100)), large: plain(tenantStack(1000)) };
        const best = { small: Infinity, large: Infinity };
        // Interleaved runs, best of five each, so that a busy machine or a garbage collection does not decide.
        for (let run = 0; run < 5; run++) {
            for (const size of ["small", "large"] as const) {
                const start = process.hrtime.bigint();
                const model = buildMeshModel(stacks[size]);
                const mesh = buildMeshOfClusters(stacks[size]);
                for (const { evaluate, acrossClusters } of evaluators) {
                    evaluate(acrossClusters ? mesh : model, {});
                }
                best[size] = Math.min(best[size], Number(process.hrtime.bigint() - start) / stacks[size].length);
            }
        }
        const ratio = best.large / best.small;
        assert.ok(ratio < 3, `per-resource cost at 1000 tenants is ${ratio.toFixed(2)}x that at 100`);
    });
});
