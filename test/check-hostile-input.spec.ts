/**
 * `check` on generated malformed and hostile stack exports, run as the command line runs it (engine/cli.ts `main`,
 * the real pack cilium-istio-guard in this process; one case `--served`, as a child process). Built from
 * test/fixtures/check/many-rules-broken.json with a secret in the Cilium release's values. For every file:
 * - exit 2 only when the file cannot be read as a stack (not JSON, not one of the two formats, a resource without
 *   the fields a stack's resources have), with a message naming the file and what is wrong;
 * - a readable stack with odd values is judged (exit 0 or 1), what a rule could not read reported as could-not-check
 *   naming the resource and the field;
 * - no stack trace, no raw control character and no secret's plaintext on stdout or stderr.
 */
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { main } from "../engine/cli";
import { ExitCode } from "../engine/command-line";
import { SECRET_SIG, SIG_KEY } from "../engine/state/property-values";
import { MAX_STRING_LENGTH, MAX_VALUE_DEPTH } from "../engine/state/value-screen";
import { processesMarked } from "./processes";

const REPOSITORY = path.resolve(__dirname, "..");
const BASE = path.join(__dirname, "fixtures", "check", "many-rules-broken.json");
const CILIUM = "urn:pulumi:legacy::platform::kubernetes:helm.sh/v3:Release::cilium";

/** The secret's plaintext; no output may contain it. */
const SECRET = "s3cr3t-Pl41nt3xt-Value";

type Doc = { version: number; deployment: { resources: Record<string, any>[] } };

/** The base stack, with the Cilium release's `values.clusterName` a secret. */
function baseStack(): Doc {
    const doc: Doc = JSON.parse(fs.readFileSync(BASE, "utf8"));
    const cilium = doc.deployment.resources.find((r) => r.urn === CILIUM)!;
    for (const field of ["inputs", "outputs"]) {
        cilium[field].values.clusterName = { [SIG_KEY]: SECRET_SIG, plaintext: JSON.stringify(SECRET) };
    }
    return doc;
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "check-hostile-"));
let written = 0;
function write(content: string | Buffer): string {
    const file = path.join(dir, `stack-${written++}.json`);
    fs.writeFileSync(file, content);
    return file;
}

interface Run {
    code: ExitCode;
    stdout: string;
    stderr: string;
}

async function runCheck(file: string, ...flags: string[]): Promise<Run> {
    let stdout = "";
    let stderr = "";
    const code = await main(["check", file, ...flags], {
        stdout: (t) => (stdout += t),
        stderr: (t) => (stderr += t),
    });
    return { code, stdout, stderr };
}

/** What holds for every run, whatever the file. */
function assertSafe(run: Run, what: string): void {
    const all = run.stdout + run.stderr;
    assert.ok(!all.includes(SECRET), `${what}: the secret's plaintext was printed`);
    assert.doesNotMatch(all, /\n\s+at [^\n]*:\d+:\d+/, `${what}: a stack trace was printed`);
    assert.doesNotMatch(
        all,
        // eslint-disable-next-line no-control-regex -- what must not be printed raw
        /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/,
        `${what}: a raw control character was printed`,
    );
}

/** Every path in a value, containers included, as property names and list indexes. */
function pathsIn(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
    if (typeof value !== "object" || value === null) {
        return [prefix];
    }
    const entries: [string | number, unknown][] = Array.isArray(value)
        ? value.map((v, i) => [i, v])
        : Object.entries(value);
    return [prefix, ...entries.flatMap(([k, v]) => pathsIn(v, [...prefix, k]))];
}

function setAt(root: Record<string, any>, at: (string | number)[], value: unknown): void {
    let holder: any = root;
    for (const key of at.slice(0, -1)) {
        holder = holder[key];
    }
    holder[at[at.length - 1]] = value;
}

/** JSON text of a value `levels` objects deep (JSON.stringify itself cannot write one that deep). */
function nestedJson(levels: number): string {
    return `${'{"deeper":'.repeat(levels)}"leaf"${"}".repeat(levels)}`;
}

