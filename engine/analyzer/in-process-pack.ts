/**
 * A policy pack evaluated in the engine's own process, with the semantics @pulumi/policy 1.21.0's server applies to
 * the Analyzer calls (its server.js `makeAnalyzeRpcFun`, `makeAnalyzeStackRpcFun`, `makeRemediateRpcFun`,
 * `configure`, `configureStack`, `makeReportViolationFun`; protoutil.js `makeAnalyzerInfo`, `normalizeConfig`):
 *
 * - a policy's level is its configured one, else its own, else the pack's (default advisory); disabled policies are
 *   skipped; `remediate` reports as mandatory;
 * - Analyze runs every resource policy on the resource's properties (the inputs), AnalyzeStack every stack policy on
 *   all resources (the outputs) with parent, dependencies and property dependencies linked; a policy whose validation
 *   carries a Pulumi type is skipped for other types (or, for a stack policy, stacks without one);
 * - properties are deserialized as the server does (./policy-deserialize.ts) and wrapped in its unknown-checking
 *   proxy: a policy that reads a value unknown during preview gets an advisory "can't run policy ... during preview";
 *   `args.notApplicable` ends a policy without a finding; any other error fails the call, naming the policy;
 * - `reportViolation(message, urn)` reports at the policy's level with the description and the message joined by a
 *   newline; the server's undeclared object form is honoured the same way;
 * - `getConfig()` answers the properties Configure set (JSON values, as they would arrive through protobuf);
 * - Remediate runs the remediations at level `remediate` on secret-preserving properties and serializes the result,
 *   with @pulumi/policy's own (de)serializer, loaded only then.
 *
 * One deliberate difference, invisible to a policy that only reads its arguments (policies are validators, and this
 * pack's rules are pure functions): the server deserializes the whole stack again for every stack policy, this
 * evaluates it once for all of them and hands each the same resources. At 6,000 resources that is most of the
 * server's time and memory (BENCHMARKS.md). test/in-process-vs-served.spec.ts runs every fixture stack both ways
 * and compares the verdicts.
 *
 * A served pack also runs with the stack's identity in its environment (PULUMI_NODEJS_PROJECT, _STACK, PULUMI_CONFIG),
 * and what it prints is kept apart from the report: a pack that reads `pulumi.getStack()` or stack config, or prints
 * to the console, needs `--served`.
 */
import type {
    Policy,
    PolicyPackArgs,
    PolicyPackConfig,
    PolicyResource,
    PolicyResourceOptions,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
} from "@pulumi/policy";
import * as fs from "fs";
import * as path from "path";
import {
    AnalyzeDiagnostic,
    Analyzer,
    AnalyzerInfo,
    AnalyzerResource,
    AnalyzerStackResource,
    ENFORCEMENT_LEVELS,
    EnforcementLevel,
    PackStackContext,
    PolicyConfig,
    Remediation,
} from "./analyzer";
import { deserializeProperties } from "./policy-deserialize";

/* eslint-disable @typescript-eslint/no-require-imports -- @pulumi/policy's proxy module, typed here: its .d.ts strips
   these names (@internal). Required on its own: @pulumi/policy's index loads the policy server, gRPC and the whole
   @pulumi/pulumi index, which this never uses. The policies' own readers use the same module, so `instanceof` holds. */
const proxy = require("@pulumi/policy/proxy");
/* eslint-enable @typescript-eslint/no-require-imports */
const unknownCheckingProxy: <T>(value: T) => T = proxy.unknownCheckingProxy;
const UnknownValueError: new (...args: any[]) => Error = proxy.UnknownValueError;

/** What `new PolicyPack(name, args, initialConfig)` is given, and the version it reads from the pack's package.json. */
export interface PackDefinition {
    name: string;
    version: string;
    args: PolicyPackArgs;
    initialConfig?: PolicyPackConfig;
}

