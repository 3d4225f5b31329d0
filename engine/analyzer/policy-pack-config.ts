/**
 * `--policy-pack-config FILE`, read and reconciled exactly as the Pulumi CLI does before it calls the pack's
 * Configure (pulumi/pulumi pkg/resource/analyzer/config.go: parsePolicyPackConfig, ReconcilePolicyPackConfig):
 *
 * - the file is a JSON object keyed by policy name; a value is an enforcement level string or an object with an
 *   optional `enforcementLevel` and the policy's properties; the key `all` sets the level of every policy;
 * - the result starts from each policy's level and the `default`s of its config schema, then the pack's initial
 *   config, then the file (the `all` level first, then per policy), and is validated against each policy's schema,
 *   here with `additionalProperties: false` (an option a policy does not declare is refused, naming the policy);
 * - Configure is skipped when the result is empty, and refused for an entry without a valid level
 *   (analyzer_plugin.go Configure), which is what a property-only entry for a policy the pack lacks ends up as.
 */
import type AjvClass from "ajv";
import { UsageError } from "../command-line";
import { AnalyzerInfo, ENFORCEMENT_LEVELS, EnforcementLevel, PolicyConfig } from "./analyzer";

/** A policy's entry in the file before reconciliation: either part may be missing. */
export interface PolicyConfigEntry {
    enforcementLevel?: EnforcementLevel;
    properties?: Record<string, any>;
}

function isLevel(value: unknown): value is EnforcementLevel {
    return typeof value === "string" && (ENFORCEMENT_LEVELS as readonly string[]).includes(value);
}

/** Parses the file's text; throws a UsageError naming the policy and the bad value. */
export function parsePolicyPackConfig(text: string, file: string): Record<string, PolicyConfigEntry> {
    if (text.trim() === "") {
        return {}; // the CLI accepts an empty file
    }
    let doc: unknown;
    try {
        doc = JSON.parse(text);
    } catch (err) {
        throw new UsageError(`${file} is not JSON: ${(err as Error).message}`);
    }
    if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
        throw new UsageError(`${file} must be a JSON object keyed by policy name`);
    }
    const levels = ENFORCEMENT_LEVELS.join(", ");
    const result: Record<string, PolicyConfigEntry> = {};
    for (const [name, value] of Object.entries(doc)) {
        if (name === "environments") {
            throw new UsageError(
                `${file}: "environments" names Pulumi ESC environments, which cannot be opened offline`,
            );
        }
        if (typeof value === "string") {
            if (!isLevel(value)) {
                throw new UsageError(`${file}: ${name}: "${value}" is not an enforcement level; allowed: ${levels}`);
            }
            result[name] = { enforcementLevel: value };
        } else if (typeof value === "object" && value !== null && !Array.isArray(value)) {
            const { enforcementLevel, ...properties } = value as Record<string, unknown>;
            if (enforcementLevel !== undefined && !isLevel(enforcementLevel)) {
                throw new UsageError(
                    `${file}: ${name}.enforcementLevel: ${JSON.stringify(enforcementLevel)} is not an enforcement level; allowed: ${levels}`,
                );
            }
            const entry: PolicyConfigEntry = {};
            if (enforcementLevel !== undefined) {
                entry.enforcementLevel = enforcementLevel;
            }
            if (Object.keys(properties).length > 0) {
                entry.properties = properties;
            }
            if (entry.enforcementLevel !== undefined || entry.properties !== undefined) {
                result[name] = entry; // the CLI drops empty entries
            }
        } else {
            throw new UsageError(
                `${file}: ${name}: ${JSON.stringify(value)} is not valid; give a level string or an object`,
            );
        }
    }
    return result;
}

function applyConfig(result: Record<string, PolicyConfigEntry>, toApply: Record<string, PolicyConfigEntry>): void {
    const all = toApply.all?.enforcementLevel;
    if (all !== undefined) {
        for (const name of Object.keys(result)) {
            result[name] = { ...result[name], enforcementLevel: all };
        }
    }
    for (const [name, given] of Object.entries(toApply)) {
        const current = result[name] ?? {};
        result[name] = {
            enforcementLevel: given.enforcementLevel ?? current.enforcementLevel,
            properties: given.properties ? { ...current.properties, ...given.properties } : current.properties,
        };
    }
}

/**
 * The config to send with Configure: schema defaults, the pack's initial config and the file merged and validated.
 * Unknown policy names with a level pass (the CLI ignores them); `warn` is told about them.
 */
export function reconcilePolicyPackConfig(
    info: AnalyzerInfo,
    given: Record<string, PolicyConfigEntry>,
    warn: (message: string) => void,
): Record<string, PolicyConfig> {
    const result: Record<string, PolicyConfigEntry> = {};
    for (const policy of info.policies) {
        const defaults = Object.entries(policy.configSchema?.properties ?? {})
            .filter(([, schema]) => schema !== null && typeof schema === "object" && "default" in schema)
            .map(([key, schema]) => [key, (schema as { default: unknown }).default]);
        result[policy.name] = {
            enforcementLevel: policy.enforcementLevel,
            properties: defaults.length > 0 ? Object.fromEntries(defaults) : undefined,
        };
    }
    applyConfig(result, info.initialConfig);
    applyConfig(result, given);

    const known = new Set(info.policies.map((p) => p.name));
    for (const name of Object.keys(given)) {
        if (name !== "all" && !known.has(name)) {
            warn(`policy pack config names "${name}", which pack ${info.name} does not have`);
        }
    }

    // Required here rather than on import: plan imports this module before it spawns a served pack.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- required on use (above)
    const Ajv: typeof AjvClass = require("ajv").default;
    const ajv = new Ajv({ allErrors: true, strict: false });
    const errors: string[] = [];
    for (const policy of info.policies) {
        const properties = result[policy.name].properties ?? {};
        const declared = policy.configSchema?.properties ?? {};
        // Stricter than the CLI, whose schema leaves other properties open: an option the policy does not declare
        // (a misspelt one, or any option of a policy that takes none) would otherwise be ignored without a word.
        const undeclared = Object.keys(properties).filter((key) => !(key in declared));
        if (undeclared.length > 0) {
            const takes = Object.keys(declared);
            errors.push(
                `${policy.name}: unknown option${undeclared.length > 1 ? "s" : ""} ${undeclared.map((k) => JSON.stringify(k)).join(", ")}; ` +
                    (takes.length > 0
                        ? `it takes ${takes.map((k) => JSON.stringify(k)).join(", ")} (and enforcementLevel)`
                        : "it takes no options besides enforcementLevel"),
            );
            continue;
        }
        if (!policy.configSchema) {
            continue;
        }
        const validate = ajv.compile({
            type: "object",
            properties: policy.configSchema.properties,
            required: policy.configSchema.required ?? [],
            additionalProperties: false,
        });
        if (!validate(properties)) {
            for (const e of validate.errors ?? []) {
                errors.push(`${policy.name}: ${e.instancePath || "(root)"} ${e.message}`);
            }
        }
    }
    if (errors.length > 0) {
        throw new UsageError(`policy pack config is invalid:\n  ${errors.join("\n  ")}`);
    }

    const config: Record<string, PolicyConfig> = {};
    for (const [name, entry] of Object.entries(result)) {
        if (entry.enforcementLevel === undefined) {
            throw new UsageError(
                `policy pack config: "${name}" is not a policy of ${info.name} and has no enforcement level`,
            );
        }
        config[name] = { enforcementLevel: entry.enforcementLevel, properties: entry.properties };
    }
    return config;
}
