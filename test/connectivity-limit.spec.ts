/**
 * Without probes, plan and check predict the default matrix (every client workload against every Service port) only
 * up to MAX_PREDICTED_PAIRS pairs: it grows with the square of the namespaces. Pairs are counted from the resources
 * before anything is built, so a refused matrix costs nothing; past the limit nothing is predicted and the answer
 * says how many pairs were left out and how to narrow them. `--from` and `--to` narrow it.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { tenantStackExport } from "../bench/tenant-stack";
import { check } from "../engine/commands/check";
import { MAX_PREDICTED_PAIRS, predictMatrix } from "../policies/connectivity/connectivity";
import { ExitCode } from "../engine/command-line";
import { Report } from "../engine/report/report";
import { modelResources } from "../engine/stack-gate";
import { UNKNOWN } from "../policies/test/harness";

/** Each tenant runs two workloads (httpbin, netshoot) and one Service port. */
const tenants = (n: number) => modelResources(tenantStackExport(n).deployment.resources);

describe("connectivity: the default matrix and its limit", function () {
    this.timeout(120_000);

    it("predicts every pair up to the limit: 3 tenants make 6 clients x 3 Service ports", () => {
        const matrix = predictMatrix(tenants(3), {}, 18);
        assert.strictEqual(matrix.omitted, undefined);
        assert.strictEqual(matrix.answers.length, 18);
        assert.deepStrictEqual(matrix.answers[0].probe, "tenant-0/deployment/httpbin GET http://httpbin.tenant-0/");
        // Each tenant's policy admits only the demo's red and blue namespaces, so every tenant pair is dropped.
        assert.ok(matrix.answers.every((a) => a.code === "000" && /dropped by an L4 rule/.test(a.reason)));
    });

    it("past the limit predicts nothing and says how many pairs were left out and how to narrow them", () => {
        assert.deepStrictEqual(predictMatrix(tenants(3), {}, 17), {
            kind: "matrix",
            answers: [],
            omitted:
                "connectivity not predicted: 6 client workloads and 3 Service ports make 18 pairs, more than 17; 18 pairs left out. " +
                "Narrow them with --from NAMESPACE and --to NAMESPACE, or ask for requests with --probe",
        });
    });

    it("--from and --to narrow the pairs before they are counted", () => {
        const matrix = predictMatrix(tenants(60), { from: ["tenant-1"], to: ["tenant-2", "tenant-3"] });
        assert.deepStrictEqual(
            matrix.answers.map((a) => `${a.from} -> ${a.to}`),
            [
                "tenant-1/deployment/httpbin -> httpbin.tenant-2",
                "tenant-1/deployment/httpbin -> httpbin.tenant-3",
                "tenant-1/deployment/netshoot -> httpbin.tenant-2",
                "tenant-1/deployment/netshoot -> httpbin.tenant-3",
            ],
        );
    });

    it("counts clients as the matrix pairs them: a workload whose namespace is unknown during preview is none", () => {
        const unplaced = {
            type: "kubernetes:apps/v1:Deployment",
            urn: "urn:pulumi:bench::tenants::kubernetes:apps/v1:Deployment::unplaced",
            name: "unplaced",
            props: {
                metadata: { name: "x", namespace: UNKNOWN.string },
                spec: { template: { spec: { containers: [] } } },
            },
        };
        const stack = [...tenants(2), unplaced];
        assert.strictEqual(
            predictMatrix(stack, {}, 8).answers.length,
            8,
            "4 clients x 2 ports, the unplaced one left out",
        );
        assert.match(predictMatrix(stack, {}, 7).omitted!, /4 client workloads and 2 Service ports make 8 pairs/);
    });

    it("check on a stack past the limit still gates it, prints no matrix and says why on stderr; --from/--to narrow it", async () => {
        const count = Math.ceil(Math.sqrt(MAX_PREDICTED_PAIRS / 2)) + 1;
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "connectivity-limit-")), "stack.json");
        fs.writeFileSync(file, JSON.stringify(tenantStackExport(count)));
        const run = async (...flags: string[]) => {
            let stdout = "";
            let stderr = "";
            const code = await check([file, "--json", ...flags], {
                stdout: (t) => (stdout += t),
                stderr: (t) => (stderr += t),
            });
            return { code, report: JSON.parse(stdout) as Report, stderr };
        };
        const full = await run();
        assert.strictEqual(full.code, ExitCode.Ok, full.stderr);
        assert.strictEqual(full.report.resources.length, tenantStackExport(count).deployment.resources.length);
        assert.deepStrictEqual(full.report.connectivity, []);
        assert.match(
            full.stderr,
            new RegExp(
                `note: connectivity not predicted: ${count * 2} client workloads and ${count} Service ports make [\\d,]+ pairs, more than 2,500`,
            ),
        );
        const narrowed = await run("--from", "tenant-0", "--to", "tenant-1");
        assert.strictEqual(narrowed.code, ExitCode.Ok);
        assert.deepStrictEqual(
            narrowed.report.connectivity.map((e) => ("probe" in e ? e.probe : "")),
            [
                "tenant-0/deployment/httpbin GET http://httpbin.tenant-1/",
                "tenant-0/deployment/netshoot GET http://httpbin.tenant-1/",
            ],
        );
        assert.doesNotMatch(narrowed.stderr, /not predicted/);
    });
});
