/**
 * `npm run verify` against a kubectl stand-in (test/fixtures/kubectl/kubectl) that answers each
 * `kubectl exec ... curl` from a table, as kubectl does (curl's output on stdout, curl's exit code passed on). No
 * cluster is reached here: these tests cover the command line, the parsing and the comparison only.
 */
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { demoChecks } from "../components/demo-objects";
import { ExitCode } from "../engine/command-line";
import {
    DEFAULT_CHECK_TIMEOUT_S,
    DEFAULT_TOTAL_TIMEOUT_S,
    checkArguments,
    parseObservation,
    parseSeconds,
    verify,
} from "../engine/commands/verify";

const REPOSITORY = path.resolve(__dirname, "..");
const STAND_IN = path.join(__dirname, "fixtures", "kubectl");

/** What a cluster running the dev stack (sidecar, l7 with the fix) answers, per the connectivity model. */
const DEV_ANSWERS: Record<string, string> = {
    "red http://httpbin.red/ip": "200",
    "red http://httpbin.red/deny": "200",
    "red http://httpbin.blue/ip": "200",
    "red http://httpbin.blue/deny": "403",
    "blue http://httpbin.red/ip": "200",
    "blue http://httpbin.red/deny": "200",
    "blue http://httpbin.blue/ip": "200",
    "blue http://httpbin.blue/deny": "403",
    "green http://httpbin.red/ip": "200",
    "green http://httpbin.red/deny": "200",
    "green http://httpbin.blue/ip": "000",
    "green http://httpbin.blue/deny": "000",
};

interface Table {
    [check: string]: { stdout: string; stderr?: string; exit?: number; hang?: boolean; signal?: NodeJS.Signals };
}

/** A table from codes: `000` comes with curl's timeout exit code 28, as kubectl exec passes it on. */
function table(codes: Record<string, string>): Table {
    return Object.fromEntries(
        Object.entries(codes).map(([k, code]) => [k, { stdout: code, exit: code === "000" ? 28 : 0 }]),
    );
}

function standInEnv(answers: Table) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "verify-spec-"));
    const tableFile = path.join(dir, "table.json");
    const log = path.join(dir, "calls.log");
    fs.writeFileSync(tableFile, JSON.stringify(answers));
    return {
        env: {
            ...process.env,
            PATH: `${STAND_IN}${path.delimiter}${process.env.PATH}`,
            KUBECTL_STANDIN_TABLE: tableFile,
            KUBECTL_STANDIN_LOG: log,
        },
        calls: () =>
            fs
                .readFileSync(log, "utf8")
                .trim()
                .split("\n")
                .map((line) => JSON.parse(line) as string[]),
    };
}

async function runVerify(argv: string[], answers: Table) {
    const standIn = standInEnv(answers);
    let stdout = "";
    let stderr = "";
    const code = await verify(
        argv,
        {
            stdout: (t) => {
                stdout += t;
            },
            stderr: (t) => {
                stderr += t;
            },
        },
        { projectDir: REPOSITORY, env: standIn.env },
    );
    return { code, stdout, stderr, calls: standIn.calls };
}

