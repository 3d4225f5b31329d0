/**
 * `cilium-kpr-value-for-chart-version` (mandatory) — a resource rule: one Cilium install's own values decide.
 *
 * Evidence: docs/cilium-istio-facts.md#cilium-values-to-config and each carried chart's values.yaml doc comment
 * (chart-defaults/cilium.json `kubeProxyReplacementValues`): 1.15 accepts "true", "false" and the deprecated
 * "disabled", "partial", "strict"; from 1.16 only "true" or "false", and the template fails on anything else, so the
 * install stops at deploy time. `kubeProxyReplacement` is a string or a boolean in the 1.18+ schema, so YAML true/false
 * count as "true"/"false".
 *
 * A cilium-config written without a chart carries no chart version: a value only old agents accept is reported as an
 * advisory. A chart's rendered cilium-config is judged through the chart's own values.
 *
 * 1.15 accepts "strict" but keeps it a value of its own, while parts of Cilium test for "true" only (BPF host routing,
 * the operator's Gateway API and Ingress controllers; cilium/cilium#32711 as cited, not read here): an advisory to use
 * "true" (docs/cilium-datapath.md#kpr-strict-1-15).
 */
import {
    ChartVersion,
    ciliumChartVersion,
    ciliumKubeProxyReplacementValues,
    ciliumVersionsAcceptingKubeProxyReplacement,
    describeChartVersion,
} from "../model/chart-defaults";
import { isCiliumChart, isCiliumConfigMap } from "../model/cilium-settings";
import { helmValue, readHelmSource } from "../model/helm-sources";
import { Read, guarded, readPath } from "../model/property-reader";
import { StackResource, describeSource, renderedByChart, sourceOf } from "../model/resources";
import { Finding, advisory, resourceRule, unchecked, violation } from "../kit/findings";

const SETTING = "`kubeProxyReplacement` (cilium-config `kube-proxy-replacement`)";

function asValue(read: Read<unknown>): string | undefined {
    return read.state === "known" ? String(read.value) : undefined;
}

export function evaluate(resource: StackResource): Finding[] {
    const source = sourceOf(resource);
    const helm = readHelmSource(resource);
    if (helm && isCiliumChart(helm)) {
        const read = helmValue(helm, "kubeProxyReplacement");
        if (read.state === "unreadable") {
            return [unchecked(source, SETTING, `${read.path} ${read.reason}`)];
        }
        const value = asValue(read);
        return value === undefined ? [] : judge(source, value, ciliumChartVersion(helm.version));
    }
    if (isCiliumConfigMap(resource) && !renderedByChart(resource.urn)) {
        const read = readPath(guarded(resource.props), ["data", "kube-proxy-replacement"]);
        if (read.state === "unreadable") {
            return [unchecked(source, SETTING, `${read.path} ${read.reason}`)];
        }
        const value = asValue(read);
        return value === undefined ? [] : judge(source, value, undefined);
    }
    return [];
}

function judge(source: ReturnType<typeof sourceOf>, value: string, version: ChartVersion | undefined): Finding[] {
    const fix = 'Fix: use "true" (what "strict" became) or "false" (what "disabled" and "partial" became).';
    if (version) {
        const allowed = ciliumKubeProxyReplacementValues(version);
        const chart = describeChartVersion("cilium", version);
        if (allowed.certain && allowed.value.includes(value) && value === "strict") {
            return [
                advisory(
                    source,
                    `${describeSource(source)}: ${SETTING} is "strict", which the ${chart} accepts as a deprecated spelling ` +
                        'of "true" but keeps a value of its own: parts of Cilium check for "true" only, such as BPF host ' +
                        "routing and the operator's Gateway API and Ingress controllers (cilium/cilium#26577, cilium/cilium#32711). " +
                        'Fix: use "true".',
                ),
            ];
        }
        if (allowed.certain) {
            return allowed.value.includes(value)
                ? []
                : [
                      violation(
                          source,
                          `${describeSource(source)}: ${SETTING} is "${value}", which the ${chart} rejects (it accepts ` +
                              `${allowed.value.map((v) => `"${v}"`).join(", ")}): the chart's template fails and Cilium is not installed. ${fix}`,
                      ),
                  ];
        }
    }
    const { accepting, rejecting } = ciliumVersionsAcceptingKubeProxyReplacement(value);
    if (rejecting.length === 0) {
        return [];
    }
    const where = version
        ? `the ${describeChartVersion("cilium", version)}`
        : "a cilium-config written without a chart, whose Cilium version is not known";
    if (accepting.length === 0) {
        return [
            violation(
                source,
                `${describeSource(source)}: ${SETTING} is "${value}", which no Cilium chart accepts ` +
                    `(checked ${rejecting.join(", ")}; here ${where}): Cilium is not installed or its agent does not start. ${fix}`,
            ),
        ];
    }
    return [
        unchecked(
            source,
            SETTING,
            `it is "${value}", which Cilium ${accepting.join(", ")} accept(s) and ` +
                `${rejecting.join(", ")} reject; the version cannot be told for ${where}`,
        ),
    ];
}

export const ciliumKprValueForChartVersion = resourceRule({
    name: "cilium-kpr-value-for-chart-version",
    level: "mandatory",
    description:
        'kubeProxyReplacement must be a value the Cilium chart version accepts (from 1.16 only "true" or "false").',
    trigger:
        "`kubeProxyReplacement` has a value the chart version rejects (`strict`, `partial`, `disabled` from 1.16; anything else but true/false on every version); advisory: `strict` on 1.15",
    breaks: 'the chart\'s template fails: Cilium is not installed; on 1.15 "strict" leaves off what checks for "true"',
    fix: '`"true"` or `"false"`',
    sources: [
        "each carried chart's values.yaml and templates/cilium-configmap.yaml (policies/chart-defaults/cilium.json)",
        "docs/cilium-istio-facts.md#cilium-values-to-config",
        "cilium/cilium#26577",
        "cilium/cilium#32711",
        "docs/cilium-datapath.md#kpr-strict-1-15",
    ],
    evaluate,
});