describe("check on malformed and hostile stack exports", function () {
    this.timeout(600_000);

    it("judges the base stack, with the secret as [secret]", async () => {
        const run = await runCheck(write(JSON.stringify(baseStack())));
        assert.strictEqual(run.code, ExitCode.Violation, run.stderr);
        assertSafe(run, "base");
    });

    it("a secret a rule quotes is judged and printed as [secret], in this process and served", async () => {
        const doc = baseStack();
        const cilium = doc.deployment.resources.find((r) => r.urn === CILIUM)!;
        for (const field of ["inputs", "outputs"]) {
            cilium[field].values.kubeProxyReplacement = { [SIG_KEY]: SECRET_SIG, plaintext: JSON.stringify(SECRET) };
        }
        const file = write(JSON.stringify(doc));
        const quoted =
            /`kubeProxyReplacement` \(cilium-config `kube-proxy-replacement`\) is \[secret\], which the cilium chart 1\.16\.19 rejects/;
        const run = await runCheck(file, "--json");
        assert.strictEqual(run.code, ExitCode.Violation, run.stderr);
        assert.ok(JSON.parse(run.stdout).violations.some((v: { message: string }) => quoted.test(v.message)));
        assertSafe(run, "quoted secret");
        const served = spawnSync(process.execPath, ["bin/engine/cli.js", "check", file, "--served", "--verbose"], {
            cwd: REPOSITORY,
            encoding: "utf8",
        });
        assert.strictEqual(served.status, ExitCode.Violation, served.stderr);
        assert.match(served.stdout, quoted);
        assertSafe({ code: served.status, stdout: served.stdout, stderr: served.stderr }, "quoted secret served");
    });

    it("truncated anywhere: exit 2 naming the file and the position, never quoting the file", async () => {
        const text = JSON.stringify(baseStack(), null, 2);
        for (const fraction of [0.01, 0.2, 0.5, 0.6, 0.8, 0.99]) {
            const cut = Math.floor(text.length * fraction);
            const file = write(text.slice(0, cut));
            const run = await runCheck(file);
            assert.strictEqual(run.code, ExitCode.Error, `cut at ${cut}`);
            assert.match(run.stderr, new RegExp(`^error: ${file.replace(/[.]/g, "\\.")} is not JSON: `));
            assertSafe(run, `cut at ${cut}`);
        }
        // The secret's own text, cut inside it: V8 would quote it.
        const at = text.indexOf(SECRET) + 4;
        const run = await runCheck(write(`${text.slice(0, at)}\u0001${text.slice(at)}`));
        assert.strictEqual(run.code, ExitCode.Error);
        assertSafe(run, "control character inside the secret");
    });

    it("wrong types at every level of every resource's values: judged (exit 0 or 1), never a crash", async () => {
        const odd: unknown[] = [null, 7, -1.5e308, "odd", true, [], {}, [[null]]];
        const base = baseStack();
        let runs = 0;
        for (const [index, resource] of base.deployment.resources.entries()) {
            for (const field of ["inputs", "outputs"]) {
                for (const at of pathsIn(resource[field]).filter((p) => p.length > 0)) {
                    for (const value of odd) {
                        const doc = baseStack();
                        setAt(doc.deployment.resources[index][field], at, value);
                        const run = await runCheck(write(JSON.stringify(doc)));
                        const what = `${resource.urn} ${field}.${at.join(".")} = ${JSON.stringify(value)}`;
                        assert.ok(
                            run.code === ExitCode.Ok || run.code === ExitCode.Violation,
                            `${what}: ${run.stderr}`,
                        );
                        assertSafe(run, what);
                        runs++;
                    }
                }
            }
        }
        assert.ok(runs > 300, `${runs} runs`);
    });

    it("an odd value a rule reads is could-not-check, naming the resource and the field", async () => {
        const doc = baseStack();
        const cilium = doc.deployment.resources.find((r) => r.urn === CILIUM)!;
        for (const field of ["inputs", "outputs"]) {
            cilium[field].values.socketLB = { hostNamespaceOnly: { on: "yes" } };
        }
        const run = await runCheck(write(JSON.stringify(doc)));
        assert.ok(run.code === ExitCode.Ok || run.code === ExitCode.Violation, run.stderr);
        assert.match(run.stdout, /Could not check `socketLB\.hostNamespaceOnly`[^\n]* on Release "cilium"/);
        assertSafe(run, "socketLB object");
    });

    it("wrong types in a resource's own fields: exit 2 naming the file, the resource and the field", async () => {
        const cases: [string, unknown, RegExp][] = [
            ["urn", 5, /deployment\.resources\[1\] has no "urn"/],
            ["urn", "not-a-urn", /deployment\.resources\[1\]: not a Pulumi URN/],
            ["type", [], /deployment\.resources\[1\] \(urn:pulumi:[^)]*\) has no "type"/],
            ["inputs", "x", /"inputs" must be an object, not a string/],
            ["outputs", [1], /"outputs" must be an object, not a list/],
            ["dependencies", [1], /"dependencies" must be a list of URNs/],
            [
                "propertyDependencies",
                { values: null },
                /"propertyDependencies"\."values" must be a list of URNs, not null/,
            ],
            [
                "propertyDependencies",
                { values: [1, 2] },
                /"propertyDependencies"\."values" must be a list of URNs, not a list/,
            ],
            ["parent", 5, /"parent" must be a string, not a number/],
        ];
        for (const [key, value, message] of cases) {
            const doc = baseStack();
            doc.deployment.resources[1][key] = value;
            const file = write(JSON.stringify(doc));
            const run = await runCheck(file);
            assert.strictEqual(run.code, ExitCode.Error, `${key} = ${JSON.stringify(value)}`);
            assert.ok(run.stderr.includes(file), `names the file: ${run.stderr}`);
            assert.match(run.stderr, message);
            assertSafe(run, key);
        }
        // null for an optional field is absent, as Go reads it.
        const doc = baseStack();
        Object.assign(doc.deployment.resources[1], { parent: null, propertyDependencies: null, dependencies: null });
        const run = await runCheck(write(JSON.stringify(doc)));
        assert.strictEqual(run.code, ExitCode.Violation, run.stderr);
    });

    it(`values nested past ${MAX_VALUE_DEPTH} levels (900, 200,000): judged, a warning naming resource and field`, async () => {
        for (const levels of [900, 200_000]) {
            const doc = baseStack();
            const cilium = doc.deployment.resources.find((r) => r.urn === CILIUM)!;
            cilium.inputs.values.extraConfig = "NESTED";
            const run = await runCheck(write(JSON.stringify(doc).replace('"NESTED"', nestedJson(levels))));
            assert.strictEqual(run.code, ExitCode.Violation, run.stderr);
            assert.match(
                run.stderr,
                new RegExp(
                    `warning: ${CILIUM.replace(/[.$/]/g, "\\$&")}: inputs\\.values\\.extraConfig(\\.deeper)+ is nested more than ${MAX_VALUE_DEPTH} levels deep`,
                ),
            );
            assertSafe(run, `${levels} levels`);
        }
    });

    it("a string over the limit: judged, a warning naming resource, field and limit; also --served, leaving no child", async () => {
        const doc = baseStack();
        const cilium = doc.deployment.resources.find((r) => r.urn === CILIUM)!;
        cilium.outputs.values.bigValue = "x".repeat(17 * 1024 * 1024);
        const file = write(JSON.stringify(doc));
        const warning = new RegExp(
            `outputs\\.values\\.bigValue is a string of 17,825,792 characters, over the limit of ${MAX_STRING_LENGTH.toLocaleString("en-US")}`,
        );
        const run = await runCheck(file);
        assert.strictEqual(run.code, ExitCode.Violation, run.stderr);
        assert.match(run.stderr, warning);
        assertSafe(run, "17 MB string");

        const marker = `HOSTILE_SPEC_${crypto.randomBytes(6).toString("hex")}`;
        const served = spawnSync(process.execPath, ["bin/engine/cli.js", "check", file, "--served"], {
            cwd: REPOSITORY,
            env: { ...process.env, [marker]: "1" },
            encoding: "utf8",
            maxBuffer: 64 * 1024 * 1024,
        });
        assert.strictEqual(served.status, ExitCode.Violation, served.stderr);
        assert.match(served.stderr, warning);
        assertSafe({ code: served.status, stdout: served.stdout, stderr: served.stderr }, "17 MB string served");
        assert.deepStrictEqual(processesMarked(marker), []);
    });

    it("control characters in names and values are printed escaped", async () => {
        const doc = baseStack();
        const ns = doc.deployment.resources.find((r) => r.type === "kubernetes:core/v1:Namespace")!;
        const hostile = "shop\u001b]0;owned\u0007\u001b[2J\u009b31m\u202e";
        ns.urn = ns.urn.replace(/::shop$/, `::${hostile}`);
        ns.inputs.metadata.labels = { ...ns.inputs.metadata.labels, note: hostile };
        const run = await runCheck(write(JSON.stringify(doc)));
        assert.ok(run.code === ExitCode.Ok || run.code === ExitCode.Violation, run.stderr);
        assert.ok(run.stdout.includes("shop\\u001b]0;owned\\u0007\\u001b[2J\\u009b31m\\u202e"), "escaped in the tree");
        assertSafe(run, "control characters");
        const json = await runCheck(write(JSON.stringify(doc)), "--json");
        assert.ok(JSON.parse(json.stdout).resources.some((r: { urn: string }) => r.urn.endsWith(`::${hostile}`)));
        assertSafe(json, "control characters, --json");
    });

    it("a secret whose plaintext is not JSON: judged, a warning naming resource and field, the plaintext never printed", async () => {
        const doc = baseStack();
        const cilium = doc.deployment.resources.find((r) => r.urn === CILIUM)!;
        cilium.inputs.values.kubeProxyReplacement = { [SIG_KEY]: SECRET_SIG, plaintext: SECRET };
        const run = await runCheck(write(JSON.stringify(doc)));
        assert.strictEqual(run.code, ExitCode.Violation, run.stderr);
        assert.match(
            run.stderr,
            /Release::cilium: inputs\.values\.kubeProxyReplacement is a secret whose plaintext is not JSON/,
        );
        assertSafe(run, "non-JSON plaintext");
    });

    it("duplicate URNs: exit 2 naming the file and the URN", async () => {
        const doc = baseStack();
        doc.deployment.resources.push({ ...doc.deployment.resources[1] });
        const file = write(JSON.stringify(doc));
        const run = await runCheck(file);
        assert.strictEqual(run.code, ExitCode.Error);
        assert.ok(
            run.stderr.includes(`${file}: deployment.resources holds ${CILIUM} twice (resources 1 and 10`),
            run.stderr,
        );
    });

    it("a UTF-8 byte order mark is dropped; UTF-16 is refused naming the encoding", async () => {
        const text = JSON.stringify(baseStack());
        const bom = await runCheck(write(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)])));
        assert.strictEqual(bom.code, ExitCode.Violation, bom.stderr);
        for (const [bytes, name] of [
            [Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, "utf16le")]), "UTF-16 little-endian"],
            [Buffer.from(text, "utf16le"), "UTF-16 \\(no byte order mark\\)"],
        ] as const) {
            const file = write(bytes);
            const run = await runCheck(file);
            assert.strictEqual(run.code, ExitCode.Error);
            assert.match(run.stderr, new RegExp(`${file.replace(/[.]/g, "\\.")} is ${name} text \\(PowerShell's`));
            assertSafe(run, name);
        }
    });
});