/** server.js packNameRE */
const PACK_NAME = /^[a-zA-Z0-9-_.]{1,100}$/;

/** The version `new PolicyPack` reads: the `version` of the package.json in the pack's directory. */
export function packVersion(packDir: string): string {
    const manifest = path.join(packDir, "package.json");
    let version: unknown;
    try {
        version = JSON.parse(fs.readFileSync(manifest, "utf8")).version;
    } catch (err) {
        throw new Error(`policy pack ${packDir}: cannot read ${manifest}: ${(err as Error).message}`, { cause: err });
    }
    if (typeof version !== "string" || version === "") {
        throw new Error(`policy pack ${packDir}: version must be defined in the package.json file`);
    }
    return version;
}

/** What `serve` refuses before it serves (it prints the message and exits 1). */
function checkDefinition(definition: PackDefinition): void {
    if (!PACK_NAME.test(definition.name)) {
        throw new Error(
            `Invalid policy pack name "${definition.name}". Policy pack names may only contain alphanumerics, hyphens, underscores, or periods.`,
        );
    }
    for (const policy of definition.args.policies ?? []) {
        if (policy.name === "all") {
            throw new Error('Invalid policy name "all". "all" is a reserved name.');
        }
        if (policy.configSchema?.properties?.enforcementLevel) {
            throw new Error("enforcementLevel cannot be explicitly specified in properties.");
        }
        if (policy.configSchema?.required?.includes("enforcementLevel")) {
            throw new Error('"enforcementLevel" cannot be specified in required.');
        }
    }
}

function isResourcePolicy(p: Policy): p is ResourceValidationPolicy {
    const { validateResource, remediateResource } = p as ResourceValidationPolicy;
    if (typeof validateResource === "function") {
        return true;
    }
    if (Array.isArray(validateResource)) {
        return validateResource.every((v) => typeof v === "function");
    }
    return typeof remediateResource === "function";
}

function isStackPolicy(p: Policy): p is StackValidationPolicy {
    return typeof (p as StackValidationPolicy).validateStack === "function";
}

/** policy.js getPulumiType: the type a `validateResourceOfType`-style function was made for. */
function pulumiTypeOf(fn: unknown): string | undefined {
    const type = (fn as { __pulumiType?: unknown } | undefined)?.__pulumiType;
    return typeof type === "string" && type.length > 0 ? type : undefined;
}

function isTypeOf(type: string, resourceClass: any): boolean {
    const pulumiType = pulumiTypeOf(resourceClass);
    if (pulumiType) {
        return type === pulumiType;
    }
    const isInstance = resourceClass?.isInstance;
    return typeof isInstance === "function" && isInstance({ __pulumiType: type }) === true;
}

class NotApplicableError extends Error {}
function notApplicable(reason?: string): never {
    throw new NotApplicableError(reason ?? "Policy does not apply");
}

/** What protobuf makes of a value on its way (google.protobuf.Struct): JSON values, undefined dropped. */
function throughStruct<T>(value: T): T {
    return value === undefined ? value : JSON.parse(JSON.stringify(value));
}

function checkLevel(level: unknown): EnforcementLevel {
    if (!(ENFORCEMENT_LEVELS as readonly unknown[]).includes(level)) {
        // protoutil.js mapEnforcementLevel
        throw new Error(`Unknown enforcement level type '${level}'`);
    }
    return level as EnforcementLevel;
}

/** The options the engine sends (only the parent is set offline), as the server reads them (getResourceOptions). */
function resourceOptions(parent: string | undefined): PolicyResourceOptions {
    const options: PolicyResourceOptions = {
        protect: false,
        ignoreChanges: [],
        aliases: [],
        customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
        additionalSecretOutputs: [],
    };
    if (parent) {
        options.parent = parent;
    }
    return options;
}

