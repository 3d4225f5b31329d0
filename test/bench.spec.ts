/**
 * `npm run bench` at tiny sizes, so that it cannot rot: the generator's stack, the JSON document's fields,
 * figures that are positive and agree with each other. No timing threshold: this machine's speed is not under test.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { BenchResult, bench, renderTable } from "../bench/bench";
import { Stat, stat } from "../bench/measure";
import { ExitCode } from "../engine/command-line";
import { parseStateDocument } from "../engine/state/state-files";

async function runBench(argv: string[]) {
    let stdout = "";
    let stderr = "";
    const code = await bench(argv, {
        stdout: (t) => {
            stdout += t;
        },
        stderr: (t) => {
            stderr += t;
        },
    });
    return { code, stdout, stderr };
}

const tmpFile = (name: string) => path.join(fs.mkdtempSync(path.join(os.tmpdir(), "bench-spec-")), name);

function assertStat(s: Stat, what: string): void {
    assert.deepStrictEqual(Object.keys(s).sort(), ["max", "median", "min"], what);
    for (const value of Object.values(s)) {
        assert.ok(
            Number.isFinite(value) && value > 0,
            `${what}: ${JSON.stringify(s)} has a figure that is not a positive number`,
        );
    }
    assert.ok(s.min <= s.median && s.median <= s.max, `${what}: ${JSON.stringify(s)} is out of order`);
}

const close = (actual: number, expected: number) =>
    Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected));

describe("npm run bench", function () {
    this.timeout(300_000);

    it("pins its peer, the EKS Blueprints CDK app, to exact versions with a lock file of its own", () => {
        const peer = path.join(__dirname, "..", "bench", "peers", "eks-blueprints");
        const manifest = JSON.parse(fs.readFileSync(path.join(peer, "package.json"), "utf8"));
        assert.deepStrictEqual(manifest.dependencies, {
            "@aws-quickstart/eks-blueprints": "1.19.0",
            "aws-cdk-lib": "2.261.0",
            constructs: "10.8.1",
        });
        assert.strictEqual(manifest.scripts.synth, "node app.js");
        const lock = JSON.parse(fs.readFileSync(path.join(peer, "package-lock.json"), "utf8"));
        for (const [name, version] of Object.entries(manifest.dependencies)) {
            assert.strictEqual(lock.packages[`node_modules/${name}`].version, version, name);
        }
    });

    it("takes the median of an odd or even number of runs, with min and max", () => {
        assert.deepStrictEqual(stat([5, 1, 3]), { median: 3, min: 1, max: 5 });
        assert.deepStrictEqual(stat([4, 1, 3, 10]), { median: 3.5, min: 1, max: 10 });
    });

    it("--generate N --out FILE writes a stack export of N tenant namespaces like the demo's blue, which check reads", async () => {
        const file = tmpFile("tenants.json");
        const run = await runBench(["--generate", "2", "--out", file]);
        assert.strictEqual(run.code, ExitCode.Ok, run.stderr);
        const { format, stack, resources } = parseStateDocument(fs.readFileSync(file, "utf8"), file);
        assert.deepStrictEqual([format, stack], ["stack-export", "bench"]);
        const count = (type: string) => resources.filter((r) => r.type === type).length;
        assert.deepStrictEqual(
            [
                count("pulumi:pulumi:Stack"),
                count("pulumi:providers:kubernetes"),
                count("kubernetes:helm.sh/v3:Release"),
                count("kubernetes:core/v1:Namespace"),
                count("kubernetes:apps/v1:Deployment"),
                count("kubernetes:core/v1:Service"),
                count("kubernetes:cilium.io/v2:CiliumNetworkPolicy"),
                count("kubernetes:security.istio.io/v1:PeerAuthentication"),
            ],
            [1, 1, 4, 2, 4, 2, 2, 3],
            "root, provider, Cilium + base/istiod/cni; per tenant a namespace, 2 deployments, service, CNP, PA; mesh-wide PA",
        );
        assert.strictEqual(resources.length, 7 + 6 * 2);
        const cnp = resources.find((r) => r.type === "kubernetes:cilium.io/v2:CiliumNetworkPolicy")!;
        assert.ok(JSON.stringify(cnp.inputs).includes(`"http"`), "the tenants' Cilium policy has HTTP rules");
        for (const r of resources.filter((x) => x.inputs?.metadata?.namespace?.startsWith("tenant-"))) {
            const namespace = resources.find(
                (n) =>
                    n.type === "kubernetes:core/v1:Namespace" &&
                    n.inputs?.metadata?.name === r.inputs!.metadata.namespace,
            )!;
            assert.deepStrictEqual(r.dependencies, [namespace.urn], `${r.urn} waits for its namespace`);
        }
        assert.match(run.stderr, /2 tenant namespaces \(19 resources\) written to/);
    });

    it("refuses bad flags with exit 2 and says what is allowed", async () => {
        for (const [argv, message] of [
            [["--generate", "0", "--out", tmpFile("x.json")], /--generate must be an integer of at least 1/],
            [["--generate", "2"], /--generate N and --out FILE go together/],
            [["--runs", "0"], /--runs must be an integer of at least 1/],
            [["--sizes", "100,10"], /--sizes must list at least two tenant counts in increasing order/],
            [["--warmup", "-1"], /--warmup must be an integer of at least 0/],
        ] as const) {
            const run = await runBench([...argv]);
            assert.strictEqual(run.code, ExitCode.Error, argv.join(" "));
            assert.match(run.stderr, message);
        }
    });

    it("measures npm's start-up, plan, floor, check at each size, check --served, diff and the pack's start: the documented fields, positive and consistent", async () => {
        const run = await runBench(["--json", "--runs", "1", "--warmup", "0", "--sizes", "1,2,3"]);
        assert.strictEqual(run.code, ExitCode.Ok, run.stderr);
        const doc: BenchResult = JSON.parse(run.stdout);
        assertStat(doc.npmStartMs, "npmStartMs");
        assert.deepStrictEqual(Object.keys(doc.plan).sort(), ["floorMs", "peakRssMb", "ratio", "wallMs"]);
        for (const [name, s] of Object.entries(doc.plan)) {
            assertStat(s, `plan.${name}`);
        }
        assert.ok(
            close(doc.plan.ratio.median, doc.plan.wallMs.median / (doc.plan.floorMs.median + doc.npmStartMs.median)),
            "ratio = plan / (floor + npm's start-up), with one run",
        );
        assert.deepStrictEqual([doc.served.namespaces, doc.served.resources], [3, 25], "served at the largest size");
        assertStat(doc.served.wallMs, "served.wallMs");
        assertStat(doc.served.peakRssMb, "served.peakRssMb");
        assert.ok(
            doc.served.peakRssMb.median > doc.check[2].peakRssMb.median,
            "a served pack's process is counted: more memory than in-process",
        );

        assert.deepStrictEqual(
            doc.check.map((c) => [c.namespaces, c.resources]),
            [
                [1, 13],
                [2, 19],
                [3, 25],
            ],
        );
        for (const c of doc.check) {
            assert.deepStrictEqual(Object.keys(c).sort(), [
                "namespaces",
                "peakRssMb",
                "resources",
                "resourcesPerSecond",
                "wallMs",
            ]);
            for (const figure of ["wallMs", "resourcesPerSecond", "peakRssMb"] as const) {
                assertStat(c[figure], `check ${c.namespaces} ${figure}`);
            }
            assert.ok(
                close(c.resourcesPerSecond.median, c.resources / (c.wallMs.median / 1000)),
                "resources per second = resources / wall",
            );
        }
        const perResource = (i: number) => doc.check[i].wallMs.median / doc.check[i].resources;
        assertStat(doc.growth, "growth");
        assert.ok(
            close(doc.growth.median, perResource(2) / perResource(1)),
            "growth = cost per resource at the largest / at the next",
        );
        assert.ok(
            doc.marginalGrowth && Number.isFinite(doc.marginalGrowth.median),
            "three sizes give the marginal growth",
        );
        assertStat(doc.packStartMs, "packStartMs");
        assert.deepStrictEqual(
            [doc.narrowed.namespaces, doc.narrowed.resources],
            [3, 25],
            "narrowed at the largest size",
        );
        assertStat(doc.narrowed.wallMs, "narrowed.wallMs");
        assertStat(doc.narrowed.peakRssMb, "narrowed.peakRssMb");
        assert.deepStrictEqual([doc.diff.namespaces, doc.diff.resources], [3, 25], "diff at the largest size");
        assertStat(doc.diff.wallMs, "diff.wallMs");
        assertStat(doc.diff.peakRssMb, "diff.peakRssMb");
        assert.ok(close(doc.diff.ratio.median, doc.diff.wallMs.median / doc.check[2].wallMs.median), "diff / check");
        // tenant-2 changed: its 2 workloads to the 3 Service ports, and the 4 others to tenant-2's one port.
        assert.deepStrictEqual([doc.diff.predicted, doc.diff.requests], [2 * 3 + 4, 6 * 3]);
        // Two cluster stacks of 500 tenant namespaces each (6 resources a namespace; besides, the root, the provider,
        // Cilium, Istio's namespace, three charts, cacerts, a remote secret, the mesh-wide PeerAuthentication, the VPC).
        assert.deepStrictEqual(
            [doc.mesh.stacks, doc.mesh.namespaces, doc.mesh.resources],
            [2, 500, 2 * (500 * 6 + 11)],
        );
        assertStat(doc.mesh.wallMs, "mesh.wallMs");
        assertStat(doc.mesh.peakRssMb, "mesh.peakRssMb");
        assert.deepStrictEqual([doc.runs, doc.machine.cores, doc.machine.node], [1, os.cpus().length, process.version]);

        const table = renderTable(doc);
        for (const row of [
            "npm's own start-up",
            "plan / (floor + npm start-up)",
            "check --served 3 ns (25 resources), wall",
            "check 2 cluster stacks × 500 ns at once (6022 resources), wall",
            "check 3 ns (25 resources), wall",
            "check 3 ns --from tenant-1 --to tenant-2, wall",
            "diff 3 ns, one tenant's policy changed / check 3 ns",
            "growth: cost per resource 3 / 2",
            "pack start to first Analyze answer",
        ]) {
            assert.ok(table.includes(row), `the table has "${row}"`);
        }
        assert.match(table, /diff 3 ns, one tenant's policy changed, requests predicted per side +10 of 18\n/);
    });
});
