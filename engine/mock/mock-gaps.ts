/**
 * What a program read that the mock runtime could not know, so that the plan says so instead of inventing values.
 *
 * The plan runs a program as `pulumi preview` does (mock-deployment.ts `preview`): an output the mocks do not answer
 * is unknown, as a provider leaves it before the resource exists, and so is every input computed from it (an `apply`
 * on it does not run). Those inputs and stack outputs are listed here; the policy pack sees them as unknown and
 * reports what it could not check. Provider functions the mocks have no answer for are answered with their own
 * arguments, and listed too.
 */
import type { Registration } from "./mock-runtime";

/** The unknown values of one resource's inputs, or of the stack's outputs. */
export interface UnknownValues {
    /** The resource, or the root Stack for stack outputs. */
    urn: string;
    type: string;
    name: string;
    /** Property paths, e.g. `metadata.namespace`, `data.owner`. */
    paths: string[];
    /** The resources whose outputs those properties were computed from. */
    from: string[];
}

function unknownPaths(value: unknown, isUnknown: (v: unknown) => boolean, at: string, into: string[]): void {
    if (isUnknown(value)) {
        into.push(at);
    } else if (Array.isArray(value)) {
        value.forEach((item, i) => unknownPaths(item, isUnknown, `${at}[${i}]`, into));
    } else if (typeof value === "object" && value !== null) {
        for (const [key, item] of Object.entries(value)) {
            unknownPaths(item, isUnknown, at === "" ? key : `${at}.${key}`, into);
        }
    }
}

/**
 * The custom resources with unknown inputs and the root Stack with unknown outputs (a component's own values are
 * computed from its children's, which are listed).
 */
export function findUnknownValues(
    registrations: readonly Registration[],
    isUnknown: (value: unknown) => boolean,
): UnknownValues[] {
    const found: UnknownValues[] = [];
    for (const r of registrations) {
        const isStack = r.type === "pulumi:pulumi:Stack";
        if (!r.custom && !isStack) {
            continue;
        }
        const paths: string[] = [];
        unknownPaths(isStack ? r.outputs : r.inputs, isUnknown, "", paths);
        if (paths.length > 0) {
            const keys = new Set(paths.map((p) => p.split(/[.[]/)[0]));
            const from = [...keys].flatMap((key) => r.propertyDependencies[key] ?? []);
            found.push({ urn: r.urn, type: r.type, name: r.name, paths, from: [...new Set(from)] });
        }
    }
    return found;
}

/** How many entries of a list a note shows. */
const SHOWN = 5;

function shortList(items: readonly string[]): string {
    return items.length <= SHOWN
        ? items.join(", ")
        : `${items.slice(0, SHOWN).join(", ")} and ${items.length - SHOWN} more`;
}

/** The notes the plan prints about them, each one paragraph (none when the mocks knew everything the program read). */
export function describeMockGaps(
    unknowns: readonly UnknownValues[],
    unansweredCalls: ReadonlyMap<string, number>,
    registrations: readonly Registration[],
): string[] {
    const notes: string[] = [];
    if (unknowns.length > 0) {
        const byUrn = new Map(registrations.map((r) => [r.urn, r]));
        const label = (urn: string) => {
            const r = byUrn.get(urn);
            return r ? `${r.type} ${r.name}` : urn;
        };
        const count = unknowns.reduce((n, u) => n + u.paths.length, 0);
        notes.push(
            [
                `${count} value${count === 1 ? "" : "s"} the program computed from outputs the mock runtime cannot ` +
                    "know stay unknown, as in `pulumi preview` before the resources exist; the policies report what " +
                    "they could not check because of them:",
                ...unknowns.map((u) =>
                    u.type === "pulumi:pulumi:Stack"
                        ? `  stack outputs: ${shortList(u.paths)}`
                        : `  ${u.type} ${u.name}: ${shortList(u.paths)}` +
                          (u.from.length > 0 ? ` (from ${shortList(u.from.map(label))})` : ""),
                ),
            ].join("\n"),
        );
    }
    if (unansweredCalls.size > 0) {
        notes.push(
            `the mock runtime has no answer for ${unansweredCalls.size} provider function${unansweredCalls.size === 1 ? "" : "s"} ` +
                "the program called, and answered each with its own arguments: " +
                shortList([...unansweredCalls].map(([token, calls]) => `${token} (${calls}×)`)),
        );
    }
    return notes;
}
