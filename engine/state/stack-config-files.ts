/**
 * Reads a Pulumi project the way the CLI does before it runs the program: `Pulumi.yaml` (name, runtime, main,
 * stackConfigDir, project-level config defaults), `Pulumi.<stack>.yaml` (the stack's config) and `--config KEY=VALUE`
 * overrides, into the flat `namespace:key -> string` map the language host hands the program in `PULUMI_CONFIG`.
 * The project file's attributes: https://www.pulumi.com/docs/iac/concepts/projects/project-file/ (the nearest folder
 * upwards holding `Pulumi.yaml` or `Pulumi.yml` is the project: https://www.pulumi.com/docs/iac/concepts/projects/).
 *
 * Conversions follow the CLI: keys without a namespace belong to the project; scalars become strings; objects and
 * arrays are JSON (pulumi.Config's getObject parses them back); `secure:` values are secrets. The offline plan has no
 * secrets provider to decrypt them, so a secure value becomes a placeholder and is still marked secret.
 */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { UsageError } from "../command-line";

/** What a `secure:` value reads as offline (no secrets provider can decrypt it here). */
export const SECURE_PLACEHOLDER = "[secure value: not decrypted by the offline plan]";

/**
 * Provider settings that are credentials: secret however they are given (a stack file's plain value, `--config`), as
 * the AWS provider treats them (@pulumi/aws provider.js wraps accessKey, secretKey and token in `pulumi.secret` and
 * lists them in additionalSecretOutputs).
 */
export const CREDENTIAL_KEYS: ReadonlySet<string> = new Set(["aws:accessKey", "aws:secretKey", "aws:token"]);

export interface PulumiProject {
    /** Directory holding Pulumi.yaml. */
    dir: string;
    name: string;
    description?: string;
    /** Program entry relative to `dir` (Pulumi.yaml `main`); undefined means the directory itself, as under the CLI. */
    main?: string;
    /** Where the `Pulumi.<stack>.yaml` files are (Pulumi.yaml `stackConfigDir`, relative to `dir`); default `dir`. */
    stackConfigDir: string;
    /** The nodejs runtime's `typescript` option: false means the program is plain JavaScript. Default true. */
    typescript: boolean;
    /** Project-level config defaults from Pulumi.yaml `config:`, already namespaced. */
    defaults: Record<string, string>;
}

/** The project file's names, in the order the CLI looks for them. */
const PROJECT_FILES = ["Pulumi.yaml", "Pulumi.yml"];

/** The runtime the mock runtime runs (the Pulumi Node.js SDK's). */
const RUNTIME = "nodejs";

export interface StackConfig {
    /** `namespace:key` -> value as the program's pulumi.Config sees it. */
    values: Record<string, string>;
    /**
     * Keys whose values are secret (from `secure:`, and the provider credentials CREDENTIAL_KEYS), as the CLI lists
     * them in PULUMI_CONFIG_SECRET_KEYS.
     */
    secretKeys: string[];
}

function readYaml(file: string): unknown {
    try {
        return YAML.parse(fs.readFileSync(file, "utf8"));
    } catch (err) {
        throw new UsageError(`cannot read ${file}: ${(err as Error).message}`);
    }
}

function isRecord(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function namespacedKey(project: string, key: string): string {
    return key.includes(":") ? key : `${project}:${key}`;
}

/** A config value as the CLI stores it for the program: a string, JSON for structured values. */
function configString(value: unknown): string {
    return typeof value === "string" ? value : JSON.stringify(value);
}

function projectFileIn(dir: string): string | undefined {
    return PROJECT_FILES.map((name) => path.join(dir, name)).find((file) => fs.existsSync(file));
}

/** The project `from` is in: the nearest folder at or above it holding a project file, as the CLI finds it. */
export function findProjectDir(from: string): string {
    for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
        if (projectFileIn(dir) !== undefined) {
            return dir;
        }
        if (path.dirname(dir) === dir) {
            throw new UsageError(
                `no Pulumi.yaml in ${path.resolve(from)} or any folder above it; run in a Pulumi project's folder`,
            );
        }
    }
}

/** Pulumi.yaml `runtime`: a name, or `{name, options}`. Only nodejs programs run on this SDK's mock runtime. */
function readRuntime(file: string, runtime: unknown): { typescript: boolean } {
    const name = isRecord(runtime) ? runtime.name : runtime;
    if (name !== RUNTIME) {
        throw new UsageError(
            `${file}: runtime ${JSON.stringify(name ?? null)} cannot be planned; allowed: ${RUNTIME} (TypeScript or ` +
                "JavaScript programs: the plan runs them on the Pulumi Node.js SDK's mock runtime)",
        );
    }
    const typescript = isRecord(runtime) && isRecord(runtime.options) ? runtime.options.typescript : undefined;
    if (typescript !== undefined && typeof typescript !== "boolean") {
        throw new UsageError(
            `${file}: runtime.options.typescript must be true or false, got ${JSON.stringify(typescript)}`,
        );
    }
    return { typescript: typescript ?? true };
}

