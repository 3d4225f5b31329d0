/**
 * Asks a policy pack about a stack the way the engine does during `pulumi preview --policy-pack <dir>`
 * (pulumi/pulumi pkg/resource/deploy/step_generator.go and pkg/resource/plugin/analyzer_plugin.go):
 *
 * 1. start the pack (./in-process-pack.ts, or with `--served` ./served-pack.ts), ConfigureStack, GetAnalyzerInfo;
 * 2. reconcile `--policy-pack-config` with the pack's schemas and Configure (engine/analyzer/policy-pack-config.ts);
 * 3. per resource: Remediate (only worth a call when some policy's level is `remediate`; the pack skips every other
 *    policy there), then Analyze on its inputs (the provider-checked inputs; here the registered ones) with its
 *    provider; a diagnostic belongs to the analyzed resource whatever URN it names ("we always use the URN we have");
 * 4. once: AnalyzeStack on every resource's outputs, with parent, dependencies and property dependencies; a stack
 *    diagnostic naming no resource of the stack is attributed to the root Stack (AttributeStackDiagnostics).
 */
import { AnalyzeDiagnostic, Analyzer, AnalyzerResource, EnforcementLevel } from "./analyzer";
import { PolicyConfigEntry, reconcilePolicyPackConfig } from "./policy-pack-config";
import { stateToAnalyzerWire } from "../state/property-values";
import { ResourceV3, parseProviderReference, parseUrn } from "../state/stack-export";

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
    packOutput: readonly string[];
}

export interface EvaluationOptions {
    /**
     * The pack, being started as early as the caller could (a served pack's start-up overlaps the caller's own
     * work). The evaluation closes it, whatever happens.
     */
    pack: Promise<Analyzer>;
    /** Parsed `--policy-pack-config`, if given. */
    policyPackConfig: Record<string, PolicyConfigEntry>;
    warn(message: string): void;
}

/**
 * Analyze calls in flight at once, in a sliding window, so that a served pack always has calls queued: it answers
 * one at a time and sends its answers in bursts (BENCHMARKS.md). A pack in this process answers each call before
 * the next one starts, whatever the window.
 */
const CONCURRENCY = 256;

async function inWindow<T>(items: readonly T[], fn: (item: T) => Promise<void>): Promise<void> {
    let next = 0;
    const worker = async () => {
        while (next < items.length) {
            await fn(items[next++]);
        }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, items.length) }, worker));
}

function props(value: Record<string, any> | undefined): Record<string, any> {
    return stateToAnalyzerWire(value ?? {}) as Record<string, any>;
}

export function rootStackUrn(resources: readonly ResourceV3[]): string {
    const root = resources.find((r) => r.type === "pulumi:pulumi:Stack");
    if (root) {
        return root.urn;
    }
    const { stack, project } = parseUrn(resources[0].urn);
    return `urn:pulumi:${stack}::${project}::pulumi:pulumi:Stack::${project}-${stack}`;
}

/** Stops a pack that is being started once it has started (or lets its failure to start pass unreported). */
export function closeWhenStarted(pack: Promise<Analyzer>): void {
    pack.then(
        (started) => started.close(),
        () => undefined,
    );
}

/** Describes each resource as the engine does to an analyzer, each provider described once. */
function describer(resources: readonly ResourceV3[]) {
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const providers = new Map<string, AnalyzerResource["provider"]>();
    const providerOf = (r: ResourceV3): AnalyzerResource["provider"] => {
        const urn = r.provider ? parseProviderReference(r.provider).urn : undefined;
        const provider = urn ? byUrn.get(urn) : undefined;
        if (!provider) {
            return undefined;
        }
        if (!providers.has(provider.urn)) {
            providers.set(provider.urn, {
                urn: provider.urn,
                type: provider.type,
                name: parseUrn(provider.urn).name,
                properties: props(provider.inputs),
            });
        }
        return providers.get(provider.urn);
    };
    return (r: ResourceV3, properties: Record<string, any>): AnalyzerResource => {
        const described: AnalyzerResource = {
            urn: r.urn,
            type: r.type,
            name: parseUrn(r.urn).name,
            properties,
            parent: r.parent,
        };
        const provider = providerOf(r);
        if (provider) {
            described.provider = provider;
        }
        return described;
    };
}

export async function evaluatePolicyPack(
    resources: readonly ResourceV3[],
    options: EvaluationOptions,
): Promise<PolicyEvaluation> {
    const urns = new Set(resources.map((r) => r.urn));
    const describe = describer(resources);
    // Described before the pack is awaited: a served pack is still starting then, and the engine would only wait.
    const stackResources = resources.map((r) => ({
        ...describe(r, props(r.outputs ?? r.inputs)),
        dependencies: r.dependencies ?? [],
        propertyDependencies: r.propertyDependencies ?? {},
    }));
    const pack = await options.pack;
    try {
        const info = await pack.getAnalyzerInfo();
        const config = reconcilePolicyPackConfig(info, options.policyPackConfig, options.warn);
        if (Object.keys(config).length > 0) {
            await pack.configure(config);
        }
        const remediates = Object.values(config).some((c) => c.enforcementLevel === "remediate");

        const violations: Violation[] = [];
        const record = (d: AnalyzeDiagnostic, urn: string) =>
            violations.push({ policy: d.policyName, level: d.enforcementLevel, urn, message: d.message });

        await inWindow(resources, async (r) => {
            // Described when its turn comes: the inputs of a large stack are not all held at once.
            let resource = describe(r, props(r.inputs ?? r.outputs));
            if (remediates) {
                for (const remediation of await pack.remediate(resource)) {
                    if (remediation.diagnostic) {
                        violations.push({
                            policy: remediation.policyName,
                            level: "advisory",
                            urn: r.urn,
                            message: remediation.diagnostic,
                        });
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
        const stackDiagnostics = await pack.analyzeStack(stackResources);
        for (const d of stackDiagnostics) {
            record(d, urns.has(d.urn) ? d.urn : root);
        }
        return { packName: info.name, packVersion: info.version, violations, packOutput: pack.output };
    } finally {
        pack.close();
    }
}
