/** A command run with its output collected, for specs that call a command's entry in-process. */
import { CommandIO, ExitCode } from "../engine/command-line";

export interface CapturedRun {
    code: ExitCode;
    stdout: string;
    stderr: string;
}

/** Calls `run` with streams that collect what it writes. */
export async function captured(run: (io: CommandIO) => Promise<ExitCode>): Promise<CapturedRun> {
    let stdout = "";
    let stderr = "";
    const code = await run({
        stdout: (text) => {
            stdout += text;
        },
        stderr: (text) => {
            stderr += text;
        },
    });
    return { code, stdout, stderr };
}