/** What the server tells a policy about a resource, in Analyze, AnalyzeStack and Remediate alike. */
function policyView(resource: AnalyzerResource, props: Record<string, any>) {
    const view = {
        type: resource.type,
        props,
        urn: resource.urn,
        name: resource.name,
        opts: resourceOptions(resource.parent),
        // Typed differently for a stack's resources and a resource's arguments; the same functions in the server.
        isType: (c: any) => isTypeOf(resource.type, c),
        asType: ((c: any) => (isTypeOf(resource.type, c) ? props : undefined)) as any,
    };
    const provider = providerOf(resource);
    return provider ? { ...view, provider } : view;
}

function providerOf(resource: AnalyzerResource) {
    const provider = resource.provider;
    return (
        provider && {
            type: provider.type,
            props: unknownCheckingProxy(deserializeProperties(provider.properties)),
            urn: provider.urn,
            name: provider.name,
        }
    );
}

export class InProcessPack implements Analyzer {
    readonly output: readonly string[] = [];
    private readonly policies: readonly Policy[];
    private readonly packLevel: EnforcementLevel;
    /** Set by Configure: per policy, its properties with its level under `enforcementLevel`, as the server keeps them. */
    private config: Record<string, Record<string, any>> = {};
    private readonly stackTags: ReadonlyMap<string, string>;

    constructor(
        private readonly definition: PackDefinition,
        context: PackStackContext,
    ) {
        checkDefinition(definition);
        this.policies = definition.args.policies ?? [];
        this.packLevel = definition.args.enforcementLevel ?? "advisory";
        this.stackTags = new Map(Object.entries(context.tags));
    }

    async getAnalyzerInfo(): Promise<AnalyzerInfo> {
        const initialConfig: Record<string, PolicyConfig> = {};
        // protoutil.js normalizeConfig, then only entries with a level or properties.
        for (const [name, value] of Object.entries(this.definition.initialConfig ?? {})) {
            if (typeof value === "string") {
                initialConfig[name] = { enforcementLevel: checkLevel(value) };
                continue;
            }
            const { enforcementLevel, ...properties } = value as { enforcementLevel?: EnforcementLevel };
            const hasProperties = Object.keys(properties).length > 0;
            if (enforcementLevel || hasProperties) {
                // A PolicyConfig without a level reads as advisory, the proto's zero value.
                initialConfig[name] = {
                    enforcementLevel: enforcementLevel ? checkLevel(enforcementLevel) : "advisory",
                    ...(hasProperties ? { properties: throughStruct(properties) } : {}),
                };
            }
        }
        return {
            name: this.definition.name,
            version: this.definition.version,
            supportsConfig: true,
            policies: this.policies.map((p) => ({
                name: p.name,
                description: p.description,
                enforcementLevel: checkLevel(p.enforcementLevel || this.packLevel),
                configSchema: p.configSchema && {
                    properties: throughStruct(p.configSchema.properties),
                    required: p.configSchema.required ?? [],
                },
            })),
            initialConfig,
        };
    }

    async configure(config: Record<string, PolicyConfig>): Promise<void> {
        this.config = Object.fromEntries(
            Object.entries(config).map(([name, c]) => [
                name,
                { ...throughStruct(c.properties ?? {}), enforcementLevel: c.enforcementLevel },
            ]),
        );
    }

    private levelOf(p: Policy): EnforcementLevel {
        return this.config[p.name]?.enforcementLevel || p.enforcementLevel || this.packLevel;
    }

    private getConfigOf(name: string) {
        return <T extends object>(): T => {
            const c = this.config[name];
            if (!c) {
                return {} as T;
            }
            const { enforcementLevel: _level, ...properties } = c;
            return properties as T;
        };
    }

    private policyFrom(kind: "policy" | "remediation", name: string): string {
        return `${kind} '${name}' from policy pack '${this.definition.name}@v${this.definition.version}'`;
    }

