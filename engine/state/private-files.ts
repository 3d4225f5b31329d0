/**
 * Files the engine writes hold a stack's configuration and values, secrets among them (wrapped, but readable by
 * anyone who can read the file): each is written readable by its owner only (0600), through a temporary file renamed
 * over the target so that an existing file of wider mode is replaced rather than rewritten in place, and the folders
 * created for it are 0700. A write that fails says why in words, naming the path.
 */
import * as fs from "fs";
import * as path from "path";
import { UsageError } from "../command-line";

const WHY: Record<string, string> = {
    ENOTDIR: "a part of its path is a file, not a folder",
    EISDIR: "it is a folder",
    EACCES: "permission denied",
    EPERM: "permission denied",
    EROFS: "the file system is read-only",
    ENOSPC: "no space left on the device",
    ENAMETOOLONG: "the name is too long",
    ENOENT: "a folder on its path does not exist and could not be created",
};

function reason(err: unknown): string {
    const code = (err as NodeJS.ErrnoException).code;
    return (code && WHY[code]) ?? (err as Error).message;
}

export function writePrivateFile(file: string, content: string): void {
    const target = path.resolve(file);
    const temporary = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.tmp`);
    try {
        fs.mkdirSync(path.dirname(target), { recursive: true, mode: 0o700 });
    } catch (err) {
        // mkdir says EEXIST when a part of the path is a file.
        const code = (err as NodeJS.ErrnoException).code;
        throw new UsageError(`cannot write ${file}: ${code === "EEXIST" ? WHY.ENOTDIR : reason(err)}`);
    }
    try {
        fs.writeFileSync(temporary, content, { mode: 0o600, flag: "wx" });
        fs.renameSync(temporary, target);
    } catch (err) {
        fs.rmSync(temporary, { force: true });
        throw new UsageError(`cannot write ${file}: ${reason(err)}`);
    }
}
