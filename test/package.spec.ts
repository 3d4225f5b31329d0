/**
 * The npm package as a consumer gets it: what `npm pack` puts in the tarball, and the tarball installed into a fresh
 * TypeScript project, examples/typescript, whose strict
 * program using all four components compiles and runs on the mock runtime. The installed package is also started as
 * a component package by Pulumi's own plugin host and asked for its schema over gRPC, as `pulumi package add` would.
 *
 * Slow by nature (a build, a pack, an install, a compile, a schema inference): everything happens once, in `before`.
 */
import * as assert from "assert";
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as grpc from "@grpc/grpc-js";
import { ResourceProviderClient } from "@pulumi/pulumi/proto/provider_grpc_pb";
import { GetSchemaRequest } from "@pulumi/pulumi/proto/provider_pb";
import * as ts from "typescript";
import { CILIUM_SCHEMA_VERSIONS } from "../components/chart-schemas/cilium-keys";
import { MOCK_ENDPOINT_HOST, Registration } from "../engine/mock/mock-runtime";
import { inferredSchema, PACKAGE_DIR, PROVIDER_NAME } from "./component-package";
import { one, ofType, providerUrn } from "./registrations";

const EXAMPLE_DIR = path.join(PACKAGE_DIR, "examples", "typescript");
const RUNNER = path.join(__dirname, "fixtures", "npm-consumer", "run-on-mocks.js");
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

/** The version in a package.json. */
const installedVersion = (manifest: string): string => JSON.parse(fs.readFileSync(manifest, "utf8")).version;

/** `npm pack --json` output: one entry per package. */
interface PackResult {
    filename: string;
    files: { path: string }[];
}

/** What the tarball must hold, from the repository's components/ folder: each source, and what the build makes of it. */
function expectedTarballFiles(): string[] {
    const expected = ["LICENSE", "README.md", "package.json", "PulumiPlugin.yaml", "tsconfig.json"];
    const walk = (relative: string) => {
        for (const entry of fs.readdirSync(path.join(PACKAGE_DIR, relative), { withFileTypes: true })) {
            const file = path.posix.join(relative, entry.name);
            if (entry.isDirectory()) {
                walk(file);
                continue;
            }
            expected.push(file);
            if (file.endsWith(".ts")) {
                expected.push(`bin/${file.replace(/\.ts$/, ".js")}`, `bin/${file.replace(/\.ts$/, ".d.ts")}`);
            } else if (file.endsWith(".json")) {
                expected.push(`bin/${file}`);
            }
        }
    };
    walk("components");
    // The facts the components take from the pack's model (one place per port, address, carried chart version, taint).
    for (const facts of [
        "policies/model/ambient-network.ts",
        "policies/model/carried-charts.ts",
        "policies/model/istio-node-placement.ts",
    ]) {
        expected.push(facts, `bin/${facts.replace(/\.ts$/, ".js")}`, `bin/${facts.replace(/\.ts$/, ".d.ts")}`);
    }
    return expected.sort();
}

