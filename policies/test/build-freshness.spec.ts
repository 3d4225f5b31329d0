/**
 * The built pack refuses to start from a build older than its sources (policies/build-freshness.ts): a rule edited
 * since `npm run build` must not silently stop applying.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { assertBuildIsCurrent, staleSources } from "../build-freshness";

const EARLIER = new Date("2026-01-01T00:00:00Z");
const LATER = new Date("2026-01-02T00:00:00Z");

function write(dir: string, file: string, time: Date): void {
    const full = path.join(dir, file);
    fs.mkdirSync(path.dirname(full), { recursive: true });
    fs.writeFileSync(full, "");
    fs.utimesSync(full, time, time);
}

/** A pack directory whose sources are older than their outputs, plus files the build does not use. */
function builtPack(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "build-freshness-"));
    for (const source of ["index.ts", "policies.ts", "rules/a.ts", "model/m.ts", "chart-defaults/cilium.json"]) {
        write(dir, source, EARLIER);
        write(dir, path.join("bin", source.replace(/\.ts$/, ".js")), LATER);
    }
    // Not part of the build: specs, test helpers, the pack's manifests, installed packages.
    for (const other of ["rules/a.spec.ts", "test/harness.ts", "package.json", "node_modules/x/index.ts"]) {
        write(dir, other, LATER);
    }
    return dir;
}

describe("policy pack build freshness", () => {
    it("finds nothing stale right after a build, whatever happened to specs, tests and manifests", () => {
        const dir = builtPack();
        assert.deepStrictEqual(staleSources(dir, path.join(dir, "bin")), []);
        assert.doesNotThrow(() => assertBuildIsCurrent(path.join(dir, "bin", "index.js")));
    });

    it("names a rule edited after the build, a chart-defaults file changed after it, and a source never built", () => {
        const dir = builtPack();
        write(dir, "rules/a.ts", new Date("2026-01-03T00:00:00Z"));
        write(dir, "chart-defaults/cilium.json", new Date("2026-01-03T00:00:00Z"));
        write(dir, "rules/new-rule.ts", EARLIER);
        assert.deepStrictEqual(staleSources(dir, path.join(dir, "bin")).sort(), [
            "chart-defaults/cilium.json",
            "rules/a.ts",
            "rules/new-rule.ts",
        ]);
        assert.throws(
            () => assertBuildIsCurrent(path.join(dir, "bin", "index.js")),
            (err: Error) =>
                err.message.includes("rules/a.ts") && err.message.includes(`run \`npm run build\` in ${dir}`),
        );
    });

    it("checks nothing when the pack runs from its TypeScript sources", () => {
        const dir = builtPack();
        write(dir, "rules/a.ts", new Date("2026-01-03T00:00:00Z"));
        assert.doesNotThrow(() => assertBuildIsCurrent(path.join(dir, "index.ts")));
    });

    it("passes on this repository's own pack, which npm ci and npm test build", () => {
        const pack = path.resolve(__dirname, "..");
        assert.deepStrictEqual(staleSources(pack, path.join(pack, "bin")), []);
    });
});
