/**
 * The Pulumi YAML example (examples/yaml/Pulumi.yaml) read as data, for the specs that check it against the schema
 * and drive its requests through the component provider. Only the expression forms the example uses are understood:
 * a whole value `${resource}` or `${resource.output}`; interpolations() finds any other, so a spec can refuse it.
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { PACKAGE_DIR } from "./component-package";

export const YAML_EXAMPLE = path.join(PACKAGE_DIR, "examples", "yaml", "Pulumi.yaml");

export interface YamlResource {
    type: string;
    properties?: { [name: string]: unknown };
    options?: { provider?: string; dependsOn?: string[] };
}

export interface YamlProgram {
    name: string;
    runtime: string;
    packages?: { [name: string]: string };
    resources: { [name: string]: YamlResource };
    outputs?: { [name: string]: unknown };
}

export function readYamlExample(): YamlProgram {
    return parse(fs.readFileSync(YAML_EXAMPLE, "utf8")) as YamlProgram;
}

/** `${resource}` or `${resource.property}`. */
export interface Reference {
    resource: string;
    property?: string;
}

/** The reference a value is when it is exactly `${name}` or `${name.property}`; otherwise undefined. */
export function referenceIn(value: unknown): Reference | undefined {
    if (typeof value !== "string") {
        return undefined;
    }
    const match = /^\$\{([A-Za-z][\w-]*)(?:\.([A-Za-z]\w*))?\}$/.exec(value);
    return match ? { resource: match[1], property: match[2] } : undefined;
}

/** Every string inside `value` (at any depth) that contains `${`. */
export function interpolations(value: unknown): string[] {
    if (typeof value === "string") {
        return value.includes("${") ? [value] : [];
    }
    if (Array.isArray(value)) {
        return value.flatMap(interpolations);
    }
    if (value && typeof value === "object") {
        return Object.values(value).flatMap(interpolations);
    }
    return [];
}

/** The full type token: Pulumi YAML also accepts `<package>:<Name>` for `<package>:index:<Name>`. */
export function fullTypeToken(type: string): string {
    const parts = type.split(":");
    return parts.length === 2 ? `${parts[0]}:index:${parts[1]}` : type;
}
