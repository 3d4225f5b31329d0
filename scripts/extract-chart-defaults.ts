/**
 * Maintainer tool: extracts the chart defaults the policy pack `cilium-istio-guard` reads from the published Cilium and
 * Istio charts, and writes them into `policies/chart-defaults/` (committed; the pack never reads chart files at run
 * time, so a clone without the charts still works).
 *
 *     npx ts-node --transpile-only scripts/extract-chart-defaults.ts CHARTS_DIR
 *
 * CHARTS_DIR (required) holds `cilium-<version>/values.yaml` and `istio-<version>/<chart>/values.yaml` as published
 * (helm.cilium.io, istio-release.storage.googleapis.com/charts). Both projects license their charts under Apache-2.0,
 * which the output's NOTICE records.
 *
 * For each key the default is resolved the way the chart documents it, in this order:
 *   1. the value in values.yaml, when it is neither `~` nor `""`;
 *   2. the `@default -- ...` annotation of its doc comment (e.g. routingMode `""` is documented as "tunnel");
 *   3. a commented-out line such as `# hostNamespaceOnly: false` or `#kubeProxyReplacement: "false"`, which is how
 *      the chart documents a key it leaves unset;
 *   4. otherwise `null` (unset: the feature is off, e.g. `cni.chainingMode: ~`).
 * The basis is written beside each value, so a reader of the JSON sees where every default came from.
 */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { CARRIED_CILIUM_CHARTS } from "../policies/model/carried-charts";

/** The Cilium Helm values the pack reads (see policies/model/cilium-settings.ts for what each one decides). */
const CILIUM_KEYS = [
    "socketLB.hostNamespaceOnly",
    "cni.install",
    "cni.customConf",
    "cni.exclusive",
    "cni.chainingMode",
    "routingMode",
    "kubeProxyReplacement",
    "bpf.masquerade",
    "bpf.hostLegacyRouting",
    "eni.enabled",
    "ipam.mode",
    "k8sServiceHost",
    "agentNotReadyTaintKey",
    "enableIPv4Masquerade",
    "enableNonDefaultDenyPolicies",
    "upgradeCompatibility",
    "operator.tolerations",
    "gatewayAPI.enabled",
    "l7Proxy",
    "cluster.name",
    "cluster.id",
    "clustermesh.useAPIServer",
    "clustermesh.maxConnectedClusters",
    "clustermesh.config.enabled",
    "clustermesh.policyDefaultLocalCluster",
    "ipam.operator.clusterPoolIPv4PodCIDRList",
    "ipv4NativeRoutingCIDR",
    "tunnelProtocol",
    "tls.ca.cert",
] as const;

/**
 * Facts that live in the chart's templates, not in values.yaml, so they cannot be read from the files extracted here.
 * Source: docs/cilium-istio-facts.md#cilium-values-to-config (templates/cilium-configmap.yaml):
 * with `routingMode` unset, 1.19.6 renders `routing-mode: native` when `eni.enabled` (or gke.enabled); earlier charts
 * render "tunnel". And a `cni.chainingMode` other than none renders `enable-host-legacy-routing: "true"` unless
 * `bpf.hostLegacyRouting` is set (read in the 1.15.3 template; carried forward for every version here). With
 * `enableIPv4Masquerade` unset, the 1.18+ templates render `enable-ipv4-masquerade: "false"` when `eni.enabled` (and
 * `upgradeCompatibility` is unset or 1.18+), earlier ones "true" (cilium/cilium#38663;
 * docs/cilium-datapath.md#eni-egress-masquerading). Both facts are kept per version in the list of carried charts
 * (policies/model/carried-charts.ts).
 */
const CILIUM_TEMPLATE_FACTS: Record<
    string,
    { routingModeWhenEniEnabled: string; ipv4MasqueradeWhenEniEnabled: boolean }
> = Object.fromEntries(
    CARRIED_CILIUM_CHARTS.map((c) => [
        c.version,
        {
            routingModeWhenEniEnabled: c.routingModeWhenEniEnabled,
            ipv4MasqueradeWhenEniEnabled: c.ipv4MasqueradeWhenEniEnabled,
        },
    ]),
);

/**
 * Istio chart values the pack reads, per chart, under the charts' `_internal_defaults_do_not_set` block
 * (docs/cilium-istio-facts.md#istio-values-layout).
 */