    /** server.js makeReportViolationFun, collecting into `diagnostics`. */
    private reporter(p: Policy, level: EnforcementLevel, diagnostics: AnalyzeDiagnostic[]): ReportViolation {
        return (message: unknown, urn?: string) => {
            if (typeof message === "object" && message !== null) {
                const info = message as Record<string, any>;
                diagnostics.push(
                    this.diagnostic(
                        info.name || p.name,
                        info.description || p.description,
                        info.message || info.description || p.description,
                        info.enforcementLevel || level,
                        info.urn,
                    ),
                );
            } else {
                const text = message ? `${p.description}\n${message}` : p.description;
                diagnostics.push(this.diagnostic(p.name, p.description, text, level, urn));
            }
        };
    }

    /** A diagnostic as it arrives through AnalyzeResponse: strings never undefined, the level checked. */
    private diagnostic(
        policyName: string,
        description: string | undefined,
        message: string | undefined,
        level: unknown,
        urn: string | undefined,
    ): AnalyzeDiagnostic {
        return {
            policyName: String(policyName ?? ""),
            policyPackName: this.definition.name,
            policyPackVersion: this.definition.version,
            description: String(description ?? ""),
            message: String(message ?? ""),
            enforcementLevel: checkLevel(level),
            urn: urn ? String(urn) : "",
        };
    }

    /**
     * The server's handling of what a validation throws: unknowns advisory, not-applicable nothing, anything else
     * fails the call, with the message a served pack's call fails with.
     */
    private caught(
        error: unknown,
        p: Policy,
        call: "analyze" | "analyzeStack",
        diagnostics: AnalyzeDiagnostic[],
    ): void {
        if (error instanceof UnknownValueError) {
            diagnostics.push(
                this.diagnostic(
                    p.name,
                    p.description,
                    `can't run ${this.policyFrom("policy", p.name)} during preview: ${error.message}`,
                    "advisory",
                    undefined,
                ),
            );
        } else if (!(error instanceof NotApplicableError)) {
            const detail = error instanceof Error ? error.stack : String(error);
            // The server says "resource" for a stack policy too (server.js makeAnalyzeStackRpcFun).
            throw new Error(
                `policy pack ${call} failed: Error validating resource with ${this.policyFrom("policy", p.name)}:\n${detail}`,
                { cause: error },
            );
        }
    }

    async analyze(resource: AnalyzerResource): Promise<AnalyzeDiagnostic[]> {
        const diagnostics: AnalyzeDiagnostic[] = [];
        for (const p of this.policies) {
            let level = this.levelOf(p);
            if (level === "disabled" || !isResourcePolicy(p) || !p.validateResource) {
                continue;
            }
            if (level === "remediate") {
                level = "mandatory";
            }
            if (!Array.isArray(p.validateResource)) {
                const only = pulumiTypeOf(p.validateResource);
                if (only && resource.type !== only) {
                    continue;
                }
            }
            const report = this.reporter(p, level, diagnostics);
            const validations = Array.isArray(p.validateResource) ? p.validateResource : [p.validateResource];
            for (const validation of validations) {
                try {
                    // Deserialized afresh for each validation, as the server does.
                    const props = unknownCheckingProxy(deserializeProperties(resource.properties));
                    const args: ResourceValidationArgs = {
                        ...policyView(resource, props),
                        stackTags: this.stackTags,
                        getConfig: this.getConfigOf(p.name),
                        notApplicable,
                    };
                    await validation(args, report);
                } catch (error) {
                    this.caught(error, p, "analyze", diagnostics);
                }
            }
        }
        return diagnostics;
    }

