/**
 * What a rule decides, and how it reaches the policy server.
 *
 * Rules decide in pure functions that return findings; the policy objects only hand those to `reportViolation`:
 *  - a `violation` goes out as a plain message, so it carries the rule's enforcement level (mandatory or advisory as
 *    the rule declares, or whatever `--policy-pack-config` sets);
 *  - an `advisory` (a finding the rule rates advisory inside a mandatory rule) and an `unchecked` (what the rule could
 *    not check: unknown during preview, unreadable value files, odd shapes) always go out as advisories. The server's
 *    reportViolation accepts an object `{message, urn, enforcementLevel}` for that (pulumi-policy server.js
 *    makeReportViolationFun), which the public `ReportViolation` type does not declare.
 */
import {
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
} from "@pulumi/policy";
import { Rule, RuleMetadata, policyFields } from "./rule-metadata";
import { MeshModel, meshModelFor } from "../model/mesh-model";
import { UnknownValueError } from "../model/property-reader";
import { SourceRef, describeSource } from "../model/resources";

export interface Finding {
    readonly kind: "violation" | "advisory" | "unchecked";
    /** The resource it is about; undefined for the stack as a whole. */
    readonly urn?: string;
    readonly message: string;
}

export function violation(source: SourceRef, message: string): Finding {
    return { kind: "violation", urn: source.urn, message };
}

export function advisory(source: SourceRef, message: string): Finding {
    return { kind: "advisory", urn: source.urn, message };
}

/** "Could not check <what> on <resource>: <why>." */
export function unchecked(source: SourceRef, what: string, why: string): Finding {
    return {
        kind: "unchecked",
        urn: source.urn,
        message: `Could not check ${what} on ${describeSource(source)}: ${why}.`,
    };
}

/** The object form of a violation that the policy server accepts (server.js makeReportViolationFun). */
interface LeveledViolation {
    message: string;
    urn?: string;
    enforcementLevel: EnforcementLevel;
}

export function reportFindings(findings: readonly Finding[], reportViolation: ReportViolation): void {
    const reportLeveled = reportViolation as unknown as (violation: LeveledViolation) => void;
    for (const finding of findings) {
        if (finding.kind === "violation") {
            reportViolation(finding.message, finding.urn);
        } else {
            reportLeveled({ message: finding.message, urn: finding.urn, enforcementLevel: "advisory" });
        }
    }
}

export interface StackRuleSpec<Config extends object> extends RuleMetadata {
    configSchema?: PolicyConfigSchema;
    /** Decides from the stack's mesh model; pure. */
    evaluate(model: MeshModel, config: Config): Finding[];
}

/**
 * A stack policy deciding from the stack's mesh model (built once per stack, mesh-model.ts). An UnknownValueError
 * that escapes the readers becomes an advisory rather than a crash.
 */
export function stackRule<Config extends object>(spec: StackRuleSpec<Config>): Rule<StackValidationPolicy> {
    const { configSchema, evaluate, ...metadata } = spec;
    return {
        ...policyFields(metadata),
        configSchema,
        metadata,
        validateStack: (args: StackValidationArgs, reportViolation: ReportViolation) => {
            let findings: Finding[];
            try {
                findings = evaluate(meshModelFor(args.resources), args.getConfig<Config>());
            } catch (error) {
                if (!(error instanceof UnknownValueError)) {
                    throw error;
                }
                findings = [{ kind: "unchecked", message: `Could not check the stack: ${error.message}.` }];
            }
            reportFindings(findings, reportViolation);
        },
    };
}

export interface ResourceRuleSpec extends RuleMetadata {
    /** Decides from one resource's inputs; pure. */
    evaluate(resource: { type: string; urn: string; name: string; props: unknown }): Finding[];
}

/** A resource policy: judged on each resource's inputs, as `pulumi preview` sends them. */
export function resourceRule(spec: ResourceRuleSpec): Rule<ResourceValidationPolicy> {
    const { evaluate, ...metadata } = spec;
    return {
        ...policyFields(metadata),
        metadata,
        validateResource: (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
            reportFindings(
                evaluate({ type: args.type, urn: args.urn, name: args.name, props: args.props }),
                reportViolation,
            );
        },
    };
}

/** "a, b and 2 more": lists in messages stay short on stacks with thousands of resources. */
export function listShort(items: readonly string[], max = 3): string {
    if (items.length <= max) {
        return items.join("; ");
    }
    return `${items.slice(0, max).join("; ")} and ${items.length - max} more`;
}
