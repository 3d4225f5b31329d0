/**
 * `npm run bench -- [--json] [--runs N] [--warmup N] [--sizes 10,100,1000] [--peers]` and
 * `npm run bench -- --generate N --out FILE`
 *
 * How fast the gate is and how it grows, against the speed targets in BENCHMARKS.md. Every command is timed whole, as
 * a user runs it (`npm run --silent <script> -- ...`, npm's own start-up included), with nothing kept between runs but
 * what `npm ci` and the build produce. Each figure is the median of `--runs` runs (default 5) with min and max, after
 * `--warmup` discarded rounds (default 1: the first run finds the files cold); within a round the commands run one
 * after another, in the same order every round, so that drift of a shared machine falls on all of them:
 * 1. npm's own start-up: `npm run --silent env`, which only spawns `env`;
 * 2. the floor, a Node process that loads @pulumi/pulumi, @pulumi/kubernetes, @pulumi/eks and @pulumi/aws, sets the
 *    mocks and exits; `plan --stack dev`; ratio = plan / (floor + npm's start-up) of the same round, so that both
 *    sides include npm's start-up;
 * 3. with `--peers`, the EKS Blueprints CDK synth of EKS with Istio's base, istiod and cni add-ons
 *    (bench/peers/eks-blueprints, its own pinned package.json, installed with `npm ci` on first use), as
 *    `npm run --silent synth` there; peerRatio = plan / synth of the same round;
 * 4. `check` on generated stack exports with `--sizes` tenant namespaces (bench/tenant-stack.ts), evaluated in the
 *    engine's process; growth = cost per resource (wall / resources) at the largest size over that at the next, per
 *    round; marginalGrowth = the same for the cost each resource adds above the smallest size, which leaves out the
 *    fixed start-up cost (needs three sizes);
 * 5. `check --served` at the largest size: the pack served as the CLI serves it and asked over gRPC;
 * 5b. `check --from tenant-1 --to tenant-2` at the largest size: the connectivity matrix narrowed to two pairs (without
 *    the flags, `check` counts the default matrix's pairs and refuses it past the limit, README "Predicting
 *    connectivity");
 * 5c. `diff BASE HEAD` at the largest size, HEAD the same stack with its last tenant's policy also admitting tenant-0
 *    (bench/tenant-stack.ts `openTenantPolicy`); diffRatio = diff / check at that size, per round; how many requests
 *    the diff predicted on each side of how many it compared is counted once, untimed, in this process;
 * 5d. `check east.json west.json`: two stacks of `MESH_NAMESPACES` tenant namespaces each, one cluster each, judged at
 *    once as one mesh (bench/tenant-stack.ts `meshMemberStackExport`);
 * 6. the policy pack's start: from spawning it as the CLI does (engine/analyzer/served-pack.ts) to its first Analyze
 *    answer.
 * Peak RSS is the sum of every Node process's peak, npm's and a served pack's included (bench/measure.ts).
 * The JSON document: `{"npmStartMs", "plan": {"wallMs", "floorMs", "ratio", "peakRssMb"[, "peerMs", "peerRatio"]},
 * "check": [{"namespaces", "resources", "wallMs", "resourcesPerSecond", "peakRssMb"}], "served": {"namespaces",
 * "resources", "wallMs", "peakRssMb"}, "narrowed": {"namespaces", "resources", "wallMs", "peakRssMb"}, "diff":
 * {"namespaces", "resources", "wallMs", "peakRssMb", "ratio", "predicted", "requests"}, "mesh": {"stacks",
 * "namespaces", "resources", "wallMs", "peakRssMb"}, "growth", "packStartMs"}` plus `marginalGrowth`, `runs` and
 * `machine`; each figure is `{"median", "min", "max"}` but the diff's two counts.
 *
 * `--generate N --out FILE` writes the stack export with N tenant namespaces, so anyone can reproduce a case with
 * `npm run check -- FILE`.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ServedPack } from "../engine/analyzer/served-pack";
import { modelResources } from "../engine/stack-gate";
import { diffConnectivity } from "../policies/connectivity/connectivity-diff";
import { meshMemberStackExport, openTenantPolicy, tenantStackExport } from "./tenant-stack";
import { Command, Stat, measure, shellQuote, stat } from "./measure";
import {
    CommandIO,
    ExitCode,
    FlagSpec,
    UsageError,
    parseFlags,
    processIO,
    runCommand,
    singleValue,
} from "../engine/command-line";
import { PROJECT_LOCATIONS } from "../engine/commands/plan";
import { PACKAGE_ROOT } from "../engine/package-root";

const DEFAULT_RUNS = 5;
const DEFAULT_WARMUP = 1;
const FLAGS: readonly FlagSpec[] = [
    { name: "runs", value: "N", help: `Measured runs of each command. Default: ${DEFAULT_RUNS}.` },
    { name: "warmup", value: "N", help: `Unmeasured runs before them. Default: ${DEFAULT_WARMUP}.` },
    { name: "sizes", value: "N,N,...", help: "Tenant namespace counts of the stacks check is measured on." },
    { name: "generate", value: "N", help: "Write the N-namespace stack instead of measuring (with --out)." },
    { name: "out", value: "FILE", help: "Where --generate writes." },
    { name: "peers", help: "Also time the EKS Blueprints CDK synth (bench/peers/), installing it on first use." },
    { name: "json", help: "Print the figures as one JSON document." },
];
const DEFAULT_SIZES = [10, 100, 1000];
const PLAN_STACK = "dev";

/**
 * The floor the plan target is measured against: what any Pulumi program on these SDKs pays before it does anything.
 */
