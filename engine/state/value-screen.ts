/**
 * One pass over every property value of a stack (state form, state/property-values.ts) before it is judged, so that
 * odd values are judged as values a rule cannot read instead of crashing the evaluation, and so that the secrets are
 * known:
 *
 * - a value nested deeper than MAX_VALUE_DEPTH, a string longer than MAX_STRING_LENGTH, a secret whose plaintext is
 *   not JSON (a `pulumi stack export --show-secrets` plaintext always is), and an object with a signature the engine
 *   does not know or an asset, archive or resource reference missing what makes it one, are each replaced by an
 *   unknown value: the rules that read it report it as could-not-check, and a warning names the resource and the
 *   field (never the value). The limits keep every later step (protobuf, the policy server's deserializer, the
 *   gRPC transport of `--served`, whose HTTP/2 session refuses a single message of some 17 MB) within what it can do.
 * - every secret's plaintext is collected, so that nothing printed shows it (./secret-values.ts).
 *
 * The walk is iterative, so no nesting exhausts the call stack here; it replaces values in place (the resources are
 * the engine's own copy, parsed from a file or written from the mock runtime).
 */
import { ResourceV3 } from "./stack-export";
import { ARCHIVE_SIG, ASSET_SIG, RESOURCE_SIG, SECRET_SIG, SIG_KEY, UNKNOWN, isObject } from "./property-values";
import { SecretValues } from "./secret-values";

/** Levels of objects and lists in one property value. Kubernetes objects and Helm values use a few dozen at most. */
export const MAX_VALUE_DEPTH = 100;
/** Characters in one string value: 1 MiB, the most a Kubernetes ConfigMap or Secret holds (etcd's own limit is 1.5). */
export const MAX_STRING_LENGTH = 1024 * 1024;

function fieldPath(path: readonly (string | number)[]): string {
    return path.map((key, i) => (typeof key === "number" ? `[${key}]` : i === 0 ? key : `.${key}`)).join("");
}

const nonEmptyString = (value: unknown) => typeof value === "string" && value !== "";

/** Why a signed object is not what its signature says, or undefined when it is well formed. */
function signatureProblem(value: Record<string, any>): string | undefined {
    switch (value[SIG_KEY]) {
        case SECRET_SIG:
            return undefined; // checked by the caller, which needs its plaintext
        case RESOURCE_SIG:
            return nonEmptyString(value.urn) ? undefined : "a resource reference without a URN";
        case ASSET_SIG:
            return ["path", "text", "uri"].some((k) => nonEmptyString(value[k]))
                ? undefined
                : "an asset without a path, text or URI";
        case ARCHIVE_SIG:
            if (isObject(value.assets)) {
                return Object.values(value.assets).every(
                    (m) => isObject(m) && (m[SIG_KEY] === ASSET_SIG || m[SIG_KEY] === ARCHIVE_SIG),
                )
                    ? undefined
                    : "an archive whose assets are not all assets or archives";
            }
            return ["path", "uri"].some((k) => nonEmptyString(value[k]))
                ? undefined
                : "an archive without assets, a path or a URI";
        default:
            return `an object with an unknown signature`;
    }
}

interface Pending {
    holder: Record<string | number, unknown>;
    key: string | number;
    path: (string | number)[];
    depth: number;
}

/** Screens `holder[key]` and everything below it, in place. */
function screenTree(urn: string, root: Pending, secrets: SecretValues, warn: (message: string) => void): void {
    const stack: Pending[] = [root];
    while (stack.length > 0) {
        const { holder, key, path, depth } = stack.pop()!;
        const value = holder[key];
        const replace = (problem: string) => {
            holder[key] = UNKNOWN;
            warn(`${urn}: ${fieldPath(path)} is ${problem}; judged as a value that cannot be read`);
        };
        if (typeof value === "string") {
            if (value.length > MAX_STRING_LENGTH) {
                replace(
                    `a string of ${value.length.toLocaleString("en-US")} characters, over the limit of ` +
                        `${MAX_STRING_LENGTH.toLocaleString("en-US")}`,
                );
            }
            continue;
        }
        if (typeof value !== "object" || value === null) {
            continue;
        }
        if (depth >= MAX_VALUE_DEPTH) {
            replace(`nested more than ${MAX_VALUE_DEPTH} levels deep, over the limit`);
            continue;
        }
        if (isObject(value) && SIG_KEY in value) {
            if (value[SIG_KEY] !== SECRET_SIG) {
                const problem = signatureProblem(value);
                if (problem) {
                    replace(problem);
                }
                continue;
            }
            if (typeof value.plaintext !== "string") {
                continue; // a ciphertext: nothing here can decrypt it, and the analyzer form makes it unknown
            }
            let plain: unknown;
            try {
                plain = JSON.parse(value.plaintext);
            } catch {
                secrets.add(value.plaintext);
                holder[key] = { [SIG_KEY]: SECRET_SIG, plaintext: JSON.stringify(UNKNOWN) };
                warn(
                    `${urn}: ${fieldPath(path)} is a secret whose plaintext is not JSON (\`pulumi stack export ` +
                        `--show-secrets\` writes JSON); judged as a value that cannot be read`,
                );
                continue;
            }
            secrets.add(plain);
            // The plaintext screened as a value of its own, at the secret's depth, and written back.
            const inner: Record<string, unknown> = { value: plain };
            screenTree(urn, { holder: inner, key: "value", path, depth }, secrets, warn);
            value.plaintext = JSON.stringify(inner.value);
            continue;
        }
        const keys: (string | number)[] = Array.isArray(value) ? value.map((_, i) => i) : Object.keys(value);
        for (const k of keys) {
            stack.push({
                holder: value as Record<string | number, unknown>,
                key: k,
                path: [...path, k],
                depth: depth + 1,
            });
        }
    }
}

/**
 * Screens the inputs and outputs of every resource (module comment). `warn` gets one line per replaced value; the
 * result knows every secret's plaintext.
 */
export function screenValues(resources: readonly ResourceV3[], warn: (message: string) => void): SecretValues {
    const secrets = new SecretValues();
    for (const resource of resources) {
        const holder = resource as unknown as Record<string, unknown>;
        for (const field of ["inputs", "outputs"] as const) {
            if (holder[field] !== undefined) {
                screenTree(resource.urn, { holder, key: field, path: [field], depth: 0 }, secrets, warn);
            }
        }
    }
    return secrets;
}
