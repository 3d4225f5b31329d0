/**
 * A policy pack served as the Pulumi CLI serves it (`--served`), spoken to over its gRPC Analyzer service: requests
 * encoded with the generated messages of @pulumi/pulumi/proto or, for the per-resource and per-stack ones, by
 * ./analyzer-wire.ts, sent by ./grpc-unary.ts. Why not @grpc/grpc-js's client and the generated messages for every
 * call: at 6,000 resources they made `check --served` take 16 s instead of 9 s (BENCHMARKS.md).
 *
 * How the CLI starts a Node pack (docs/pulumi-facts.md#policy-pack-serving; pulumi/pulumi
 * sdk/nodejs/cmd/pulumi-language-nodejs/main.go `RunPlugin`, kind "analyzer"): `node
 * <@pulumi/pulumi/cmd/run-policy-pack resolved from the pack dir> <engine address> <pack dir>` with the pack dir as
 * working directory and PULUMI_NODEJS_ORGANIZATION / _PROJECT / _STACK / _DRY_RUN and PULUMI_CONFIG in the environment.
 * run-policy-pack registers ts-node (type-checking on, as under the CLI), requires the pack, and `new PolicyPack(...)`
 * serves the Analyzer on 127.0.0.1 and prints the port on stdout (@pulumi/policy server.js `serve`).
 *
 * The engine address: run-policy-pack drops it (cmd/run-policy-pack/index.js `argv._.shift()`), and the language host
 * does not set PULUMI_NODEJS_ENGINE for analyzers, so a pack's `pulumi.log` calls print to the console (log/index.js
 * falls back to console.log without an engine). Nothing in the pack dials it: we pass a placeholder and relay the
 * pack's console output instead of serving an Engine service.
 */
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as readline from "readline";
import {
    AnalyzeDiagnostic,
    Analyzer,
    AnalyzerInfo,
    AnalyzerResource,
    AnalyzerStackResource,
    EnforcementLevel,
    PackStackContext,
    PolicyConfig,
    Remediation,
} from "./analyzer";
import { encodeAnalyzeRequest, encodeAnalyzeStackRequest } from "./analyzer-wire";
import { UnaryGrpcClient } from "./grpc-unary";
import { trackChild } from "../child-processes";

/**
 * The generated Analyzer messages (google-protobuf), loaded on first use rather than on import: a command imports
 * this module before it spawns the pack, and they load while the pack starts instead of before.
 */
function loadMessages() {
    /* eslint-disable @typescript-eslint/no-require-imports -- loaded on first use, while the pack starts (above) */
    return {
        Struct: require("google-protobuf/google/protobuf/struct_pb").Struct,
        analyzerProto: require("@pulumi/pulumi/proto/analyzer_pb"),
    };
    /* eslint-enable @typescript-eslint/no-require-imports */
}
let loaded: ReturnType<typeof loadMessages> | undefined;
const messages = () => (loaded ??= loadMessages());

/**
 * The Analyzer methods the engine calls (service `pulumirpc.Analyzer`, analyzer.proto), with the message each answers
 * with. GetAnalyzerInfo takes `google.protobuf.Empty`, which encodes to no bytes.
 */
const METHODS = {
    configureStack: { path: "/pulumirpc.Analyzer/ConfigureStack", response: "AnalyzerStackConfigureResponse" },
    getAnalyzerInfo: { path: "/pulumirpc.Analyzer/GetAnalyzerInfo", response: "AnalyzerInfo" },
    configure: { path: "/pulumirpc.Analyzer/Configure", response: undefined },
    analyze: { path: "/pulumirpc.Analyzer/Analyze", response: "AnalyzeResponse" },
    analyzeStack: { path: "/pulumirpc.Analyzer/AnalyzeStack", response: "AnalyzeResponse" },
    remediate: { path: "/pulumirpc.Analyzer/Remediate", response: "RemediateResponse" },
} as const;
type Method = keyof typeof METHODS;

// pulumirpc.EnforcementLevel numbering (analyzer.proto).
const LEVEL_TO_PROTO: Record<EnforcementLevel, number> = { advisory: 0, mandatory: 1, disabled: 2, remediate: 3 };
const PROTO_TO_LEVEL: Record<number, EnforcementLevel> = {
    0: "advisory",
    1: "mandatory",
    2: "disabled",
    3: "remediate",
};

