/** The processes a spec started, found by a marker in their environment (every child inherits it). */
import * as fs from "fs";

/** Live processes (not zombies) whose environment holds `marker`. */
export function processesMarked(marker: string): number[] {
    const found: number[] = [];
    for (const entry of fs.readdirSync("/proc")) {
        if (!/^\d+$/.test(entry)) {
            continue;
        }
        try {
            const environ = fs.readFileSync(`/proc/${entry}/environ`, "latin1");
            const state = fs.readFileSync(`/proc/${entry}/stat`, "latin1").split(") ").pop()![0];
            if (environ.includes(marker) && state !== "Z" && state !== "X") {
                found.push(Number(entry));
            }
        } catch {
            // Gone meanwhile, or not ours to read.
        }
    }
    return found;
}
