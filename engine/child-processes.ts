/**
 * Every child process a command starts (a served policy pack, kubectl under verify) is registered here, so that none
 * outlives the command: each is stopped when the process exits by any path (a return, an error, `process.exit`), and
 * the command line stops them on SIGINT and SIGTERM before it exits itself (`stopChildrenOnSignals`). A child left
 * behind would keep its memory and, for a pack, its loopback port for good.
 */
import { ChildProcess } from "child_process";

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function stopAll(signal: NodeJS.Signals): void {
    for (const child of running) {
        if (child.exitCode === null && child.signalCode === null) {
            try {
                child.kill(signal);
            } catch {
                // Already gone: nothing to stop.
            }
        }
    }
}

/** Registers a child just spawned; it is forgotten once it exits. Returns it, for chaining. */
export function trackChild<T extends ChildProcess>(child: T): T {
    running.add(child);
    child.once("exit", () => running.delete(child));
    if (!exitHookInstalled) {
        exitHookInstalled = true;
        // 'exit' handlers run synchronously and cannot wait: SIGKILL, since there is no later chance to escalate.
        process.once("exit", () => stopAll("SIGKILL"));
    }
    return child;
}

/** The children still running (tests, and the signal handler's message). */
export function runningChildren(): number {
    return running.size;
}

/** Exit status of a process ended by a signal, as a shell reports it (128 + the signal's number). */
const SIGNAL_EXIT: Record<"SIGINT" | "SIGTERM", number> = { SIGINT: 130, SIGTERM: 143 };

/**
 * For the command line's entry only (tests run commands inside mocha, whose signals are its own): on SIGINT or
 * SIGTERM, stops every child, says so on stderr, and exits with 128 + the signal's number.
 */
export function stopChildrenOnSignals(stderr: (text: string) => void): void {
    for (const signal of ["SIGINT", "SIGTERM"] as const) {
        process.once(signal, () => {
            const children = running.size;
            stopAll("SIGTERM");
            stderr(
                `error: stopped by ${signal}${children > 0 ? ` (stopped ${children} child process${children > 1 ? "es" : ""})` : ""}\n`,
            );
            process.exit(SIGNAL_EXIT[signal]);
        });
    }
}
