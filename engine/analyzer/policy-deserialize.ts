/**
 * Wire-format properties into the values a policy sees, as @pulumi/policy 1.21.0's server turns them (its
 * deserialize.js `deserializeProperties(struct, false)`, used for Analyze and AnalyzeStack): secrets opened, unknowns
 * left as the SDK's sentinel strings (the server's proxy throws when a policy reads one), assets and archives made
 * into @pulumi/pulumi's asset objects, any other signature refused, properties whose value is undefined dropped.
 *
 * Why not call deserialize.js itself: it requires the whole @pulumi/pulumi index and the policy server with gRPC,
 * a second of start-up for `check`, which otherwise loads neither. The asset classes are loaded only when a value
 * holds an asset; they are the module @pulumi/pulumi's index exports as `asset`, so a policy's `instanceof` holds.
 * test/policy-deserialize.spec.ts compares this with deserialize.js on secrets, unknowns, assets and archives.
 */
import type * as PulumiAsset from "@pulumi/pulumi/asset";

import { ARCHIVE_SIG, ASSET_SIG, SECRET_SIG, SIG_KEY } from "../state/property-values";

let assets: typeof PulumiAsset | undefined;
// eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first asset only (above)
const assetModule = (): typeof PulumiAsset => (assets ??= require("@pulumi/pulumi/asset"));

function deserializeProperty(prop: unknown): unknown {
    if (prop === undefined) {
        throw new Error("unexpected undefined property value during deserialization");
    }
    if (prop === null || typeof prop !== "object") {
        return prop;
    }
    if (Array.isArray(prop)) {
        return prop.map(deserializeProperty);
    }
    const object = prop as Record<string, any>;
    const sig = object[SIG_KEY];
    if (sig) {
        switch (sig) {
            case ASSET_SIG: {
                const asset = assetModule();
                if (object.path) {
                    return new asset.FileAsset(object.path);
                } else if (object.text) {
                    return new asset.StringAsset(object.text);
                } else if (object.uri) {
                    return new asset.RemoteAsset(object.uri);
                }
                throw new Error("Invalid asset encountered when unmarshaling resource property");
            }
            case ARCHIVE_SIG: {
                const asset = assetModule();
                if (object.assets) {
                    const members: Record<string, PulumiAsset.Asset | PulumiAsset.Archive> = {};
                    for (const name of Object.keys(object.assets)) {
                        const member = deserializeProperty(object.assets[name]);
                        if (!asset.Asset.isInstance(member) && !asset.Archive.isInstance(member)) {
                            throw new Error(
                                "Expected an AssetArchive's assets to be unmarshaled Asset or Archive objects",
                            );
                        }
                        members[name] = member;
                    }
                    return new asset.AssetArchive(members);
                } else if (object.path) {
                    return new asset.FileArchive(object.path);
                } else if (object.uri) {
                    return new asset.RemoteArchive(object.uri);
                }
                throw new Error("Invalid archive encountered when unmarshaling resource property");
            }
            case SECRET_SIG:
                return deserializeProperty(object.value);
            default:
                throw new Error(`Unrecognized signature '${sig}' when unmarshaling resource property`);
        }
    }
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(object)) {
        out[key] = deserializeProperty(object[key]);
    }
    return out;
}

/** A resource's (or provider's) wire-format properties as a policy sees them, before the unknown-checking proxy. */
export function deserializeProperties(properties: Record<string, unknown>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(properties)) {
        if (properties[key] !== undefined) {
            out[key] = deserializeProperty(properties[key]);
        }
    }
    return out;
}
