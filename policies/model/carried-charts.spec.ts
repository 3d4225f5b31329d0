import * as assert from "assert";
import ciliumData from "../chart-defaults/cilium.json";
import {
    CARRIED_CILIUM_CHARTS,
    CILIUM_CHART_VERSIONS,
    CILIUM_SCHEMA_VERSIONS,
    NEWEST_CILIUM_CHART,
} from "./carried-charts";

describe("the carried Cilium charts, one list", () => {
    it("is one version per minor, oldest first, the newest last", () => {
        const minors = CILIUM_CHART_VERSIONS.map((v) => v.split(".").slice(0, 2).join("."));
        assert.strictEqual(new Set(minors).size, minors.length, "one version per minor");
        const sorted = [...CILIUM_CHART_VERSIONS].sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
        assert.deepStrictEqual(CILIUM_CHART_VERSIONS, sorted);
        assert.strictEqual(NEWEST_CILIUM_CHART, sorted[sorted.length - 1]);
        assert.deepStrictEqual(
            CILIUM_SCHEMA_VERSIONS,
            CILIUM_CHART_VERSIONS.filter((v) => !v.startsWith("1.15.")),
        );
    });

    it("is exactly what chart-defaults/cilium.json was extracted for, template facts included", () => {
        const extracted = ciliumData.versions as unknown as Record<string, { routingModeWhenEniEnabled: string }>;
        assert.deepStrictEqual(Object.keys(extracted), [...CILIUM_CHART_VERSIONS]);
        for (const chart of CARRIED_CILIUM_CHARTS) {
            assert.strictEqual(
                extracted[chart.version].routingModeWhenEniEnabled,
                chart.routingModeWhenEniEnabled,
                chart.version,
            );
        }
    });
});
