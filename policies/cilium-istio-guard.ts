/**
 * cilium-istio-guard as a library, the way @pulumi/awsguard is one (pulumi/pulumi-policy-aws src/awsGuard.ts): a team
 * builds its own policy pack from the rules, choosing each rule's level and options, e.g. in its pack's index.ts
 *
 *     new CiliumIstioGuard({ all: "mandatory", "eks-nodes-cilium-taint": "disabled" });
 *
 * This module is what `require("cilium-istio-guard")` loads (package.json "exports"). Importing it starts no server;
 * constructing a CiliumIstioGuard does, as `new PolicyPack` does. The ready pack is ./index.ts (package.json "main"),
 * what the Pulumi CLI runs for `pulumi preview --policy-pack node_modules/cilium-istio-guard`: run-policy-pack requires
 * the pack's directory, which Node resolves through "main" ("exports" applies to package names only).
 */
import { EnforcementLevel, Policies, PolicyPack, PolicyPackArgs, PolicyPackConfig } from "@pulumi/policy";
import { assertBuildIsCurrent } from "./build-freshness";
import { ADVISORIES_POLICY, packPolicies } from "./kit/findings";
import { Rule } from "./kit/rule-metadata";
import { policies } from "./policies";

// The engine evaluates the pack through this module, the CLI serves it through ./index.ts: either way a rule edited
// since the last build must not silently stop applying.
assertBuildIsCurrent(__filename);

export { ADVISORIES_POLICY };
export type { RuleLevel, RuleMetadata } from "./kit/rule-metadata";

/** The pack's name: what the ready pack is served as, and the default name of a pack built with CiliumIstioGuard. */
export const PACK_NAME = "cilium-istio-guard";

/** Every rule, each with what it says about itself (`metadata`: level, trigger, what breaks, fix, sources). */
export const RULES: readonly Rule[] = policies;

const LEVELS: readonly EnforcementLevel[] = ["advisory", "mandatory", "remediate", "disabled"];

/** A rule's options (what its `configSchema` declares, e.g. `rootNamespace`), with its level optionally. */
export interface RuleOptions {
    enforcementLevel?: EnforcementLevel;
    [option: string]: unknown;
}

/** For one rule: its level, or its options. */
export type RuleSetting = EnforcementLevel | RuleOptions;

/**
 * Which rules the pack runs, at which level, with which options. Keys are the rules' names (policies/README.md's
 * table, `RULES`) and `cilium-istio-guard-advisories`, the companion that reports what the rules could not check and
 * their advisory findings (level only). A rule set to "disabled" is left out of the pack.
 */
export interface CiliumIstioGuardArgs {
    /** The level of every rule not named. Default: each rule's own level. Not the companion's, which stays advisory. */
    all?: EnforcementLevel;
    [rule: string]: RuleSetting | undefined;
}

/** What `new PolicyPack(name, args, initialConfig)` is given for these settings. */
export interface CiliumIstioGuardDefinition {
    name: string;
    args: PolicyPackArgs;
    /** The rules' options; the Pulumi CLI applies `--policy-pack-config` over them. */
    initialConfig: PolicyPackConfig;
}

function checkLevel(where: string, value: unknown): EnforcementLevel {
    if (!LEVELS.includes(value as EnforcementLevel)) {
        throw new Error(
            `${where}: ${JSON.stringify(value)} is not an enforcement level; allowed: ${LEVELS.join(", ")}`,
        );
    }
    return value as EnforcementLevel;
}

/** JSON Schema's `type` of a value, for the options a rule's config schema declares. */
function jsonType(value: unknown): string {
    if (Array.isArray(value)) {
        return "array";
    }
    if (value === null) {
        return "null";
    }
    return Number.isInteger(value) ? "integer" : typeof value;
}

