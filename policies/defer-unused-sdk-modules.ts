/**
 * Keeps modules of `@pulumi/pulumi` that neither the policy pack nor the offline engine uses out of their start-up
 * (the speed targets in BENCHMARKS.md: pack start to first answer ≤ 1 s; plan within 1.5 times the cost of loading the
 * SDKs).
 *
 * `@pulumi/policy` requires the whole `@pulumi/pulumi` index (deserialize.js uses `Output` and `asset`), and so does a
 * program. The index eagerly requires `./automation` (the Automation API); its runtime eagerly requires the closure
 * serializer, whose `codePaths` requires npm's `@npmcli/arborist` (with pacote, sigstore, cacache, tar) and
 * `normalize-package-data`, and whose `parseFunction` requires the TypeScript compiler. Here that is about a third of
 * a second of every pack start (on top of the TypeScript that run-policy-pack itself loads) and about 0.4 s of every
 * plan (BENCHMARKS.md). A pack neither drives stacks nor serializes closures, and a program on the mock runtime
 * serializes none either. So, before anything requires the index, each of those modules is entered into Node's module
 * cache as a stand-in that loads the real module on first use: everything still works in the process, it only pays
 * the load when something asks.
 *
 * Imported first by the pack's entry (./index.ts) and by the engine before it loads the SDKs
 * (engine/mock/mock-deployment.ts). A module already loaded (a test runner that imported the SDK first) is left as it is,
 * and so is everything when the SDK's layout is not what this expects.
 */
import * as path from "path";

/** Modules to defer, as `@pulumi/pulumi` resolves them (its own files, or its dependencies). */
const DEFERRED: readonly string[] = [
    // Required by the index: the Automation API.
    "@pulumi/pulumi/automation",
    // Required by runtime/closure/codePaths.js (the closure serializer's package walk).
    "@npmcli/arborist",
    "normalize-package-data",
    // Required by runtime/closure/parseFunction.js and provider/experimental/analyzer.js: the TypeScript compiler.
    "@pulumi/pulumi/typescript-shim",
];

/** Node's module record, as far as a stand-in needs one (the `module` builtin's typings do not expose it). */
interface CachedModule {
    id: string;
    filename: string;
    loaded: boolean;
    exports: unknown;
}

/** Where `request` resolves for the `@pulumi/pulumi` that `@pulumi/policy` loads, or undefined. */
function resolveDeferred(request: string): string | undefined {
    try {
        const policyDir = path.dirname(require.resolve("@pulumi/policy"));
        const sdkDir = path.dirname(require.resolve("@pulumi/pulumi", { paths: [policyDir] }));
        return require.resolve(request, { paths: [sdkDir] });
    } catch {
        return undefined;
    }
}

/**
 * A module record whose exports load `file` on first use. The importers wrap CommonJS modules with TypeScript's
 * `__importStar` / `__importDefault`, which ask `__esModule` first: the stand-in says yes, so neither copies (and
 * so loads) the module, and it answers `default` with the module itself where the real one is not an ES module,
 * as `__importDefault` would have.
 */
function standIn(file: string): CachedModule {
    let real: Record<PropertyKey, unknown> | undefined;
    const load = (): Record<PropertyKey, unknown> => {
        if (!real) {
            delete require.cache[file];
            // eslint-disable-next-line @typescript-eslint/no-require-imports -- the deferred module, loaded on first use
            real = require(file) as Record<PropertyKey, unknown>;
        }
        return real;
    };
    const exports = new Proxy({} as Record<PropertyKey, unknown>, {
        get: (_target, key) => {
            if (key === "__esModule") {
                return true;
            }
            const module = load();
            return key === "default" && !module.__esModule ? module : module[key];
        },
        set: (_target, key, value) => Reflect.set(load(), key, value),
        deleteProperty: (_target, key) => Reflect.deleteProperty(load(), key),
        has: (_target, key) => key in load(),
        ownKeys: () => Reflect.ownKeys(load()),
        getOwnPropertyDescriptor: (_target, key) => {
            const descriptor = Reflect.getOwnPropertyDescriptor(load(), key);
            // A proxy may only report a property as non-configurable if its target has it so; the target is empty.
            return descriptor && { ...descriptor, configurable: true };
        },
    });
    return { id: file, filename: file, loaded: true, exports };
}

/** Enters a stand-in for each module not loaded yet; returns the files it deferred. */
export function deferUnusedSdkModules(): string[] {
    const deferred: string[] = [];
    for (const request of DEFERRED) {
        const file = resolveDeferred(request);
        if (file && !require.cache[file]) {
            (require.cache as Record<string, unknown>)[file] = standIn(file);
            deferred.push(file);
        }
    }
    return deferred;
}

/** What this process deferred when the module was first imported. */
export const DEFERRED_HERE: readonly string[] = deferUnusedSdkModules();
