/**
 * No child process outlives a command: the served policy pack of `plan --served` and `check --served`, and kubectl
 * under `verify`, are stopped when the command is sent SIGINT or SIGTERM and when it ends by any other path. Each
 * command runs as users run it (`node bin/engine/cli.js`, built by `npm test`) with a marker in its environment,
 * which every process it starts inherits; afterwards no live process may carry the marker.
 */
import * as assert from "assert";
import { ChildProcess, spawn } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { processesMarked } from "./processes";

const REPOSITORY = path.resolve(__dirname, "..");
const CLI = path.join(REPOSITORY, "bin", "engine", "cli.js");
const STAND_IN = path.join(__dirname, "fixtures", "kubectl");
const CHECKED_STACK = path.join(__dirname, "fixtures", "check", "many-rules-broken.json");

interface Started {
    child: ChildProcess;
    marker: string;
    stderr: () => string;
    exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function startCli(args: string[], env: NodeJS.ProcessEnv = process.env): Started {
    const marker = `ENGINE_SPEC_MARKER_${crypto.randomBytes(8).toString("hex")}`;
    const child = spawn(process.execPath, [CLI, ...args], {
        cwd: REPOSITORY,
        env: { ...env, [marker]: "1" },
        stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.stdout!.resume();
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
        child.on("exit", (code, signal) => resolve({ code, signal })),
    );
    return { child, marker, stderr: () => stderr, exited };
}

/** Waits until a process besides the command itself carries the marker: the command has started a child. */
async function childStarted(started: Started, timeoutMs = 90_000): Promise<number[]> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
        const others = processesMarked(started.marker).filter((pid) => pid !== started.child.pid);
        if (others.length > 0) {
            return others;
        }
        if (started.child.exitCode !== null) {
            throw new Error(`the command exited before starting a child: ${started.stderr()}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error("no child process started");
}

/** Every marked process is gone, allowing the kernel a moment to reap what was killed. */
async function noneLeft(marker: string): Promise<void> {
    for (let i = 0; i < 50 && processesMarked(marker).length > 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.deepStrictEqual(processesMarked(marker), [], "a child process outlived the command");
}

function hangingKubectl(): NodeJS.ProcessEnv {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "child-processes-spec-"));
    const table = path.join(dir, "table.json");
    const answers: Record<string, { hang: true }> = {};
    for (const from of ["red", "blue", "green"]) {
        for (const to of ["red", "blue"]) {
            for (const p of ["/ip", "/deny"]) {
                answers[`${from} http://httpbin.${to}${p}`] = { hang: true };
            }
        }
    }
    fs.writeFileSync(table, JSON.stringify(answers));
    return {
        ...process.env,
        PATH: `${STAND_IN}${path.delimiter}${process.env.PATH}`,
        KUBECTL_STANDIN_TABLE: table,
    };
}

describe("child processes are stopped with the command", function () {
    this.timeout(180_000);

    const cases: { command: string; args: string[]; env?: () => NodeJS.ProcessEnv; signal: NodeJS.Signals }[] = [
        { command: "check --served", args: ["check", CHECKED_STACK, "--served"], signal: "SIGTERM" },
        { command: "check --served", args: ["check", CHECKED_STACK, "--served"], signal: "SIGINT" },
        { command: "plan --served", args: ["plan", "--served", "--out", "PLAN_OUT"], signal: "SIGINT" },
        { command: "plan --served", args: ["plan", "--served", "--out", "PLAN_OUT"], signal: "SIGTERM" },
        { command: "verify", args: ["verify"], env: hangingKubectl, signal: "SIGTERM" },
        { command: "verify", args: ["verify"], env: hangingKubectl, signal: "SIGINT" },
    ];
    for (const { command, args, env, signal } of cases) {
        it(`${command}: ${signal} stops its child and exits 128 + the signal's number`, async () => {
            const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "child-processes-spec-")), "plan.json");
            const started = startCli(
                args.map((a) => (a === "PLAN_OUT" ? out : a)),
                env?.(),
            );
            const children = await childStarted(started);
            assert.ok(children.length > 0);
            started.child.kill(signal);
            const { code } = await started.exited;
            assert.strictEqual(code, signal === "SIGINT" ? 130 : 143, started.stderr());
            assert.match(started.stderr(), new RegExp(`error: stopped by ${signal} \\(stopped \\d+ child process`));
            assert.doesNotMatch(started.stderr(), /\n\s+at /, "no stack trace");
            await noneLeft(started.marker);
        });
    }

    it("plan --served: a program error after the pack started leaves no pack behind", async () => {
        const started = startCli([
            "plan",
            "--served",
            "--config",
            "eks-cilium-istio:nodeInstanceType=not a type",
            "--out",
            path.join(fs.mkdtempSync(path.join(os.tmpdir(), "child-processes-spec-")), "plan.json"),
        ]);
        await childStarted(started);
        const { code } = await started.exited;
        assert.strictEqual(code, 2, started.stderr());
        assert.match(started.stderr(), /eks-cilium-istio:nodeInstanceType/);
        await noneLeft(started.marker);
    });

    it("verify: a kubectl that hangs is stopped at --timeout, reported not run, and none is left", async () => {
        const started = startCli(["verify", "--timeout", "1", "--total-timeout", "3"], hangingKubectl());
        const { code } = await started.exited;
        assert.strictEqual(code, 2, started.stderr());
        assert.match(started.stderr(), /kubectl did not answer within 1 s \(--timeout\); stopped it/);
        await noneLeft(started.marker);
    });

    it("verify with default flags and a kubectl that hangs ends, non-zero, within 60 s", async () => {
        const begun = Date.now();
        const started = startCli(["verify"], hangingKubectl());
        const { code } = await started.exited;
        const seconds = (Date.now() - begun) / 1000;
        assert.strictEqual(code, 2, started.stderr());
        assert.ok(seconds < 60, `took ${seconds} s`);
        assert.match(started.stderr(), /kubectl could not run every check/);
        await noneLeft(started.marker);
    });
});
