/**
 * What a rule says about itself. Each rule file declares it once; the pack's policy (name, description, level,
 * remediation steps), the README's rule table (kit/rule-table.ts) and the pack's spec are all built from it, so none
 * of them is kept by hand.
 */
import { Policy } from "@pulumi/policy";

export type RuleLevel = "mandatory" | "advisory";

export interface RuleMetadata {
    /** The policy's name: part of the interface (`--policy-pack-config`, CI logs). Also the rule's file name. */
    readonly name: string;
    /** The level it reports at unless `--policy-pack-config` says otherwise. */
    readonly level: RuleLevel;
    /** One sentence: what must hold. The policy's description. */
    readonly description: string;
    /** When it reports: the stack state it rejects (or, for an advisory rule, warns about). */
    readonly trigger: string;
    /** What breaks on a cluster in that state, and why. */
    readonly breaks: string;
    /** How to fix it: the values or objects that make it pass. The policy's remediation steps. */
    readonly fix: string;
    /**
     * Where the behaviour it relies on is established: upstream issues as `owner/repo#N`, upstream files as
     * `owner/repo path@tag`, documentation URLs, or this repository's `docs/` pages (which cite upstream in turn).
     */
    readonly sources: readonly string[];
}

/**
 * A policy of the pack together with what it says about itself. `acrossClusters`: a stack rule that judges every
 * cluster of the judged resources at once (kit/findings.ts `meshRule`) rather than each cluster on its own.
 */
export type Rule<P extends Policy = Policy> = P & { readonly metadata: RuleMetadata; readonly acrossClusters?: true };

/** The policy fields that come from the metadata. */
export function policyFields(
    metadata: RuleMetadata,
): Pick<Policy, "name" | "description" | "enforcementLevel" | "remediationSteps"> {
    return {
        name: metadata.name,
        description: metadata.description,
        enforcementLevel: metadata.level,
        remediationSteps: metadata.fix,
    };
}