/** Terminal colour and cursor sequences (Node colours the stack frames it prints to a terminal or a pipe). */
// eslint-disable-next-line no-control-regex -- the escape character is what is matched
const ANSI_ESCAPE = /\u001b\[[0-9;?]*[A-Za-z]/g;

/** The pack's error output without the `    at ...` frames of a stack trace: those are for --verbose. */
function withoutStackFrames(printed: string): string {
    return printed
        .split("\n")
        .filter((line) => !/^\s+at /.test(line))
        .join("\n");
}

/** Placeholder for the engine address argument run-policy-pack discards (see the module comment). */
const UNUSED_ENGINE_ADDRESS = "127.0.0.1:0";

function toStruct(value: Record<string, any>): any {
    // Struct.fromJavaScript rejects `undefined`; JSON drops it as the engine's marshalling does.
    return messages().Struct.fromJavaScript(JSON.parse(JSON.stringify(value)));
}

function readDiagnostics(resp: any): AnalyzeDiagnostic[] {
    return resp.getDiagnosticsList().map((d: any) => ({
        policyName: d.getPolicyname(),
        policyPackName: d.getPolicypackname(),
        policyPackVersion: d.getPolicypackversion(),
        description: d.getDescription(),
        message: d.getMessage(),
        enforcementLevel: PROTO_TO_LEVEL[d.getEnforcementlevel()],
        urn: d.getUrn(),
    }));
}

function readPolicyConfig(config: any): PolicyConfig {
    const properties = config.getProperties()?.toJavaScript();
    return { enforcementLevel: PROTO_TO_LEVEL[config.getEnforcementlevel()], properties };
}

/** A running policy pack and a client connected to it. Always `close()` it. */
export class ServedPack implements Analyzer {
    private constructor(
        private readonly child: ChildProcess,
        private readonly client: UnaryGrpcClient,
        /** Everything the pack printed besides its port (its console and pulumi.log output, errors), as it comes. */
        readonly output: string[],
    ) {}

    /**
     * Spawns the pack and connects. Rejects with the pack's own error output when it exits or stays silent for
     * `startTimeoutMs` (a pack served from TypeScript is type-checked by ts-node on the way in, which takes seconds).
     */
    static async start(packDir: string, context: PackStackContext, startTimeoutMs = 120_000): Promise<ServedPack> {
        const dir = path.resolve(packDir);
        // The CLI loads the pack's project file first (plugin.NewPolicyAnalyzer) and stops without it.
        if (!fs.existsSync(path.join(dir, "PulumiPolicy.yaml"))) {
            throw new Error(`policy pack not found: ${dir} has no PulumiPolicy.yaml`);
        }
        let runPolicyPack: string;
        try {
            runPolicyPack = require.resolve("@pulumi/pulumi/cmd/run-policy-pack", { paths: [dir] });
        } catch {
            throw new Error(
                `it looks like the policy pack's dependencies are not installed; run npm install in ${dir}`,
            );
        }
        const env: NodeJS.ProcessEnv = {
            ...process.env,
            PULUMI_NODEJS_PROJECT: context.project,
            PULUMI_NODEJS_STACK: context.stack,
            PULUMI_NODEJS_DRY_RUN: String(context.dryRun),
            PULUMI_CONFIG: JSON.stringify(context.config),
        };
        // main.go only sets the organization when the engine knows one.
        if (context.organization) {
            env.PULUMI_NODEJS_ORGANIZATION = context.organization;
        }
        const child = trackChild(
            spawn(process.execPath, [runPolicyPack, UNUSED_ENGINE_ADDRESS, dir], {
                cwd: dir,
                env,
                stdio: ["ignore", "pipe", "pipe"],
            }),
        );
        // Loaded now, while the pack starts, rather than once it answers.
        messages();
        const output: string[] = [];
        child.stderr!.setEncoding("utf8").on("data", (chunk: string) => output.push(chunk));

        const port = await new Promise<number>((resolve, reject) => {
            const lines = readline.createInterface({ input: child.stdout! });
            const fail = (why: string) => {
                clearTimeout(timer);
                child.kill();
                const printed = output.join("").replace(ANSI_ESCAPE, "").trim();
                const error = new Error(
                    `policy pack ${dir} failed to start: ${why}${printed ? `\n${withoutStackFrames(printed)}` : ""}`,
                );
                // What --verbose prints: everything the pack printed, its stack trace included.
                error.stack = `${error.message.split("\n")[0]}\n${printed}`;
                reject(error);
            };
            const timer = setTimeout(() => fail(`no port printed within ${startTimeoutMs} ms`), startTimeoutMs);
            let first = true;
            lines.on("line", (line) => {
                if (!first) {
                    output.push(`${line}\n`);
                    return;
                }
                first = false;
                clearTimeout(timer);
                const parsed = Number(line.trim());
                if (Number.isInteger(parsed) && parsed > 0) {
                    resolve(parsed);
                } else {
                    fail(`expected a port on the first line of its output, got "${line}"`);
                }
            });
            child.once("exit", (code) => first && fail(`exited with code ${code}`));
            child.once("error", (err) => first && fail(err.message));
        });

        const client = new UnaryGrpcClient(`127.0.0.1:${port}`);
        const pack = new ServedPack(child, client, output);
        try {
            await pack.configureStack(context);
        } catch (err) {
            pack.close();
            throw err;
        }
        return pack;
    }

    /** Calls `method` with an encoded request; resolves to the decoded response (undefined for an Empty one). */
    private async call(method: Method, request: Uint8Array): Promise<any> {
        let response: Buffer;
        try {
            response = await this.client.call(METHODS[method].path, request);
        } catch (err) {
            // A GrpcStatusError's message is the status message the pack sent.
            throw new Error(`policy pack ${method} failed: ${(err as Error).message}`, { cause: err });
        }
        const type = METHODS[method].response;
        return type && messages().analyzerProto[type].deserializeBinary(response);
    }

    /** The engine sends the stack's identity first; the Node server keeps the tags for `args.stackTags`. */
    private async configureStack(context: PackStackContext): Promise<void> {
        const req = new (messages().analyzerProto.AnalyzerStackConfigureRequest)();
        req.setStack(context.stack);
        req.setProject(context.project);
        req.setOrganization(context.organization);
        req.setDryRun(context.dryRun);
        req.setConfigSecretKeysList(context.secretKeys);
        for (const [k, v] of Object.entries(context.config)) {
            req.getConfigMap().set(k, v);
        }
        for (const [k, v] of Object.entries(context.tags)) {
            req.getTagsMap().set(k, v);
        }
        await this.call("configureStack", req.serializeBinary());
    }

    async getAnalyzerInfo(): Promise<AnalyzerInfo> {
        const resp = await this.call("getAnalyzerInfo", new Uint8Array());
        const initialConfig: Record<string, PolicyConfig> = {};
        resp.getInitialconfigMap().forEach((config: any, name: string) => {
            initialConfig[name] = readPolicyConfig(config);
        });
        return {
            name: resp.getName(),
            version: resp.getVersion(),
            supportsConfig: resp.getSupportsconfig(),
            policies: resp.getPoliciesList().map((p: any) => {
                const schema = p.getConfigschema();
                return {
                    name: p.getName(),
                    description: p.getDescription(),
                    enforcementLevel: PROTO_TO_LEVEL[p.getEnforcementlevel()],
                    configSchema: schema
                        ? {
                              properties: schema.getProperties()?.toJavaScript() ?? {},
                              required: schema.getRequiredList(),
                          }
                        : undefined,
                };
            }),
            initialConfig,
        };
    }

    async configure(config: Record<string, PolicyConfig>): Promise<void> {
        const { analyzerProto } = messages();
        const req = new analyzerProto.ConfigureAnalyzerRequest();
        for (const [name, c] of Object.entries(config)) {
            const pc = new analyzerProto.PolicyConfig();
            pc.setEnforcementlevel(LEVEL_TO_PROTO[c.enforcementLevel]);
            pc.setProperties(toStruct(c.properties ?? {}));
            req.getPolicyconfigMap().set(name, pc);
        }
        await this.call("configure", req.serializeBinary());
    }

    async remediate(resource: AnalyzerResource): Promise<Remediation[]> {
        const resp = await this.call("remediate", encodeAnalyzeRequest(resource));
        return resp.getRemediationsList().map((r: any) => ({
            policyName: r.getPolicyname(),
            properties: r.getProperties()?.toJavaScript(),
            diagnostic: r.getDiagnostic(),
        }));
    }

    async analyze(resource: AnalyzerResource): Promise<AnalyzeDiagnostic[]> {
        return readDiagnostics(await this.call("analyze", encodeAnalyzeRequest(resource)));
    }

    async analyzeStack(resources: readonly AnalyzerStackResource[]): Promise<AnalyzeDiagnostic[]> {
        return readDiagnostics(await this.call("analyzeStack", encodeAnalyzeStackRequest(resources)));
    }

    /** Disconnects and stops the pack process this object started. */
    close(): void {
        this.client.close();
        if (this.child.exitCode === null) {
            this.child.kill();
        }
    }
}
