/**
 * Helm installs as the engine shows them: a `helm.v3.Release` (a custom resource whose props carry `chart`, `version`,
 * `values`, `valueYamlFiles`, `repositoryOpts`), or the inputs of a `helm.v4.Chart` / `helm.v3.Chart` component
 * (docs/pulumi-facts.md#kubernetes-resources-in-policies). The chart's own objects are not resources for a Release, so
 * for Releases the values are all there is to read.
 */
import {
    ABSENT,
    Read,
    guarded,
    known,
    readArray,
    readObject,
    readPath,
    readString,
    unreadable,
} from "./property-reader";
import { HELM_CHART_V3, HELM_CHART_V4, HELM_RELEASE, SourceRef, StackResource, sourceOf } from "./resources";

export interface HelmSource {
    readonly source: SourceRef;
    readonly kind: "release" | "chart";
    /** Chart name as Helm knows it: last path segment of `chart` (or of a v3 Chart's `path`), minus `.tgz`/version. */
    readonly chartName: Read<string>;
    /** `chart` as written, plus the repository URL if given: where the chart comes from. */
    readonly chartRef: string;
    readonly version: Read<string>;
    /** Namespace the release installs into (Helm's default is "default"). */
    readonly namespace: Read<string>;
    readonly values: Read<object>;
    /** Why keys missing from `values` may still be set: `valueYamlFiles` the pack cannot read. */
    readonly valueFilesReason?: string;
}

function chartNameOf(chartRef: string): string {
    const last = chartRef.replace(/\/+$/, "").split("/").pop() ?? chartRef;
    // A packaged chart URL ends in `<name>-<version>.tgz`.
    return last.replace(/\.tgz$/, "").replace(/-v?\d+\.\d+\.\d+.*$/, "");
}

function firstKnown(...reads: Read<string>[]): Read<string> {
    return reads.find((read) => read.state !== "absent") ?? ABSENT;
}

/** The Helm install a resource describes, or undefined when it is not a Release or Chart. */
export function readHelmSource(resource: StackResource): HelmSource | undefined {
    if (resource.type !== HELM_RELEASE && resource.type !== HELM_CHART_V4 && resource.type !== HELM_CHART_V3) {
        return undefined;
    }
    const props = guarded(resource.props);
    const chart = firstKnown(readString(props, ["chart"]), readString(props, ["path"]));
    const repo = firstKnown(
        readString(props, ["repositoryOpts", "repo"]),
        readString(props, ["fetchOpts", "repo"]),
        readString(props, ["repo"]),
    );
    const chartRef = [repo.state === "known" ? repo.value : "", chart.state === "known" ? chart.value : ""]
        .filter((part) => part !== "")
        .join(" ");
    const values = readObject(props, ["values"]);
    return {
        source: sourceOf(resource),
        kind: resource.type === HELM_RELEASE ? "release" : "chart",
        chartName: chart.state === "known" ? known(chartNameOf(chart.value)) : chart,
        chartRef,
        version: readString(props, ["version"]),
        namespace: readString(props, ["namespace"]),
        values: values.state === "absent" ? known({}) : values,
        valueFilesReason: valueFilesReason(props),
    };
}

function valueFilesReason(props: unknown): string | undefined {
    const files = readArray(props, ["valueYamlFiles"]);
    if (files.state === "absent" || (files.state === "known" && files.value.length === 0)) {
        return undefined;
    }
    return files.state === "unreadable"
        ? `valueYamlFiles ${files.reason}`
        : "it may be set in valueYamlFiles, which a policy cannot read";
}

/**
 * One Helm value by its path in values.yaml. A key missing from `values` is `absent` only when no value files could
 * set it; otherwise it is `unreadable`, naming the value files.
 */
export function helmValue(helm: HelmSource, path: string): Read<unknown> {
    if (helm.values.state !== "known") {
        return helm.values.state === "unreadable" ? unreadable(helm.values.path, helm.values.reason) : ABSENT;
    }
    const read = readPath(helm.values.value, path.split("."));
    if (read.state === "unreadable") {
        return unreadable(`values.${read.path}`, read.reason);
    }
    if (read.state === "absent" && helm.valueFilesReason) {
        return unreadable(`values.${path}`, helm.valueFilesReason);
    }
    return read;
}
