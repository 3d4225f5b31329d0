/**
 * The pack runs as compiled JavaScript (package.json "main": bin/index.js, built by `npm run build` here and by
 * `npm ci` at the repository root), because the CLI's `@pulumi/pulumi/cmd/run-policy-pack` type-checks a TypeScript
 * pack with ts-node on every start, which takes seconds (README "Building"). A rule edited since the last
 * build would then silently not apply, so the built pack checks, when it starts, that no source is newer than what
 * was built from it, and refuses to start otherwise.
 */
import * as fs from "fs";
import * as path from "path";

/** What the build compiles (tsconfig.build.json) or copies (the chart defaults the model imports). */
function isSource(file: string): boolean {
    return (file.endsWith(".ts") && !file.endsWith(".spec.ts") && !file.endsWith(".d.ts")) || file.endsWith(".json");
}

/** Directories of the pack that hold no source of the build. */
const NOT_BUILT = new Set(["bin", "node_modules", "test"]);

function sources(dir: string, relative = ""): string[] {
    return fs.readdirSync(path.join(dir, relative), { withFileTypes: true }).flatMap((entry) => {
        const file = path.join(relative, entry.name);
        if (entry.isDirectory()) {
            return NOT_BUILT.has(file) ? [] : sources(dir, file);
        }
        // The pack's own manifests are not compiled; only JSON below the top level is (chart-defaults/).
        return isSource(file) && (relative !== "" || file.endsWith(".ts")) ? [file] : [];
    });
}

/** Sources under `packDir` whose build output in `buildDir` is missing or older than they are. */
export function staleSources(packDir: string, buildDir: string): string[] {
    return sources(packDir).filter((file) => {
        const built = path.join(buildDir, file.replace(/\.ts$/, ".js"));
        return !fs.existsSync(built) || fs.statSync(built).mtimeMs < fs.statSync(path.join(packDir, file)).mtimeMs;
    });
}

/**
 * Throws when the pack entry `entryFile` is the compiled one (bin/index.js) and a source changed after the build.
 * Run from its TypeScript sources (ts-node, tests), there is nothing to check.
 */
export function assertBuildIsCurrent(entryFile: string): void {
    const buildDir = path.dirname(entryFile);
    if (!entryFile.endsWith(".js") || path.basename(buildDir) !== "bin") {
        return;
    }
    const stale = staleSources(path.dirname(buildDir), buildDir);
    if (stale.length > 0) {
        throw new Error(
            `the policy pack's build (${buildDir}) is older than its sources (${stale.slice(0, 3).join(", ")}` +
                `${stale.length > 3 ? `, and ${stale.length - 3} more` : ""}); run \`npm run build\` in ${path.dirname(buildDir)}`,
        );
    }
}