describe("verify against a kubectl stand-in", function () {
    this.timeout(60_000);

    it("runs every check with the given kubeconfig and context and exits 0 when all agree", async () => {
        const run = await runVerify(["--kubeconfig", "/tmp/kc.yaml", "--context", "demo"], table(DEV_ANSWERS));
        assert.strictEqual(run.code, ExitCode.Ok, run.stderr);
        const calls = run.calls();
        assert.strictEqual(calls.length, 12);
        assert.deepStrictEqual(
            calls.find((c) => c.includes("http://httpbin.blue/deny") && c.includes("green")),
            [
                "--kubeconfig",
                "/tmp/kc.yaml",
                "--context",
                "demo",
                "exec",
                "-n",
                "green",
                "deploy/netshoot",
                "--",
                "curl",
                "-s",
                "-o",
                "/dev/null",
                "-m",
                "1",
                "-w",
                "%{http_code}",
                "http://httpbin.blue/deny",
            ],
        );
        assert.match(run.stdout, /^from\s+to\s+path\s+predicted\s+observed/m);
        assert.match(run.stdout, /^red\s+blue\s+\/deny\s+403\s+403\s+ok$/m);
        assert.match(run.stdout, /^green\s+blue\s+\/ip\s+000\s+000\s+ok$/m);
    });

    it("exits 1 and explains each difference", async () => {
        const run = await runVerify(
            [],
            table({ ...DEV_ANSWERS, "red http://httpbin.blue/ip": "503", "red http://httpbin.blue/deny": "503" }),
        );
        assert.strictEqual(run.code, ExitCode.Violation);
        assert.match(run.stdout, /^red\s+blue\s+\/ip\s+200\s+503\s+DIFFERS$/m);
        assert.match(
            run.stdout,
            /red -> httpbin\.blue\/deny: predicted 403 \(Cilium's HTTP proxy denies GET \/deny[^)]*\); observed 503/,
        );
        assert.deepStrictEqual(run.calls()[0].slice(0, 2), ["exec", "-n"], "no --kubeconfig or --context unless given");
    });

    it("exits 2 when kubectl cannot run a check, naming the first one and kubectl's error", async () => {
        const answers = table(DEV_ANSWERS);
        delete answers["blue http://httpbin.red/ip"];
        const run = await runVerify([], answers);
        assert.strictEqual(run.code, ExitCode.Error);
        assert.match(
            run.stderr,
            /kubectl could not run every check \(first: blue -> httpbin\.red\/ip: Error from server \(NotFound\): deployments\.apps "netshoot" not found in blue\)/,
        );
    });

    it("prints a failure every check shares once, with the count (no cluster to reach)", async () => {
        const refused =
            "The connection to the server localhost:8080 was refused - did you specify the right host or port?";
        const answers: Table = Object.fromEntries(
            Object.keys(DEV_ANSWERS).map((check) => [check, { stdout: "", stderr: `${refused}\n`, exit: 1 }]),
        );
        const run = await runVerify([], answers);
        assert.strictEqual(run.code, ExitCode.Error);
        const count = Object.keys(DEV_ANSWERS).length;
        assert.strictEqual(run.stdout.split(refused).length - 1, 1, run.stdout);
        assert.ok(run.stdout.includes(`  ${count} checks not run: ${refused}\n`), run.stdout);
        assert.strictEqual(run.stdout.match(/NOT RUN$/gm)?.length, count, "the table still has a row per check");
    });

    it("reports a kubectl killed by a signal as not run, naming the signal", async () => {
        const answers: Table = table(DEV_ANSWERS);
        answers["red http://httpbin.blue/ip"] = { stdout: "", signal: "SIGKILL" };
        const run = await runVerify([], answers);
        assert.strictEqual(run.code, ExitCode.Error);
        assert.match(run.stderr, /red -> httpbin\.blue\/ip: kubectl was killed by SIGKILL and printed ""/);
    });

    it("stops a kubectl that hangs at --timeout and reports the check not run", async () => {
        const answers: Table = table(DEV_ANSWERS);
        answers["blue http://httpbin.red/deny"] = { stdout: "", hang: true };
        const run = await runVerify(["--timeout", "1"], answers);
        assert.strictEqual(run.code, ExitCode.Error);
        assert.match(run.stdout, /^blue\s+red\s+\/deny\s+200\s+error\s+NOT RUN$/m);
        assert.match(
            run.stdout,
            /blue -> httpbin\.red\/deny: predicted 200 .*; not run: kubectl did not answer within 1 s \(--timeout\); stopped it/,
        );
        assert.match(run.stdout, /^red\s+blue\s+\/deny\s+403\s+403\s+ok$/m, "the other checks ran");
    });

    it("as a child process, returns its exit code to the shell", () => {
        const standIn = standInEnv(table({ ...DEV_ANSWERS, "green http://httpbin.blue/ip": "200" }));
        const child = spawnSync(process.execPath, ["bin/engine/cli.js", "verify"], {
            cwd: REPOSITORY,
            env: standIn.env,
            encoding: "utf8",
        });
        assert.strictEqual(child.status, 1, child.stderr);
        assert.match(child.stdout, /^green\s+blue\s+\/ip\s+000\s+200\s+DIFFERS$/m);
    });
});

describe("verify's parsing of one check", () => {
    it("reads curl's code from stdout whatever kubectl's exit code", () => {
        assert.deepStrictEqual(parseObservation("000", "command terminated with exit code 28\n", 28), { code: "000" });
        assert.deepStrictEqual(parseObservation("403\n", "", 0), { code: "403" });
    });

    it("reports a check that never ran, with kubectl's first error line", () => {
        assert.deepStrictEqual(
            parseObservation("", "error: You must be logged in to the server (Unauthorized)\nmore\n", 1),
            { error: "error: You must be logged in to the server (Unauthorized)" },
        );
        assert.deepStrictEqual(parseObservation("", "", 127), { error: 'kubectl exited with 127 and printed ""' });
    });

    it("names the signal that killed kubectl", () => {
        assert.deepStrictEqual(parseObservation("", "", null, "SIGKILL"), {
            error: 'kubectl was killed by SIGKILL and printed ""',
        });
    });

    it("takes --timeout and --total-timeout in seconds, refusing anything else", () => {
        assert.strictEqual(parseSeconds("timeout", undefined, DEFAULT_CHECK_TIMEOUT_S), DEFAULT_CHECK_TIMEOUT_S * 1000);
        assert.strictEqual(parseSeconds("timeout", "2.5", 10), 2500);
        for (const bad of ["0", "-1", "ten", "1e3", "3601", ""]) {
            assert.throws(
                () => parseSeconds("timeout", bad, 10),
                new RegExp(`--timeout ${JSON.stringify(bad)} is not a number of seconds from 0 to 3600`),
            );
        }
        assert.ok(DEFAULT_TOTAL_TIMEOUT_S < 60, "the whole command stays under a minute with a kubectl that hangs");
    });

    it("runs the same command NamespaceDemo's `checks` output prints", () => {
        for (const check of demoChecks()) {
            const shell = ["kubectl", ...checkArguments({}, check.from, check.to, check.path)]
                .map((arg) => (arg.includes("%") ? `"${arg}"` : arg))
                .join(" ");
            assert.strictEqual(shell, check.command);
        }
    });
});
