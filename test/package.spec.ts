/**
 * The two npm packages as consumers get them: what `npm pack` puts in each tarball (eks-cilium-istio: the components
 * and the command line, no copy of the pack; cilium-istio-guard: the compiled pack and library, declarations,
 * PulumiPolicy.yaml, README, licence), and both tarballs installed into fresh consumer projects, written for this test:
 *
 * - examples/typescript, a strict TypeScript program using the four components, with a clean stack and one that
 *   breaks a rule: compiled, planned and checked with `npx eks-cilium-istio`; its package also started by Pulumi's
 *   plugin host and asked for its schema over gRPC, as `pulumi package add` would;
 * - test/fixtures/consumers/own-pack, a team's own policy pack built from the cilium-istio-guard library with one
 *   rule disabled and another's level changed, gating a stack through `--policy-pack`;
 * - test/fixtures/consumers/plain-eks, a program with only @pulumi/eks and @pulumi/kubernetes resources;
 *
 * and the ready pack served from node_modules/cilium-istio-guard by @pulumi/pulumi's run-policy-pack, answering
 * GetAnalyzerInfo with every rule. The consumers are the workspaces of one folder, installed by one `npm install`
 * (the registry does not hold cilium-istio-guard: an `overrides` entry points every dependency on it at its tarball).
 *
 * Slow by nature (two builds and packs, an install, compiles, plans, a schema inference): everything happens once,
 * in `before`.
 */
import * as assert from "assert";
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import { builtinModules } from "module";
import * as os from "os";
import * as path from "path";
import * as grpc from "@grpc/grpc-js";
import { ResourceProviderClient } from "@pulumi/pulumi/proto/provider_grpc_pb";
import { GetSchemaRequest } from "@pulumi/pulumi/proto/provider_pb";
import * as ts from "typescript";
import { CILIUM_SCHEMA_VERSIONS } from "../components/chart-schemas/cilium-keys";
import { AnalyzerInfo } from "../engine/analyzer/analyzer";
import { ServedPack } from "../engine/analyzer/served-pack";
import { ExitCode } from "../engine/command-line";
import { MOCK_ENDPOINT_HOST, Registration } from "../engine/mock/mock-runtime";
import { Report } from "../engine/report/report";
import { stateToPlain } from "../engine/state/property-values";
import { StackExport, parseUrn } from "../engine/state/stack-export";
import { ADVISORIES_POLICY } from "../policies/kit/findings";
import { policies } from "../policies/policies";
import { inferredSchema, PACKAGE_DIR, PROVIDER_NAME } from "./component-package";
import { one, ofType, providerUrn } from "./registrations";

const PACK_DIR = path.join(PACKAGE_DIR, "policies");
const EXAMPLE_DIR = path.join(PACKAGE_DIR, "examples", "typescript");
const CONSUMER_FIXTURES = path.join(__dirname, "fixtures", "consumers");
const MANY_RULES_BROKEN = path.join(__dirname, "fixtures", "check", "many-rules-broken.json");
const RELEASE = "kubernetes:helm.sh/v3:Release";
const token = (name: string) => `${PROVIDER_NAME}:index:${name}`;

interface Run {
    status: number | null;
    stdout: string;
    stderr: string;
}

