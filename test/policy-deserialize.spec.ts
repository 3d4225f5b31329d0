/**
 * engine/analyzer/policy-deserialize.ts against the code it follows, @pulumi/policy's own deserialize.js (what the
 * policy server runs on every Analyze and AnalyzeStack): the same values out of the same wire-format properties —
 * secrets opened, unknowns kept, assets and archives as @pulumi/pulumi's classes — and the same refusals.
 */
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { deserializeProperties } from "../engine/analyzer/policy-deserialize";
import { SECRET_SIG, SIG_KEY, UNKNOWN } from "../engine/state/property-values";

// eslint-disable-next-line @typescript-eslint/no-require-imports -- the server's own module, untyped (@internal)
const server = require("@pulumi/policy/deserialize");
const theirs = (props: Record<string, unknown>) => server.deserializeProperties({ toJavaScript: () => props }, false);

const ASSET_SIG = "c44067f5952c0a294b673a41bacd8c17";
const ARCHIVE_SIG = "0def7320c3a5731c473e5ecbe6d01bc7";

const secret = (value: unknown) => ({ [SIG_KEY]: SECRET_SIG, value });
const asset = (fields: Record<string, unknown>) => ({ [SIG_KEY]: ASSET_SIG, ...fields });
const archive = (fields: Record<string, unknown>) => ({ [SIG_KEY]: ARCHIVE_SIG, ...fields });

const CASES: [string, Record<string, unknown>][] = [
    ["plain values", { a: 1, b: "x", c: true, d: null, e: [1, "two", [3]], f: { g: { h: [] } } }],
    ["secrets, nested and in lists", { token: secret("s3cr3t"), list: [secret({ k: secret(2) })] }],
    ["unknowns, kept as the SDK's sentinel", { host: UNKNOWN, nested: { list: [UNKNOWN] } }],
    ["a secret that is unknown", { token: secret(UNKNOWN) }],
    ["undefined at the top level, dropped", { kept: 1, dropped: undefined }],
    [
        "assets",
        {
            file: asset({ path: "/tmp/x" }),
            text: asset({ text: "hello" }),
            remote: asset({ uri: "https://example.com/x" }),
        },
    ],
    [
        "archives",
        {
            members: archive({ assets: { a: asset({ text: "a" }), b: archive({ path: "/tmp/b" }) } }),
            file: archive({ path: "/tmp/a.zip" }),
            remote: archive({ uri: "https://example.com/a.zip" }),
        },
    ],
];

describe("policy values deserialized as @pulumi/policy's server does", () => {
    for (const [what, props] of CASES) {
        it(what, () => {
            assert.deepStrictEqual(deserializeProperties(props), theirs(props));
        });
    }

    it("makes assets and archives of @pulumi/pulumi's own classes, so a policy's instanceof holds", () => {
        const out = deserializeProperties(CASES[5][1]) as Record<string, unknown>;
        assert.ok(out.file instanceof pulumi.asset.FileAsset);
        assert.ok(out.text instanceof pulumi.asset.StringAsset);
        assert.ok(out.remote instanceof pulumi.asset.RemoteAsset);
        const archives = deserializeProperties(CASES[6][1]) as Record<string, unknown>;
        assert.ok(archives.members instanceof pulumi.asset.AssetArchive);
    });

    for (const [what, props] of [
        ["an unknown signature", { x: { [SIG_KEY]: "not-a-signature" } }],
        ["an asset without path, text or uri", { x: asset({}) }],
        ["an archive without assets, path or uri", { x: archive({}) }],
        ["an archive member that is not an asset", { x: archive({ assets: { a: 1 } }) }],
        ["undefined inside an object", { x: { y: undefined } }],
    ] as [string, Record<string, unknown>][]) {
        it(`refuses ${what} with the server's message`, () => {
            let expected: Error | undefined;
            try {
                theirs(props);
            } catch (err) {
                expected = err as Error;
            }
            assert.ok(expected, "the server refuses it");
            assert.throws(() => deserializeProperties(props), { message: expected.message });
        });
    }
});
