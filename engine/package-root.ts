/**
 * Where this package's files are: the folder holding its package.json, found from this module whether it runs from
 * its TypeScript source (engine/) or from the build (bin/engine/), so no caller counts `..` itself.
 */
import * as fs from "fs";
import * as path from "path";

const PACKAGE_NAME = "eks-cilium-istio";

function findPackageRoot(from: string): string {
    for (let dir = from; ; dir = path.dirname(dir)) {
        const manifest = path.join(dir, "package.json");
        if (fs.existsSync(manifest) && JSON.parse(fs.readFileSync(manifest, "utf8")).name === PACKAGE_NAME) {
            return dir;
        }
        if (path.dirname(dir) === dir) {
            throw new Error(`no package.json of ${PACKAGE_NAME} above ${from}`);
        }
    }
}

export const PACKAGE_ROOT = findPackageRoot(__dirname);

/** The package's own manifest (version for `--version`, name). */
export function packageManifest(): { name: string; version: string } {
    return JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, "package.json"), "utf8"));
}
