/**
 * This package as Pulumi's component provider host sees it (docs/pulumi-facts.md#component-packages): the provider name
 * the host derives from package.json, the ComponentResource classes it finds among the entry module's exports, and the
 * schema it infers from the TypeScript sources. The schema is memoised: inference builds a TypeScript program of the
 * whole project (about 20 s), so the specs that need it share one.
 */
import * as fs from "fs";
import * as path from "path";
import { ComponentProvider, getPulumiComponents } from "@pulumi/pulumi/provider/experimental";
import * as api from "../components";

export const PACKAGE_DIR = path.resolve(__dirname, "..");

/** How @pulumi/pulumi cmd/run-plugin/run.js names the provider: the npm name without scope, odd characters as "-". */
export function providerNameOf(npmName: string): string {
    const match = /(@.*?\/)?(.+)/.exec(npmName);
    if (!match) {
        throw new Error(`package.json name "${npmName}" cannot name a provider`);
    }
    return match[2].replace(/[^-a-zA-Z0-9_]/g, "-");
}

export const PROVIDER_NAME = providerNameOf(
    JSON.parse(fs.readFileSync(path.join(PACKAGE_DIR, "package.json"), "utf8")).name,
);

/** The component classes, found in the entry module's exports as run-plugin finds them. */
export const COMPONENTS = getPulumiComponents(api);

let provider: ComponentProvider | undefined;

/** The component provider the plugin host would serve for this directory. */
export function componentProvider(): ComponentProvider {
    provider ??= new ComponentProvider({ name: PROVIDER_NAME, dirname: PACKAGE_DIR, components: COMPONENTS });
    return provider;
}

/** A property of a resource or type in the package schema (the subset these tests read). */
export interface SchemaProperty {
    type?: string;
    $ref?: string;
    items?: SchemaProperty;
    additionalProperties?: SchemaProperty;
    plain?: boolean;
    description?: string;
}

export interface SchemaResource {
    isComponent: boolean;
    description?: string;
    inputProperties: { [name: string]: SchemaProperty };
    requiredInputs: string[];
    properties: { [name: string]: SchemaProperty };
    required: string[];
}

export interface SchemaType {
    type: string;
    enum?: { name: string; value: string; description?: string }[];
    properties?: { [name: string]: SchemaProperty };
    required?: string[];
}

export interface PackageSchema {
    name: string;
    version: string;
    resources: { [token: string]: SchemaResource };
    types: { [token: string]: SchemaType };
    dependencies: { name: string; version: string }[];
}

let schema: Promise<PackageSchema> | undefined;

/** The schema the plugin host answers GetSchema with, inferred from the sources. */
export function inferredSchema(): Promise<PackageSchema> {
    schema ??= componentProvider()
        .getSchema()
        .then((text) => JSON.parse(text) as PackageSchema);
    return schema;
}

/** `#/types/<token>` for a type of this package, else undefined. */
export function localTypeToken(property: SchemaProperty): string | undefined {
    const prefix = "#/types/";
    return property.$ref?.startsWith(prefix) ? decodeURIComponent(property.$ref.slice(prefix.length)) : undefined;
}
