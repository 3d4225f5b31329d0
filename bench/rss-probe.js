/**
 * Preloaded by `npm run bench` into every Node process of a measured command (NODE_OPTIONS="--require <this file>",
 * bench/measure.ts), so that the policy pack the command spawns is counted too: writes "start <pid>" when the
 * process starts and "end <pid> <peak RSS in KiB>" when it ends (process.resourceUsage().maxRSS) to the file named by
 * BENCH_RSS_FILE. JavaScript rather than TypeScript because it loads before any TypeScript hook exists.
 */
"use strict";
const fs = require("fs");

const file = process.env.BENCH_RSS_FILE;
if (file) {
    fs.appendFileSync(file, `start ${process.pid}\n`);
    let recorded = false;
    const record = () => {
        if (!recorded) {
            recorded = true;
            fs.appendFileSync(file, `end ${process.pid} ${process.resourceUsage().maxRSS}\n`);
        }
    };
    process.on("exit", record);
    // The offline engine stops the policy pack with SIGTERM, which ends a process without "exit" handlers:
    // record, then end the way SIGTERM would have (exit status 128 + 15).
    process.once("SIGTERM", () => {
        record();
        process.exit(143);
    });
}
