/**
 * MAINTAINER TOOL — not used at run or test time. Its output, components/chart-schemas/cilium-<version>.schema.json,
 * is committed, so that a clone of this project validates Cilium values without any outside files.
 *
 * Reads the Cilium chart's own values.schema.json for each version in CILIUM_SCHEMA_VERSIONS from a directory laid
 * out as `<charts>/cilium-<version>/values.schema.json` (the charts as published at helm.cilium.io, Apache-2.0), keeps
 * only the top-level properties listed in CILIUM_SCHEMA_KEYS, each with its subschema unchanged, and writes the
 * result. Top-level keywords other than `properties` (`$schema`, `type`) are kept as they are.
 *
 * Usage: npx ts-node --transpile-only scripts/extract-chart-schemas.ts CHARTS_DIR
 *   CHARTS_DIR (required; relative to the project root) holds the published charts unpacked as `cilium-<version>/`.
 * After a run, update components/chart-schemas/NOTICE.md if the versions changed.
 */
import * as fs from "fs";
import * as path from "path";
import { CILIUM_SCHEMA_KEYS, CILIUM_SCHEMA_VERSIONS } from "../components/chart-schemas/cilium-keys";

const USAGE =
    "usage: npx ts-node --transpile-only scripts/extract-chart-schemas.ts CHARTS_DIR\n" +
    "  CHARTS_DIR: a directory holding cilium-<version>/values.schema.json for each of " +
    `${CILIUM_SCHEMA_VERSIONS.join(", ")} (the charts as published at https://helm.cilium.io)\n`;

const projectRoot = path.resolve(__dirname, "..");
if (process.argv[2] === undefined) {
    process.stderr.write(USAGE);
    process.exit(2);
}
const chartsDir = path.resolve(projectRoot, process.argv[2]);
const outDir = path.join(projectRoot, "components", "chart-schemas");

/** The chart schema with its top-level properties cut down to `keys`; keys the chart does not declare are skipped. */
function trimSchema(schema: Record<string, any>, keys: readonly string[]): Record<string, any> {
    const properties: Record<string, unknown> = {};
    for (const key of keys) {
        if (key in schema.properties) {
            properties[key] = schema.properties[key];
        }
    }
    return { ...schema, properties };
}

for (const version of CILIUM_SCHEMA_VERSIONS) {
    const source = path.join(chartsDir, `cilium-${version}`, "values.schema.json");
    const schema = JSON.parse(fs.readFileSync(source, "utf8"));
    const trimmed = trimSchema(schema, CILIUM_SCHEMA_KEYS);
    const target = path.join(outDir, `cilium-${version}.schema.json`);
    fs.writeFileSync(target, JSON.stringify(trimmed, null, 2) + "\n");
    const kept = Object.keys(trimmed.properties);
    const absent = CILIUM_SCHEMA_KEYS.filter((key) => !kept.includes(key));
    console.log(
        `${path.relative(projectRoot, target)}: kept ${kept.length} of ${Object.keys(schema.properties).length}` +
            ` top-level properties${absent.length ? `; not declared by this chart: ${absent.join(", ")}` : ""}`,
    );
}