/** The consumer's package.json: the example's, with the tarball and exactly the versions the npm cache holds. */
function consumerPackageJson(tarball: string): object {
    const example = JSON.parse(fs.readFileSync(path.join(EXAMPLE_DIR, "package.json"), "utf8"));
    const installed = (name: string) => installedVersion(require.resolve(`${name}/package.json`));
    return {
        ...example,
        dependencies: {
            ...example.dependencies,
            "eks-cilium-istio": `file:${tarball}`,
            "@pulumi/pulumi": installed("@pulumi/pulumi"),
        },
        devDependencies: { ...example.devDependencies, typescript: installed("typescript") },
    };
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

describe("npm package", function () {
    this.timeout(600_000);
    let workDir: string;
    let consumerDir: string;
    let installedDir: string;
    let packed: PackResult;
    let dryRun: PackResult;
    let compile: Run;
    let program: Run;
    let pluginHost: ChildProcess | undefined;
    let servedSchema: Promise<string>;

    before(() => {
        workDir = fs.mkdtempSync(path.join(os.tmpdir(), "eks-cilium-istio-package-"));
        // `npm pack` runs the "prepare" script, so this also builds bin/ the way a publish would.
        [packed] = JSON.parse(mustRun("npm", ["pack", "--json", "--pack-destination", workDir], PACKAGE_DIR));
        [dryRun] = JSON.parse(mustRun("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], PACKAGE_DIR));

        consumerDir = path.join(workDir, "consumer");
        fs.mkdirSync(consumerDir);
        for (const file of ["index.ts", "tsconfig.json", "Pulumi.yaml"]) {
            fs.copyFileSync(path.join(EXAMPLE_DIR, file), path.join(consumerDir, file));
        }
        const tarball = path.join(workDir, packed.filename);
        fs.writeFileSync(path.join(consumerDir, "package.json"), JSON.stringify(consumerPackageJson(tarball), null, 2));
        // --prefer-offline, not --offline: `npm ci` caches the tarballs it installs but not the registry metadata an
        // install resolves ranges with, so on a machine whose npm cache began empty --offline fails (ENOTCACHED).
        // Metadata comes from the registry; tarballs the cache already holds are not downloaded again.
        mustRun("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund"], consumerDir);
        installedDir = path.join(consumerDir, "node_modules", "eks-cilium-istio");

        // Started first: its schema inference runs while the project compiles and runs.
        const started = startPluginHost(consumerDir, installedDir);
        pluginHost = started.host;
        servedSchema = started.port.then(getSchema);
        servedSchema.catch(() => undefined); // asserted in its own test

        // Strict, as examples/typescript/tsconfig.json says; --skipLibCheck spares type-checking all of @pulumi/aws's
        // declarations (20 s): the package's own .d.ts are checked for stray imports below instead.
        compile = run(
            process.execPath,
            [path.join(consumerDir, "node_modules", "typescript", "bin", "tsc"), "-p", ".", "--skipLibCheck"],
            consumerDir,
        );

        // The project's mock runtime, transpiled into the consumer, so that it uses the consumer's @pulumi/pulumi.
        const mockRuntime = fs.readFileSync(path.join(PACKAGE_DIR, "engine", "mock", "mock-runtime.ts"), "utf8");
        fs.mkdirSync(path.join(consumerDir, "harness"));
        fs.writeFileSync(
            path.join(consumerDir, "harness", "mock-runtime.js"),
            ts.transpileModule(mockRuntime, {
                compilerOptions: {
                    module: ts.ModuleKind.CommonJS,
                    target: ts.ScriptTarget.ES2020,
                    esModuleInterop: true,
                },
            }).outputText,
        );
        fs.copyFileSync(RUNNER, path.join(consumerDir, "run-on-mocks.js"));
        program = run(process.execPath, ["run-on-mocks.js"], consumerDir);
    });

    after(() => {
        pluginHost?.kill();
        if (workDir) {
            fs.rmSync(workDir, { recursive: true, force: true });
        }
    });

    describe("tarball", () => {
        it("npm pack --dry-run lists the built components, their sources and chart schemas, the model facts they import, the plugin manifest, README and LICENSE, nothing else", () => {
            const listed = dryRun.files.map((f) => f.path).sort();
            assert.deepStrictEqual(listed, expectedTarballFiles());
            assert.deepStrictEqual(
                packed.files.map((f) => f.path).sort(),
                listed,
                "the real pack holds what the dry run lists",
            );
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

        it("has type declarations that import only relative paths and the package's own dependencies", () => {
            const manifest = JSON.parse(fs.readFileSync(path.join(installedDir, "package.json"), "utf8"));
            const dependencies = Object.keys(manifest.dependencies);
            const strays: string[] = [];
            for (const file of packed.files.map((f) => f.path).filter((p) => p.endsWith(".d.ts"))) {
                const text = fs.readFileSync(path.join(installedDir, file), "utf8");
                for (const { fileName: specifier } of ts.preProcessFile(text, true, true).importedFiles) {
                    const pkg = specifier.startsWith("@")
                        ? specifier.split("/").slice(0, 2).join("/")
                        : specifier.split("/")[0];
                    if (!specifier.startsWith(".") && !dependencies.includes(pkg)) {
                        strays.push(`${file}: ${specifier}`);
                    }
                }
            }
            assert.deepStrictEqual(strays, []);
        });
    });

    describe("in a fresh TypeScript project (examples/typescript), installed from the tarball", () => {
        let registrations: Registration[];
        let outputs: { [name: string]: any };
        before(() => {
            assert.strictEqual(compile.status, 0, `tsc failed:\n${compile.stdout}${compile.stderr}`);
            assert.strictEqual(program.status, 0, `the program failed on the mocks:\n${program.stderr}`);
            ({ registrations, outputs } = JSON.parse(program.stdout));
        });

        it("compiles strictly against the package's declarations", () => {
            assert.ok(fs.existsSync(path.join(consumerDir, "bin", "index.js")));
            assert.strictEqual(
                installedVersion(path.join(consumerDir, "node_modules", "@pulumi", "pulumi", "package.json")),
                installedVersion(require.resolve("@pulumi/pulumi/package.json")),
                "one @pulumi/pulumi, the pinned one",
            );
        });

        it("registers the four components at the top of the consumer's stack", () => {
            for (const [component, name] of [
                ["Cluster", "shop"],
                ["CiliumRelease", "cilium"],
                ["IstioRelease", "istio"],
                ["NamespaceDemo", "demo"],
            ]) {
                assert.strictEqual(one(registrations, token(component), name).parent, undefined);
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