function run(command: string, args: string[], cwd: string): Run {
    const result = spawnSync(command, args, { cwd, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    if (result.error) {
        throw result.error;
    }
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function mustRun(command: string, args: string[], cwd: string): string {
    const result = run(command, args, cwd);
    assert.strictEqual(result.status, 0, `${command} ${args.join(" ")} failed:\n${result.stderr}\n${result.stdout}`);
    return result.stdout;
}

/** The installed command line, as a user runs it in a consumer project. */
const npx = (cwd: string, ...args: string[]): Run => run("npx", ["eks-cilium-istio", ...args], cwd);

/** The version in a package.json. */
const installedVersion = (manifest: string): string => JSON.parse(fs.readFileSync(manifest, "utf8")).version;

/** The version of a package this repository has installed: what the npm cache holds. */
const pinned = (name: string): string => installedVersion(require.resolve(`${name}/package.json`));

/** `npm pack --json` output: one entry per package. */
interface PackResult {
    filename: string;
    files: { path: string }[];
}

/** Each `.ts` source under `dir` (but specs, tests and builds), as a path relative to `root`. */
function sources(root: string, dir: string): string[] {
    return fs.readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((entry) => {
        const file = path.posix.join(dir, entry.name);
        if (entry.isDirectory()) {
            return ["bin", "node_modules", "test"].includes(file) ? [] : sources(root, file);
        }
        return [file];
    });
}

/** What eks-cilium-istio's tarball must hold: the components, their build, the command line's build. */
function expectedTarballFiles(): string[] {
    const expected = ["LICENSE", "README.md", "package.json", "PulumiPlugin.yaml", "tsconfig.json"];
    for (const file of sources(PACKAGE_DIR, "components")) {
        expected.push(file);
        if (file.endsWith(".ts")) {
            expected.push(`bin/${file.replace(/\.ts$/, ".js")}`, `bin/${file.replace(/\.ts$/, ".d.ts")}`);
        } else if (file.endsWith(".json")) {
            expected.push(`bin/${file}`);
        }
    }
    for (const file of sources(PACKAGE_DIR, "engine")) {
        expected.push(`bin/${file.replace(/\.ts$/, ".js")}`);
    }
    return expected.sort();
}

/** What cilium-istio-guard's tarball must hold: every module compiled with its declaration, the data, the manifests. */
function expectedPackTarballFiles(): string[] {
    const expected = ["LICENSE", "README.md", "package.json", "PulumiPolicy.yaml", "chart-defaults/NOTICE.md"];
    for (const file of sources(PACK_DIR, ".")) {
        if (file.endsWith(".ts") && !file.endsWith(".spec.ts")) {
            expected.push(`bin/${file.replace(/\.ts$/, ".js")}`, `bin/${file.replace(/\.ts$/, ".d.ts")}`);
        } else if ((file.startsWith("chart-defaults/") || file.startsWith("model/")) && file.endsWith(".json")) {
            expected.push(`bin/${file}`);
        }
    }
    return expected.sort();
}

/**
 * What an installed package's shipped JavaScript and declarations import that is not in its tarball (a relative path)
 * nor one of Node's built-in modules or its `dependencies`: each a module it could not load, or only by chance.
 */
function strayImports(installedDir: string, files: readonly string[]): string[] {
    const manifest = JSON.parse(fs.readFileSync(path.join(installedDir, "package.json"), "utf8"));
    const allowed = new Set([...Object.keys(manifest.dependencies), ...builtinModules]);
    const shipped = new Set(files);
    const isShipped = (from: string, specifier: string) => {
        const base = path.posix.join(path.posix.dirname(from), specifier);
        return ["", ".js", ".json", ".d.ts", "/index.js", "/index.d.ts"].some((end) => shipped.has(`${base}${end}`));
    };
    const strays: string[] = [];
    for (const file of files.filter((f) => f.endsWith(".js") || f.endsWith(".d.ts"))) {
        const text = fs.readFileSync(path.join(installedDir, file), "utf8");
        for (const { fileName: specifier } of ts.preProcessFile(text, true, true).importedFiles) {
            const pkg = specifier.startsWith("@")
                ? specifier.split("/").slice(0, 2).join("/")
                : specifier.split("/")[0];
            const found = specifier.startsWith(".")
                ? isShipped(file, specifier)
                : allowed.has(pkg.replace(/^node:/, ""));
            if (!found) {
                strays.push(`${file}: ${specifier}`);
            }
        }
    }
    return strays;
}

/**
 * A consumer project, `name` in `consumersDir`: the fixture's files, and its package.json with the tarballs and exactly
 * the versions the npm cache holds added to its dependencies.
 */
function addConsumer(
    consumersDir: string,
    name: string,
    fixtureDir: string,
    dependencies: Record<string, string>,
    devDependencies: Record<string, string>,
): string {
    const dir = path.join(consumersDir, name);
    fs.cpSync(fixtureDir, dir, {
        recursive: true,
        filter: (source) => !/[\\/](node_modules|bin|\.plan)$/.test(source),
    });
    const manifest = JSON.parse(fs.readFileSync(path.join(fixtureDir, "package.json"), "utf8"));
    manifest.dependencies = { ...manifest.dependencies, ...dependencies };
    manifest.devDependencies = { ...manifest.devDependencies, ...devDependencies };
    fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify(manifest, null, 2));
    return dir;
}

/** Starts Pulumi's plugin host on the package directory, as the CLI does for a nodejs plugin; resolves its port. */
function startPluginHost(consumerDir: string, packageDir: string): { host: ChildProcess; port: Promise<string> } {
    const runPlugin = path.join(consumerDir, "node_modules", "@pulumi", "pulumi", "cmd", "run-plugin");
    const host = spawn(process.execPath, [runPlugin, packageDir], {
        cwd: packageDir,
        stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    host.stderr!.on("data", (chunk) => {
        stderr += chunk;
    });
    const port = new Promise<string>((resolve, reject) => {
        let stdout = "";
        host.stdout!.on("data", (chunk) => {
            stdout += chunk;
            const line = /^(\d+)\n/.exec(stdout);
            if (line) {
                resolve(line[1]);
            }
        });
        host.on("exit", (code) => reject(new Error(`plugin host exited (${code}) before serving:\n${stderr}`)));
    });
    return { host, port };
}

function getSchema(port: string): Promise<string> {
    const client = new ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    return new Promise((resolve, reject) => {
        client.getSchema(new GetSchemaRequest(), (err, response) => {
            client.close();
            if (err) {
                reject(err);
            } else {
                resolve(response.getSchema());
            }
        });
    });
}

const readExport = (file: string): StackExport => JSON.parse(fs.readFileSync(file, "utf8"));

/** A plan's export, read back as the mock runtime recorded it (plain values), for the registration look-ups. */
function registrationsOf(exported: StackExport): Registration[] {
    return exported.deployment.resources.map((r) => ({
        urn: r.urn,
        type: r.type,
        name: parseUrn(r.urn).name,
        custom: r.custom,
        parent: r.parent,
        dependencies: r.dependencies ?? [],
        propertyDependencies: r.propertyDependencies ?? {},
        provider: r.provider,
        id: r.id,
        inputs: stateToPlain(r.inputs ?? {}) as Record<string, any>,
        outputs: stateToPlain(r.outputs ?? {}) as Record<string, any>,
    }));
}

/** A report's verdicts: policy, level, resource name. */
const verdicts = (report: Run): string[][] =>
    (JSON.parse(report.stdout) as Report).violations.map((v) => [v.policy, v.level, parseUrn(v.urn).name]);

describe("npm packages", function () {
    this.timeout(900_000);
    let workDir: string;
    let consumersDir: string;
    let exampleDir: string;
    let ownPackDir: string;
    let plainDir: string;
    let installedDir: string;
    let installedPackDir: string;
    let packed: PackResult;
    let dryRun: PackResult;
    let packedPack: PackResult;
    let dryRunPack: PackResult;
    let compile: Run;
    let compilePack: Run;
    let version: Run;
    let cleanPlan: Run;
    let brokenPlan: Run;
    let cleanCheck: Run;
    let brokenCheck: Run;
    let readyPackCheck: Run;
    let ownPackCheck: Run;
    let plainPlan: Run;
    let plainBrokenPlan: Run;
    let pluginHost: ChildProcess | undefined;
    let servedSchema: Promise<string>;
    let analyzerInfo: Promise<AnalyzerInfo>;

    before(() => {
        workDir = fs.mkdtempSync(path.join(os.tmpdir(), "eks-cilium-istio-package-"));
        // `npm pack` runs the "prepare" script of the package it packs, so each builds its own bin/ as a publish
        // would (the pack's first: eks-cilium-istio's build compiles against the pack's declarations).
        [packedPack] = JSON.parse(mustRun("npm", ["pack", "--json", "--pack-destination", workDir], PACK_DIR));
        [dryRunPack] = JSON.parse(mustRun("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], PACK_DIR));
        [packed] = JSON.parse(mustRun("npm", ["pack", "--json", "--pack-destination", workDir], PACKAGE_DIR));
        [dryRun] = JSON.parse(mustRun("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], PACKAGE_DIR));
        const tarball = `file:${path.join(workDir, packed.filename)}`;
        const packTarball = `file:${path.join(workDir, packedPack.filename)}`;

        consumersDir = path.join(workDir, "consumers");
        fs.mkdirSync(consumersDir);
        const consumers: [string, string, Record<string, string>, Record<string, string>][] = [
            [
                "example",
                EXAMPLE_DIR,
                { "eks-cilium-istio": tarball, "@pulumi/pulumi": pinned("@pulumi/pulumi") },
                { typescript: pinned("typescript") },
            ],
            [
                "own-pack",
                path.join(CONSUMER_FIXTURES, "own-pack"),
                { "cilium-istio-guard": packTarball, "@pulumi/policy": pinned("@pulumi/policy") },
                { typescript: pinned("typescript") },
            ],
            [
                "plain-eks",
                path.join(CONSUMER_FIXTURES, "plain-eks"),
                Object.fromEntries(["@pulumi/eks", "@pulumi/kubernetes", "@pulumi/pulumi"].map((p) => [p, pinned(p)])),
                { "eks-cilium-istio": tarball },
            ],
        ];
        [exampleDir, ownPackDir, plainDir] = consumers.map(([name, fixture, dependencies, devDependencies]) =>
            addConsumer(consumersDir, name, fixture, dependencies, devDependencies),
        );
        fs.writeFileSync(
            path.join(consumersDir, "package.json"),
            JSON.stringify(
                {
                    name: "consumers",
                    private: true,
                    workspaces: ["example", "own-pack", "plain-eks"],
                    overrides: { "cilium-istio-guard": packTarball },
                },
                null,
                2,
            ),
        );
        // --prefer-offline, not --offline: `npm ci` caches the tarballs it installs but not the registry metadata an
        // install resolves ranges with, so on a machine whose npm cache began empty --offline fails (ENOTCACHED).
        // Metadata comes from the registry; tarballs the cache already holds are not downloaded again.
        mustRun("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund"], consumersDir);
        installedDir = path.join(consumersDir, "node_modules", "eks-cilium-istio");
        installedPackDir = path.join(consumersDir, "node_modules", "cilium-istio-guard");

        // Started first: the schema inference and the pack's start run while the projects compile and plan.
        const started = startPluginHost(consumersDir, installedDir);
        pluginHost = started.host;
        servedSchema = started.port.then(getSchema);
        servedSchema.catch(() => undefined); // asserted in its own test
        analyzerInfo = ServedPack.start(installedPackDir, {
            organization: "",
            project: "consumer",
            stack: "dev",
            dryRun: true,
            config: {},
            secretKeys: [],
            tags: {},
        }).then(async (pack) => {
            try {
                return await pack.getAnalyzerInfo();
            } finally {
                pack.close();
            }
        });
        analyzerInfo.catch(() => undefined); // asserted in its own test

        // Strict, as each tsconfig.json says; --skipLibCheck spares type-checking all of @pulumi/aws's declarations
        // (20 s): the packages' own .d.ts are checked for stray imports below instead.
        const tsc = path.join(consumersDir, "node_modules", "typescript", "bin", "tsc");
        compile = run(process.execPath, [tsc, "-p", ".", "--skipLibCheck"], exampleDir);
        compilePack = run(process.execPath, [tsc, "-p", "."], ownPackDir);

        version = npx(exampleDir, "--version");
        fs.writeFileSync(path.join(exampleDir, "Pulumi.dev.yaml"), "config:\n  aws:region: us-west-2\n");
        fs.writeFileSync(
            path.join(exampleDir, "Pulumi.broken.yaml"),
            "config:\n  aws:region: us-west-2\n  eks-cilium-istio-typescript:demoStage: l7\n",
        );
        cleanPlan = npx(exampleDir, "plan", "--json");
        brokenPlan = npx(exampleDir, "plan", "--stack", "broken", "--json");
        cleanCheck = npx(exampleDir, "check", path.join(".plan", "dev.json"), "--json");
        brokenCheck = npx(exampleDir, "check", path.join(".plan", "broken.json"), "--json");

        readyPackCheck = npx(ownPackDir, "check", MANY_RULES_BROKEN, "--json");
        ownPackCheck = npx(ownPackDir, "check", MANY_RULES_BROKEN, "--policy-pack", ".", "--json");

        plainPlan = npx(plainDir, "plan", "--json");
        plainBrokenPlan = npx(
            plainDir,
            "plan",
            "--config",
            "platform:ciliumSocketLbHostNamespaceOnly=false",
            "--out",
            path.join(".plan", "broken.json"),
            "--json",
        );
    });

    after(() => {
        pluginHost?.kill();
        if (workDir) {
            fs.rmSync(workDir, { recursive: true, force: true });
        }
    });

    describe("eks-cilium-istio's tarball", () => {
        it("npm pack --dry-run lists the built components, their sources and chart schemas, the built command line, the plugin manifest, README and LICENSE, nothing else", () => {
            const listed = dryRun.files.map((f) => f.path).sort();
            assert.deepStrictEqual(listed, expectedTarballFiles());
            assert.deepStrictEqual(
                packed.files.map((f) => f.path).sort(),
                listed,
                "the real pack holds what the dry run lists",
            );
        });

        it("holds no copy of the policy pack: the components and the command line take it from cilium-istio-guard", () => {
            const copies = packed.files.map((f) => f.path).filter((p) => /(^|\/)policies\//.test(p));
            assert.deepStrictEqual(copies, []);
            const manifest = JSON.parse(fs.readFileSync(path.join(PACKAGE_DIR, "package.json"), "utf8"));
            assert.match(manifest.dependencies["cilium-istio-guard"], /^\^\d+\.\d+\.\d+$/, "a semver range");
        });

        it("holds the Cilium chart schemas the compiled components load at run time", () => {
            const listed = new Set(packed.files.map((f) => f.path));
            for (const version of CILIUM_SCHEMA_VERSIONS) {
                assert.ok(listed.has(`bin/components/chart-schemas/cilium-${version}.schema.json`), version);
            }
        });

        it("points Node at the compiled components and schema inference at their sources", () => {
            const manifest = JSON.parse(fs.readFileSync(path.join(installedDir, "package.json"), "utf8"));
            for (const entry of [manifest.main, manifest.exports["."].require, manifest.exports["."].import]) {
                assert.ok(fs.existsSync(path.join(installedDir, entry)), `${entry} is missing`);
                assert.match(entry, /bin\/components\/index\.js$/);
            }
            assert.ok(fs.existsSync(path.join(installedDir, manifest.types)));
            // Pulumi's inference maps the entry's .js to .ts (provider/experimental/analyzer.js findProgramEntryPoint).
            assert.ok(fs.existsSync(path.join(installedDir, manifest.exports["."].default.replace(/\.js$/, ".ts"))));
        });

        it("names the command line as its bin, the entry the repository's npm scripts run", () => {
            const manifest = JSON.parse(fs.readFileSync(path.join(installedDir, "package.json"), "utf8"));
            const entry = manifest.bin["eks-cilium-istio"];
            assert.ok(fs.existsSync(path.join(installedDir, entry)), entry);
            assert.match(fs.readFileSync(path.join(installedDir, entry), "utf8"), /^#!\/usr\/bin\/env node\n/);
            for (const script of ["plan", "check", "verify"]) {
                assert.strictEqual(manifest.scripts[script], `node ${entry} ${script}`, script);
            }
        });

        it("imports, in its JavaScript and declarations, only its own files, Node's modules and its dependencies", () => {
            assert.deepStrictEqual(
                strayImports(
                    installedDir,
                    packed.files.map((f) => f.path),
                ),
                [],
            );
        });
    });

    describe("cilium-istio-guard's tarball", () => {
        it("npm pack --dry-run lists every module compiled with its declaration, the chart data and its notice, the release data, PulumiPolicy.yaml, README and LICENSE, nothing else", () => {
            const listed = dryRunPack.files.map((f) => f.path).sort();
            assert.deepStrictEqual(listed, expectedPackTarballFiles());
            assert.deepStrictEqual(packedPack.files.map((f) => f.path).sort(), listed);
        });

        it("is publishable, and points Node at the library, the Pulumi CLI at the pack, TypeScript at both's types", () => {
            const manifest = JSON.parse(fs.readFileSync(path.join(installedPackDir, "package.json"), "utf8"));
            assert.strictEqual(manifest.private, undefined);
            for (const entry of [manifest.main, manifest.types, manifest.exports["."].default]) {
                assert.ok(fs.existsSync(path.join(installedPackDir, entry)), entry);
            }
            assert.strictEqual(manifest.main, "bin/index.js", "run-policy-pack requires the directory: its main");
            assert.strictEqual(manifest.exports["."].default, "./bin/cilium-istio-guard.js");
        });

        it("imports, in its JavaScript and declarations, only its own files, Node's modules and its dependencies", () => {
            assert.deepStrictEqual(
                strayImports(
                    installedPackDir,
                    packedPack.files.map((f) => f.path),
                ),
                [],
            );
        });

        it("served from node_modules/cilium-istio-guard by run-policy-pack, answers GetAnalyzerInfo with every rule", async () => {
            const info = await analyzerInfo;
            assert.strictEqual(info.name, "cilium-istio-guard");
            assert.strictEqual(info.version, installedVersion(path.join(PACK_DIR, "package.json")));
            assert.deepStrictEqual(
                info.policies.map((p) => [p.name, p.enforcementLevel]),
                [...policies.map((rule) => [rule.name, rule.metadata.level]), [ADVISORIES_POLICY, "advisory"]],
            );
        });
    });

    describe("the installed command line in a consumer of the components (examples/typescript)", () => {
        it("npx eks-cilium-istio --version prints the package's version", () => {
            assert.strictEqual(version.status, 0, version.stderr);
            assert.strictEqual(version.stdout, `${installedVersion(path.join(PACKAGE_DIR, "package.json"))}\n`);
        });

        it("plan of the clean stack exits 0, with no mandatory violation", () => {
            assert.strictEqual(cleanPlan.status, ExitCode.Ok, cleanPlan.stderr);
            assert.deepStrictEqual(
                verdicts(cleanPlan).filter(([, level]) => level === "mandatory"),
                [],
            );
        });

        it("plan of the stack with demoStage l7 exits 1, naming cilium-l7-policy-vs-istio-mtls", () => {
            assert.strictEqual(brokenPlan.status, ExitCode.Violation, brokenPlan.stderr);
            assert.ok(
                verdicts(brokenPlan).some(
                    ([p, level]) => p === "cilium-l7-policy-vs-istio-mtls" && level === "mandatory",
                ),
                brokenPlan.stdout,
            );
        });

        it("check of each plan's export gives the plan's verdicts and exit code", () => {
            assert.strictEqual(cleanCheck.status, ExitCode.Ok, cleanCheck.stderr);
            assert.deepStrictEqual(verdicts(cleanCheck), verdicts(cleanPlan));
            assert.strictEqual(brokenCheck.status, ExitCode.Violation, brokenCheck.stderr);
            assert.deepStrictEqual(verdicts(brokenCheck), verdicts(brokenPlan));
        });
    });

    describe("a team's own pack built from the library (test/fixtures/consumers/own-pack)", () => {
        it("compiles strictly against the library's declarations", () => {
            assert.strictEqual(compilePack.status, 0, `tsc failed:\n${compilePack.stdout}${compilePack.stderr}`);
        });

        it("gates with its levels: the disabled rule is gone, the other is advisory, the rest as in the ready pack", () => {
            assert.strictEqual(readyPackCheck.status, ExitCode.Violation, readyPackCheck.stderr);
            assert.strictEqual(ownPackCheck.status, ExitCode.Violation, ownPackCheck.stderr);
            const ready = verdicts(readyPackCheck);
            const expected = ready
                .filter(([p]) => p !== "cilium-kpr-value-for-chart-version")
                .map(([p, level, name]) => [p, p === "istio-charts-same-version" ? "advisory" : level, name]);
            assert.ok(
                ready.some(([p]) => p === "cilium-kpr-value-for-chart-version"),
                "the ready pack reports it",
            );
            assert.ok(ready.some(([p, l]) => p === "istio-charts-same-version" && l === "mandatory"));
            assert.deepStrictEqual([...verdicts(ownPackCheck)].sort(), [...expected].sort());
            assert.match(ownPackCheck.stdout, /"policy": "istio-charts-same-version"/);
        });
    });

    describe("a program with only @pulumi/eks and @pulumi/kubernetes resources (test/fixtures/consumers/plain-eks)", () => {
        it("plan exits 0 and says what it could not know", () => {
            assert.strictEqual(plainPlan.status, ExitCode.Ok, plainPlan.stderr);
            assert.deepStrictEqual(verdicts(plainPlan), []);
            assert.match(plainPlan.stderr, /^ {2}kubernetes:core\/v1:ConfigMap platform-info: data\.nodeGroup/m);
        });

        it("plan with Cilium's socket LB in the pods exits 1, naming the rule and the plain Helm release", () => {
            assert.strictEqual(plainBrokenPlan.status, ExitCode.Violation, plainBrokenPlan.stderr);
            assert.deepStrictEqual(verdicts(plainBrokenPlan), [
                ["cilium-socket-lb-host-namespace-only", "mandatory", "cilium"],
            ]);
        });
    });

    describe("a consumer of the components (examples/typescript), planned by the installed command line", () => {
        let registrations: Registration[];
        let outputs: { [name: string]: any };
        before(() => {
            assert.strictEqual(compile.status, 0, `tsc failed:\n${compile.stdout}${compile.stderr}`);
            assert.strictEqual(cleanPlan.status, ExitCode.Ok, `plan of the clean stack failed:\n${cleanPlan.stderr}`);
            registrations = registrationsOf(readExport(path.join(exampleDir, ".plan", "dev.json")));
            assert.strictEqual(registrations[0].type, "pulumi:pulumi:Stack");
            outputs = registrations[0].outputs;
        });

        it("compiles strictly against the package's declarations", () => {
            assert.ok(fs.existsSync(path.join(exampleDir, "bin", "index.js")));
            assert.strictEqual(
                installedVersion(path.join(consumersDir, "node_modules", "@pulumi", "pulumi", "package.json")),
                installedVersion(require.resolve("@pulumi/pulumi/package.json")),
                "one @pulumi/pulumi, the pinned one",
            );
        });

        it("registers the four components at the top of the consumer's stack, under its root Stack", () => {
            for (const [component, name] of [
                ["Cluster", "shop"],
                ["CiliumRelease", "cilium"],
                ["IstioRelease", "istio"],
                ["NamespaceDemo", "demo"],
            ]) {
                assert.strictEqual(one(registrations, token(component), name).parent, registrations[0].urn);
            }
        });

        it("Cluster: the consumer's Kubernetes version and node group", () => {
            const cluster = one(registrations, token("Cluster"), "shop");
            assert.strictEqual(one(registrations, "eks:index:Cluster", "shop-eks").inputs.version, "1.33");
            const nodeGroup = one(registrations, "aws:eks/nodeGroup:NodeGroup", "shop-nodes");
            assert.strictEqual(nodeGroup.parent, cluster.urn);
            assert.deepStrictEqual(nodeGroup.inputs.scalingConfig, { desiredSize: 3, minSize: 2, maxSize: 5 });
            assert.deepStrictEqual(nodeGroup.inputs.instanceTypes, ["m7i.large"]);
            assert.strictEqual(
                outputs.clusterName,
                one(registrations, "eks:index:Cluster", "shop-eks").outputs.eksCluster.name,
            );
        });

        it("CiliumRelease: a Geneve overlay on chart 1.18.12, through the cluster's provider and endpoint", () => {
            const release = one(registrations, RELEASE, "cilium");
            assert.strictEqual(release.parent, one(registrations, token("CiliumRelease"), "cilium").urn);
            assert.strictEqual(release.inputs.version, "1.18.12");
            assert.strictEqual(release.inputs.values.routingMode, "tunnel");
            assert.strictEqual(release.inputs.values.tunnelProtocol, "geneve");
            assert.strictEqual(release.inputs.values.k8sServiceHost, MOCK_ENDPOINT_HOST);
            assert.deepStrictEqual(release.inputs.values.hubble, {
                enabled: true,
                relay: { enabled: true },
                ui: { enabled: true },
            });
            assert.strictEqual(release.inputs.values.operator.replicas, 1);
            assert.strictEqual(providerUrn(release), one(registrations, "pulumi:providers:kubernetes", "shop-k8s").urn);
            assert.strictEqual(outputs.ciliumVersion, "1.18.12");
        });

        it("IstioRelease: ambient with ztunnel, istiod on the host network, PERMISSIVE mesh, after Cilium", () => {
            const istio = one(registrations, token("IstioRelease"), "istio");
            const base = one(registrations, RELEASE, "istio-base");
            assert.ok(
                base.dependencies.includes(one(registrations, RELEASE, "cilium").urn),
                "base must wait for Cilium",
            );
            assert.strictEqual(one(registrations, RELEASE, "istio-ztunnel").parent, istio.urn);
            assert.strictEqual(
                one(registrations, "kubernetes:apps/v1:DeploymentPatch", "istio-istiod-host-network").parent,
                istio.urn,
            );
            const mesh = one(
                registrations,
                "kubernetes:security.istio.io/v1:PeerAuthentication",
                "istio-mesh-peer-authentication",
            );
            assert.strictEqual(mesh.inputs.spec.mtls.mode, "PERMISSIVE");
            assert.strictEqual(outputs.meshPeerAuthentication, "istio-system/default");
        });

        it("NamespaceDemo: ambient namespaces, the l4 policy, no mTLS fix, and the twelve checks", () => {
            const demo = one(registrations, token("NamespaceDemo"), "demo");
            const blue = one(registrations, "kubernetes:core/v1:Namespace", "demo-blue");
            assert.strictEqual(blue.inputs.metadata.labels["istio.io/dataplane-mode"], "ambient");
            const policy = one(registrations, "kubernetes:cilium.io/v2:CiliumNetworkPolicy", "demo-blue-cilium-policy");
            assert.strictEqual(policy.parent, demo.urn);
            assert.ok(!JSON.stringify(policy.inputs.spec).includes("/ip"), "stage l4 has no HTTP rule");
            assert.strictEqual(
                ofType(registrations, "kubernetes:security.istio.io/v1:PeerAuthentication").filter(
                    (r) => r.parent === demo.urn,
                ).length,
                0,
            );
            assert.strictEqual(outputs.checks.length, 12);
        });
    });

    it("serves, from the installed package through Pulumi's plugin host, the schema inferred from the sources", async () => {
        const served = JSON.parse(await servedSchema);
        assert.deepStrictEqual(served, await inferredSchema());
    });
});