/** A rule's options, checked against the names and types its config schema declares. */
function checkOptions(policy: Policies[number], options: RuleOptions): Record<string, unknown> {
    const declared = policy.configSchema?.properties ?? {};
    const checked: Record<string, unknown> = {};
    for (const [option, value] of Object.entries(options)) {
        if (option === "enforcementLevel") {
            continue;
        }
        const schema = declared[option] as { type?: string } | undefined;
        if (schema === undefined) {
            const allowed = Object.keys(declared);
            throw new Error(
                `${policy.name}.${option}: not an option of ${policy.name}; ` +
                    (allowed.length
                        ? `allowed: enforcementLevel, ${allowed.join(", ")}`
                        : "it takes only enforcementLevel"),
            );
        }
        const type = jsonType(value);
        if (schema.type !== undefined && type !== schema.type && !(schema.type === "number" && type === "integer")) {
            throw new Error(`${policy.name}.${option}: ${JSON.stringify(value)} is not a ${schema.type}`);
        }
        checked[option] = value;
    }
    return checked;
}

/**
 * The pack for `args`: each rule at its level (the one named for it, else `all`, else its own), "disabled" rules left
 * out, then the companion; the options named go in the initial config. Throws, naming the key, on a rule that does not
 * exist, a level that does not, or an option the rule does not declare.
 */
export function ciliumIstioGuardDefinition(
    args: CiliumIstioGuardArgs = {},
    name: string = PACK_NAME,
): CiliumIstioGuardDefinition {
    if (typeof args !== "object" || args === null || Array.isArray(args)) {
        throw new Error(`CiliumIstioGuard args must be an object of rule names to levels, got ${JSON.stringify(args)}`);
    }
    const all = args.all === undefined ? undefined : checkLevel("all", args.all);
    const pack = packPolicies(RULES);
    const known = new Map(pack.map((p) => [p.name, p]));
    for (const key of Object.keys(args)) {
        if (key !== "all" && !known.has(key)) {
            throw new Error(`"${key}" is not a rule of ${PACK_NAME}; rules: ${[...known.keys()].sort().join(", ")}`);
        }
    }
    const initialConfig: PolicyPackConfig = {};
    const levelOf = (policy: Policies[number], fallback: EnforcementLevel): EnforcementLevel => {
        const setting = args[policy.name];
        if (setting === undefined) {
            return fallback;
        }
        if (typeof setting === "string") {
            return checkLevel(policy.name, setting);
        }
        if (typeof setting !== "object" || setting === null || Array.isArray(setting)) {
            throw new Error(
                `${policy.name}: ${JSON.stringify(setting)} is neither an enforcement level nor an object of options`,
            );
        }
        const options = checkOptions(policy, setting);
        if (Object.keys(options).length > 0) {
            initialConfig[policy.name] = options;
        }
        return setting.enforcementLevel === undefined
            ? fallback
            : checkLevel(`${policy.name}.enforcementLevel`, setting.enforcementLevel);
    };
    const chosen = pack.map((policy) => {
        // `all` sets the rules; the companion keeps its own level unless it is named.
        const fallback = "metadata" in policy ? (all ?? (policy as Rule).metadata.level) : policy.enforcementLevel;
        return { ...policy, enforcementLevel: levelOf(policy, fallback ?? "advisory") };
    });
    return {
        name,
        args: { policies: chosen.filter((p) => p.enforcementLevel !== "disabled") },
        initialConfig,
    };
}

/**
 * A CrossGuard policy pack of cilium-istio-guard's rules, each at the level and with the options `args` give it
 * (`ciliumIstioGuardDefinition`). Constructing it serves the pack, as `new PolicyPack` does: do it once, in a pack's
 * entry module.
 */
export class CiliumIstioGuard extends PolicyPack {
    constructor(args?: CiliumIstioGuardArgs);
    constructor(name: string, args?: CiliumIstioGuardArgs);
    constructor(nameOrArgs?: string | CiliumIstioGuardArgs, args?: CiliumIstioGuardArgs) {
        const definition =
            typeof nameOrArgs === "string"
                ? ciliumIstioGuardDefinition(args, nameOrArgs)
                : ciliumIstioGuardDefinition(nameOrArgs);
        super(definition.name, definition.args, definition.initialConfig);
    }
}
