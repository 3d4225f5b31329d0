/**
 * Reads the files `npm run check` accepts, into the resources of one stack:
 * - a `pulumi stack export` document, deployment version 3 (`{version: 3, deployment: {manifest, resources}}`);
 * - the JSON `pulumi preview --json` prints (pulumi/pulumi pkg/display/json.go previewDigest: `{steps: [{op, urn,
 *   oldState?, newState?}], ...}`, each state an apitype.ResourceV3). The stack a preview would leave is the
 *   `newState` of every step that has one; deletions carry only `oldState` and are left out.
 * Anything else is refused with a message that says which of the two shapes was expected and what was found.
 */
import * as fs from "fs";
import * as path from "path";
import { UsageError } from "../command-line";
import { isObject } from "./property-values";
import { ResourceV3, parseUrn } from "./stack-export";

export interface StackResources {
    /** Which of the two formats the file was. */
    format: "stack-export" | "preview";
    /** The stack name, from the URNs. */
    stack: string;
    resources: ResourceV3[];
}

/**
 * Checks one ResourceV3's required fields (urn, type) and the shapes of the optional ones the engine reads; `null`
 * for an optional field reads as absent (Go's encoding/json, which wrote the file, reads it so). Its property values
 * are not checked here: odd values are judged (state/value-screen.ts).
 */
function checkResource(value: unknown, where: string): ResourceV3 {
    if (!isObject(value)) {
        throw new UsageError(`${where} is not an object`);
    }
    if (typeof value.urn !== "string") {
        throw new UsageError(`${where} has no "urn"`);
    }
    try {
        parseUrn(value.urn);
    } catch (err) {
        throw new UsageError(`${where}: ${(err as Error).message}`);
    }
    const resource: Record<string, any> = {};
    for (const [key, field] of Object.entries(value)) {
        if (field !== null) {
            resource[key] = field;
        }
    }
    const at = `${where} (${value.urn})`;
    if (typeof resource.type !== "string") {
        throw new UsageError(`${at} has no "type"`);
    }
    for (const key of ["inputs", "outputs", "propertyDependencies"]) {
        if (resource[key] !== undefined && !isObject(resource[key])) {
            throw new UsageError(`${at}: "${key}" must be an object, not ${describe(resource[key])}`);
        }
    }
    const isUrnList = (list: unknown) => Array.isArray(list) && list.every((d: unknown) => typeof d === "string");
    if (resource.dependencies !== undefined && !isUrnList(resource.dependencies)) {
        throw new UsageError(`${at}: "dependencies" must be a list of URNs`);
    }
    for (const [property, urns] of Object.entries(resource.propertyDependencies ?? {})) {
        if (!isUrnList(urns)) {
            throw new UsageError(
                `${at}: "propertyDependencies"."${property}" must be a list of URNs, not ${describe(urns)}`,
            );
        }
    }
    for (const key of ["parent", "provider", "id"]) {
        if (resource[key] !== undefined && typeof resource[key] !== "string") {
            throw new UsageError(`${at}: "${key}" must be a string, not ${describe(resource[key])}`);
        }
    }
    return { ...resource, custom: resource.custom === true } as ResourceV3;
}

function describe(value: unknown): string {
    return value === null ? "null" : Array.isArray(value) ? "a list" : `a ${typeof value}`;
}

/** Ops whose step removes the resource from the stack (pkg/resource/deploy/step.go). */
const REMOVING_OPS = new Set([
    "delete",
    "delete-replaced",
    "discard",
    "discard-replaced",
    "read-discard",
    "remove-pending-replace",
]);

/**
 * JSON.parse's complaint without the text it quotes (V8 quotes the file around the error, which may hold a secret),
 * and with its position as line and column.
 */
function jsonError(err: Error, text: string): string {
    return err.message
        .replace(/, ".*"(\.\.\.)? is not valid JSON$/s, "")
        .replace(/ at position (\d+)$/, (_, at: string) => {
            const before = text.slice(0, Number(at)).split("\n");
            return ` at line ${before.length}, column ${before[before.length - 1].length + 1}`;
        });
}

/** The limits of what check reads, stated in its messages and the README ("Security"). */
export const MAX_FILE_BYTES = 512 * 1024 * 1024;

