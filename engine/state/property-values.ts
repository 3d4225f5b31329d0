/**
 * Property values in the two encodings the offline engine moves between:
 *
 * - wire form: what the SDK sends the engine and the engine sends an analyzer (gRPC Struct JSON). Secrets are
 *   `{<sig>: SECRET, value}`, unknowns the string UNKNOWN (pulumi/pulumi sdk/nodejs/runtime/rpc.ts).
 * - state form: what `pulumi stack export` writes (apitype ResourceV3; SecretV1 in sdk/go/common/apitype/core.go).
 *   Secrets are `{<sig>: SECRET, ciphertext}` or, exported with --show-secrets, `{<sig>: SECRET, plaintext: <JSON>}`;
 *   resource references `{<sig>: RESOURCE, urn, id?, packageVersion?}`.
 *
 * Analyzers get wire form with secrets and unknowns kept but no resource references: the engine marshals their
 * properties with KeepUnknowns, KeepSecrets and SkipInternalKeys only (analyzer_plugin.go Analyze/AnalyzeStack), so a
 * reference travels as its ID, or its URN when it has no ID (the SDK decodes the same way, rpc.ts specialResourceSig).
 */
import type * as PulumiSdk from "@pulumi/pulumi";

export const SIG_KEY = "4dabf18193072939515e22adb298388d";
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
export const RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e";
export const ASSET_SIG = "c44067f5952c0a294b673a41bacd8c17";
export const ARCHIVE_SIG = "0def7320c3a5731c473e5ecbe6d01bc7";
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** A JSON object (not null, not a list): the shape of a stack's resources and of every property map in them. */
export function isObject(value: unknown): value is Record<string, any> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Wire form (as the mock monitor recorded it) to state form. The SDK rebuilds resource references into live
 * Resource objects when their package registered a module; those are written back as references. A value unknown in
 * a preview (the SDK's `unknown`) is written as UNKNOWN, as `pulumi preview --json` writes it.
 */
export async function wireToState(value: unknown): Promise<unknown> {
    // Loaded here, not at the top: only the plan, which has run a program on the SDK, writes state; `check`, which
    // imports this module too, would otherwise load the whole SDK for nothing.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on use (above)
    const pulumi: typeof PulumiSdk = require("@pulumi/pulumi");
    if (Array.isArray(value)) {
        return Promise.all(value.map(wireToState));
    }
    if (pulumi.isUnknown(value)) {
        return UNKNOWN;
    }
    if (pulumi.Resource.isInstance(value)) {
        const urn = await new Promise<string>((resolve) => value.urn.apply(resolve));
        const ref: Record<string, unknown> = { [SIG_KEY]: RESOURCE_SIG, urn };
        if (pulumi.CustomResource.isInstance(value)) {
            ref.id = await new Promise<string>((resolve) => value.id.apply(resolve));
        }
        return ref;
    }
    if (!isObject(value)) {
        return value;
    }
    if (value[SIG_KEY] === SECRET_SIG) {
        // No secrets provider offline: write the plaintext form `pulumi stack export --show-secrets` uses.
        return { [SIG_KEY]: SECRET_SIG, plaintext: JSON.stringify(await wireToState(value.value)) };
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
        out[k] = await wireToState(v);
    }
    return out;
}

/** State form to the wire form an analyzer receives (see the module comment). */
export function stateToAnalyzerWire(value: unknown): unknown {
    if (Array.isArray(value)) {
        return value.map(stateToAnalyzerWire);
    }
    if (!isObject(value)) {
        return value;
    }
    switch (value[SIG_KEY]) {
        case SECRET_SIG:
            // A ciphertext cannot be decrypted here: the policy sees an unknown (its proxy reports it as such).
            return {
                [SIG_KEY]: SECRET_SIG,
                value: typeof value.plaintext === "string" ? stateToAnalyzerWire(JSON.parse(value.plaintext)) : UNKNOWN,
            };
        case RESOURCE_SIG:
            return typeof value.id === "string" && value.id !== "" ? value.id : value.urn;
        default: {
            const out: Record<string, unknown> = {};
            for (const [k, v] of Object.entries(value)) {
                if (!k.startsWith("__")) {
                    // SkipInternalKeys
                    out[k] = stateToAnalyzerWire(v);
                }
            }
            return out;
        }
    }
}

/** State form to plain values for our own readers (the connectivity model): secrets opened, references as URNs. */
export function stateToPlain(value: unknown): unknown {
    const wire = stateToAnalyzerWire(value);
    const unwrap = (v: unknown): unknown => {
        if (Array.isArray(v)) {
            return v.map(unwrap);
        }
        if (!isObject(v)) {
            return v;
        }
        if (v[SIG_KEY] === SECRET_SIG) {
            return unwrap(v.value);
        }
        return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unwrap(x)]));
    };
    return unwrap(wire);
}
