/**
 * Reading resource properties the way a policy has to during `pulumi preview`.
 *
 * The policy server hands rules their props wrapped in `unknownCheckingProxy` (pulumi-policy server.js, both Analyze
 * and AnalyzeStack): reading a value that is unknown until deployment throws `UnknownValueError`. A rule must never
 * throw, and must say what it could not check, so every read goes through `readPath`, which turns unknown values and
 * odd shapes into an `unreadable` result carrying the property path and the reason.
 */
// @pulumi/policy 1.21 exports these at run time but its .d.ts strips them (@internal), so they are typed here. They
// come from its proxy module, which @pulumi/policy's index re-exports: the index also loads the policy server and
// with it all of @pulumi/pulumi, a second of start-up that the offline engine's check needs nowhere else.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- typed just below, where the .d.ts strips the names
const proxy = require("@pulumi/policy/proxy");
const unknownCheckingProxy: <T>(props: T) => T = proxy.unknownCheckingProxy;
/** Thrown by the server's proxy when a rule reads a value that is unknown during preview. */
export const UnknownValueError: new (...args: any[]) => Error = proxy.UnknownValueError;

/** The outcome of reading one property. */
export type Read<T> =
    | { readonly state: "known"; readonly value: T }
    | { readonly state: "absent" }
    | { readonly state: "unreadable"; readonly path: string; readonly reason: string };

export const ABSENT: Read<never> = { state: "absent" };

export function known<T>(value: T): Read<T> {
    return { state: "known", value };
}

export function unreadable(path: string, reason: string): Read<never> {
    return { state: "unreadable", path, reason };
}

/** Why a value could not be used, as findings quote it: its path and reason when unreadable, else `otherwise`. */
export function whyNotRead(read: Read<unknown>, otherwise: string): string {
    return read.state === "unreadable" ? `${read.path} ${read.reason}` : otherwise;
}

/**
 * Props behind the same unknown-checking proxy the server uses, so that plain objects (the offline engine's stack
 * export, where unknowns are the SDK's sentinel strings) and the server's props behave alike.
 */
export function guarded<T>(props: T): T {
    // The server's proxy answers true for this key (pulumi-policy proxy.js `isSpecialProxy`); wrapping it again would
    // only double the cost of every read.
    return (props as { __isSpecialProxy?: unknown } | undefined)?.__isSpecialProxy === true
        ? props
        : unknownCheckingProxy(props);
}

function pathText(path: readonly (string | number)[]): string {
    return path
        .map((key) => (typeof key === "number" ? `[${key}]` : `.${key}`))
        .join("")
        .replace(/^\./, "");
}

/** Reads `root.a.b[0]...`; a missing step is `absent`, an unknown step `unreadable`, a non-object step `absent`. */
export function readPath(root: unknown, path: readonly (string | number)[]): Read<unknown> {
    let current: unknown = root;
    for (let i = 0; i < path.length; i++) {
        if (current === null || typeof current !== "object") {
            return ABSENT;
        }
        try {
            current = (current as Record<string | number, unknown>)[path[i]];
        } catch (error) {
            if (error instanceof UnknownValueError) {
                return unreadable(pathText(path.slice(0, i + 1)), "unknown until the deployment runs (preview)");
            }
            throw error;
        }
    }
    return current === undefined || current === null ? ABSENT : known(current);
}

/** A string property; any other type is `unreadable`. */
export function readString(root: unknown, path: readonly (string | number)[]): Read<string> {
    const read = readPath(root, path);
    if (read.state !== "known") {
        return read;
    }
    return typeof read.value === "string"
        ? known(read.value)
        : unreadable(pathText(path), `is ${describeType(read.value)}, expected a string`);
}

/**
 * A boolean property. Helm values are often written as strings ("true"), and cilium-config holds only strings, so
 * "true"/"false" count as booleans.
 */
export function readBoolean(root: unknown, path: readonly (string | number)[]): Read<boolean> {
    const read = readPath(root, path);
    if (read.state !== "known") {
        return read;
    }
    const parsed = parseBoolean(read.value);
    return parsed === undefined
        ? unreadable(pathText(path), `is ${JSON.stringify(read.value)}, expected true or false`)
        : known(parsed);
}

