/**
 * What the engine asks a policy pack, as the Pulumi CLI asks it through the Analyzer service (service
 * `pulumirpc.Analyzer`, pulumi/pulumi proto/pulumi/analyzer.proto), whichever way the pack is reached: in this process
 * (./in-process-pack.ts, the default) or served in its own process as the CLI starts it (./served-pack.ts, `--served`).
 * ./policy-evaluation.ts drives either through this interface, so the two differ only in transport.
 */

/** The levels of apitype.EnforcementLevel, in the CLI's spelling. */
export const ENFORCEMENT_LEVELS = ["advisory", "mandatory", "remediate", "disabled"] as const;
export type EnforcementLevel = (typeof ENFORCEMENT_LEVELS)[number];

export interface PolicyConfigSchema {
    properties: Record<string, any>;
    required?: string[];
}

export interface PolicyInfo {
    name: string;
    description: string;
    enforcementLevel: EnforcementLevel;
    configSchema?: PolicyConfigSchema;
}

export interface PolicyConfig {
    enforcementLevel: EnforcementLevel;
    properties?: Record<string, any>;
}

export interface AnalyzerInfo {
    name: string;
    version: string;
    supportsConfig: boolean;
    policies: PolicyInfo[];
    initialConfig: Record<string, PolicyConfig>;
}

/** One resource as the engine describes it to an analyzer; `properties` are wire-format values (state/property-values.ts). */
export interface AnalyzerResource {
    urn: string;
    type: string;
    name: string;
    properties: Record<string, any>;
    parent?: string;
    provider?: { urn: string; type: string; name: string; properties: Record<string, any> };
}

export interface AnalyzerStackResource extends AnalyzerResource {
    dependencies: string[];
    propertyDependencies: Record<string, string[]>;
}

export interface AnalyzeDiagnostic {
    policyName: string;
    policyPackName: string;
    policyPackVersion: string;
    description: string;
    message: string;
    enforcementLevel: EnforcementLevel;
    /** Empty when the policy did not name a resource. */
    urn: string;
}

export interface Remediation {
    policyName: string;
    /** New properties, when the remediation changed the resource. */
    properties?: Record<string, any>;
    diagnostic: string;
}

/** What the engine tells a pack about the stack (ConfigureStack; the language host's environment for a served pack). */
export interface PackStackContext {
    organization: string;
    project: string;
    stack: string;
    dryRun: boolean;
    config: Record<string, string>;
    secretKeys: string[];
    tags: Record<string, string>;
}

/** A started policy pack. Always `close()` it. */
export interface Analyzer {
    getAnalyzerInfo(): Promise<AnalyzerInfo>;
    configure(config: Record<string, PolicyConfig>): Promise<void>;
    remediate(resource: AnalyzerResource): Promise<Remediation[]>;
    analyze(resource: AnalyzerResource): Promise<AnalyzeDiagnostic[]>;
    analyzeStack(resources: readonly AnalyzerStackResource[]): Promise<AnalyzeDiagnostic[]>;
    /** What the pack printed (its console output and errors), for `--verbose`; nothing for a pack in this process. */
    readonly output: readonly string[];
    close(): void;
}
