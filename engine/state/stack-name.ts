/**
 * `--stack` as the Pulumi CLI takes it: `stack`, `org/stack` or `org/project/stack`. Every segment follows the
 * service's stack naming rule (pulumi/pulumi sdk/go/common/tokens/stack_name.go `ParseStackName`: 1 to 100 of
 * `A-Z a-z 0-9 - _ .`); the segments `.` and `..` are refused too, since the stack's own name becomes part of file
 * paths (`Pulumi.<stack>.yaml`, `.plan/<stack>.json`). Checked before anything is read or written; a project segment
 * must then be the project's own name, as the CLI requires (`checkStackProject`).
 */
import { UsageError } from "../command-line";

export interface StackName {
    /** The stack's own name: its config file, its plan file and its URNs use this. */
    stack: string;
    /** The organization, when given (`org/stack`, `org/project/stack`); empty otherwise, as the offline engine has none. */
    organization: string;
    /** The project, when given (`org/project/stack`). */
    project?: string;
}

const SEGMENT = /^[A-Za-z0-9_.-]{1,100}$/;

function checkSegment(what: string, segment: string, given: string): void {
    const problem =
        segment === ""
            ? "is empty"
            : segment.length > 100
              ? "is longer than 100 characters"
              : segment === "." || segment === ".."
                ? `is "${segment}", which names a folder`
                : !SEGMENT.test(segment)
                  ? `holds ${JSON.stringify([...segment].find((c) => !SEGMENT.test(c)))}`
                  : undefined;
    if (problem) {
        throw new UsageError(
            `--stack ${JSON.stringify(given)}: the ${what} ${problem}; a stack is NAME, ORG/NAME or ORG/PROJECT/NAME, ` +
                `each part 1 to 100 of A-Z, a-z, 0-9, "-", "_" and "." (and not "." or "..")`,
        );
    }
}

export function parseStackName(given: string): StackName {
    const segments = given.split("/");
    if (segments.length > 3) {
        checkSegment("stack name", given, given);
    }
    const stack = segments[segments.length - 1];
    checkSegment("stack name", stack, given);
    if (segments.length === 1) {
        return { stack, organization: "" };
    }
    checkSegment("organization", segments[0], given);
    if (segments.length === 2) {
        return { stack, organization: segments[0] };
    }
    checkSegment("project", segments[1], given);
    return { stack, organization: segments[0], project: segments[1] };
}

/** Refuses an `org/project/stack` whose project is not this one. */
export function checkStackProject(name: StackName, project: string, given: string): void {
    if (name.project !== undefined && name.project !== project) {
        throw new UsageError(
            `--stack ${JSON.stringify(given)} names project "${name.project}", but this project is "${project}" (Pulumi.yaml)`,
        );
    }
}