export function parseBoolean(value: unknown): boolean | undefined {
    if (value === true || value === "true") {
        return true;
    }
    if (value === false || value === "false") {
        return false;
    }
    return undefined;
}

/** An object property (not an array). */
export function readObject(root: unknown, path: readonly (string | number)[]): Read<object> {
    const read = readPath(root, path);
    if (read.state !== "known") {
        return read;
    }
    return typeof read.value === "object" && !Array.isArray(read.value)
        ? known(read.value as object)
        : unreadable(pathText(path), `is ${describeType(read.value)}, expected an object`);
}

/** An array property; its elements are still behind the proxy, read them with readPath. */
export function readArray(root: unknown, path: readonly (string | number)[]): Read<readonly unknown[]> {
    const read = readPath(root, path);
    if (read.state !== "known") {
        return read;
    }
    return Array.isArray(read.value)
        ? known(read.value)
        : unreadable(pathText(path), `is ${describeType(read.value)}, expected a list`);
}

/** An array of strings; one unknown or non-string element makes the whole list unreadable. */
export function readStringList(root: unknown, path: readonly (string | number)[]): Read<string[]> {
    const list = readArray(root, path);
    if (list.state !== "known") {
        return list;
    }
    const values: string[] = [];
    for (let i = 0; i < list.value.length; i++) {
        const item = readString(list.value, [i]);
        if (item.state === "unreadable") {
            return unreadable(`${pathText(path)}[${i}]`, item.reason);
        }
        if (item.state === "known") {
            values.push(item.value);
        }
    }
    return known(values);
}

/** Own keys of an object behind the proxy (the proxy does not trap key enumeration, so this never throws). */
export function keysOf(value: object): string[] {
    return Object.keys(value);
}

function describeType(value: unknown): string {
    if (Array.isArray(value)) {
        return "a list";
    }
    return value === null ? "null" : `a ${typeof value}`;
}

/**
 * A label or annotation map read key by key, so that one unknown label does not hide the others. `unreadable` is
 * either the set of keys whose values are unknown, or "all" when the map itself could not be read.
 */
export interface LabelSet {
    readonly values: ReadonlyMap<string, string>;
    readonly unreadable: ReadonlySet<string> | "all";
    /** Why the map (or a key) could not be read, for messages. */
    readonly reason?: string;
}

export const EMPTY_LABELS: LabelSet = { values: new Map(), unreadable: new Set() };

export function unreadableLabels(reason: string): LabelSet {
    return { values: new Map(), unreadable: "all", reason };
}

export function readLabels(root: unknown, path: readonly (string | number)[]): LabelSet {
    const map = readObject(root, path);
    if (map.state === "absent") {
        return EMPTY_LABELS;
    }
    if (map.state === "unreadable") {
        return unreadableLabels(`${map.path} ${map.reason}`);
    }
    const values = new Map<string, string>();
    const unknownKeys = new Set<string>();
    let reason: string | undefined;
    for (const key of keysOf(map.value)) {
        const value = readPath(map.value, [key]);
        if (value.state === "unreadable") {
            unknownKeys.add(key);
            reason = `${pathText(path)}.${key} ${value.reason}`;
        } else if (value.state === "known") {
            values.set(key, String(value.value));
        }
    }
    return { values, unreadable: unknownKeys, reason };
}

/** One label's value: `known`, `absent`, or `unreadable` when that key (or the whole map) is unknown. */
export function labelValue(labels: LabelSet, key: string): Read<string> {
    const value = labels.values.get(key);
    if (value !== undefined) {
        return known(value);
    }
    if (labels.unreadable === "all" || labels.unreadable.has(key)) {
        return unreadable(key, labels.reason ?? "is unknown");
    }
    return ABSENT;
}

/** Two label sets merged, `overlay` winning (a NamespacePatch over a Namespace, pod labels over namespace labels). */
export function mergeLabels(base: LabelSet, overlay: LabelSet): LabelSet {
    if (base.unreadable === "all" || overlay.unreadable === "all") {
        const values = new Map([...base.values, ...overlay.values]);
        return { values, unreadable: "all", reason: overlay.reason ?? base.reason };
    }
    return {
        values: new Map([...base.values, ...overlay.values]),
        unreadable: new Set([...base.unreadable, ...overlay.unreadable]),
        reason: overlay.reason ?? base.reason,
    };
}
