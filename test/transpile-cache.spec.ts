/**
 * tools/transpile-cache.js, which the npm scripts plan, check, verify and bench run their TypeScript through
 * (issue 5): it transpiles a file once, serves the cached JavaScript without loading the compiler, and transpiles
 * again when the source changes.
 */
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const HOOK = path.resolve(__dirname, "..", "tools", "transpile-cache.js");
/** Where the hook keeps a file's JavaScript (one entry per source path). */
const entryOf = (file: string) => path.resolve(__dirname, "..", "node_modules", ".cache", "eks-cilium-istio", "transpiled",
    `${crypto.createHash("sha256").update(file).digest("hex").slice(0, 40)}.js`);

/** Runs `file` through the hook in a fresh Node; prints what it logs, then whether the compiler was loaded. */
function run(file: string): { printed: string; compilerLoaded: boolean } {
    const out = execFileSync(process.execPath, ["-r", HOOK, "-e", `
        require(${JSON.stringify(file)});
        console.log(Object.keys(require.cache).some((f) => f.endsWith(require("path").join("typescript", "lib", "typescript.js"))));
    `], { encoding: "utf8" }).trim().split("\n");
    return { printed: out.slice(0, -1).join("\n"), compilerLoaded: out[out.length - 1] === "true" };
}

describe("transpile cache for the npm scripts", function () {
    this.timeout(60_000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "transpile-cache-"));
    const file = path.join(dir, "example.ts");
    // The entry is named after this run's temporary path: remove it, so test runs do not fill the cache.
    after(() => fs.rmSync(entryOf(file), { force: true }));

    it("transpiles TypeScript (types, enums as const, imports) the first time, loading the compiler", () => {
        fs.writeFileSync(file, [
            `import * as path from "path";`,
            `const Mode = { A: "a", B: "b" } as const;`,
            `type Mode = (typeof Mode)[keyof typeof Mode];`,
            `const pick = (m: Mode): string => path.posix.join("x", m);`,
            `console.log(pick(Mode.B));`,
        ].join("\n"));
        assert.deepStrictEqual(run(file), { printed: "x/b", compilerLoaded: true });
        assert.ok(fs.existsSync(entryOf(file)));
    });

    it("serves the unchanged file from the cache without loading the compiler", () => {
        assert.deepStrictEqual(run(file), { printed: "x/b", compilerLoaded: false });
    });

    it("transpiles again when the source changes", () => {
        fs.writeFileSync(file, `const n: number = 41;\nconsole.log(n + 1);\n`);
        assert.deepStrictEqual(run(file), { printed: "42", compilerLoaded: true });
        assert.deepStrictEqual(run(file), { printed: "42", compilerLoaded: false });
    });
});