const FLOOR_SCRIPT = [
    `const pulumi = require("@pulumi/pulumi");`,
    `require("@pulumi/kubernetes");`,
    `require("@pulumi/eks");`,
    `require("@pulumi/aws");`,
    `pulumi.runtime.setMocks({ newResource: (a) => ({ id: a.name + "-id", state: a.inputs }), call: (a) => a.inputs }, "floor", "bench", false);`,
].join("\n");

/** One client and one server namespace of the tenant stack: the connectivity matrix narrowed to two pairs. */
const NARROWED = { from: "tenant-1", to: "tenant-2" };
/** The mesh case: two clusters (name, Cilium cluster ID, VPC CIDR), each a stack of this many tenant namespaces. */
const MESH_CLUSTERS: readonly [string, number, string][] = [
    ["east", 1, "10.1.0.0/16"],
    ["west", 2, "10.2.0.0/16"],
];
const MESH_NAMESPACES = 500;

/** The change `diff` is measured on: the last tenant's policy also admits tenant-0. */
const changedTenant = (tenants: number) => tenants - 1;

/** The peer of `plan`: a CDK app with its own package.json, installed only when asked (`--peers`). */
const PEER_DIR = path.join(PACKAGE_ROOT, "bench", "peers", "eks-blueprints");

/**
 * The speed targets (BENCHMARKS.md), printed beside the figures they are about (the check targets are about 1000
 * namespaces). `check --served` is held to the figure measured before evaluation moved into the engine's process.
 */
export const TARGETS = {
    ratio: 1.3,
    peerRatio: 1,
    checkNamespaces: 1000,
    checkWallMs: 2_000,
    checkRssMb: 300,
    servedWallMs: 9_268,
    /** The 1000-namespace stack with its connectivity narrowed by --from/--to answers within this. */
    narrowedWallMs: 2_000,
    /**
     * diff of the 1000-namespace stack and the same with one tenant's policy changed, over check of the stack: two
     * stacks read, modelled and judged by the pack (2×), plus the requests the change reaches predicted on each side.
     */
    diffRatio: 3,
    growth: 1.3,
} as const;

export interface CheckFigures {
    namespaces: number;
    resources: number;
    wallMs: Stat;
    resourcesPerSecond: Stat;
    peakRssMb: Stat;
}