/** A path attribute of Pulumi.yaml (`main`, `stackConfigDir`): a string, or absent. */
function optionalPath(file: string, doc: Record<string, unknown>, key: string): string | undefined {
    const value = doc[key];
    if (value !== undefined && (typeof value !== "string" || value === "")) {
        throw new UsageError(`${file}: "${key}" must be a path relative to the project, got ${JSON.stringify(value)}`);
    }
    return value as string | undefined;
}

export function readProject(dir: string): PulumiProject {
    const file = projectFileIn(dir);
    if (file === undefined) {
        throw new UsageError(`no Pulumi.yaml in ${dir}`);
    }
    const doc = readYaml(file);
    if (!isRecord(doc) || typeof doc.name !== "string" || doc.name === "") {
        throw new UsageError(`${file}: "name" must be a non-empty string`);
    }
    const { typescript } = readRuntime(file, doc.runtime);
    const defaults: Record<string, string> = {};
    // Pulumi.yaml `config:` takes a value directly or a declaration with `default` (or `value`) per key.
    for (const [key, decl] of Object.entries(isRecord(doc.config) ? doc.config : {})) {
        const value = isRecord(decl) ? (decl.default ?? decl.value) : decl;
        if (value !== undefined) {
            defaults[namespacedKey(doc.name, key)] = configString(value);
        }
    }
    return {
        dir,
        name: doc.name,
        description: typeof doc.description === "string" ? doc.description : undefined,
        main: optionalPath(file, doc, "main"),
        stackConfigDir: path.join(dir, optionalPath(file, doc, "stackConfigDir") ?? ""),
        typescript,
        defaults,
    };
}

/** Stacks that have a `Pulumi.<stack>.yaml` in the project's stack config folder. */
export function listStacks(project: PulumiProject): string[] {
    if (!fs.existsSync(project.stackConfigDir)) {
        return [];
    }
    return fs
        .readdirSync(project.stackConfigDir)
        .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
        .filter((s): s is string => s !== undefined)
        .sort();
}

/** Splits one `--config KEY=VALUE` flag. */
export function parseConfigOverride(project: string, flag: string): [string, string] {
    const eq = flag.indexOf("=");
    if (eq <= 0) {
        throw new UsageError(`--config expects KEY=VALUE (e.g. ${project}:demoStage=l4), got "${flag}"`);
    }
    return [namespacedKey(project, flag.slice(0, eq)), flag.slice(eq + 1)];
}

/** Project defaults, then the stack file, then `--config` overrides (later wins, as with the CLI). */
export function loadStackConfig(project: PulumiProject, stack: string, overrides: readonly string[]): StackConfig {
    const file = path.join(project.stackConfigDir, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(file)) {
        const known = listStacks(project);
        throw new UsageError(`no stack "${stack}": ${file} does not exist; stacks here: ${known.join(", ") || "none"}`);
    }
    const doc = readYaml(file) ?? {};
    if (!isRecord(doc) || (doc.config !== undefined && !isRecord(doc.config))) {
        throw new UsageError(`${file}: "config" must be a map of keys to values`);
    }
    const values: Record<string, string> = { ...project.defaults };
    const secretKeys = new Set<string>();
    for (const [key, raw] of Object.entries(doc.config ?? {})) {
        const name = namespacedKey(project.name, key);
        if (isRecord(raw) && typeof raw.secure === "string") {
            values[name] = SECURE_PLACEHOLDER;
            secretKeys.add(name);
        } else {
            values[name] = configString(raw);
        }
    }
    for (const flag of overrides) {
        const [name, value] = parseConfigOverride(project.name, flag);
        values[name] = value;
        secretKeys.delete(name);
    }
    for (const key of Object.keys(values)) {
        if (CREDENTIAL_KEYS.has(key)) {
            secretKeys.add(key);
        }
    }
    return { values, secretKeys: [...secretKeys].sort() };
}

/**
 * Rejects keys of the project's own namespace that the program does not know (a typo would otherwise be silently
 * ignored by pulumi.Config). Keys of other namespaces (`aws:region`) belong to providers and pass.
 */
export function rejectUnknownKeys(project: string, config: StackConfig, knownKeys: readonly string[]): void {
    const known = new Set(knownKeys.map((k) => namespacedKey(project, k)));
    for (const key of Object.keys(config.values)) {
        if (key.startsWith(`${project}:`) && !known.has(key)) {
            throw new UsageError(`unknown config key "${key}"; known keys: ${[...known].sort().join(", ")}`);
        }
    }
}
