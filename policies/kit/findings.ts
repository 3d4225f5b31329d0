/**
 * What a rule decides, and how it reaches the policy server through @pulumi/policy's public API.
 *
 * Rules decide in pure functions that return findings. `ReportViolation` is `(message, urn?)` and reports at the
 * level of the policy that calls it, so:
 *  - a rule, under its own name, reports its violations: they carry the rule's level (mandatory or advisory as the
 *    rule declares, or whatever `--policy-pack-config` sets for that name);
 *  - the pack's one companion policy `cilium-istio-guard-advisories`, advisory unless configured otherwise, reports
 *    what the rules could not check (unknown during preview, unreadable value files, odd shapes) and the findings
 *    they rate advisory, each message ending with the rule's name. So a preview with values unknown never fails a
 *    mandatory rule because of what it could not check.
 * The companion decides nothing itself. It is the pack's last policy, a stack policy: the server runs a pack's
 * policies in order, so in AnalyzeStack it runs after every stack rule, and it reports what they kept for this stack
 * and what the resource rules kept for its resources during Analyze, which comes first. A rule keeps its findings
 * with its own config; a disabled rule runs nothing and so keeps nothing. One companion rather than one per rule:
 * the server deserializes the whole stack again for every stack policy it runs (policies/README.md, "Levels").
 * policies/README.md ("Levels") says the same for users.
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
import { MeshOfClusters, meshOfClustersFor } from "../model/mesh-of-clusters";
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

/** The name of the pack's companion policy (module comment): an interface, like the rules' names. */
export const ADVISORIES_POLICY = "cilium-istio-guard-advisories";

/** A finding kept for the companion, with the rule that made it. */
interface Kept {
    readonly rule: string;
    readonly finding: Finding;
}

/**
 * What the rules found besides their violations, until the companion reports it. A stack rule's findings are kept
 * with the stack they are about (its URNs); a resource rule's per resource, since the server answers several Analyze
 * calls at once. Taking them clears them. (A resource judged in Analyze whose stack never reaches AnalyzeStack leaves
 * its findings behind until the same resource is judged again: one pack process serves one preview under the CLI.)
 */
class KeptFindings {
    private readonly byStackRule = new Map<string, { stack: string; findings: Finding[] }>();
    private readonly byResourceRule = new Map<string, Map<string, Finding[]>>();

    /** The rule's side: reports the violations, keeps the rest (nothing, when there is nothing else). */
    report(
        rule: string,
        about: { stack: string } | { urn: string },
        findings: readonly Finding[],
        reportViolation: ReportViolation,
    ): void {
        const others = findings.filter((f) => f.kind !== "violation");
        if ("stack" in about) {
            this.byStackRule.set(rule, { stack: about.stack, findings: others });
        } else {
            const perResource = this.byResourceRule.get(rule) ?? new Map<string, Finding[]>();
            perResource.set(about.urn, others);
            this.byResourceRule.set(rule, perResource);
        }
        for (const finding of findings) {
            if (finding.kind === "violation") {
                reportViolation(finding.message, finding.urn);
            }
        }
    }

    /** The companion's side: what the rules kept for this stack and its resources, in the order the rules ran. */
    take(stack: string, urns: readonly string[]): Kept[] {
        const kept: Kept[] = [];
        for (const [rule, perResource] of this.byResourceRule) {
            for (const urn of urns) {
                kept.push(...(perResource.get(urn) ?? []).map((finding) => ({ rule, finding })));
                perResource.delete(urn);
            }
        }
        for (const [rule, entry] of this.byStackRule) {
            if (entry.stack === stack) {
                kept.push(...entry.findings.map((finding) => ({ rule, finding })));
                this.byStackRule.delete(rule);
            }
        }
        return kept;
    }
}

const kept = new KeptFindings();

const stackKey = (args: StackValidationArgs) => args.resources.map((r) => r.urn).join("\n");

/** The pack's companion: the last of its policies (module comment). */
export const advisoriesPolicy: StackValidationPolicy = {
    name: ADVISORIES_POLICY,
    description:
        "What the pack's rules could not check (values unknown during preview, unreadable values) and the findings " +
        "they rate advisory; each message ends with the rule's name.",
    enforcementLevel: "advisory",
    validateStack: (args: StackValidationArgs, reportViolation: ReportViolation) => {
        const urns = args.resources.map((r) => r.urn);
        for (const { rule, finding } of kept.take(stackKey(args), urns)) {
            reportViolation(`${finding.message} (rule ${rule})`, finding.urn);
        }
    },
};

/** Every policy the pack serves: its rules, then the companion, which must come last. */
export function packPolicies(rules: readonly Policy[]): Policy[] {
    return [...rules, advisoriesPolicy];
}

export interface StackRuleSpec<Config extends object> extends RuleMetadata {
    configSchema?: PolicyConfigSchema;
    /** Decides from one cluster's mesh model; pure. */
    evaluate(model: MeshModel, config: Config): Finding[];
}

export interface MeshRuleSpec<Config extends object> extends RuleMetadata {
    configSchema?: PolicyConfigSchema;
    /** Decides from every cluster the judged resources hold (policies/model/mesh-of-clusters.ts); pure. */
    evaluate(mesh: MeshOfClusters, config: Config): Finding[];
}

/**
 * A stack policy deciding from `decide`. An UnknownValueError that escapes the readers becomes an advisory rather
 * than a crash.
 */
function stackPolicy<Config extends object>(
    metadata: RuleMetadata,
    configSchema: PolicyConfigSchema | undefined,
    decide: (resources: StackValidationArgs["resources"], config: Config) => Finding[],
): Rule<StackValidationPolicy> {
    return {
        ...policyFields(metadata),
        configSchema,
        metadata,
        validateStack: (args: StackValidationArgs, reportViolation: ReportViolation) => {
            let findings: Finding[];
            try {
                findings = decide(args.resources, args.getConfig<Config>());
            } catch (error) {
                if (!(error instanceof UnknownValueError)) {
                    throw error;
                }
                findings = [{ kind: "unchecked", message: `Could not check the stack: ${error.message}.` }];
            }
            kept.report(metadata.name, { stack: stackKey(args) }, findings, reportViolation);
        },
    };
}

/**
 * A stack policy deciding from a cluster's mesh model (built once per cluster, mesh-model.ts). When the judged
 * resources hold several clusters (a mesh stack, or several stacks' exports judged together), it judges each cluster
 * on its own and its messages name the cluster.
 */
export function stackRule<Config extends object>(spec: StackRuleSpec<Config>): Rule<StackValidationPolicy> {
    const { configSchema, evaluate, ...metadata } = spec;
    return stackPolicy<Config>(metadata, configSchema, (resources, config) => {
        const { members } = meshOfClustersFor(resources);
        if (members.length <= 1) {
            return evaluate(members[0]?.model ?? meshModelFor(resources), config);
        }
        return members.flatMap((member) =>
            evaluate(member.model, config).map((finding) => ({
                ...finding,
                message: `In cluster "${member.name}": ${finding.message}`,
            })),
        );
    });
}

/** A stack policy deciding from every cluster at once: what must hold across the clusters of a mesh. */
export function meshRule<Config extends object>(spec: MeshRuleSpec<Config>): Rule<StackValidationPolicy> {
    const { configSchema, evaluate, ...metadata } = spec;
    return {
        ...stackPolicy<Config>(metadata, configSchema, (resources, config) =>
            evaluate(meshOfClustersFor(resources), config),
        ),
        acrossClusters: true,
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
            kept.report(
                metadata.name,
                { urn: args.urn },
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