export interface BenchResult {
    runs: number;
    machine: { cores: number; node: string; platform: string };
    npmStartMs: Stat;
    plan: { wallMs: Stat; floorMs: Stat; ratio: Stat; peakRssMb: Stat; peerMs?: Stat; peerRatio?: Stat };
    check: CheckFigures[];
    served: { namespaces: number; resources: number; wallMs: Stat; peakRssMb: Stat };
    narrowed: { namespaces: number; resources: number; wallMs: Stat; peakRssMb: Stat };
    diff: {
        namespaces: number;
        resources: number;
        wallMs: Stat;
        peakRssMb: Stat;
        ratio: Stat;
        /** Requests the diff predicted on each side. */
        predicted: number;
        /** Requests it compared: the predicted ones and those the change cannot reach. */
        requests: number;
    };
    /** Several cluster stacks checked at once: namespaces per stack, resources in all. */
    mesh: { stacks: number; namespaces: number; resources: number; wallMs: Stat; peakRssMb: Stat };
    growth: Stat;
    /** Present with three sizes or more. */
    marginalGrowth?: Stat;
    packStartMs: Stat;
}

/** A flag's integer value of at least `min`. */
function integerFlag(flag: string, value: string, min: number): number {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) {
        throw new UsageError(`--${flag} must be an integer of at least ${min} (got "${value}")`);
    }
    return n;
}

function parseSizes(value: string | undefined): number[] {
    if (value === undefined) {
        return DEFAULT_SIZES;
    }
    const sizes = value.split(",").map((s) => integerFlag("sizes", s.trim(), 1));
    if (sizes.length < 2 || sizes.some((s, i) => i > 0 && s <= sizes[i - 1])) {
        throw new UsageError(`--sizes must list at least two tenant counts in increasing order (got "${value}")`);
    }
    return sizes;
}

/** An npm script of the package in `dir` as a user runs it: `npm run --silent <script> -- <args>`. */
function npmRun(script: string, args: string[], dir = PACKAGE_ROOT): Command {
    return {
        line: ["npm", "run", "--silent", script, ...(args.length > 0 ? ["--", ...args.map(shellQuote)] : [])].join(" "),
        cwd: dir,
    };
}

/** Installs the peer from its lock file unless it is installed; no install scripts run (npm 11 runs none anyway). */
function installPeer(progress: (line: string) => void): void {
    if (fs.existsSync(path.join(PEER_DIR, "node_modules", "aws-cdk-lib"))) {
        return;
    }
    progress(`installing the peer in ${path.relative(PACKAGE_ROOT, PEER_DIR)} (npm ci)`);
    const install = spawnSync("npm", ["ci", "--ignore-scripts", "--no-audit", "--no-fund"], {
        cwd: PEER_DIR,
        encoding: "utf8",
    });
    if (install.status !== 0) {
        throw new Error(`npm ci in ${PEER_DIR} failed:\n${install.stderr}`);
    }
}

async function run(command: Command, what: string, accepted: readonly number[]) {
    const result = await measure(command);
    if (!accepted.includes(result.exitCode)) {
        throw new Error(`${what} exited ${result.exitCode}:\n${result.stderr.trim()}`);
    }
    return result;
}

/** From spawning the pack to its first Analyze answer, as the engine asks it (ConfigureStack, GetAnalyzerInfo, Analyze). */
async function packStart(): Promise<number> {
    const start = process.hrtime.bigint();
    const pack = await ServedPack.start(PROJECT_LOCATIONS.pack.dir, {
        organization: "",
        project: "tenants",
        stack: "bench",
        dryRun: true,
        config: {},
        secretKeys: [],
        tags: {},
    });
    try {
        await pack.getAnalyzerInfo();
        await pack.analyze({
            urn: "urn:pulumi:bench::tenants::kubernetes:core/v1:Namespace::tenant-0",
            type: "kubernetes:core/v1:Namespace",
            name: "tenant-0",
            properties: { metadata: { name: "tenant-0" } },
        });
        return Number(process.hrtime.bigint() - start) / 1e6;
    } finally {
        pack.close();
    }
}

