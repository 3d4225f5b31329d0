/**
 * Asks a policy pack about a stack the way the engine does during `pulumi preview --policy-pack <dir>`
 * (pulumi/pulumi pkg/resource/deploy/step_generator.go and pkg/resource/plugin/analyzer_plugin.go):
 *
 * 1. start the pack (tools/analyzer-client.ts), ConfigureStack, GetAnalyzerInfo;
 * 2. reconcile `--policy-pack-config` with the pack's schemas and Configure (tools/policy-pack-config.ts);
 * 3. per resource: Remediate (only worth a call when some policy's level is `remediate`; the pack skips every other
 *    policy there), then Analyze on its inputs (the provider-checked inputs; here the registered ones) with its
 *    provider; a diagnostic belongs to the analyzed resource whatever URN it names ("we always use the URN we have");
 * 4. once: AnalyzeStack on every resource's outputs, with parent, dependencies and property dependencies; a stack
 *    diagnostic naming no resource of the stack is attributed to the root Stack (AttributeStackDiagnostics).
 */
import { PackStackContext, PolicyPackProcess, AnalyzeDiagnostic, AnalyzerResource, EnforcementLevel } from "./analyzer-client";
import { PolicyConfigEntry, reconcilePolicyPackConfig } from "./policy-pack-config";
import { stateToAnalyzerWire } from "./property-values";
import { ResourceV3, parseProviderReference, parseUrn } from "./stack-export";

export interface Violation {
    policy: string;
    level: EnforcementLevel;
    urn: string;
    message: string;
}

export interface PolicyEvaluation {
    packName: string;
    packVersion: string;
    violations: Violation[];
    /** What the pack printed while it ran (its console output and errors). */
    packOutput: string[];
}

export interface EvaluationOptions {
    packDir: string;
    context: PackStackContext;
    /** Parsed `--policy-pack-config`, if given. */
    policyPackConfig: Record<string, PolicyConfigEntry>;
    warn(message: string): void;
}

/** Calls in flight at once: the pack answers one at a time, this only keeps its queue full. */
const CONCURRENCY = 64;

async function inBatches<T, R>(items: readonly T[], fn: (item: T) => Promise<R>): Promise<R[]> {
    const results: R[] = [];
    for (let i = 0; i < items.length; i += CONCURRENCY) {
        results.push(...await Promise.all(items.slice(i, i + CONCURRENCY).map(fn)));
    }
    return results;
}

function props(value: Record<string, any> | undefined): Record<string, any> {
    return (stateToAnalyzerWire(value ?? {}) as Record<string, any>);
}

export function rootStackUrn(resources: readonly ResourceV3[]): string {
    const root = resources.find((r) => r.type === "pulumi:pulumi:Stack");
    if (root) {
        return root.urn;
    }
    const { stack, project } = parseUrn(resources[0].urn);
    return `urn:pulumi:${stack}::${project}::pulumi:pulumi:Stack::${project}-${stack}`;
}

export async function evaluatePolicyPack(resources: readonly ResourceV3[], options: EvaluationOptions): Promise<PolicyEvaluation> {
    const pack = await PolicyPackProcess.start(options.packDir, options.context);
    try {
        const info = await pack.getAnalyzerInfo();
        const config = reconcilePolicyPackConfig(info, options.policyPackConfig, options.warn);
        if (Object.keys(config).length > 0) {
            await pack.configure(config);
        }
        const remediates = Object.values(config).some((c) => c.enforcementLevel === "remediate");

        const byUrn = new Map(resources.map((r) => [r.urn, r]));
        const describe = (r: ResourceV3, properties: Record<string, any>): AnalyzerResource => {
            const described: AnalyzerResource = { urn: r.urn, type: r.type, name: parseUrn(r.urn).name, properties, parent: r.parent };
            const provider = r.provider ? byUrn.get(parseProviderReference(r.provider).urn) : undefined;
            if (provider) {
                described.provider = { urn: provider.urn, type: provider.type, name: parseUrn(provider.urn).name, properties: props(provider.inputs) };
            }
            return described;
        };

        const violations: Violation[] = [];
        const record = (d: AnalyzeDiagnostic, urn: string) =>
            violations.push({ policy: d.policyName, level: d.enforcementLevel, urn, message: d.message });

        await inBatches(resources, async (r) => {
            let resource = describe(r, props(r.inputs ?? r.outputs));
            if (remediates) {
                for (const remediation of await pack.remediate(resource)) {
                    if (remediation.diagnostic) {
                        violations.push({ policy: remediation.policyName, level: "advisory", urn: r.urn, message: remediation.diagnostic });
                    } else if (remediation.properties) {
                        resource = { ...resource, properties: remediation.properties };
                    }
                }
            }
            for (const d of await pack.analyze(resource)) {
                record(d, r.urn);
            }
        });

        const root = rootStackUrn(resources);
        const stackDiagnostics = await pack.analyzeStack(resources.map((r) => ({
            ...describe(r, props(r.outputs ?? r.inputs)),
            dependencies: r.dependencies ?? [],
            propertyDependencies: r.propertyDependencies ?? {},
        })));
        for (const d of stackDiagnostics) {
            record(d, byUrn.has(d.urn) ? d.urn : root);
        }
        return { packName: info.name, packVersion: info.version, violations, packOutput: pack.output };
    } finally {
        pack.close();
    }
}
