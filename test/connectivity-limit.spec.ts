/**
 * plan and check predict the connectivity matrix only up to MAX_PREDICTED_PAIRS client/server pairs: the
 * matrix grows with the square of the namespaces, and at 1000 tenant namespaces its 2,000,000 answers took minutes
 * and gigabytes. Below the limit the prediction is the full one; above it none is made and the command says why.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { tenantStackExport } from "../bench/tenant-stack";
import { check } from "../engine/commands/check";
import {
    MAX_PREDICTED_PAIRS,
    predictConnectivity,
    predictConnectivityWithin,
} from "../policies/connectivity/connectivity";
import { ExitCode } from "../engine/command-line";
import { Report } from "../engine/report/report";
import { modelResources } from "../engine/stack-gate";
import { UNKNOWN } from "../policies/test/harness";

describe("connectivity prediction limit", function () {
    this.timeout(120_000);

    it("predicts every pair up to the limit, as the unlimited prediction does", () => {
        const resources = modelResources(tenantStackExport(3).deployment.resources);
        const full = predictConnectivity(resources);
        assert.strictEqual(full.length, 3 * 3 * 2, "3 clients x 3 servers x 2 paths");
        assert.deepStrictEqual(predictConnectivityWithin(resources, 9), { answers: full });
    });

    it("predicts nothing past the limit and says how many pairs there were", () => {
        const resources = modelResources(tenantStackExport(3).deployment.resources);
        assert.deepStrictEqual(predictConnectivityWithin(resources, 8), {
            answers: [],
            omitted: "connectivity not predicted: 3 netshoot clients and 3 httpbin servers make 9 pairs, more than 8",
        });
    });

    it("counts clients and servers from the resources as the model pairs them, so a stack at the limit is still predicted", () => {
        const deployment = (name: string, metadata: Record<string, unknown>) => ({
            type: "kubernetes:apps/v1:Deployment",
            urn: `urn:pulumi:bench::tenants::kubernetes:apps/v1:Deployment::${name}`,
            name,
            props: {
                metadata,
                spec: {
                    selector: { matchLabels: { app: "netshoot" } },
                    template: { metadata: { labels: { app: "netshoot" } }, spec: { containers: [] } },
                },
            },
        });
        const resources = [
            ...modelResources(tenantStackExport(2).deployment.resources),
            // A client named by its resource name only, and one whose namespace is unknown during preview (no client).
            deployment("netshoot", { namespace: "extra" }),
            deployment("extra-netshoot-2", { name: "netshoot", namespace: UNKNOWN.string }),
        ];
        const pairs = 3 * 2;
        assert.ok(predictConnectivityWithin(resources, pairs).answers.length > 0, "at the limit: predicted");
        assert.deepStrictEqual(
            predictConnectivityWithin(resources, pairs - 1).omitted,
            `connectivity not predicted: 3 netshoot clients and 2 httpbin servers make ${pairs} pairs, more than ${pairs - 1}`,
        );
    });

    it("check on a stack past the limit still gates it, prints no matrix and says why on stderr", async () => {
        const tenants = Math.floor(Math.sqrt(MAX_PREDICTED_PAIRS)) + 1;
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "connectivity-limit-")), "stack.json");
        fs.writeFileSync(file, JSON.stringify(tenantStackExport(tenants)));
        let stdout = "";
        let stderr = "";
        const code = await check([file, "--json"], {
            stdout: (t) => {
                stdout += t;
            },
            stderr: (t) => {
                stderr += t;
            },
        });
        const report: Report = JSON.parse(stdout);
        assert.strictEqual(code, ExitCode.Ok, stderr);
        assert.strictEqual(report.resources.length, tenantStackExport(tenants).deployment.resources.length);
        assert.deepStrictEqual(report.connectivity, []);
        assert.match(
            stderr,
            new RegExp(
                `note: connectivity not predicted: ${tenants} netshoot clients and ${tenants} httpbin servers make ${tenants * tenants} pairs, more than ${MAX_PREDICTED_PAIRS}`,
            ),
        );
    });
});
