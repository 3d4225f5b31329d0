/**
 * Maintainer tool: refreshes the carried release data (policies/model/release-support.json) from files downloaded from
 * upstream. It reads files, never the network: this repository's machines have no internet, so fetch them first.
 *
 *     curl -sO https://helm.cilium.io/index.yaml                                        # -> cilium-index.yaml
 *     curl -sO https://istio-release.storage.googleapis.com/charts/index.yaml           # -> istio-index.yaml
 *     curl -sO https://raw.githubusercontent.com/istio/istio.io/master/data/compatibility/supportStatus.yml
 *     curl -so compat-1.19.rst https://raw.githubusercontent.com/cilium/cilium/v1.19.6/Documentation/network/kubernetes/compatibility.rst
 *     npx ts-node --transpile-only scripts/refresh-releases.ts --date 2026-08-22 \
 *         --cilium-index cilium-index.yaml --istio-index istio-index.yaml --istio-support supportStatus.yml \
 *         --cilium-compat 1.15=compat-1.15.rst ... --cilium-compat 1.19=compat-1.19.rst
 *
 * Cilium: the minors whose chart data the project carries (carried-charts.ts), each with its newest released patch in
 * the chart index and the Kubernetes versions of the 'k8s Version' row of its compatibility page. Istio: every minor
 * from 1.22 (the oldest the components accept) that supportStatus.yml lists, with its newest released patch of the
 * istiod chart and its `k8sVersions`. Pre-releases (`-rc.0`, `-alpha`) are never the newest patch.
 */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { CILIUM_CHART_VERSIONS, ReleaseLine } from "../policies/model/carried-charts";

/** The oldest Istio minor the components accept (components/istio-values.ts). */
const OLDEST_ISTIO_MINOR = "1.22";

export interface RefreshInputs {
    /** The day the files were downloaded, YYYY-MM-DD. */
    date: string;
    ciliumIndex: string;
    istioIndex: string;
    istioSupport: string;
    /** compatibility.rst per Cilium minor. */
    ciliumCompatibility: Record<string, string>;
}

const minorOf = (version: string) => version.split(".").slice(0, 2).join(".");
const compareMinor = (a: string, b: string) => {
    const [a1, a2] = a.split(".").map(Number);
    const [b1, b2] = b.split(".").map(Number);
    return a1 - b1 || a2 - b2;
};

/** The newest released (MAJOR.MINOR.PATCH, no suffix) version of `minor` among `versions`. */
function newestPatch(versions: readonly string[], minor: string, what: string): string {
    const patches = versions
        .map((v) => v.replace(/^v/, ""))
        .filter((v) => /^\d+\.\d+\.\d+$/.test(v) && minorOf(v) === minor)
        .map((v) => Number(v.split(".")[2]));
    if (patches.length === 0) {
        throw new Error(`${what} lists no release of ${minor}`);
    }
    return `${minor}.${Math.max(...patches)}`;
}

function chartVersions(indexYaml: string, chart: string, file: string): string[] {
    const entries = (YAML.parse(indexYaml) as { entries?: Record<string, { version: string }[]> }).entries?.[chart];
    if (!Array.isArray(entries)) {
        throw new Error(`${file} has no entries.${chart}: is it a Helm chart index?`);
    }
    return entries.map((e) => String(e.version));
}

/** The Kubernetes versions of the 'k8s Version' table row of Cilium's compatibility.rst. */
export function ciliumKubernetesVersions(rst: string, minor: string): string[] {
    const row = rst.split("\n").find((line) => /^\|\s*1\.\d+(,\s*1\.\d+)*\s*\|/.test(line));
    if (!row) {
        throw new Error(`the compatibility page given for Cilium ${minor} has no 'k8s Version' row`);
    }
    return row
        .split("|")[1]
        .split(",")
        .map((v) => v.trim());
}

export function releaseSupportFrom(inputs: RefreshInputs) {
    const ciliumVersions = chartVersions(inputs.ciliumIndex, "cilium", "--cilium-index");
    const istioVersions = chartVersions(inputs.istioIndex, "istiod", "--istio-index");
    const ciliumLines: ReleaseLine[] = [...new Set(CILIUM_CHART_VERSIONS.map(minorOf))].map((minor) => {
        const rst = inputs.ciliumCompatibility[minor];
        if (rst === undefined) {
            throw new Error(`--cilium-compat ${minor}=FILE is missing (a carried Cilium minor)`);
        }
        return {
            minor,
            latest: newestPatch(ciliumVersions, minor, "--cilium-index"),
            kubernetes: ciliumKubernetesVersions(rst, minor),
        };
    });
    const support = YAML.parse(inputs.istioSupport) as { version: string; k8sVersions?: string[] }[];
    const istioLines: ReleaseLine[] = support
        .filter((s) => /^\d+\.\d+$/.test(s.version) && compareMinor(s.version, OLDEST_ISTIO_MINOR) >= 0)
        .filter((s) => istioVersions.some((v) => minorOf(v.replace(/^v/, "")) === s.version))
        .sort((a, b) => compareMinor(a.version, b.version))
        .map((s) => ({
            minor: s.version,
            latest: newestPatch(istioVersions, s.version, "--istio-index"),
            kubernetes: (s.k8sVersions ?? []).map(String),
        }));
    return {
        writtenBy: "scripts/refresh-releases.ts",
        cilium: {
            releasesFrom: `the cilium chart's versions in https://helm.cilium.io/index.yaml (cilium/charts), as carried on ${inputs.date}`,
            kubernetesFrom:
                "the 'k8s Version' row of cilium/cilium Documentation/network/kubernetes/compatibility.rst at each minor's " +
                "release tag (docs.cilium.io/en/v<minor>/network/kubernetes/compatibility/): the versions Cilium e2e-tests " +
                "that release on",
            lines: ciliumLines,
        },
        istio: {
            releasesFrom: `the istiod chart's versions in https://istio-release.storage.googleapis.com/charts/index.yaml (istio/istio tags), as carried on ${inputs.date}`,
            kubernetesFrom:
                "k8sVersions of each release in istio/istio.io data/compatibility/supportStatus.yml " +
                "(istio.io/latest/docs/releases/supported-releases/, 'Supported Kubernetes Versions')",
            lines: istioLines,
        },
    };
}

function main(argv: readonly string[]): void {
    const value = (flag: string) => {
        const i = argv.indexOf(flag);
        if (i < 0 || argv[i + 1] === undefined) {
            throw new Error(`${flag} is required (see the usage at the top of scripts/refresh-releases.ts)`);
        }
        return argv[i + 1];
    };
    const ciliumCompatibility: Record<string, string> = {};
    argv.forEach((arg, i) => {
        if (arg === "--cilium-compat") {
            const [minor, file] = (argv[i + 1] ?? "").split("=");
            ciliumCompatibility[minor] = fs.readFileSync(file, "utf8");
        }
    });
    const data = releaseSupportFrom({
        date: value("--date"),
        ciliumIndex: fs.readFileSync(value("--cilium-index"), "utf8"),
        istioIndex: fs.readFileSync(value("--istio-index"), "utf8"),
        istioSupport: fs.readFileSync(value("--istio-support"), "utf8"),
        ciliumCompatibility,
    });
    const out = path.join(__dirname, "..", "policies", "model", "release-support.json");
    fs.writeFileSync(out, `${JSON.stringify(data, null, 2)}\n`);
    console.log(`written: ${out} (then: npm run build && npm run docs, and read docs/versions.md's matrix again)`);
}

if (require.main === module) {
    main(process.argv.slice(2));
}
