/**
 * The part `plan` and `check` share once they hold a stack's resources: ask the policy pack as the CLI would,
 * predict the demo's connectivity, print the report, and pick the exit code (1 on any mandatory violation).
 */
import { CommandIO, ExitCode } from "./command-line";
import { PackStackContext } from "./analyzer-client";
import { predictConnectivity } from "./connectivity";
import { evaluatePolicyPack } from "./policy-evaluation";
import { PolicyConfigEntry } from "./policy-pack-config";
import { stateToPlain } from "./property-values";
import { buildReport, hasMandatoryViolation, renderJson, renderText } from "./report";
import { ResourceV3, parseUrn } from "./stack-export";

export interface GateOptions {
    title: string;
    packDir: string;
    context: PackStackContext;
    policyPackConfig: Record<string, PolicyConfigEntry>;
    json: boolean;
    verbose: boolean;
    io: CommandIO;
}

/** The resources as the mesh model reads them: plain props (the stack's final state, as AnalyzeStack sees it). */
export function modelResources(resources: readonly ResourceV3[]): { type: string; urn: string; name: string; props: any }[] {
    return resources.map((r) => ({
        type: r.type, urn: r.urn, name: parseUrn(r.urn).name, props: stateToPlain(r.outputs ?? r.inputs ?? {}),
    }));
}

export async function gateStack(resources: readonly ResourceV3[], options: GateOptions): Promise<ExitCode> {
    const evaluation = await evaluatePolicyPack(resources, {
        packDir: options.packDir,
        context: options.context,
        policyPackConfig: options.policyPackConfig,
        warn: (message) => options.io.stderr(`warning: ${message}\n`),
    });
    if (options.verbose && evaluation.packOutput.length > 0) {
        options.io.stderr(`policy pack ${evaluation.packName}@${evaluation.packVersion} printed:\n${evaluation.packOutput.join("")}\n`);
    }
    const report = buildReport(options.context.stack, resources, evaluation.violations, predictConnectivity(modelResources(resources)));
    options.io.stdout(options.json ? renderJson(report) : renderText(report, `${options.title} (policy pack ${evaluation.packName}@${evaluation.packVersion})`));
    return hasMandatoryViolation(report) ? ExitCode.Violation : ExitCode.Ok;
}
