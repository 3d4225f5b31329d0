/**
 * Validation of Cilium Helm values against the chart's own values.schema.json, as Helm does at install, so that a
 * value the chart would reject fails at construction instead of half-way through a deploy. The schemas are the
 * trimmed copies in this folder (see NOTICE.md).
 */
import Ajv, { ValidateFunction } from "ajv";
import schema1_16 from "./cilium-1.16.19.schema.json";
import schema1_17 from "./cilium-1.17.18.schema.json";
import schema1_18 from "./cilium-1.18.12.schema.json";
import schema1_19 from "./cilium-1.19.6.schema.json";

const SCHEMAS: { [version: string]: object } = {
    "1.16.19": schema1_16,
    "1.17.18": schema1_17,
    "1.18.12": schema1_18,
    "1.19.6": schema1_19,
};

// The chart schemas are draft-07 (their `$schema`), Ajv's default draft. They use type unions such as
// ["null", "string"], which Ajv's strict mode refuses; strict mode is about schema style, not about which values
// pass, so turning it off validates exactly what the schema says. Two options only make compiling cheaper (it is on
// every plan's path, see the speed targets in BENCHMARKS.md): the carried schemas are not validated against the
// draft-07 meta-schema on each load (test/cilium-values.spec.ts does that once), and the generated validator is not
// optimised, which costs nothing measurable for one values tree and halves the compile time.
export const AJV_OPTIONS = {
    strict: false,
    allErrors: true,
    validateSchema: false,
    code: { optimize: false },
} as const;
const ajv = new Ajv(AJV_OPTIONS);
const compiled = new Map<string, ValidateFunction>();

/** The chart versions whose schema is carried. */
export function carriedSchemaVersions(): string[] {
    return Object.keys(SCHEMAS);
}

/** One way a values tree breaks a schema: where (dotted Helm path, e.g. `operator.replicas`) and how. */
export interface SchemaError {
    path: string;
    message: string;
}

/**
 * Every way `values` breaks the schema of Cilium chart `version`; empty when the values are valid.
 * Throws for a version whose schema is not carried: asking is a programming error.
 */
export function ciliumSchemaErrors(version: string, values: object): SchemaError[] {
    const schema = SCHEMAS[version];
    if (!schema) {
        throw new Error(`no carried Cilium values schema for chart ${version}`);
    }
    let validate = compiled.get(version);
    if (!validate) {
        validate = ajv.compile(schema);
        compiled.set(version, validate);
    }
    if (validate(values)) {
        return [];
    }
    return (validate.errors ?? []).map((error) => {
        const path = error.instancePath.split("/").slice(1).join(".") || "(root)";
        return { path, message: error.message ?? error.keyword };
    });
}
