/**
 * The plan report as a reader meets it, on this repository's root program with the pack cilium-istio-guard: a `Stack:`
 * line first, each namespace's data plane beside the matrix, violations one line each with the rule's documentation,
 * the predictions flagged while a mandatory violation stands, the node group on the critical path, and a last line
 * that starts with `Result:`. And the same header, with `unknown` for what a file does not say, for `check`.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ExitCode } from "../engine/command-line";
import { plan, PROJECT_LOCATIONS } from "../engine/commands/plan";
import { check } from "../engine/commands/check";
import { Report } from "../engine/report/report";
import { criticalPathSummary } from "../engine/report/critical-path";
import { PUBLIC_PACK_README } from "../engine/stack-gate";

const out = () => path.join(fs.mkdtempSync(path.join(os.tmpdir(), "plan-report-spec-")), "stack.json");

async function capture(run: (io: { stdout(t: string): void; stderr(t: string): void }) => Promise<ExitCode>) {
    let stdout = "";
    let stderr = "";
    const code = await run({ stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
    return { code, stdout, stderr, lines: stdout.trimEnd().split("\n") };
}

const runPlan = (argv: string[]) => capture((io) => plan([...argv, "--out", out()], io, PROJECT_LOCATIONS));

describe("the plan report", function () {
    this.timeout(180_000);

    describe("dev, clean", () => {
        let run: Awaited<ReturnType<typeof runPlan>>;
        before(async () => {
            run = await runPlan(["--stack", "dev"]);
        });

        it("names the stack's datapath, mesh, versions and demo stage on a line that starts with Stack:", () => {
            assert.strictEqual(run.code, ExitCode.Ok, run.stderr);
            assert.strictEqual(
                run.lines[1],
                "Stack: dev · datapath eni · tunnel none · mesh sidecar · Cilium 1.19.6 · Istio 1.30.3 · Kubernetes 1.34 · demo l7 (mTLS fix on)",
            );
        });

        it("ends with a Result: line that says the exit code, and prints no count table beside the tree", () => {
            assert.strictEqual(
                run.lines[run.lines.length - 1],
                "Result: 0 mandatory, 0 advisory, 0 undecided — exit 0: no mandatory violation.",
            );
            assert.ok(!run.lines.some((l) => /^\s+\d+\s+kubernetes:/.test(l)), "no resource count per type");
            assert.match(run.stdout, /^Component tree \(\d+ resources\):$/m);
        });

        it("marks each namespace's data plane and gives no caveat without a mandatory violation", () => {
            assert.ok(run.stdout.includes("data plane per namespace: red sidecar, blue sidecar, green none"));
            for (const row of ["red (sidecar)", "blue (sidecar)", "green (none)"]) {
                assert.ok(
                    run.lines.some((l) => l.startsWith(`  ${row} `)),
                    `${row} row missing`,
                );
            }
            assert.ok(!run.stdout.includes("UNRELIABLE"));
        });

        it("puts the node group on the critical path, between the cluster and the charts whose pods need nodes", () => {
            const chain = run.lines[run.lines.findIndex((l) => l.startsWith("Critical path")) + 1];
            assert.match(chain, /^ {2}cluster-eks -> cluster-nodes -> cilium -> istio-base/);
        });

        it("states the path's steps and their rough minutes the same way in the text and the review report", () => {
            const headline = run.lines.find((l) => l.startsWith("Critical path"))!;
            // EKS control plane 10 min, node group 4, four Helm releases 1.5 each, two small steps: about 20 min.
            assert.match(headline, /^Critical path \(8 steps, each waiting for the one before; about 20 min by rough/);
            const oneStep = criticalPathSummary(["urn:pulumi:dev::p::eks:index:Cluster$aws:eks/cluster:Cluster::c"]);
            assert.match(oneStep, /^1 step, each waiting for the one before; about 10 min/);
        });
    });

    describe("ambient with the demo's broken L7 stage", () => {
        let run: Awaited<ReturnType<typeof runPlan>>;
        before(async () => {
            run = await runPlan(["--stack", "ambient", "--config", "eks-cilium-istio:demoMtlsFix=false"]);
        });

        it("prints each violation on one line: level, rule, resource, first sentence, the rule's section", () => {
            assert.strictEqual(run.code, ExitCode.Violation, run.stderr);
            const line = run.lines.find((l) => l.includes("mandatory  cilium-l7-policy-vs-istio-mtls"));
            assert.ok(line, run.stdout);
            const match =
                /^ {2}mandatory {2}cilium-l7-policy-vs-istio-mtls +demo-blue-cilium-policy: CiliumNetworkPolicy blue\/default \(spec\): http rules on 80\/TCP select ambient pods: .*\. \[(.*)#cilium-l7-policy-vs-istio-mtls\]$/.exec(
                    line,
                );
            assert.ok(match, line);
            // The link works offline: the installed pack's README, with a section headed by the rule's name.
            assert.ok(fs.readFileSync(match[1], "utf8").includes("### `cilium-l7-policy-vs-istio-mtls`"));
            assert.ok(run.stdout.includes(PUBLIC_PACK_README), "the public form of the link");
            assert.ok(!run.stdout.includes("urn:pulumi:"), "URNs only under --verbose");
            // The companion's advisory is shown under the rule that found it.
            assert.match(run.stdout, /^ {2}advisory {3}ambient-hbone-bypasses-port-rules +demo-blue-cilium-policy: /m);
        });

        it("flags the predictions as unreliable while the mandatory violation stands, and marks ambient", () => {
            const matrix = run.stdout.slice(run.stdout.indexOf("Predicted connectivity"));
            assert.match(matrix, /^ {2}UNRELIABLE: 1 mandatory violation\(s\) stand/m);
            assert.ok(matrix.includes("data plane per namespace: red ambient, blue ambient, green none"));
        });

        it("ends with the counts and exit 1", () => {
            assert.strictEqual(
                run.lines[run.lines.length - 1],
                "Result: 1 mandatory, 1 advisory, 0 undecided — exit 1: a mandatory violation; `pulumi preview --policy-pack` would fail too.",
            );
        });

        it("gives the whole message and the URN under --verbose", async () => {
            const verbose = await runPlan([
                "--stack",
                "ambient",
                "--config",
                "eks-cilium-istio:demoMtlsFix=false",
                "--verbose",
            ]);
            assert.ok(verbose.stdout.includes("urn:pulumi:ambient::eks-cilium-istio::"), verbose.stdout);
            assert.ok(verbose.stdout.includes("Fix: take the pods out of ambient"));
        });

        it("carries the same in --json: summary, data planes, result, and each violation's rule and documentation", async () => {
            const json = await runPlan([
                "--stack",
                "ambient",
                "--config",
                "eks-cilium-istio:demoMtlsFix=false",
                "--json",
            ]);
            const report: Report = JSON.parse(json.stdout);
            assert.deepStrictEqual(report.summary, {
                stack: "ambient",
                datapath: "eni",
                tunnel: "none",
                meshMode: "ambient",
                cilium: "1.19.6",
                istio: "1.30.3",
                kubernetes: "1.34",
                demoStage: "l7 (mTLS fix off)",
            });
            assert.deepStrictEqual(report.dataPlanes, { blue: "ambient", green: "none", red: "ambient" });
            assert.deepStrictEqual(report.result, { mandatory: 1, advisory: 1, undecided: 0, exitCode: 1 });
            const rules = report.violations.map((v) => [v.policy, v.rule, v.documentation?.public]);
            assert.deepStrictEqual(rules, [
                [
                    "cilium-l7-policy-vs-istio-mtls",
                    "cilium-l7-policy-vs-istio-mtls",
                    `${PUBLIC_PACK_README}#cilium-l7-policy-vs-istio-mtls`,
                ],
                [
                    "cilium-istio-guard-advisories",
                    "ambient-hbone-bypasses-port-rules",
                    `${PUBLIC_PACK_README}#ambient-hbone-bypasses-port-rules`,
                ],
            ]);
        });
    });

    it("overlay: the tunnel and a demo stage other than l7", async () => {
        const run = await runPlan(["--stack", "overlay", "--config", "eks-cilium-istio:demoStage=l4"]);
        assert.strictEqual(run.code, ExitCode.Ok, run.stderr);
        assert.match(run.lines[1], /^Stack: overlay · datapath overlay · tunnel vxlan · mesh sidecar · .* · demo l4$/);
    });

    it("check of a file from another stack: what the file says, unknown or none for the rest", async () => {
        const file = path.join(__dirname, "fixtures", "check", "preview.json");
        const run = await capture((io) => check([file], io));
        assert.strictEqual(
            run.lines[1],
            "Stack: staging · datapath none · tunnel none · mesh none · Cilium none · Istio none · Kubernetes unknown · demo none",
        );
        assert.match(
            run.lines[run.lines.length - 1],
            /^Result: \d+ mandatory, \d+ advisory, \d+ undecided — exit [01]: /,
        );
    });
});