    /** The stack's resources as a stack policy sees them, linked to their parent and dependencies. */
    private stackResources(resources: readonly AnalyzerStackResource[]): PolicyResource[] {
        const byUrn = new Map<string, PolicyResource>();
        const described = resources.map((r) => {
            const resource: PolicyResource = {
                ...policyView(r, unknownCheckingProxy(deserializeProperties(r.properties))),
                dependencies: [],
                propertyDependencies: {},
            };
            byUrn.set(r.urn, resource);
            return resource;
        });
        resources.forEach((r, i) => {
            const resource = described[i];
            const parent = r.parent ? byUrn.get(r.parent) : undefined;
            if (parent) {
                resource.parent = parent;
            }
            const linked = (urns: readonly string[]) =>
                urns.map((u) => byUrn.get(u)).filter((d): d is PolicyResource => d !== undefined);
            resource.dependencies = linked(r.dependencies);
            for (const [key, urns] of Object.entries(r.propertyDependencies)) {
                // The engine sends no property without dependencies (analyzer_plugin.go AnalyzeStack).
                if (urns.length > 0) {
                    resource.propertyDependencies[key] = linked(urns);
                }
            }
        });
        return described;
    }

    async analyzeStack(resources: readonly AnalyzerStackResource[]): Promise<AnalyzeDiagnostic[]> {
        const diagnostics: AnalyzeDiagnostic[] = [];
        let described: PolicyResource[] | undefined;
        for (const p of this.policies) {
            let level = this.levelOf(p);
            if (level === "disabled" || !isStackPolicy(p)) {
                continue;
            }
            if (level === "remediate") {
                level = "mandatory";
            }
            const only = pulumiTypeOf(p.validateStack);
            if (only && !resources.some((r) => r.type === only)) {
                continue;
            }
            const report = this.reporter(p, level, diagnostics);
            try {
                described ??= this.stackResources(resources);
                const args: StackValidationArgs = {
                    resources: described,
                    getConfig: this.getConfigOf(p.name),
                    stackTags: this.stackTags,
                    notApplicable,
                };
                await p.validateStack(args, report);
            } catch (error) {
                this.caught(error, p, "analyzeStack", diagnostics);
            }
        }
        return diagnostics;
    }

    async remediate(resource: AnalyzerResource): Promise<Remediation[]> {
        /* eslint-disable @typescript-eslint/no-require-imports -- @pulumi/policy's own (de)serializer and secret proxy,
           loaded only when a policy is at level remediate: they require the whole @pulumi/pulumi index. */
        const {
            deserializeProperties: deserializeWithSecrets,
            serializeProperties,
        } = require("@pulumi/policy/deserialize");
        /* eslint-enable @typescript-eslint/no-require-imports */
        const remediations: Remediation[] = [];
        let props = unknownCheckingProxy(deserializeWithSecrets({ toJavaScript: () => resource.properties }, true));
        for (const p of this.policies) {
            if (this.levelOf(p) !== "remediate" || !isResourcePolicy(p) || !p.remediateResource) {
                continue;
            }
            const only = pulumiTypeOf(p.remediateResource);
            if (only && resource.type !== only) {
                continue;
            }
            const args: ResourceValidationArgs = {
                ...policyView(resource, props),
                stackTags: this.stackTags,
                getConfig: this.getConfigOf(p.name),
                notApplicable,
            };
            let result: Record<string, any> | undefined;
            let diagnostic: string | undefined;
            try {
                result = (await p.remediateResource(args)) ?? undefined;
                if (result) {
                    props = result;
                }
            } catch (error) {
                if (error instanceof UnknownValueError) {
                    diagnostic = `can't run ${this.policyFrom("remediation", p.name)} during preview: ${error.message}`;
                } else if (!(error instanceof NotApplicableError)) {
                    const detail = error instanceof Error ? error.stack : String(error);
                    throw new Error(
                        `policy pack remediate failed: Error remediating resource with ${this.policyFrom("remediation", p.name)}:\n${detail}`,
                        { cause: error },
                    );
                }
            }
            if (result || diagnostic) {
                remediations.push({
                    policyName: p.name,
                    properties: result ? throughStruct(await serializeProperties(result)) : undefined,
                    diagnostic: diagnostic ?? "",
                });
            }
        }
        return remediations;
    }

    close(): void {
        // Nothing runs besides this process.
    }
}
