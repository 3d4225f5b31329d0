/**
 * Version strings of the charts and of Kubernetes: parsing and comparison, so that a rule like "ambient needs Istio
 * 1.22 or later" is one comparison and a malformed version is an input error, not a surprise at deploy time.
 */
import { InputError } from "./validation";

/** A release version `MAJOR.MINOR.PATCH` (an optional `-pre.N`/`-rc.N` suffix is kept but not compared). */
export interface Version {
    major: number;
    minor: number;
    patch: number;
    text: string;
}

const RELEASE = /^v?(\d+)\.(\d+)\.(\d+)(-[0-9A-Za-z.-]+)?$/;

/**
 * Parses `1.19.6` (or `v1.19.6`, `1.20.0-pre.1`); throws an InputError naming `input` otherwise, with `example` (a
 * release of the project the input is for) as the example.
 */
export function parseVersion(input: string, value: unknown, example: string): Version {
    const match = typeof value === "string" ? RELEASE.exec(value) : null;
    if (!match) {
        throw new InputError(input, value, `a release version MAJOR.MINOR.PATCH such as ${example}`);
    }
    return { major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3]), text: value as string };
}

/** Parses a Kubernetes minor version `1.34`; throws an InputError naming `input` otherwise. */
export function parseKubernetesVersion(input: string, value: unknown): Version {
    const match = typeof value === "string" ? /^(\d+)\.(\d+)$/.exec(value) : null;
    if (!match) {
        throw new InputError(input, value, "a Kubernetes minor version MAJOR.MINOR such as 1.34");
    }
    return { major: Number(match[1]), minor: Number(match[2]), patch: 0, text: value as string };
}

/** Negative, zero or positive as `a` is older than, the same release as, or newer than `b` (suffixes ignored). */
export function compareVersions(a: Version, b: Pick<Version, "major" | "minor" | "patch">): number {
    return a.major - b.major || a.minor - b.minor || a.patch - b.patch;
}

/** True when `v` is at least `major.minor` (any patch). */
export function atLeast(v: Version, major: number, minor: number): boolean {
    return compareVersions(v, { major, minor, patch: 0 }) >= 0;
}
