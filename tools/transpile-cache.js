/**
 * `node -r ./tools/transpile-cache.js tools/<command>.ts`: how the npm scripts plan, check, verify and bench run
 * their TypeScript (issue 5). A require hook for `.ts` files that transpiles each file exactly as
 * `ts-node --transpile-only` does — TypeScript's transpileModule with this repository's tsconfig.json, no type-check
 * (`npm test` type-checks) — but keeps the output in node_modules/.cache and reuses it while the source, tsconfig.json
 * and the TypeScript version are unchanged. With a warm cache a command never loads the TypeScript compiler (half a
 * second here) nor ts-node's source-map support, whose stack-trace rewriting Pulumi's promise bookkeeping makes
 * expensive (`new Error().stack` per promise, runtime/debuggable.js), so `npm run plan` costs little more than
 * loading the Pulumi SDKs (BENCHMARKS.md). The price: stack traces (--verbose) show the transpiled JavaScript's lines.
 * JavaScript, because it is what makes TypeScript loadable.
 */
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");

const REPOSITORY = path.resolve(__dirname, "..");
const TSCONFIG = path.join(REPOSITORY, "tsconfig.json");
const CACHE = path.join(REPOSITORY, "node_modules", ".cache", "eks-cilium-istio", "transpiled");

const sha256 = (text) => crypto.createHash("sha256").update(text).digest("hex");

/** What the output depends on besides the source: the compiler options and the compiler. */
let settings;
function settingsKey() {
    if (settings === undefined) {
        settings = `${fs.readFileSync(TSCONFIG, "utf8")}\0${require("typescript/package.json").version}\0`;
    }
    return settings;
}

/** The compiler and the options ts-node would use, loaded on the first cache miss only. */
let compiler;
function transpile(source, file) {
    if (compiler === undefined) {
        const ts = require("typescript");
        const { config, error } = ts.readConfigFile(TSCONFIG, ts.sys.readFile);
        if (error) {
            throw new Error(`${TSCONFIG}: ${ts.flattenDiagnosticMessageText(error.messageText, "\n")}`);
        }
        const { options } = ts.convertCompilerOptionsFromJson(config.compilerOptions ?? {}, REPOSITORY);
        compiler = { ts, options: { ...options, sourceMap: false, inlineSourceMap: false, declaration: false } };
    }
    return compiler.ts.transpileModule(source, { fileName: file, compilerOptions: compiler.options }).outputText;
}

/** One cache entry per source file (so the cache never outgrows the sources), stamped with what it was made from. */
function cached(file, source) {
    const entry = path.join(CACHE, `${sha256(file).slice(0, 40)}.js`);
    const stamp = `// ${sha256(settingsKey() + source)}\n`;
    try {
        const text = fs.readFileSync(entry, "utf8");
        if (text.startsWith(stamp)) {
            return text.slice(stamp.length);
        }
    } catch {
        // Not cached yet.
    }
    const code = transpile(source, file);
    try {
        fs.mkdirSync(CACHE, { recursive: true });
        // Written aside and renamed, so that a process reading the entry meanwhile never sees half of it.
        const partial = `${entry}.${process.pid}`;
        fs.writeFileSync(partial, stamp + code);
        fs.renameSync(partial, entry);
    } catch {
        // A read-only node_modules only costs the next run a transpilation.
    }
    return code;
}

require.extensions[".ts"] = (module, file) => {
    module._compile(cached(file, fs.readFileSync(file, "utf8")), file);
};
