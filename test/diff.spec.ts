/**
 * `npm run diff` as users run it: two stack files, or the root program under two configs (`--stack` with
 * `--base-config` and `--config`); exit codes per `--fail-on` whichever stack is BASE; one JSON document with
 * `--json`; undecided requests reported as such; usage errors before anything runs; the review report written.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { openTenantPolicy, tenantStackExport } from "../bench/tenant-stack";
import { ExitCode } from "../engine/command-line";
import { diff } from "../engine/commands/diff";
import { DiffReport } from "../engine/report/diff-report";
import { StackExport } from "../engine/state/stack-export";
import { REVIEW_SAMPLE_ARGS } from "../scripts/write-review-sample";
import { captured } from "./captured-run";
import { SECRET_SIG, SIG_KEY } from "../engine/state/property-values";

const runDiff = (argv: string[]) => captured((io) => diff(argv, io));

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "diff-spec-"));

function write(name: string, exported: StackExport | Record<string, unknown>): string {
    const file = path.join(dir, name);
    fs.writeFileSync(file, JSON.stringify(exported));
    return file;
}

describe("diff of two stack files", function () {
    this.timeout(120_000);
    const tenants = tenantStackExport(3, new Date(0));
    const base = write("base.json", tenants);
    // tenant-2's policy also admits tenant-0: tenant-0's two workloads get through to tenant-2's httpbin.
    const head = write("head.json", openTenantPolicy(tenants, 2, 0));

    it("prints the opened requests grouped by namespace pair, with both reasons and what decided them, and exits 1", async () => {
        const run = await runDiff([base, head]);
        assert.strictEqual(run.code, ExitCode.Violation, run.stderr);
        assert.match(
            run.stdout,
            new RegExp(`^Connectivity diff: BASE ${base} \\(stack bench\\) -> HEAD ${head} \\(stack bench\\)\n`),
        );
        assert.match(
            run.stdout,
            /Compared the default matrix \(GET \/ from every workload to every TCP Service port\): the change reaches namespace tenant-2; 10 requests predicted on each side, 8 more unchanged by construction\./,
        );
        assert.match(
            run.stdout,
            /\ntenant-0 -> tenant-2\n {2}opened {8}tenant-0\/deployment\/httpbin GET http:\/\/httpbin\.tenant-2\/ {2}000 -> 200\n {4}BASE 000: dropped by an L4 rule: CiliumNetworkPolicy tenant-2\/default admits no TCP 80 from tenant-0\/httpbin to tenant-2\/httpbin\n {4}HEAD 200: .*admitted by CiliumNetworkPolicy tenant-2\/default on TCP 80\n {4}decided by \(BASE and HEAD\): Deployment tenant-0-httpbin, Service tenant-2-httpbin-svc, .*CiliumNetworkPolicy tenant-2-default/,
        );
        assert.match(run.stdout, /tenant-0\/deployment\/netshoot GET http:\/\/httpbin\.tenant-2\/ {2}000 -> 200/);
        assert.match(
            run.stdout,
            /\nSummary: 2 flows opened, 0 closed, 0 changed, 0 newly unknown; 0 verdicts appeared, 0 disappeared\.\n--fail-on opened: exit 1\.\n$/,
        );
    });

    it("exit codes per --fail-on, whichever stack is BASE", async () => {
        const cases: [string[], ExitCode][] = [
            [[base, head], ExitCode.Violation],
            [[base, head, "--fail-on", "opened"], ExitCode.Violation],
            [[base, head, "--fail-on", "closed"], ExitCode.Ok],
            [[base, head, "--fail-on", "any"], ExitCode.Violation],
            [[base, head, "--fail-on", "none"], ExitCode.Ok],
            // Swapped: the same change now closes the two requests.
            [[head, base], ExitCode.Ok],
            [[head, base, "--fail-on", "closed"], ExitCode.Violation],
            [[head, base, "--fail-on", "any"], ExitCode.Violation],
            [[head, base, "--fail-on=none"], ExitCode.Ok],
            // Nothing changed: nothing fails, whatever the rule.
            [[base, base, "--fail-on", "any"], ExitCode.Ok],
        ];
        for (const [argv, expected] of cases) {
            const run = await runDiff(argv);
            assert.strictEqual(
                run.code,
                expected,
                `${argv.slice(2).join(" ")} ${argv[0] === base ? "base→head" : "head→base"}: ${run.stderr}`,
            );
        }
        const swapped = await runDiff([head, base, "--fail-on", "closed"]);
        assert.match(swapped.stdout, /0 flows opened, 2 closed, 0 changed, 0 newly unknown/);
    });

    it("--json prints exactly one JSON document with the documented fields", async () => {
        const run = await runDiff([base, head, "--json"]);
        const report: DiffReport = JSON.parse(run.stdout);
        assert.deepStrictEqual(Object.keys(report).sort(), [
            "base",
            "changes",
            "criticalPath",
            "failOn",
            "failed",
            "head",
            "kind",
            "notes",
            "scope",
            "summary",
            "unknown",
            "verdicts",
        ]);
        assert.deepStrictEqual(report.summary, {
            opened: 2,
            closed: 0,
            changed: 0,
            newlyUnknown: 0,
            decided: 0,
            unknown: 0,
            new: 0,
            gone: 0,
            unchanged: 8,
            unreached: 8,
            verdictsAppeared: 0,
            verdictsDisappeared: 0,
        });
        assert.deepStrictEqual([report.kind, report.failOn, report.failed], ["matrix", "opened", true]);
        assert.deepStrictEqual(report.scope.namespaces, ["tenant-2"]);
        assert.deepStrictEqual(
            report.scope.changedResources.map((r) => [r.change, r.name]),
            [["modified", "tenant-2-default"]],
        );
        const [first] = report.changes;
        assert.deepStrictEqual(
            [first.change, first.fromNamespace, first.toNamespace, first.base!.code, first.head!.code],
            ["opened", "tenant-0", "tenant-2", "000", "200"],
        );
        assert.deepStrictEqual(first.request, {
            probe: "tenant-0/deployment/httpbin GET http://httpbin.tenant-2/",
            from: "tenant-0/deployment/httpbin",
            to: "httpbin.tenant-2",
            port: 80,
            method: "GET",
            path: "/",
        });
        assert.ok(first.head!.decidedBy.every((urn) => urn.startsWith("urn:pulumi:bench::tenants::")));
    });

    it("undecided requests are listed as such and never fail the diff, even with --fail-on any", async () => {
        // A Service without a selector in tenant-1: its endpoints are managed elsewhere, so its requests are ???.
        const withExternal = (exported: StackExport): StackExport => {
            const resources = [...exported.deployment.resources];
            const root = resources[0].urn;
            const props = { metadata: { name: "external", namespace: "tenant-1" }, spec: { ports: [{ port: 80 }] } };
            resources.push({
                urn: "urn:pulumi:bench::tenants::kubernetes:core/v1:Service::tenant-1-external",
                custom: true,
                type: "kubernetes:core/v1:Service",
                inputs: props,
                outputs: props,
                parent: root,
            });
            return { ...exported, deployment: { ...exported.deployment, resources } };
        };
        const before = write("external-base.json", withExternal(tenants));
        // HEAD relabels tenant-1's namespace: tenant-1's requests are predicted again, the external ones still ???.
        const relabelled = structuredClone(withExternal(tenants));
        const ns = relabelled.deployment.resources.find((r) => r.urn.endsWith("Namespace::tenant-1"))!;
        ns.inputs!.metadata.labels.team = "one";
        ns.outputs!.metadata.labels.team = "one";
        const after = write("external-head.json", relabelled);
        const run = await runDiff([before, after, "--fail-on", "any", "--json"]);
        assert.strictEqual(run.code, ExitCode.Ok, run.stderr);
        const report: DiffReport = JSON.parse(run.stdout);
        assert.strictEqual(report.summary.unknown, 6, "the six workloads' requests to the external Service");
        assert.ok(report.unknown.every((u) => u.base!.code === "???" && u.head!.code === "???"));
        assert.deepStrictEqual(report.changes, []);
        const text = await runDiff([before, after]);
        assert.match(text.stdout, /Unknown on both sides \(6\), not counted as changes:/);
        assert.match(text.stdout, /unknown: Service external\.tenant-1 has no selector/);
    });

    it("writes the review report in Markdown, and in HTML too when --report is given twice, and says where", async () => {
        const report = path.join(dir, "review.md");
        const page = path.join(dir, "review.html");
        const run = await runDiff([base, head, "--report", report, "--report", page]);
        assert.match(run.stderr, new RegExp(`Markdown report written to ${report}`));
        assert.match(run.stderr, new RegExp(`HTML report written to ${page}`));
        assert.match(fs.readFileSync(page, "utf8"), /^<!DOCTYPE html>/i);
        const markdown = fs.readFileSync(report, "utf8");
        assert.match(markdown, /^## Connectivity diff: .*base\.json → .*head\.json\n/);
        assert.match(
            markdown,
            /\*\*2 flows opened, 0 closed, 0 changed, 0 newly unknown; 0 verdicts appeared, 0 disappeared\*\*/,
        );
        assert.match(markdown, /#### tenant-0 → tenant-2\n\n\| change \| request \| BASE \| HEAD \|/);
        assert.match(markdown, /```mermaid\nflowchart LR\n/);
    });

    it("refuses bad usage with exit 2 before reading or running anything, naming what is wrong", async () => {
        const cases: [string[], RegExp][] = [
            [[base], /diff takes two files, BASE and HEAD .* got 1/],
            [[base, head, "--stack", "dev"], /give one or the other \(got files and --stack\)/],
            [[], /diff takes two files, BASE and HEAD, or --stack NAME with --base-config/],
            [[base, head, "--fail-on", "everything"], /--fail-on "everything" is not one of opened, closed, any, none/],
            [
                [base, head, "--report", "review.txt"],
                /--report "review.txt" must end in \.md, \.markdown, \.html, \.htm/,
            ],
            [[base, path.join(dir, "missing.json")], /missing\.json/],
            [["--stack", "dev", "--base-config", "eks-cilium-istio:demoStag=l4"], /demoStag/],
        ];
        for (const [argv, message] of cases) {
            const run = await runDiff(argv);
            assert.strictEqual(run.code, ExitCode.Error, argv.join(" "));
            assert.match(run.stderr, message);
            assert.strictEqual(run.stdout, "");
        }
    });

    it("exits 2 saying how to narrow when the change reaches more requests than it predicts", async () => {
        // 150 tenants: a change to the mesh-wide PeerAuthentication reaches all 300 × 150 requests.
        const many = tenantStackExport(150, new Date(0));
        const strict = structuredClone(many);
        const meshWide = strict.deployment.resources.find(
            (r) => r.type.endsWith(":PeerAuthentication") && r.inputs?.metadata?.namespace === "istio-system",
        )!;
        meshWide.inputs!.spec.mtls.mode = "PERMISSIVE";
        meshWide.outputs!.spec.mtls.mode = "PERMISSIVE";
        const [before, after] = [write("many-base.json", many), write("many-head.json", strict)];
        const run = await runDiff([before, after]);
        assert.strictEqual(run.code, ExitCode.Error);
        assert.match(
            run.stderr,
            /connectivity not compared: the change reaches every request \(namespace istio-system changed, .*\), 45,000 client\/server pairs on each side, more than 20,000\. Narrow them with --from NAMESPACE and --to NAMESPACE/,
        );
        const narrowed = await runDiff([before, after, "--from", "tenant-0,tenant-1", "--json"]);
        assert.strictEqual(narrowed.code, ExitCode.Ok, narrowed.stderr);
        assert.strictEqual(JSON.parse(narrowed.stdout).summary.unchanged, 4 * 150);
    });
});

describe("diff of stacks holding secrets", function () {
    this.timeout(120_000);
    const SECRET = "s3cr3t-Pl41nt3xt-Value";
    const cilium = "urn:pulumi:legacy::platform::kubernetes:helm.sh/v3:Release::cilium";
    /** test/fixtures/check/many-rules-broken.json with the Cilium release's value `key` a secret. */
    function withSecret(key: string): Record<string, any> {
        const doc = JSON.parse(
            fs.readFileSync(path.join(__dirname, "fixtures", "check", "many-rules-broken.json"), "utf8"),
        );
        const release = doc.deployment.resources.find((r: { urn: string }) => r.urn === cilium);
        for (const field of ["inputs", "outputs"]) {
            release[field].values[key] = { [SIG_KEY]: SECRET_SIG, plaintext: JSON.stringify(SECRET) };
        }
        return doc;
    }

    it("a verdict quoting a secret appears as [secret], on stdout, in JSON and in both report files", async () => {
        const base = write("secret-base.json", withSecret("clusterName"));
        // HEAD's kubeProxyReplacement is the secret, a value no chart accepts: a rule quotes it.
        const head = write("secret-head.json", withSecret("kubeProxyReplacement"));
        const markdown = path.join(dir, "secret.md");
        const page = path.join(dir, "secret.html");
        const text = await runDiff([base, head, "--report", markdown, "--report", page]);
        const json = await runDiff([base, head, "--json"]);
        const appeared: { message: string }[] = JSON.parse(json.stdout).verdicts.appeared;
        assert.ok(
            appeared.some((v) => /`kubeProxyReplacement` .* is \[secret\], which the cilium chart/.test(v.message)),
            json.stdout,
        );
        for (const output of [
            text.stdout,
            text.stderr,
            json.stdout,
            json.stderr,
            ...[markdown, page].map((f) => fs.readFileSync(f, "utf8")),
        ]) {
            assert.ok(!output.includes(SECRET), "the secret's plaintext was printed or written");
        }
        // Markdown escapes the brackets.
        assert.match(fs.readFileSync(markdown, "utf8"), /is \\\[secret\\\], which the cilium chart/);
    });
});

describe("diff with another policy pack (--policy-pack DIR)", function () {
    this.timeout(120_000);

    it("judges both sides with that pack, served: its verdicts appear and disappear, not cilium-istio-guard's", async () => {
        const broken = path.join(__dirname, "fixtures", "check", "many-rules-broken.json");
        const clean = write("pack-clean.json", tenantStackExport(2, new Date(0)));
        const pack = path.join(__dirname, "fixtures", "policy-pack");
        const run = await runDiff([clean, broken, "--policy-pack", pack, "--fail-on", "none", "--json"]);
        assert.strictEqual(run.code, ExitCode.Ok, run.stderr);
        const { verdicts }: DiffReport = JSON.parse(run.stdout);
        const policies = [...verdicts.appeared, ...verdicts.disappeared].map((v) => v.policy);
        assert.ok(
            policies.every((policy) => policy.startsWith("fixture-")),
            policies.join(", "),
        );
        assert.ok(verdicts.disappeared.some((v) => v.policy === "fixture-namespace-label"));
        assert.ok(verdicts.appeared.some((v) => v.policy === "fixture-no-disabled-mtls"));
    });
});

describe("diff of the root program under two configs (--stack, --base-config, --config)", function () {
    this.timeout(180_000);

    it("the demo's l4 → l7 without the fix: four requests closed (503), the pack's verdict on it appears", async () => {
        const argv = [...REVIEW_SAMPLE_ARGS, "--config", "aws:secretKey=not-a-real-key-4e1f"];
        const run = await runDiff([...argv, "--json"]);
        assert.strictEqual(run.code, ExitCode.Ok, run.stderr);
        const report: DiffReport = JSON.parse(run.stdout);
        assert.strictEqual(report.kind, "demo");
        assert.deepStrictEqual(
            report.changes.map((c) => [
                c.change,
                c.request.from,
                c.request.to,
                c.request.path,
                c.base!.code,
                c.head!.code,
            ]),
            [
                ["closed", "red", "blue", "/ip", "200", "503"],
                ["closed", "red", "blue", "/deny", "200", "503"],
                ["closed", "blue", "blue", "/ip", "200", "503"],
                ["closed", "blue", "blue", "/deny", "200", "503"],
            ],
        );
        assert.deepStrictEqual(
            report.verdicts.appeared.map((v) => [v.policy, v.level]),
            [["cilium-l7-policy-vs-istio-mtls", "mandatory"]],
        );
        assert.deepStrictEqual(report.verdicts.disappeared, []);
        assert.strictEqual(
            report.base.source,
            "stack dev with eks-cilium-istio:demoStage=l4 eks-cilium-istio:demoMtlsFix=false",
        );
        assert.strictEqual(
            report.head.source,
            "stack dev with eks-cilium-istio:demoStage=l7 eks-cilium-istio:demoMtlsFix=false aws:secretKey=[secret]",
        );
        assert.ok(!run.stdout.includes("not-a-real-key-4e1f"), "a credential given with --config is never printed");

        const failing = await runDiff([...argv, "--fail-on", "closed"]);
        assert.strictEqual(failing.code, ExitCode.Violation);
        assert.match(
            failing.stdout,
            /0 flows opened, 4 closed, 0 changed, 0 newly unknown; 1 verdict appeared, 0 disappeared/,
        );
    });
});
