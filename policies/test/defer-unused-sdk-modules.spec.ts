/**
 * policies/defer-unused-sdk-modules.ts keeps the Automation API, npm's arborist, normalize-package-data and the
 * TypeScript compiler out of a process that loads `@pulumi/pulumi` after it, and loads each on first use.
 * Run in a fresh Node process each time, on the built pack (policies/bin, built by `npm test` before the specs run):
 * this test runner has loaded the SDK and TypeScript already, where the module defers nothing.
 */
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as path from "path";

const REPOSITORY = path.resolve(__dirname, "..", "..");

/** Runs `script` in a fresh Node process; returns the JSON it prints. */
function inFreshProcess(script: string): any {
    const result = spawnSync(process.execPath, ["-e", script], {
        cwd: REPOSITORY,
        encoding: "utf8",
        timeout: 60_000,
    });
    assert.strictEqual(result.status, 0, result.stderr);
    return JSON.parse(result.stdout);
}

const LOADED = `
const loaded = (pattern) => Object.keys(require.cache).some((file) => pattern.test(file) && require.cache[file].children !== undefined);
const report = () => ({
    automation: loaded(/@pulumi[\\\\/]pulumi[\\\\/]automation[\\\\/]localWorkspace\\.js$/),
    arborist: loaded(/@npmcli[\\\\/]arborist[\\\\/]lib[\\\\/]arborist[\\\\/]index\\.js$/),
    normalize: loaded(/normalize-package-data[\\\\/]lib[\\\\/]fixer\\.js$/),
    typescript: loaded(/typescript[\\\\/]lib[\\\\/]typescript\\.js$/),
});
`;

describe("defer-unused-sdk-modules", () => {
    it("keeps the four modules out of a process that then loads @pulumi/pulumi, and loads each on first use", () => {
        const result = inFreshProcess(`${LOADED}
            const { DEFERRED_HERE } = require("./policies/bin/defer-unused-sdk-modules");
            const pulumi = require("@pulumi/pulumi");
            const before = report();
            const used = {
                automation: typeof pulumi.automation.LocalWorkspace,
                arborist: typeof require("@npmcli/arborist").Arborist,
                typescript: typeof require("@pulumi/pulumi/typescript-shim").createSourceFile,
            };
            pulumi.automation.setThroughStandIn = "reached";
            const written = require("@pulumi/pulumi/automation").setThroughStandIn;
            console.log(JSON.stringify({ deferred: DEFERRED_HERE.length, before, used, written, after: report() }));`);
        assert.strictEqual(result.deferred, 4);
        assert.deepStrictEqual(result.before, {
            automation: false,
            arborist: false,
            normalize: false,
            typescript: false,
        });
        assert.deepStrictEqual(result.used, { automation: "function", arborist: "function", typescript: "function" });
        assert.strictEqual(result.written, "reached", "a property set through the stand-in is set on the real module");
        assert.deepStrictEqual(result.after, { automation: true, arborist: true, normalize: false, typescript: true });
    });

    it("defers nothing in a process that loaded @pulumi/pulumi first, which then has everything loaded", () => {
        const result = inFreshProcess(`${LOADED}
            require("@pulumi/pulumi");
            const { DEFERRED_HERE } = require("./policies/bin/defer-unused-sdk-modules");
            console.log(JSON.stringify({ deferred: DEFERRED_HERE.length, loaded: report() }));`);
        assert.strictEqual(result.deferred, 0);
        assert.deepStrictEqual(result.loaded, { automation: true, arborist: true, normalize: true, typescript: true });
    });
});
