/**
 * Merging a user's Helm values over the ones a component builds, the way Helm merges `-f` files over chart
 * defaults: maps merge key by key, anything else (lists, scalars, `null`) replaces. `null` is kept, so Helm itself
 * then drops the chart default, as `--set key=null` does (helm.sh/docs/chart_template_guide/values_files).
 */

/** A tree of Helm values. */
export type HelmValues = { [key: string]: any };

/** A map of Helm values (not null, not a list). */
export function isMap(value: unknown): value is HelmValues {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `override` merged over `base`; neither is modified. */
export function mergeValues(base: HelmValues, override: HelmValues): HelmValues {
    const merged: HelmValues = { ...base };
    for (const [key, value] of Object.entries(override)) {
        merged[key] = isMap(value) && isMap(merged[key]) ? mergeValues(merged[key], value) : value;
    }
    return merged;
}

/** The value at a dotted path (`cni.chained`), or undefined when any step is missing. */
export function valueAt(values: HelmValues, path: string): unknown {
    let node: unknown = values;
    for (const step of path.split(".")) {
        if (!isMap(node)) {
            return undefined;
        }
        node = node[step];
    }
    return node;
}
