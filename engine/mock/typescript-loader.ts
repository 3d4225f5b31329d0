/**
 * Lets Node require a Pulumi program written in TypeScript, as Pulumi's Node language host does (it registers ts-node
 * for a project whose runtime option `typescript` is not false: @pulumi/pulumi cmd/run/run.ts). Transpile only: the
 * program is run, not type-checked — `tsc` is the project's own build step. Nothing is registered when `.ts` files
 * already load (under mocha's ts-node, or a loader the user set up), nor for a JavaScript project.
 *
 * ts-node and TypeScript are dependencies of this package for that reason. ts-node resolves the TypeScript compiler
 * from the project's folder first and from its own only when the project has none (ts-node dist/configuration.js
 * `resolveCompiler`, 10.9.2), so a project is transpiled by the TypeScript it builds with.
 *
 * This repository's own program and stack config are compiled by its build (tsconfig.build.json) to the same paths
 * under bin/. When the command line runs from that build, it runs them from there too, unless a source is newer than
 * its build: loading ts-node and the TypeScript compiler to transpile them again would cost a plan about 0.4 s
 * (BENCHMARKS.md). The command line refuses a build older than the components' sources (engine/cli.ts); the program's
 * own file is compared here.
 */
import * as fs from "fs";
import * as path from "path";
import { PACKAGE_ROOT } from "../package-root";

export function loadTypeScriptFrom(projectDir: string): void {
    if (require.extensions[".ts"] !== undefined) {
        return;
    }
    const tsconfig = path.join(projectDir, "tsconfig.json");
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- ts-node loads the TypeScript compiler: only when a program needs it
    require("ts-node").register({
        transpileOnly: true,
        cwd: projectDir,
        ...(fs.existsSync(tsconfig)
            ? { project: tsconfig }
            : // Without a tsconfig.json, options for a CommonJS program (the program is require()d), as the language
              // host gives ts-node its own defaults (@pulumi/pulumi cmd/run/run.js).
              {
                  skipProject: true,
                  compilerOptions: { target: "ES2020", module: "commonjs", moduleResolution: "node" },
              }),
    });
}

const BUILD_ROOT = path.join(PACKAGE_ROOT, "bin");

/**
 * What to require for the module `file` (a path, with or without `.ts`) of a project in `projectDir`: this package's
 * build of it when this command line runs from the build and the build is not older than the source; otherwise the
 * file itself, with TypeScript loadable unless the project is JavaScript (`typescript` false).
 */
export function moduleToRun(file: string, projectDir: string, typescript = true): string {
    const source = file.endsWith(".ts") ? file : `${file}.ts`;
    const relative = path.relative(PACKAGE_ROOT, source);
    if (
        __filename.startsWith(BUILD_ROOT + path.sep) &&
        !relative.startsWith("..") &&
        !path.isAbsolute(relative) &&
        !relative.startsWith(`bin${path.sep}`)
    ) {
        const built = path.join(BUILD_ROOT, relative.replace(/\.ts$/, ".js"));
        const builtTime = fs.statSync(built, { throwIfNoEntry: false })?.mtimeMs;
        const sourceTime = fs.statSync(source, { throwIfNoEntry: false })?.mtimeMs;
        if (builtTime !== undefined && sourceTime !== undefined && builtTime >= sourceTime) {
            return built;
        }
    }
    if (typescript) {
        loadTypeScriptFrom(projectDir);
    }
    return file;
}
