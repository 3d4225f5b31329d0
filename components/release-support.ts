/**
 * Versions checked against reality: a Cilium or Istio release must be one the project's carried release data lists
 * (a patch no later than the newest of its minor when carried), and with a Kubernetes version given, a release that
 * lists that Kubernetes version. The data and its sources: cilium-istio-guard/model/carried-charts (release-support.json),
 * docs/versions.md. `allowUnsupported` is the way out for a user who knows better (a newer patch, a combination they
 * tested): the checks are skipped, the malformed-version checks are not.
 */
import { CILIUM_RELEASES, ISTIO_RELEASES, ReleaseLines } from "cilium-istio-guard/model/carried-charts";
import { InputError } from "./validation";
import { Version } from "./versions";

/** What the component's args say about the check. */
export interface ReleaseSupportCheck {
    /** The component input the version came from, for the error: `CiliumRelease.version`. */
    input: string;
    /** The Kubernetes minor the release will run on, when known. */
    kubernetesVersion?: string;
    /** Skip the known-release and combination checks. */
    allowUnsupported?: boolean;
}

const OVERRIDE =
    "or set the component's allowUnsupportedVersions (stack config eks-cilium-istio:allowUnsupportedVersions) to use it anyway";

const range = (versions: readonly string[]) =>
    versions.length === 0 ? "none" : `${versions[0]}–${versions[versions.length - 1]}`;

function check(project: string, releases: ReleaseLines, version: Version, args: ReleaseSupportCheck): void {
    if (args.allowUnsupported) {
        return;
    }
    const minor = `${version.major}.${version.minor}`;
    const line = releases.lines.find((l) => l.minor === minor);
    const latestPatch = line ? Number(line.latest.split(".")[2]) : -1;
    if (!line || version.patch > latestPatch) {
        throw new InputError(
            args.input,
            version.text,
            `a release of ${project} the carried chart index lists: ` +
                `${releases.lines.map((l) => `${l.minor}.0–${l.latest}`).join(", ")} (docs/versions.md), ${OVERRIDE}`,
        );
    }
    const kubernetes = args.kubernetesVersion;
    if (kubernetes !== undefined && !line.kubernetes.includes(kubernetes)) {
        const fitting = releases.lines.filter((l) => l.kubernetes.includes(kubernetes)).map((l) => `${l.minor}.x`);
        throw new InputError(
            args.input,
            version.text,
            `a release of ${project} that supports Kubernetes ${kubernetes}: ` +
                `${fitting.length > 0 ? fitting.join(", ") : "none of the carried ones"} (${project} ${minor} supports ` +
                `Kubernetes ${range(line.kubernetes)}; docs/versions.md), ${OVERRIDE}`,
        );
    }
}

/** Throws an InputError for a Cilium release the carried data does not list, or one that does not support `kubernetesVersion`. */
export function checkCiliumRelease(version: Version, args: ReleaseSupportCheck): void {
    check("Cilium", CILIUM_RELEASES, version, args);
}

/** Throws an InputError for an Istio release the carried data does not list, or one that does not support `kubernetesVersion`. */
export function checkIstioRelease(version: Version, args: ReleaseSupportCheck): void {
    check("Istio", ISTIO_RELEASES, version, args);
}

/** The README's compatibility matrix, generated from the carried release data (`npm run docs`). */
export const COMPATIBILITY_MATRIX = { name: "compatibility matrix", writtenBy: "npm run docs" } as const;

/**
 * One row per EKS Kubernetes version the components accept: the Cilium and Istio minors that support it, per mode.
 * Ambient needs Cilium 1.16 or later (CiliumRelease, cilium/cilium#30572) and, on a Cilium overlay, Istio 1.26 or
 * later (IstioRelease, docs/istio-install.md#ambient-webhooks); sidecar mode needs neither.
 */
export function renderCompatibilityMatrix(kubernetesVersions: readonly string[]): string {
    const minors = (releases: ReleaseLines, kubernetes: string, from?: [number, number]) => {
        const fitting = releases.lines
            .filter((l) => l.kubernetes.includes(kubernetes))
            .filter((l) => {
                const [major, minor] = l.minor.split(".").map(Number);
                return from === undefined || major > from[0] || (major === from[0] && minor >= from[1]);
            })
            .map((l) => l.minor);
        return fitting.length === 0 ? "—" : fitting.join(", ");
    };
    const header = [
        "Kubernetes (EKS)",
        "Cilium, sidecar mode",
        "Cilium, ambient mode",
        "Istio, sidecar or ambient on eni/chaining",
        "Istio, ambient on overlay",
    ];
    const rows = kubernetesVersions.map((k) => [
        k,
        minors(CILIUM_RELEASES, k),
        minors(CILIUM_RELEASES, k, [1, 16]),
        minors(ISTIO_RELEASES, k),
        minors(ISTIO_RELEASES, k, [1, 26]),
    ]);
    return [header, header.map(() => "---"), ...rows].map((row) => `| ${row.join(" | ")} |`).join("\n");
}