export interface BenchOptions {
    runs: number;
    /** Rounds run first and not counted. */
    warmup: number;
    sizes: number[];
    /** Time the peer too. */
    peers: boolean;
    /** Progress lines (to stderr). */
    progress(line: string): void;
}

export async function runBench(options: BenchOptions): Promise<BenchResult> {
    if (options.peers) {
        installPeer(options.progress);
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-"));
    try {
        const stacks = options.sizes.map((namespaces) => {
            const file = path.join(dir, `tenants-${namespaces}.json`);
            const exported = tenantStackExport(namespaces);
            fs.writeFileSync(file, JSON.stringify(exported));
            return { namespaces, resources: exported.deployment.resources.length, file };
        });
        const largest = stacks[stacks.length - 1];
        // HEAD of the diff: the largest stack with one tenant's policy changed; what the diff predicts, counted once.
        const baseExport = tenantStackExport(largest.namespaces);
        const headExport = openTenantPolicy(baseExport, changedTenant(largest.namespaces), 0);
        const changedFile = path.join(dir, `tenants-${largest.namespaces}-changed.json`);
        fs.writeFileSync(changedFile, JSON.stringify(headExport));
        const counted = diffConnectivity(
            modelResources(baseExport.deployment.resources),
            modelResources(headExport.deployment.resources),
        );
        const meshFiles = MESH_CLUSTERS.map(([cluster, id, cidr], i) => {
            const file = path.join(dir, `${cluster}.json`);
            const peer = MESH_CLUSTERS[1 - i][0];
            const exported = meshMemberStackExport(MESH_NAMESPACES, cluster, id, peer, cidr);
            fs.writeFileSync(file, JSON.stringify(exported));
            return { file, resources: exported.deployment.resources.length };
        });
        const npmStart = npmRun("env", []);
        const floor: Command = { file: process.execPath, args: ["-e", FLOOR_SCRIPT], cwd: PACKAGE_ROOT };
        const plan = npmRun("plan", ["--stack", PLAN_STACK, "--out", path.join(dir, `${PLAN_STACK}.json`)]);
        const peer = npmRun("synth", [], PEER_DIR);
        // A clean stack exits 0, one with a mandatory violation 1; 2 is an error and stops the bench.
        const gateCodes = [ExitCode.Ok, ExitCode.Violation];

        const rounds: {
            npm: number;
            floor: number;
            plan: number;
            planRss: number;
            peer?: number;
            check: { wallMs: number; rssMb: number }[];
            served: { wallMs: number; rssMb: number };
            narrowed: { wallMs: number; rssMb: number };
            diff: { wallMs: number; rssMb: number };
            mesh: { wallMs: number; rssMb: number };
            pack: number;
        }[] = [];
        for (let round = 1 - options.warmup; round <= options.runs; round++) {
            const label = round < 1 ? "warm-up" : `run ${round}/${options.runs}`;
            options.progress(`${label}: npm, floor, plan${options.peers ? ", peer" : ""}`);
            const n = await run(npmStart, "npm run env", [0]);
            const f = await run(floor, "the floor", [0]);
            const p = await run(plan, `plan --stack ${PLAN_STACK}`, gateCodes);
            const synth = options.peers ? await run(peer, "the peer's synth", [0]) : undefined;
            const check = [];
            for (const stack of stacks) {
                options.progress(`${label}: check ${stack.namespaces} namespaces`);
                const c = await run(
                    npmRun("check", [stack.file]),
                    `check of ${stack.namespaces} namespaces`,
                    gateCodes,
                );
                check.push({ wallMs: c.wallMs, rssMb: c.peakRssMb });
            }
            options.progress(`${label}: check --served ${largest.namespaces} namespaces`);
            const s = await run(
                npmRun("check", [largest.file, "--served"]),
                `check --served of ${largest.namespaces} namespaces`,
                gateCodes,
            );
            options.progress(
                `${label}: check ${largest.namespaces} namespaces --from ${NARROWED.from} --to ${NARROWED.to}`,
            );
            const narrowed = await run(
                npmRun("check", [largest.file, "--from", NARROWED.from, "--to", NARROWED.to]),
                `check of ${largest.namespaces} namespaces narrowed`,
                gateCodes,
            );
            options.progress(`${label}: diff ${largest.namespaces} namespaces, one tenant's policy changed`);
            // A change that opens requests: diff exits 1 by design.
            const d = await run(
                npmRun("diff", [largest.file, changedFile]),
                `diff of ${largest.namespaces} namespaces`,
                gateCodes,
            );
            options.progress(
                `${label}: check of ${MESH_CLUSTERS.length} stacks of ${MESH_NAMESPACES} namespaces at once`,
            );
            const mesh = await run(
                npmRun(
                    "check",
                    meshFiles.map((m) => m.file),
                ),
                `check of ${MESH_CLUSTERS.length} cluster stacks`,
                gateCodes,
            );
            options.progress(`${label}: pack start`);
            const pack = await packStart();
            if (round >= 1) {
                rounds.push({
                    npm: n.wallMs,
                    floor: f.wallMs,
                    plan: p.wallMs,
                    planRss: p.peakRssMb,
                    peer: synth?.wallMs,
                    check,
                    served: { wallMs: s.wallMs, rssMb: s.peakRssMb },
                    narrowed: { wallMs: narrowed.wallMs, rssMb: narrowed.peakRssMb },
                    diff: { wallMs: d.wallMs, rssMb: d.peakRssMb },
                    mesh: { wallMs: mesh.wallMs, rssMb: mesh.peakRssMb },
                    pack,
                });
            }
        }

        const perResource = (round: (typeof rounds)[number], i: number) => round.check[i].wallMs / stacks[i].resources;
        const last = stacks.length - 1;
        const marginal = (round: (typeof rounds)[number], i: number) =>
            (round.check[i].wallMs - round.check[0].wallMs) / (stacks[i].resources - stacks[0].resources);
        return {
            runs: options.runs,
            machine: { cores: os.cpus().length, node: process.version, platform: `${os.platform()} ${os.arch()}` },
            npmStartMs: stat(rounds.map((r) => r.npm)),
            plan: {
                wallMs: stat(rounds.map((r) => r.plan)),
                floorMs: stat(rounds.map((r) => r.floor)),
                ratio: stat(rounds.map((r) => r.plan / (r.floor + r.npm))),
                peakRssMb: stat(rounds.map((r) => r.planRss)),
                ...(options.peers
                    ? {
                          peerMs: stat(rounds.map((r) => r.peer!)),
                          peerRatio: stat(rounds.map((r) => r.plan / r.peer!)),
                      }
                    : {}),
            },
            check: stacks.map((s, i) => ({
                namespaces: s.namespaces,
                resources: s.resources,
                wallMs: stat(rounds.map((r) => r.check[i].wallMs)),
                resourcesPerSecond: stat(rounds.map((r) => s.resources / (r.check[i].wallMs / 1000))),
                peakRssMb: stat(rounds.map((r) => r.check[i].rssMb)),
            })),
            served: {
                namespaces: largest.namespaces,
                resources: largest.resources,
                wallMs: stat(rounds.map((r) => r.served.wallMs)),
                peakRssMb: stat(rounds.map((r) => r.served.rssMb)),
            },
            narrowed: {
                namespaces: largest.namespaces,
                resources: largest.resources,
                wallMs: stat(rounds.map((r) => r.narrowed.wallMs)),
                peakRssMb: stat(rounds.map((r) => r.narrowed.rssMb)),
            },
            diff: {
                namespaces: largest.namespaces,
                resources: largest.resources,
                wallMs: stat(rounds.map((r) => r.diff.wallMs)),
                peakRssMb: stat(rounds.map((r) => r.diff.rssMb)),
                ratio: stat(rounds.map((r) => r.diff.wallMs / r.check[last].wallMs)),
                predicted: counted.compared.length,
                requests: counted.compared.length + counted.unreached,
            },
            mesh: {
                stacks: MESH_CLUSTERS.length,
                namespaces: MESH_NAMESPACES,
                resources: meshFiles.reduce((sum, m) => sum + m.resources, 0),
                wallMs: stat(rounds.map((r) => r.mesh.wallMs)),
                peakRssMb: stat(rounds.map((r) => r.mesh.rssMb)),
            },
            growth: stat(rounds.map((r) => perResource(r, last) / perResource(r, last - 1))),
            ...(stacks.length >= 3
                ? { marginalGrowth: stat(rounds.map((r) => marginal(r, last) / marginal(r, last - 1))) }
                : {}),
            packStartMs: stat(rounds.map((r) => r.pack)),
        };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

function range(s: Stat, digits: number, unit = ""): string {
    const f = (n: number) => n.toFixed(digits);
    return `${f(s.median)}${unit} [${f(s.min)}–${f(s.max)}]`;
}

function verdict(value: number, target: number): string {
    return value <= target ? `target ≤ ${target}: met` : `target ≤ ${target}: MISSED`;
}

export function renderTable(result: BenchResult): string {
    const rows: [string, string, string][] = [
        ["npm's own start-up (npm run env), wall", range(result.npmStartMs, 0, " ms"), ""],
        ["plan --stack dev, wall", range(result.plan.wallMs, 0, " ms"), ""],
        ["floor (load 4 SDKs, set mocks), wall", range(result.plan.floorMs, 0, " ms"), ""],
        [
            "plan / (floor + npm start-up)",
            range(result.plan.ratio, 2),
            verdict(result.plan.ratio.median, TARGETS.ratio),
        ],
        ["plan, peak RSS", range(result.plan.peakRssMb, 0, " MB"), ""],
    ];
    if (result.plan.peerMs && result.plan.peerRatio) {
        rows.push(["EKS Blueprints CDK synth (peer), wall", range(result.plan.peerMs, 0, " ms"), ""]);
        rows.push([
            "plan / peer synth",
            range(result.plan.peerRatio, 2),
            verdict(result.plan.peerRatio.median, TARGETS.peerRatio),
        ]);
    }
    for (const c of result.check) {
        const targeted = c.namespaces === TARGETS.checkNamespaces;
        const name = `check ${c.namespaces} ns (${c.resources} resources)`;
        rows.push([
            `${name}, wall`,
            range(c.wallMs, 0, " ms"),
            targeted ? verdict(c.wallMs.median, TARGETS.checkWallMs) : "",
        ]);
        rows.push([`${name}, resources/s`, range(c.resourcesPerSecond, 0), ""]);
        rows.push([
            `${name}, peak RSS`,
            range(c.peakRssMb, 0, " MB"),
            targeted ? verdict(c.peakRssMb.median, TARGETS.checkRssMb) : "",
        ]);
    }
    const served = result.served;
    const servedName = `check --served ${served.namespaces} ns (${served.resources} resources)`;
    rows.push([
        `${servedName}, wall`,
        range(served.wallMs, 0, " ms"),
        served.namespaces === TARGETS.checkNamespaces ? verdict(served.wallMs.median, TARGETS.servedWallMs) : "",
    ]);
    rows.push([`${servedName}, peak RSS`, range(served.peakRssMb, 0, " MB"), ""]);
    const narrowed = result.narrowed;
    rows.push([
        `check ${narrowed.namespaces} ns --from ${NARROWED.from} --to ${NARROWED.to}, wall`,
        range(narrowed.wallMs, 0, " ms"),
        narrowed.namespaces === TARGETS.checkNamespaces ? verdict(narrowed.wallMs.median, TARGETS.narrowedWallMs) : "",
    ]);
    const d = result.diff;
    const diffName = `diff ${d.namespaces} ns, one tenant's policy changed`;
    rows.push([`${diffName}, wall`, range(d.wallMs, 0, " ms"), ""]);
    rows.push([`${diffName}, peak RSS`, range(d.peakRssMb, 0, " MB"), ""]);
    rows.push([
        `${diffName} / check ${d.namespaces} ns`,
        range(d.ratio, 2),
        d.namespaces === TARGETS.checkNamespaces ? verdict(d.ratio.median, TARGETS.diffRatio) : "",
    ]);
    rows.push([
        `${diffName}, requests predicted per side`,
        `${d.predicted.toLocaleString("en-US")} of ${d.requests.toLocaleString("en-US")}`,
        "",
    ]);
    const mesh = result.mesh;
    const meshName = `check ${mesh.stacks} cluster stacks × ${mesh.namespaces} ns at once (${mesh.resources} resources)`;
    rows.push([`${meshName}, wall`, range(mesh.wallMs, 0, " ms"), ""]);
    rows.push([`${meshName}, peak RSS`, range(mesh.peakRssMb, 0, " MB"), ""]);
    const [before, largest] = result.check.slice(-2).map((c) => c.namespaces);
    // The growth target compares 1000 namespaces with 100.
    const growthTargeted = largest === TARGETS.checkNamespaces && before === TARGETS.checkNamespaces / 10;
    rows.push([
        `growth: cost per resource ${largest} / ${before}`,
        range(result.growth, 2),
        growthTargeted ? verdict(result.growth.median, TARGETS.growth) : "",
    ]);
    if (result.marginalGrowth) {
        rows.push([`marginal cost per resource ${largest} / ${before}`, range(result.marginalGrowth, 2), ""]);
    }
    rows.push(["pack start to first Analyze answer", range(result.packStartMs, 0, " ms"), ""]);
    const widths = [0, 1].map((col) => Math.max(...rows.map((r) => r[col].length)));
    const header = `npm run bench: median [min–max] of ${result.runs} runs; ${result.machine.cores} cores, Node ${result.machine.node}, ${result.machine.platform}`;
    return (
        [header, ...rows.map((r) => `${r[0].padEnd(widths[0])}  ${r[1].padEnd(widths[1])}  ${r[2]}`.trimEnd())].join(
            "\n",
        ) + "\n"
    );
}

export function bench(argv: readonly string[], io: CommandIO = processIO): Promise<ExitCode> {
    return runCommand(argv, io, async () => {
        const flags = parseFlags(argv, FLAGS);
        if (flags.positionals.length > 0) {
            throw new UsageError(`bench takes no positional arguments (got ${flags.positionals.join(" ")})`);
        }
        const generate = singleValue(flags, "generate");
        const out = singleValue(flags, "out");
        if (generate !== undefined || out !== undefined) {
            if (generate === undefined || out === undefined) {
                throw new UsageError("--generate N and --out FILE go together");
            }
            const exported = tenantStackExport(integerFlag("generate", generate, 1));
            fs.writeFileSync(out, `${JSON.stringify(exported, null, 2)}\n`);
            io.stderr(
                `stack export with ${generate} tenant namespaces (${exported.deployment.resources.length} resources) written to ${out}\n`,
            );
            return ExitCode.Ok;
        }
        const result = await runBench({
            runs: integerFlag("runs", singleValue(flags, "runs") ?? String(DEFAULT_RUNS), 1),
            warmup: integerFlag("warmup", singleValue(flags, "warmup") ?? String(DEFAULT_WARMUP), 0),
            sizes: parseSizes(singleValue(flags, "sizes")),
            peers: flags.switches.has("peers"),
            progress: (line) => io.stderr(`${line}\n`),
        });
        io.stdout(flags.switches.has("json") ? `${JSON.stringify(result, null, 2)}\n` : renderTable(result));
        return ExitCode.Ok;
    });
}

if (require.main === module) {
    bench(process.argv.slice(2)).then((code) => {
        process.exitCode = code;
    });
}
