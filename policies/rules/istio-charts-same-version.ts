/**
 * `istio-charts-same-version` (mandatory).
 *
 * Evidence: docs/cilium-istio-facts.md#istio-charts — Istio's Helm install is base, istiod, cni, ztunnel (and gateways)
 * "one version for all"; the charts ship together (istio/istio `manifests/charts`, one release tag) and the data plane
 * (istio-cni, ztunnel, gateways) follows the control plane's version. A canary upgrade runs two istiod revisions on
 * purpose; set this rule to advisory through --policy-pack-config while one is under way.
 *
 * A chart without a version installs the newest one at deploy time, which a preview cannot compare: reported as an
 * advisory when other charts are pinned.
 */
import { MeshModel } from "../model/mesh-model";
import { describeSource } from "../model/resources";
import { IstioChart } from "../model/istio-install";
import { Finding, stackRule, unchecked, violation } from "../kit/findings";

function describeChart(chart: IstioChart): string {
    return `${chart.chart} (${describeSource(chart.helm.source)})`;
}

export function evaluate(model: MeshModel): Finding[] {
    const charts = model.istio.charts;
    if (charts.length < 2) {
        return [];
    }
    const findings: Finding[] = [];
    const pinned = new Map<string, IstioChart[]>();
    for (const chart of charts) {
        const version = chart.helm.version;
        if (version.state === "unreadable") {
            findings.push(unchecked(chart.helm.source, "the Istio chart version", `${version.path} ${version.reason}`));
        } else if (version.state === "known" && version.value.trim() !== "") {
            const key = version.value.trim().replace(/^v/, "");
            pinned.set(key, [...(pinned.get(key) ?? []), chart]);
        }
    }
    const unpinned = charts.filter(
        (c) =>
            c.helm.version.state === "absent" ||
            (c.helm.version.state === "known" && c.helm.version.value.trim() === ""),
    );
    if (pinned.size > 0) {
        for (const chart of unpinned) {
            findings.push(
                unchecked(
                    chart.helm.source,
                    "the Istio chart version",
                    `it has no version, so Helm installs the newest chart, which may differ from ${[...pinned.keys()].join(", ")}`,
                ),
            );
        }
    }
    if (pinned.size > 1) {
        // The version most charts use is taken as intended; every chart at another version is reported.
        const [majority] = [...pinned.entries()].sort((a, b) => b[1].length - a[1].length)[0];
        const summary = [...pinned.entries()]
            .map(([version, list]) => `${version}: ${list.map(describeChart).join(", ")}`)
            .join("; ");
        for (const [version, list] of pinned) {
            if (version === majority) {
                continue;
            }
            for (const chart of list) {
                findings.push(
                    violation(
                        chart.helm.source,
                        `${describeSource(chart.helm.source)}: Istio chart ${chart.chart} is at version ${version} while the stack's other ` +
                            `Istio charts are at ${majority} (${summary}). Istio's charts are released together and its data plane ` +
                            "(istio-cni, ztunnel, gateways, sidecars) must match its control plane. Fix: give every Istio chart the same `version`.",
                    ),
                );
            }
        }
    }
    return findings;
}

export const istioChartsSameVersion = stackRule({
    name: "istio-charts-same-version",
    level: "mandatory",
    description: "Istio's charts (base, istiod, cni, ztunnel, gateway) in one stack must be at one version.",
    trigger: "Istio's charts (`base`, `istiod`, `cni`, `ztunnel`, `gateway`) in one stack are at different versions",
    breaks: "the charts ship together; the data plane must match the control plane",
    fix: "one `version` for every Istio chart",
    sources: ["https://istio.io/latest/docs/ambient/install/helm/", "docs/cilium-istio-facts.md#istio-charts"],
    evaluate,
});
