/**
 * Connectivity across clusters (policies/connectivity/across-clusters.ts) on the mesh stack's plan export: probes
 * naming their cluster, answered from the ClusterMesh and Istio configuration, `???` with why where it cannot be.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ExitCode } from "../engine/command-line";
import { plan, PROJECT_LOCATIONS } from "../engine/commands/plan";
import { modelResources } from "../engine/stack-gate";
import { ResourceV3, StackExport } from "../engine/state/stack-export";
import { predictForGate, ProbeAnswer } from "../policies/connectivity/connectivity";
import { parseProbe, ProbeError } from "../policies/connectivity/probe";

describe("connectivity across clusters (the mesh stack)", function () {
    this.timeout(180_000);
    let resources: ResourceV3[];

    before(async () => {
        const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "connectivity-mesh-")), "mesh.json");
        const code = await plan(
            ["--stack", "mesh", "--out", out, "--json"],
            { stdout: () => undefined, stderr: () => undefined },
            PROJECT_LOCATIONS,
        );
        assert.strictEqual(code, ExitCode.Ok);
        resources = (JSON.parse(fs.readFileSync(out, "utf8")) as StackExport).deployment.resources;
    });

    const ask = (probe: string, change: (r: ResourceV3[]) => ResourceV3[] = (r) => r): ProbeAnswer => {
        const prediction = predictForGate(modelResources(change(resources)), { probes: [parseProbe(probe)] });
        assert.strictEqual(prediction.kind, "probes");
        return prediction.answers[0] as ProbeAnswer;
    };

    it("a sidecar client reaches the other cluster's httpbin through Istio's remote endpoints", () => {
        const answer = ask("east:red/netshoot GET http://httpbin.remote/ip");
        assert.strictEqual(answer.code, "200");
        assert.strictEqual(answer.from, "east:red/deployment/netshoot");
        assert.match(
            answer.reason,
            /served by cluster west through Istio's endpoints of cluster west \(remote secret east-istio-remote-west\)/,
        );
    });

    it("a client without sidecar reaches it through Cilium's global service", () => {
        const answer = ask("east:green/netshoot GET http://httpbin.remote/ip");
        assert.strictEqual(answer.code, "200");
        assert.match(answer.reason, /through Cilium's global service \(ClusterMesh east–west\)/);
    });

    it("without the remote secret, the sidecar client finds no endpoint: 000, saying why", () => {
        const answer = ask("east:red/netshoot GET http://httpbin.remote/ip", (all) =>
            all.filter((r) => !r.urn.endsWith("::east-istio-remote-west")),
        );
        assert.strictEqual(answer.code, "000");
        assert.match(answer.reason, /not served by west: istiod of cluster east has no remote secret for cluster west/);
    });

    it("without the global annotation, the plain client finds no endpoint: 000, saying why", () => {
        const answer = ask("east:green/netshoot GET http://httpbin.remote/ip", (all) =>
            all.map((r) =>
                r.urn.endsWith("::west-remote-httpbin-service")
                    ? {
                          ...r,
                          inputs: { ...r.inputs, metadata: { ...r.inputs!.metadata, annotations: {} } },
                          outputs: undefined,
                      }
                    : r,
            ),
        );
        assert.strictEqual(answer.code, "000");
        assert.match(answer.reason, /remote\/httpbin is not global for Cilium in both clusters/);
    });

    it("answers ??? where the other cluster's policy decides: how it treats a remote client is not modelled", () => {
        const answer = ask("west:remote/httpbin GET http://httpbin.blue/ip");
        assert.strictEqual(answer.code, "???");
        assert.match(
            answer.reason,
            /in cluster east .* policies take part \(east-demo-blue-cilium-policy\); how they treat a client of cluster west is not modelled/,
        );
    });

    it("names the cluster when needed and refuses one that does not exist", () => {
        assert.strictEqual(ask("red/netshoot GET http://httpbin.remote/ip").from, "east:red/deployment/netshoot");
        assert.throws(
            () => ask("north:red/netshoot GET http://httpbin.remote/ip"),
            (err: unknown) => {
                assert.ok(err instanceof ProbeError);
                assert.match(err.message, /there is no cluster "north" \(the clusters: east, west\)/);
                return true;
            },
        );
    });

    it("predicts the demo in the mesh: east's clients against the httpbins east resolves, remote ones included", () => {
        const prediction = predictForGate(modelResources(resources));
        assert.strictEqual(prediction.kind, "demo");
        const remote = prediction.answers.filter((a) => a.to === "remote");
        assert.deepStrictEqual(remote.map((a) => `${a.from} ${a.path} ${a.code}`).sort(), [
            "east:blue /deny 200",
            "east:blue /ip 200",
            "east:green /deny 200",
            "east:green /ip 200",
            "east:red /deny 200",
            "east:red /ip 200",
        ]);
        const blue = prediction.answers.find((a) => a.from === "east:red" && a.to === "blue" && a.path === "/deny");
        assert.strictEqual(blue?.code, "403");
    });
});

describe("probes naming a cluster", () => {
    it("parse the cluster before the colon", () => {
        const probe = parseProbe("east:red/netshoot GET http://httpbin.remote/ip");
        assert.strictEqual(probe.cluster, "east");
        assert.deepStrictEqual(probe.from, { namespace: "red", name: "netshoot" });
        assert.strictEqual(parseProbe("red/netshoot GET http://httpbin.remote/ip").cluster, undefined);
    });

    it("refuse a malformed cluster name", () => {
        assert.throws(
            () => parseProbe("e@st:red/netshoot GET http://httpbin.remote/ip"),
            /the cluster "e@st" is not valid/,
        );
    });
});