const ISTIO_KEYS: Record<string, readonly string[]> = {
    cni: ["excludeNamespaces", "ambient.shareHostNetworkNamespace"],
    istiod: [
        "global.istioNamespace",
        "global.meshID",
        "global.multiCluster.clusterName",
        "global.network",
        "taint.enabled",
        "autoscaleEnabled",
        "autoscaleMin",
        "autoscaleMax",
        "replicaCount",
        "rollingMaxSurge",
        "rollingMaxUnavailable",
    ],
};

type Basis = "values.yaml" | "@default annotation" | "commented-out default" | "unset";
interface ExtractedDefault {
    value: unknown;
    basis: Basis;
}

/** Line index of `key:` (or of `# key:` when commented out) inside the block that `parents` lead to; -1 if absent. */
function findKeyLine(lines: string[], keyPath: string[], commented: boolean): number {
    let start = 0;
    let end = lines.length;
    for (let depth = 0; depth < keyPath.length; depth++) {
        const indent = " ".repeat(depth * 2);
        const last = depth === keyPath.length - 1;
        const pattern =
            last && commented
                ? new RegExp(`^${indent}#\\s?${escapeRegExp(keyPath[depth])}:`)
                : new RegExp(`^${indent}${escapeRegExp(keyPath[depth])}:`);
        let found = -1;
        for (let i = start; i < end; i++) {
            if (pattern.test(lines[i])) {
                found = i;
                break;
            }
        }
        if (found < 0) {
            return -1;
        }
        if (last) {
            return found;
        }
        // The block of this key ends at the next non-comment line indented no deeper than the key itself.
        start = found + 1;
        end = lines.length;
        for (let i = start; i < lines.length; i++) {
            const line = lines[i];
            if (line.trim() === "" || line.trimStart().startsWith("#")) {
                continue;
            }
            if (line.length - line.trimStart().length <= depth * 2) {
                end = i;
                break;
            }
        }
    }
    return -1;
}

