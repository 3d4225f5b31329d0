/**
 * Reads the files `npm run check` accepts, into the resources of one stack:
 * - a `pulumi stack export` document, deployment version 3 (`{version: 3, deployment: {manifest, resources}}`);
 * - the JSON `pulumi preview --json` prints (pulumi/pulumi pkg/display/json.go previewDigest: `{steps: [{op, urn,
 *   oldState?, newState?}], ...}`, each state an apitype.ResourceV3). The stack a preview would leave is the
 *   `newState` of every step that has one; deletions carry only `oldState` and are left out.
 * Anything else is refused with a message that says which of the two shapes was expected and what was found.
 */
import * as fs from "fs";
import { UsageError } from "../command-line";
import { ResourceV3, parseUrn } from "./stack-export";

export interface StackResources {
    /** Which of the two formats the file was. */
    format: "stack-export" | "preview";
    /** The stack name, from the URNs. */
    stack: string;
    resources: ResourceV3[];
}

function isObject(value: unknown): value is Record<string, any> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Checks one ResourceV3's required fields (urn, type, custom) and the shapes of the optional ones we read. */
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
    if (typeof value.type !== "string") {
        throw new UsageError(`${where} (${value.urn}) has no "type"`);
    }
    for (const key of ["inputs", "outputs", "propertyDependencies"]) {
        if (value[key] !== undefined && !isObject(value[key])) {
            throw new UsageError(`${where} (${value.urn}): "${key}" must be an object`);
        }
    }
    if (
        value.dependencies !== undefined &&
        !(Array.isArray(value.dependencies) && value.dependencies.every((d: unknown) => typeof d === "string"))
    ) {
        throw new UsageError(`${where} (${value.urn}): "dependencies" must be a list of URNs`);
    }
    for (const key of ["parent", "provider", "id"]) {
        if (value[key] !== undefined && typeof value[key] !== "string") {
            throw new UsageError(`${where} (${value.urn}): "${key}" must be a string`);
        }
    }
    return { ...value, custom: value.custom === true } as ResourceV3;
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

export function parseStateDocument(text: string, file: string): StackResources {
    let doc: unknown;
    try {
        doc = JSON.parse(text);
    } catch (err) {
        throw new UsageError(`${file} is not JSON: ${(err as Error).message}`);
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
            checkResource(r, `deployment.resources[${i}]`),
        );
        // The engine keeps resources pending deletion in state with delete: true; they are not part of the stack.
        resources = resources.filter((r) => !(r as { delete?: boolean }).delete);
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
            const state = checkResource(step.newState, `steps[${i}].newState`);
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

export function readStateFile(file: string): StackResources {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (err) {
        throw new UsageError(`cannot read ${file}: ${(err as Error).message}`);
    }
    return parseStateDocument(text, file);
}
