/**
 * The part `plan` and `check` share once they hold a stack's resources: ask the policy pack as the CLI would,
 * predict connectivity (the probes asked for, else the demo's checks, else the default matrix), print the report,
 * and pick the exit code (1 on any mandatory violation).
 */
import * as fs from "fs";
import * as path from "path";
import { CommandIO, ExitCode, ParsedFlags, UsageError, singleValue } from "./command-line";
import { Analyzer, PackStackContext } from "./analyzer/analyzer";
import { InProcessPack, PackDefinition, packVersion } from "./analyzer/in-process-pack";
import { ServedPack } from "./analyzer/served-pack";
import {
    ConnectivityPrediction,
    MAX_PREDICTED_PAIRS,
    PairFilters,
    predictForGate,
} from "cilium-istio-guard/connectivity/connectivity";
import { Probe, ProbeError } from "cilium-istio-guard/connectivity/probe";
import { readProbeFlags } from "./probe-flags";
import { evaluatePolicyPack } from "./analyzer/policy-evaluation";
import { PolicyConfigEntry, parsePolicyPackConfig } from "./analyzer/policy-pack-config";
import { stateToPlain } from "./state/property-values";
import { RuleDocumentation, buildReport, hasMandatoryViolation, renderJson, renderText } from "./report/report";
import { gateReview } from "./report/review";
import { reviewFormat, writeReviewReport } from "./report/review-document";
import { namespaceDataPlanes, summarizeStack } from "./report/stack-summary";
import { meshModelFor } from "cilium-istio-guard/model/mesh-model";
import { ResourceV3, parseProviderReference, parseUrn } from "./state/stack-export";
import { StackResource } from "cilium-istio-guard/model/resources";
import { screenValues } from "./state/value-screen";

/** Where a policy pack is, and how to evaluate it in this process. */
export interface PackLocation {
    /** Its directory (PulumiPolicy.yaml, package.json): what `--served` starts, and where its version is read. */
    dir: string;
    /** What its entry gives `new PolicyPack(...)`, for evaluation in this process; a pack without it is only served. */
    definition?: () => Promise<Omit<PackDefinition, "version">>;
}

export interface GateOptions {
    title: string;
    stack: string;
    /** The pack, being started by the caller as early as it could (see EvaluationOptions.pack); the gate closes it. */
    pack: Promise<Analyzer>;
    policyPackConfig: Record<string, PolicyConfigEntry>;
    json: boolean;
    verbose: boolean;
    /** `--probe` and `--probes FILE`: the requests to predict instead of the demo's checks or the default matrix. */
    probes: readonly Probe[];
    /** `--from` and `--to`: namespaces the demo's checks and the default matrix are narrowed to. */
    filters: PairFilters;
    /** `--report FILE.md|FILE.html`: where to write the review report too (each file in the format it names). */
    reports: readonly string[];
    io: CommandIO;
    /** Secret values from outside the resources (secret stack config), redacted like the resources' own. */
    secretConfig?: readonly string[];
}

/**
 * What plan and check read from the flags they share: `--policy-pack DIR`, `--policy-pack-config FILE`, `--json`,
 * `--served`, `--verbose`, `--probe`, `--probes FILE`, `--from`, `--to`, `--report FILE`.
 */
export type GateFlags = Pick<
    GateOptions,
    "policyPackConfig" | "json" | "verbose" | "probes" | "filters" | "reports"
> & {
    served: boolean;
    /** `--policy-pack DIR`: a pack directory, which only serving can evaluate (its entry constructs the pack). */
    policyPack?: PackLocation;
};

/**
 * The pack, ready to be asked: evaluated in this process (the default), or with `served` (or for a pack known only by
 * its directory) started in its own process as the Pulumi CLI starts it and spoken to over gRPC. Either rejects when
 * the pack cannot start.
 */
export async function startPack(location: PackLocation, context: PackStackContext, served: boolean): Promise<Analyzer> {
    if (served || !location.definition) {
        return ServedPack.start(location.dir, context);
    }
    const definition = await location.definition();
    return new InProcessPack({ ...definition, version: packVersion(location.dir) }, context);
}

/** Reads them; a config or probes file that cannot be read or parsed is a usage error, raised before anything runs. */
export function readGateFlags(flags: ParsedFlags): GateFlags {
    const policyPack = singleValue(flags, "policy-pack");
    const reports = flags.values.get("report") ?? [];
    reports.forEach(reviewFormat);
    return {
        policyPack: policyPack === undefined ? undefined : { dir: path.resolve(policyPack) },
        reports,
        policyPackConfig: readPolicyPackConfigFile(singleValue(flags, "policy-pack-config")),
        json: flags.switches.has("json"),
        served: flags.switches.has("served"),
        verbose: flags.switches.has("verbose"),
        ...readProbeFlags(flags),
    };
}