function escapeRegExp(text: string): string {
    return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** The comment block directly above line `index` (the chart's `# -- ...` doc comments). */
function commentBlockAbove(lines: string[], index: number): string[] {
    const block: string[] = [];
    for (let i = index - 1; i >= 0 && lines[i].trimStart().startsWith("#"); i--) {
        block.unshift(lines[i].trim());
    }
    return block;
}

/** Parses the value of a `@default -- ...` annotation: `` `"tunnel"` `` -> "tunnel", `` `false` `` -> false. */
function parseAnnotation(block: string[]): { found: boolean; value?: unknown } {
    for (const line of block) {
        const match = /@default -- `([^`]*)`/.exec(line);
        if (match) {
            return { found: true, value: YAML.parse(match[1]) };
        }
    }
    return { found: false };
}

function getIn(values: unknown, keyPath: string[]): { present: boolean; value?: unknown } {
    let current: unknown = values;
    for (const key of keyPath) {
        if (current === null || typeof current !== "object" || !(key in (current as object))) {
            return { present: false };
        }
        current = (current as Record<string, unknown>)[key];
    }
    return { present: true, value: current };
}

function extractDefault(text: string, values: unknown, dottedKey: string): ExtractedDefault {
    const lines = text.split("\n");
    const keyPath = dottedKey.split(".");
    const raw = getIn(values, keyPath);
    const unsetValue = !raw.present || raw.value === null || raw.value === "";
    if (raw.present && !unsetValue) {
        return { value: raw.value, basis: "values.yaml" };
    }
    if (raw.present) {
        const annotation = parseAnnotation(commentBlockAbove(lines, findKeyLine(lines, keyPath, false)));
        if (annotation.found) {
            return { value: annotation.value, basis: "@default annotation" };
        }
        return raw.value === "" ? { value: "", basis: "values.yaml" } : { value: null, basis: "unset" };
    }
    const commentedLine = findKeyLine(lines, keyPath, true);
    if (commentedLine >= 0) {
        const valueText = lines[commentedLine].replace(/^\s*#\s?[^:]+:/, "").trim();
        return { value: YAML.parse(valueText), basis: "commented-out default" };
    }
    return { value: null, basis: "unset" };
}

/** The values the chart's doc comment lists as valid for kubeProxyReplacement ("Valid options are ..."). */
function kubeProxyReplacementOptions(text: string): string[] {
    const lines = text.split("\n");
    let index = findKeyLine(lines, ["kubeProxyReplacement"], false);
    if (index < 0) {
        index = lines.findIndex((line) => /^#kubeProxyReplacement:/.test(line));
    }
    const validLine = commentBlockAbove(lines, index).find((line) => line.includes("Valid options are"));
    if (!validLine) {
        throw new Error("kubeProxyReplacement: no 'Valid options are' comment found");
    }
    return [...validLine.matchAll(/"([^"]+)"/g)].map((match) => match[1]);
}

function chartVersion(chartYaml: string): string {
    return String(YAML.parse(chartYaml).version);
}

function extractCilium(dir: string) {
    const text = fs.readFileSync(path.join(dir, "values.yaml"), "utf8");
    const values = YAML.parse(text);
    const version = chartVersion(fs.readFileSync(path.join(dir, "Chart.yaml"), "utf8"));
    const defaults: Record<string, ExtractedDefault> = {};
    for (const key of CILIUM_KEYS) {
        defaults[key] = extractDefault(text, values, key);
    }
    const templateFacts = CILIUM_TEMPLATE_FACTS[version];
    if (!templateFacts) {
        throw new Error(
            `cilium ${version}: no template facts recorded; read its templates/cilium-configmap.yaml first`,
        );
    }
    return { version, defaults, kubeProxyReplacementValues: kubeProxyReplacementOptions(text), ...templateFacts };
}

function extractIstio(dir: string) {
    const charts: Record<string, Record<string, ExtractedDefault>> = {};
    for (const [chart, keys] of Object.entries(ISTIO_KEYS)) {
        const text = fs.readFileSync(path.join(dir, chart, "values.yaml"), "utf8");
        const defaultsBlock = YAML.parse(text)._internal_defaults_do_not_set;
        charts[chart] = {};
        for (const key of keys) {
            const found = getIn(defaultsBlock, key.split("."));
            charts[chart][key] =
                found.present && found.value !== null && found.value !== ""
                    ? { value: found.value, basis: "values.yaml" }
                    : { value: found.present ? found.value : null, basis: "unset" };
        }
    }
    return charts;
}

const USAGE =
    "usage: npx ts-node --transpile-only scripts/extract-chart-defaults.ts CHARTS_DIR\n" +
    "  CHARTS_DIR: a directory holding cilium-<version>/values.yaml and istio-<version>/<chart>/values.yaml as published\n" +
    "  (https://helm.cilium.io, https://istio-release.storage.googleapis.com/charts)\n";

function main(): void {
    if (process.argv[2] === undefined) {
        process.stderr.write(USAGE);
        process.exit(2);
    }
    const chartsDir = path.resolve(process.argv[2]);
    const outDir = path.join(__dirname, "..", "policies", "chart-defaults");
    const entries = fs.readdirSync(chartsDir).sort();
    const cilium: Record<string, unknown> = {};
    const istio: Record<string, unknown> = {};
    // Exactly the carried Cilium charts (policies/model/carried-charts.ts); every Istio chart given.
    for (const { version } of CARRIED_CILIUM_CHARTS) {
        const dir = path.join(chartsDir, `cilium-${version}`);
        if (!fs.existsSync(dir)) {
            throw new Error(
                `${dir} is missing: the carried Cilium charts are ${Object.keys(CILIUM_TEMPLATE_FACTS).join(", ")}`,
            );
        }
        const extracted = extractCilium(dir);
        cilium[extracted.version] = extracted;
    }
    for (const entry of entries) {
        const match = /^istio-(\d+\.\d+\.\d+)$/.exec(entry);
        if (match) {
            istio[match[1]] = extractIstio(path.join(chartsDir, entry));
        }
    }
    const header = {
        generatedBy: "scripts/extract-chart-defaults.ts",
        licence: "Apache-2.0 (the charts' licence); see NOTICE.md",
    };
    fs.mkdirSync(outDir, { recursive: true });
    fs.writeFileSync(
        path.join(outDir, "cilium.json"),
        JSON.stringify(
            {
                ...header,
                source: "Cilium Helm chart `cilium` values.yaml as published at https://helm.cilium.io/",
                versions: cilium,
            },
            null,
            2,
        ) + "\n",
    );
    fs.writeFileSync(
        path.join(outDir, "istio.json"),
        JSON.stringify(
            {
                ...header,
                source: "Istio Helm charts values.yaml as published at https://istio-release.storage.googleapis.com/charts",
                versions: istio,
            },
            null,
            2,
        ) + "\n",
    );
    console.log(
        `wrote ${Object.keys(cilium).length} Cilium and ${Object.keys(istio).length} Istio chart versions to ${outDir}`,
    );
}

main();
