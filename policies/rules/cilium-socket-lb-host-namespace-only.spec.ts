import * as assert from "assert";
import { ciliumSocketLbHostNamespaceOnly as rule } from "./cilium-socket-lb-host-namespace-only";
import { advisories, mandatory, runStackPolicy, UNKNOWN } from "../test/harness";
import {
    ciliumChart,
    ciliumConfigMap,
    ciliumRelease,
    goodCiliumConfig,
    goodCiliumValues,
    istioSidecar,
    namespace,
} from "../test/fixtures";

const withoutHostNs = () => ({ ...goodCiliumValues(), socketLB: {} });

describe("cilium-socket-lb-host-namespace-only", () => {
    it("passes a Release with socketLB.hostNamespaceOnly true", async () => {
        const reported = await runStackPolicy(rule, [ciliumRelease(), ...istioSidecar()]);
        assert.deepStrictEqual(reported, []);
    });

    it("rejects a Release with socketLB.hostNamespaceOnly false, naming the value path, the key and the fix", async () => {
        const reported = await runStackPolicy(rule, [
            ciliumRelease({ ...goodCiliumValues(), socketLB: { hostNamespaceOnly: false } }),
            ...istioSidecar(),
        ]);
        assert.strictEqual(mandatory(reported).length, 1);
        const message = reported[0].message;
        for (const part of [
            'Release "cilium"',
            "socketLB.hostNamespaceOnly",
            "bpf-lb-sock-hostns-only",
            "set to false",
            "Fix:",
        ]) {
            assert.ok(message.includes(part), `${part} missing from: ${message}`);
        }
        assert.ok(reported[0].urn?.endsWith("::cilium"));
    });

    for (const version of ["1.15.19", "1.16.19", "1.17.18", "1.18.12", "1.19.6"]) {
        it(`rejects chart ${version} with the value left unset (that chart's default)`, async () => {
            const reported = await runStackPolicy(rule, [
                ciliumRelease(withoutHostNs(), { version }),
                ...istioSidecar(),
            ]);
            assert.strictEqual(mandatory(reported).length, 1);
            assert.ok(
                reported[0].message.includes(`left unset; default of cilium chart ${version}`),
                reported[0].message,
            );
        });
    }

    it("judges an uncarried or unpinned chart version by the carried defaults when they all agree", async () => {
        for (const version of ["1.20.0", "1.18.3", undefined]) {
            const release = ciliumRelease(withoutHostNs(), { version });
            if (version === undefined) {
                delete release.props.version;
            }
            const reported = await runStackPolicy(rule, [release, ...istioSidecar()]);
            assert.strictEqual(mandatory(reported).length, 1, `version ${version}`);
            assert.ok(
                reported[0].message.includes("assumed") || reported[0].message.includes("same minor"),
                reported[0].message,
            );
        }
    });

    it("passes and rejects helm.v4.Chart inputs", async () => {
        assert.deepStrictEqual(await runStackPolicy(rule, [ciliumChart(), ...istioSidecar()]), []);
        const reported = await runStackPolicy(rule, [ciliumChart(withoutHostNs()), ...istioSidecar()]);
        assert.strictEqual(mandatory(reported).length, 1);
        assert.ok(reported[0].message.includes('Chart "cilium"'));
    });

    it("reads a chart's rendered cilium-config instead of its inputs, as one install", async () => {
        const rendered = ciliumConfigMap(goodCiliumConfig(), "cilium");
        assert.deepStrictEqual(
            await runStackPolicy(rule, [ciliumChart(withoutHostNs()), rendered, ...istioSidecar()]),
            [],
        );
        const { ["bpf-lb-sock-hostns-only"]: _omitted, ...without } = goodCiliumConfig();
        const reported = await runStackPolicy(rule, [
            ciliumChart(),
            ciliumConfigMap(without, "cilium"),
            ...istioSidecar(),
        ]);
        assert.strictEqual(reported.length, 1);
        assert.ok(
            reported[0].message.includes("not in cilium-config; the agent default (false) applies"),
            reported[0].message,
        );
    });

    it("passes and rejects a hand-written cilium-config", async () => {
        assert.deepStrictEqual(
            await runStackPolicy(rule, [ciliumConfigMap(goodCiliumConfig()), ...istioSidecar()]),
            [],
        );
        const reported = await runStackPolicy(rule, [
            ciliumConfigMap({ ...goodCiliumConfig(), "bpf-lb-sock-hostns-only": "false" }),
            ...istioSidecar(),
        ]);
        assert.strictEqual(mandatory(reported).length, 1);
        assert.ok(reported[0].message.includes('cilium-config has "false"'));
    });

    it("does not apply to a stack without Istio", async () => {
        assert.deepStrictEqual(await runStackPolicy(rule, [ciliumRelease(withoutHostNs())]), []);
    });

    it("counts a namespace enrolled for injection as Istio", async () => {
        const reported = await runStackPolicy(rule, [
            ciliumRelease(withoutHostNs()),
            namespace("apps", { "istio-injection": "enabled" }),
        ]);
        assert.strictEqual(mandatory(reported).length, 1);
        assert.ok(reported[0].message.includes("istio-injection=enabled"));
    });

    it("reports what it could not check as an advisory, without throwing", async () => {
        const cases = [
            { ...goodCiliumValues(), socketLB: UNKNOWN.object },
            { ...goodCiliumValues(), socketLB: { hostNamespaceOnly: UNKNOWN.boolean } },
            UNKNOWN.object,
            "socketLB.hostNamespaceOnly=true",
            { ...goodCiliumValues(), socketLB: { hostNamespaceOnly: "yes" } },
        ];
        for (const values of cases) {
            const reported = await runStackPolicy(rule, [ciliumRelease(values), ...istioSidecar()]);
            assert.strictEqual(mandatory(reported).length, 0, JSON.stringify(values));
            assert.strictEqual(advisories(reported).length, 1, JSON.stringify(values));
            assert.ok(
                reported[0].message.includes("\nCould not check `socketLB.hostNamespaceOnly`"),
                reported[0].message,
            );
        }
    });

    it("treats a key missing from values as unknown when valueYamlFiles could set it, and as set when values set it", async () => {
        const files = [{ path: "cilium-values.yaml" }];
        const unsure = await runStackPolicy(rule, [
            ciliumRelease(withoutHostNs(), { valueYamlFiles: files }),
            ...istioSidecar(),
        ]);
        assert.strictEqual(advisories(unsure).length, 1);
        assert.ok(unsure[0].message.includes("valueYamlFiles"));
        assert.deepStrictEqual(
            await runStackPolicy(rule, [
                ciliumRelease(goodCiliumValues(), { valueYamlFiles: files }),
                ...istioSidecar(),
            ]),
            [],
        );
    });

    it("keeps an unknown rendered key advisory and an unknown data map advisory", async () => {
        for (const data of [UNKNOWN.object, { ...goodCiliumConfig(), "bpf-lb-sock-hostns-only": UNKNOWN.string }]) {
            const reported = await runStackPolicy(rule, [ciliumConfigMap(data), ...istioSidecar()]);
            assert.deepStrictEqual(
                reported.map((r) => r.level),
                ["advisory"],
            );
        }
    });

    it("follows the level --policy-pack-config gives it", async () => {
        const reported = await runStackPolicy(rule, [ciliumRelease(withoutHostNs()), ...istioSidecar()], {
            enforcementLevel: "advisory",
        });
        assert.deepStrictEqual(
            reported.map((r) => r.level),
            ["advisory"],
        );
        assert.deepStrictEqual(
            await runStackPolicy(rule, [ciliumRelease(withoutHostNs()), ...istioSidecar()], {
                enforcementLevel: "disabled",
            }),
            [],
        );
    });
});