export function readPolicyPackConfigFile(file: string | undefined): Record<string, PolicyConfigEntry> {
    if (file === undefined) {
        return {};
    }
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (err) {
        throw new UsageError(`cannot read --policy-pack-config ${file}: ${(err as Error).message}`);
    }
    return parsePolicyPackConfig(text, file);
}

/**
 * The resources as the mesh model reads them: plain props (the stack's final state, as AnalyzeStack sees it), and
 * each resource's provider with its inputs, as the policy server hands `PolicyResource.provider` (a Kubernetes
 * provider's `namespace` is the default namespace of its objects).
 */
export function modelResources(resources: readonly ResourceV3[]): StackResource[] {
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    return resources.map((r) => {
        const provider = r.provider === undefined ? undefined : byUrn.get(parseProviderReference(r.provider).urn);
        return {
            type: r.type,
            urn: r.urn,
            name: parseUrn(r.urn).name,
            props: stateToPlain(r.outputs ?? r.inputs ?? {}),
            provider: provider && {
                type: provider.type,
                urn: provider.urn,
                props: stateToPlain(provider.inputs ?? provider.outputs ?? {}),
            },
            // Parents attribute a resource to its cluster in a mesh (policies/model/clusters.ts).
            parent: r.parent === undefined ? undefined : { urn: r.parent },
        };
    });
}

/**
 * The intended public home of the project; its README holds each rule's section under the rule's name. The installed
 * pack's README is the same file, so the link works offline.
 */
export const PUBLIC_PACK_README = "https://github.com/eks-cilium-istio/eks-cilium-istio/blob/main/policies/README.md";

/** Each rule of cilium-istio-guard is documented in a section of the pack's README named after it. */
async function packRuleDocumentation(): Promise<RuleDocumentation> {
    const { RULES } = await import("cilium-istio-guard");
    const names = new Set(RULES.map((r) => r.name));
    const readme = path.join(path.dirname(require.resolve("cilium-istio-guard/package.json")), "README.md");
    return (rule) =>
        names.has(rule) ? { installed: `${readme}#${rule}`, public: `${PUBLIC_PACK_README}#${rule}` } : undefined;
}

export async function gateStack(resources: readonly ResourceV3[], options: GateOptions): Promise<ExitCode> {
    // Every warning and printed text goes through the stack's secrets (state/secret-values.ts).
    const warnings: string[] = [];
    const secrets = screenValues(resources, (message) => warnings.push(message));
    for (const value of options.secretConfig ?? []) {
        secrets.add(value);
    }
    const warn = (message: string) => options.io.stderr(`warning: ${secrets.redact(message)}\n`);
    warnings.forEach(warn);
    const evaluating = evaluatePolicyPack(resources, {
        pack: options.pack,
        policyPackConfig: options.policyPackConfig,
        warn,
    });
    // Predicted here while the pack starts in its own process; on a failure the evaluation still closes the pack.
    // One list for the predictor and the report's summary, so that both read the one mesh model (memoized by it).
    const modelled = modelResources(resources);
    let connectivity: ConnectivityPrediction;
    try {
        connectivity = predictForGate(modelled, {
            probes: options.probes,
            filters: options.filters,
            maxPairs: MAX_PREDICTED_PAIRS,
        });
    } catch (err) {
        await evaluating.catch(() => undefined);
        // A probe naming what the stack does not have: the message names it, exit 2 without a stack trace.
        throw err instanceof ProbeError ? new UsageError(err.message) : err;
    }
    const evaluation = await evaluating;
    if (options.verbose && evaluation.packOutput.length > 0) {
        options.io.stderr(
            secrets.redact(
                `policy pack ${evaluation.packName}@${evaluation.packVersion} printed:\n${evaluation.packOutput.join("")}\n`,
            ),
        );
    }
    if (connectivity.omitted) {
        options.io.stderr(`note: ${secrets.redact(connectivity.omitted)}\n`);
    }
    const violations = evaluation.violations.map((v) => ({ ...v, message: secrets.redact(v.message) }));
    const redactReasons = <T extends { reason: string }>(answers: readonly T[]) =>
        answers.map((a) => ({ ...a, reason: secrets.redact(a.reason) }));
    const predicted: ConnectivityPrediction =
        connectivity.kind === "demo"
            ? { ...connectivity, answers: redactReasons(connectivity.answers) }
            : { ...connectivity, answers: redactReasons(connectivity.answers) };
    const model = meshModelFor(modelled);
    const report = buildReport(options.stack, resources, violations, predicted, {
        summary: summarizeStack(options.stack, resources, model),
        dataPlanes: namespaceDataPlanes(model),
        documentation: await packRuleDocumentation(),
    });
    const title = `${options.title} (policy pack ${evaluation.packName}@${evaluation.packVersion})`;
    options.io.stdout(options.json ? renderJson(report) : renderText(report, title, options.verbose));
    for (const file of options.reports) {
        options.io.stderr(`${writeReviewReport(file, gateReview(report, title))}
`);
    }
    return hasMandatoryViolation(report) ? ExitCode.Violation : ExitCode.Ok;
}
