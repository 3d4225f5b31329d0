/**
 * What a rule decides, and how it reaches the policy server through @pulumi/policy's public API.
 *
 * Rules decide in pure functions that return findings. `ReportViolation` is `(message, urn?)` and reports at the
 * level of the policy that calls it, so a rule is two policies:
 *  - the rule itself, under its own name, reports its violations: they carry the rule's level (mandatory or advisory
 *    as the rule declares, or whatever `--policy-pack-config` sets for that name);
 *  - its companion `<rule>-advisories`, advisory unless configured otherwise, reports what the rule could not check
 *    (unknown during preview, unreadable value files, odd shapes) and the findings the rule rates advisory. So a
 *    preview with values unknown never fails a mandatory rule because of what it could not check.
 * The companion does not decide anything itself: it reports what its rule found in the same Analyze or AnalyzeStack
 * call, just before it (the server runs a pack's policies in order, one after the other), with the rule's own config.
 * A disabled rule runs nothing, so its companion then reports nothing; a disabled companion silences only the
 * advisories. policies/README.md ("Levels") says the same for users.
 */
import {
    Policy,
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

/** A rule of the pack, with the companion policy that reports its advisories (see the module comment). */
export type GuardRule<P extends Policy> = Rule<P> & { readonly advisories: P };

/** The name of a rule's companion. Rule names are an interface; so is this suffix. */
export function advisoriesName(rule: string): string {
    return `${rule}-advisories`;
}

/** Every policy the pack serves: each rule followed by its companion, which must run right after it. */
export function packPolicies(rules: readonly GuardRule<Policy>[]): Policy[] {
    return rules.flatMap((rule) => [rule, rule.advisories]);
}

function companionFields(metadata: RuleMetadata): Pick<Policy, "name" | "description" | "enforcementLevel"> {
    return {
        name: advisoriesName(metadata.name),
        description: `What ${metadata.name} could not check, and the findings it rates advisory.`,
        enforcementLevel: "advisory",
    };
}

/**
 * What a rule found besides its violations, for its companion to report. Keyed by what the call is about (the
 * stack's URNs, or the resource's URN): the server answers several Analyze calls at once, and their policies
 * interleave wherever one waits, so the rule's findings for one resource must not be taken for another's.
 */
class Handover {
    private readonly pending = new Map<string, Finding[]>();

    /** The rule's side: reports the violations, keeps the rest. */
    report(key: string, findings: readonly Finding[], reportViolation: ReportViolation): void {
        this.pending.set(
            key,
            findings.filter((f) => f.kind !== "violation"),
        );
        for (const finding of findings) {
            if (finding.kind === "violation") {
                reportViolation(finding.message, finding.urn);
            }
        }
    }

    /** The companion's side: reports what its rule kept for the same stack or resource. */
    take(key: string, reportViolation: ReportViolation): void {
        const findings = this.pending.get(key) ?? [];
        this.pending.delete(key);
        for (const finding of findings) {
            reportViolation(finding.message, finding.urn);
        }
    }
}

const stackKey = (args: StackValidationArgs) => args.resources.map((r) => r.urn).join("\n");

export interface StackRuleSpec<Config extends object> extends RuleMetadata {
    configSchema?: PolicyConfigSchema;
    /** Decides from the stack's mesh model; pure. */
    evaluate(model: MeshModel, config: Config): Finding[];
}

/**
 * A stack policy deciding from the stack's mesh model (built once per stack, mesh-model.ts). An UnknownValueError
 * that escapes the readers becomes an advisory rather than a crash.
 */
export function stackRule<Config extends object>(spec: StackRuleSpec<Config>): GuardRule<StackValidationPolicy> {
    const { configSchema, evaluate, ...metadata } = spec;
    const handover = new Handover();
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
            handover.report(stackKey(args), findings, reportViolation);
        },
        advisories: {
            ...companionFields(metadata),
            validateStack: (args: StackValidationArgs, reportViolation: ReportViolation) =>
                handover.take(stackKey(args), reportViolation),
        },
    };
}

export interface ResourceRuleSpec extends RuleMetadata {
    /** Decides from one resource's inputs; pure. */
    evaluate(resource: { type: string; urn: string; name: string; props: unknown }): Finding[];
}

/** A resource policy: judged on each resource's inputs, as `pulumi preview` sends them. */
export function resourceRule(spec: ResourceRuleSpec): GuardRule<ResourceValidationPolicy> {
    const { evaluate, ...metadata } = spec;
    const handover = new Handover();
    return {
        ...policyFields(metadata),
        metadata,
        validateResource: (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
            handover.report(
                args.urn,
                evaluate({ type: args.type, urn: args.urn, name: args.name, props: args.props }),
                reportViolation,
            );
        },
        advisories: {
            ...companionFields(metadata),
            validateResource: (args: ResourceValidationArgs, reportViolation: ReportViolation) =>
                handover.take(args.urn, reportViolation),
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