export function parseStateDocument(text: string, file: string): StackResources {
    let doc: unknown;
    try {
        doc = JSON.parse(text);
    } catch (err) {
        throw new UsageError(`${file} is not JSON: ${jsonError(err as Error, text)}`);
    }
    const expected = `expected a \`pulumi stack export\` document ({"version": 3, "deployment": {...}}) or \`pulumi preview --json\` output ({"steps": [...]})`;
    if (!isObject(doc)) {
        throw new UsageError(`${file}: ${expected}; found ${Array.isArray(doc) ? "an array" : typeof doc}`);
    }

    let format: StackResources["format"];
    let resources: ResourceV3[];
    if ("deployment" in doc) {
        if (doc.version !== 3) {
            throw new UsageError(
                `${file}: deployment version ${JSON.stringify(doc.version)} is not supported; export with a Pulumi CLI that writes version 3`,
            );
        }
        if (
            !isObject(doc.deployment) ||
            (doc.deployment.resources !== undefined && !Array.isArray(doc.deployment.resources))
        ) {
            throw new UsageError(`${file}: "deployment.resources" must be a list`);
        }
        format = "stack-export";
        resources = (doc.deployment.resources ?? []).map((r: unknown, i: number) =>
            checkResource(r, `${file}: deployment.resources[${i}]`),
        );
        // The engine keeps resources pending deletion in state with delete: true; they are not part of the stack.
        resources = resources.filter((r) => !(r as { delete?: boolean }).delete);
        // A snapshot holds each live URN once (pulumi/pulumi pkg/resource/deploy/snapshot.go VerifyIntegrity).
        const seen = new Map<string, number>();
        resources.forEach((r, i) => {
            const first = seen.get(r.urn);
            if (first !== undefined) {
                throw new UsageError(
                    `${file}: deployment.resources holds ${r.urn} twice (resources ${first} and ${i} of those not ` +
                        `pending deletion); a stack holds each resource once`,
                );
            }
            seen.set(r.urn, i);
        });
    } else if ("steps" in doc) {
        if (!Array.isArray(doc.steps)) {
            throw new UsageError(`${file}: "steps" must be a list`);
        }
        format = "preview";
        const byUrn = new Map<string, ResourceV3>();
        doc.steps.forEach((step: unknown, i: number) => {
            if (!isObject(step) || typeof step.op !== "string") {
                throw new UsageError(`${file}: steps[${i}] has no "op"`);
            }
            if (REMOVING_OPS.has(step.op)) {
                return;
            }
            if (step.newState === undefined) {
                throw new UsageError(`${file}: steps[${i}] (${step.op} ${step.urn ?? ""}) has no "newState"`);
            }
            const state = checkResource(step.newState, `${file}: steps[${i}].newState`);
            byUrn.set(state.urn, state);
        });
        resources = [...byUrn.values()];
    } else {
        throw new UsageError(
            `${file}: ${expected}; found an object with keys ${Object.keys(doc).slice(0, 5).join(", ") || "(none)"}`,
        );
    }
    if (resources.length === 0) {
        throw new UsageError(`${file} holds no resources`);
    }
    return { format, stack: parseUrn(resources[0].urn).stack, resources };
}

/**
 * The file's text. A UTF-8 byte order mark (Windows editors write one) is dropped; UTF-16 (what PowerShell's `>`
 * writes) and files over MAX_FILE_BYTES are refused, naming the encoding or the size.
 */
export function readStateText(file: string): string {
    let bytes: Buffer;
    try {
        const size = fs.statSync(file).size;
        if (size > MAX_FILE_BYTES) {
            throw new UsageError(
                `${file} is ${size.toLocaleString("en-US")} bytes, over the limit of ${MAX_FILE_BYTES.toLocaleString("en-US")}`,
            );
        }
        bytes = fs.readFileSync(file);
    } catch (err) {
        if (err instanceof UsageError) {
            throw err;
        }
        throw new UsageError(`cannot read ${file}: ${(err as Error).message}`);
    }
    const utf16 =
        bytes[0] === 0xff && bytes[1] === 0xfe
            ? "UTF-16 little-endian"
            : bytes[0] === 0xfe && bytes[1] === 0xff
              ? "UTF-16 big-endian"
              : bytes.length >= 2 && (bytes[0] === 0 || bytes[1] === 0)
                ? "UTF-16 (no byte order mark)"
                : undefined;
    if (utf16) {
        throw new UsageError(
            `${file} is ${utf16} text (PowerShell's \`>\` writes that); save it as UTF-8, e.g. ` +
                `\`pulumi stack export | Out-File -Encoding utf8 ${path.basename(file)}\``,
        );
    }
    const text = bytes.toString("utf8");
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

export function readStateFile(file: string): StackResources {
    return parseStateDocument(readStateText(file), file);
}
