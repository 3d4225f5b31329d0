/**
 * Lets Node require a Pulumi program written in TypeScript, as Pulumi's Node language host does (it registers ts-node
 * for a TypeScript project: @pulumi/pulumi cmd/run/run.ts). Transpile only: the program is run, not type-checked —
 * `tsc` is the project's own build step. Nothing is registered when `.ts` files already load (under mocha's
 * ts-node, or a loader the user set up).
 */
import * as fs from "fs";
import * as path from "path";

export function loadTypeScriptFrom(projectDir: string): void {
    if (require.extensions[".ts"] !== undefined) {
        return;
    }
    const tsconfig = path.join(projectDir, "tsconfig.json");
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- ts-node loads the TypeScript compiler: only when a program needs it
    require("ts-node").register({
        transpileOnly: true,
        ...(fs.existsSync(tsconfig) ? { project: tsconfig } : { skipProject: true }),
    });
}
