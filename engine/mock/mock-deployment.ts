/**
 * Runs a Pulumi program on the SDK's mock runtime the way the Node language host runs it under `pulumi preview`:
 * config in place first (so `pulumi.Config` reads the stack's values), then the program module is required and,
 * when it exports a function, called inside the root `pulumi:pulumi:Stack` component whose outputs are the stack
 * outputs (pulumi/pulumi sdk/nodejs/cmd/run/run.ts; `runInPulumiStack` in sdk/nodejs/runtime/stack.ts).
 *
 * Nothing is deployed: every registration is answered by engine/mock/mock-runtime.ts with made-up provider outputs.
 */
import * as fs from "fs";
import * as path from "path";
import type { Registration } from "./mock-runtime";
import { UnknownValues, findUnknownValues } from "./mock-gaps";
import { moduleToRun } from "./typescript-loader";
import { StackConfig } from "../state/stack-config-files";

export interface MockDeploymentOptions {
    project: string;
    stack: string;
    /** Absolute path of the program (a file, or a directory resolved by Node like the CLI does). */
    program: string;
    config: StackConfig;
    /** Whether the program may be TypeScript (Pulumi.yaml `runtime.options.typescript`). Default true. */
    typescript?: boolean;
    /**
     * Run as `pulumi preview` does: an output the mocks do not answer is unknown rather than undefined, so what
     * depends on it is unknown too (and apply callbacks on it do not run). Default false.
     */
    preview?: boolean;
}

export interface MockDeployment {
    /** Every registration in the order the engine received it, the root Stack first. */
    registrations: Registration[];
    /** Provider functions the mocks have no answer for (answered with their own arguments): token -> calls. */
    unansweredCalls: Map<string, number>;
    /** Inputs and stack outputs computed from what the mocks do not answer (only under `preview`). */
    unknowns: UnknownValues[];
}

/** Thrown when the program itself fails (an exception, a rejected promise): the plan's "program error". */
export class ProgramError extends Error {
    constructor(
        message: string,
        public readonly cause: Error,
    ) {
        super(message);
        this.name = "ProgramError";
        this.stack = cause.stack;
    }
}

export async function runProgramOnMocks(options: MockDeploymentOptions): Promise<MockDeployment> {
    const program = path.resolve(options.program);
    const isDirectory = fs.statSync(program, { throwIfNoEntry: false })?.isDirectory() === true;
    const toRun = moduleToRun(program, isDirectory ? program : path.dirname(program), options.typescript ?? true);
    // The SDK is loaded here, not on import: `verify` and `check` import this module's command line too, and the
    // @pulumi/pulumi index takes most of a second to load.
    const pulumi = await import("@pulumi/pulumi");
    const { recordRegistrations } = await import("./mock-runtime");
    const recorder = recordRegistrations({
        project: options.project,
        stack: options.stack,
        preview: options.preview ?? false,
    });
    pulumi.runtime.setAllConfig(options.config.values, options.config.secretKeys);

    // A failure inside an apply callback, or the root Stack's own copy of the program's exception, arrives as an
    // unhandled rejection rather than through runInPulumiStack's promise; collect them like run.ts does.
    const failures: Error[] = [];
    const fail = (err: unknown) => failures.push(err instanceof Error ? err : new Error(String(err)));
    process.on("unhandledRejection", fail);
    try {
        await pulumi.runtime
            .runInPulumiStack(async () => {
                // A program whose resources are registered at its top level runs when first required: forget an
                // earlier run in this process (a test planning it twice), as each `pulumi preview` starts afresh.
                delete require.cache[require.resolve(toRun)];
                // eslint-disable-next-line @typescript-eslint/no-require-imports -- the program, known only at run time, required as Pulumi's language host requires it
                const exported = require(toRun);
                return exported instanceof Function ? await exported() : exported;
            })
            .catch(fail);
        await recorder.settle().catch(fail);
        // Let rejections raised in the last turns of the event loop surface while the handler is still installed.
        await new Promise((resolve) => setTimeout(resolve, 0));
    } finally {
        process.off("unhandledRejection", fail);
    }
    if (failures.length > 0) {
        throw new ProgramError(`the program failed: ${failures[0].message}`, failures[0]);
    }
    return {
        registrations: recorder.registrations,
        unansweredCalls: recorder.unansweredCalls,
        unknowns: findUnknownValues(recorder.registrations, pulumi.isUnknown),
    };
}
