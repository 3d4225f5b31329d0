/**
 * Versions checked against the carried release data (policies/model/release-support.json, docs/versions.md): every
 * release and Kubernetes version the data lists is accepted; an unknown release or an unsupported combination is an
 * InputError naming the value and what is supported, and `plan` exits 2 saying so; `allowUnsupportedVersions` (the
 * component arg and the stack config key) lets a user who knows better through. And the refresh script reads the
 * upstream files' shapes.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CILIUM_RELEASES, ISTIO_RELEASES } from "cilium-istio-guard/model/carried-charts";
import { checkCiliumRelease, checkIstioRelease } from "../components/release-support";
import { InputError } from "../components/validation";
import { parseVersion } from "../components/versions";
import { ExitCode } from "../engine/command-line";
import { plan, PROJECT_LOCATIONS } from "../engine/commands/plan";
import { ciliumKubernetesVersions, releaseSupportFrom } from "../scripts/refresh-releases";

const v = (text: string) => parseVersion("test", text, "1.2.3");

async function runPlan(config: Record<string, string>) {
    let stderr = "";
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "versions-spec-")), "stack.json");
    const argv = [
        "--json",
        "--out",
        out,
        ...Object.entries(config).flatMap(([k, val]) => ["--config", `eks-cilium-istio:${k}=${val}`]),
    ];
    const code = await plan(argv, { stdout: () => undefined, stderr: (t) => (stderr += t) }, PROJECT_LOCATIONS);
    return { code, stderr };
}

describe("releases and Kubernetes versions against the carried data", function () {
    this.timeout(120_000);

    it("accepts every carried release line, first and newest patch, with every Kubernetes version it lists", () => {
        for (const [check, releases] of [
            [checkCiliumRelease, CILIUM_RELEASES],
            [checkIstioRelease, ISTIO_RELEASES],
        ] as const) {
            for (const line of releases.lines) {
                for (const release of [`${line.minor}.0`, line.latest]) {
                    for (const kubernetesVersion of line.kubernetes) {
                        check(v(release), { input: "X.version", kubernetesVersion });
                    }
                }
            }
        }
    });

    it("refuses a patch newer than the data, naming it and the known releases", () => {
        assert.throws(
            () => checkCiliumRelease(v("1.19.99"), { input: "CiliumRelease.version" }),
            (err: InputError) =>
                err.message.startsWith('CiliumRelease.version: got "1.19.99"') &&
                err.message.includes("1.19.0–1.19.6") &&
                err.message.includes("allowUnsupportedVersions"),
        );
        assert.throws(
            () => checkIstioRelease(v("9.9.9"), { input: "IstioRelease.version" }),
            (err: InputError) => err.message.includes('got "9.9.9"') && err.message.includes("1.30.0–1.30.3"),
        );
    });

    it("refuses a Kubernetes version the release does not support, naming the releases that do", () => {
        assert.throws(
            () => checkCiliumRelease(v("1.15.19"), { input: "CiliumRelease.version", kubernetesVersion: "1.35" }),
            (err: InputError) =>
                err.message.includes('got "1.15.19"') &&
                err.message.includes("supports Kubernetes 1.35: none of the carried ones") &&
                err.message.includes("Cilium 1.15 supports Kubernetes 1.26–1.29"),
        );
        assert.throws(
            () => checkIstioRelease(v("1.22.8"), { input: "IstioRelease.version", kubernetesVersion: "1.34" }),
            (err: InputError) => err.message.includes("supports Kubernetes 1.34: 1.28.x, 1.29.x, 1.30.x"),
        );
    });

    it("lets allowUnsupported through what the data does not list", () => {
        checkCiliumRelease(v("1.19.99"), {
            input: "CiliumRelease.version",
            kubernetesVersion: "1.36",
            allowUnsupported: true,
        });
        checkIstioRelease(v("1.31.0"), {
            input: "IstioRelease.version",
            kubernetesVersion: "1.37",
            allowUnsupported: true,
        });
    });

    it("the Istio version error's example is an Istio version", () => {
        assert.throws(
            () =>
                checkIstioRelease(parseVersion("IstioRelease.version", "stable", "1.30.3"), {
                    input: "IstioRelease.version",
                }),
            /such as 1\.30\.3/,
        );
    });

    describe("plan", () => {
        for (const combination of [
            { ciliumVersion: "1.19.6", istioVersion: "1.30.3", kubernetesVersion: "1.34" },
            { ciliumVersion: "1.18.12", istioVersion: "1.29.6", kubernetesVersion: "1.33" },
            { ciliumVersion: "1.17.0", istioVersion: "1.28.10", kubernetesVersion: "1.32" },
            { ciliumVersion: "1.16.19", istioVersion: "1.26.8", kubernetesVersion: "1.30" },
            { ciliumVersion: "1.15.19", istioVersion: "1.27.9", kubernetesVersion: "1.29" },
        ]) {
            it(`plans Cilium ${combination.ciliumVersion}, Istio ${combination.istioVersion}, Kubernetes ${combination.kubernetesVersion}`, async () => {
                const run = await runPlan(combination);
                assert.strictEqual(run.code, ExitCode.Ok, run.stderr);
            });
        }

        for (const [config, named] of [
            [{ ciliumVersion: "1.19.99" }, 'CiliumRelease.version: got "1.19.99"'],
            [{ istioVersion: "9.9.9" }, 'IstioRelease.version: got "9.9.9"'],
            [{ ciliumVersion: "1.15.19", kubernetesVersion: "1.35" }, "supports Kubernetes 1.35"],
            [{ istioVersion: "1.22.8" }, "a release of Istio that supports Kubernetes 1.34"],
        ] as const) {
            it(`exits 2 on ${JSON.stringify(config)}, naming it`, async () => {
                const run = await runPlan(config);
                assert.strictEqual(run.code, ExitCode.Error);
                assert.ok(run.stderr.includes(named), run.stderr);
            });
        }

        it("plans them with allowUnsupportedVersions=true", async () => {
            const run = await runPlan({
                ciliumVersion: "1.19.99",
                istioVersion: "1.22.8",
                allowUnsupportedVersions: "true",
            });
            assert.strictEqual(run.code, ExitCode.Ok, run.stderr);
        });
    });

    describe("the refresh script", () => {
        const rst = (row: string) =>
            `+---+\n| k8s Version | k8s NetworkPolicy API |\n+---+\n|  |  |\n| ${row} | * x |\n`;

        it("reads the newest released patch, the compatibility row and supportStatus.yml", () => {
            const cilium = ["1.15.19", "1.16.19", "1.17.18", "1.18.12", "1.19.6", "1.19.7", "1.19.8-rc.0", "1.20.0"];
            const ciliumIndex = `entries:\n  cilium:\n${cilium.map((x) => `    - version: ${x}\n`).join("")}`;
            const istioIndex = `entries:\n  istiod:\n${["1.21.6", "1.29.6", "1.30.3", "1.30.4", "1.31.0-beta.0"].map((x) => `    - version: ${x}\n`).join("")}`;
            const istioSupport =
                '- version: "master"\n  k8sVersions: ["1.33"]\n- version: "1.30"\n  k8sVersions: ["1.32", "1.33"]\n' +
                '- version: "1.29"\n  k8sVersions: ["1.31"]\n- version: "1.21"\n  k8sVersions: ["1.26"]\n';
            const compat = Object.fromEntries(
                ["1.15", "1.16", "1.17", "1.18", "1.19"].map((m, i) => [m, rst(`1.${26 + i}, 1.${27 + i}`)]),
            );
            const data = releaseSupportFrom({
                date: "2026-01-01",
                ciliumIndex,
                istioIndex,
                istioSupport,
                ciliumCompatibility: compat,
            });
            assert.deepStrictEqual(data.cilium.lines[4], {
                minor: "1.19",
                latest: "1.19.7",
                kubernetes: ["1.30", "1.31"],
            });
            assert.deepStrictEqual(
                data.istio.lines.map((l) => [l.minor, l.latest, l.kubernetes]),
                [
                    ["1.29", "1.29.6", ["1.31"]],
                    ["1.30", "1.30.4", ["1.32", "1.33"]],
                ],
            );
            assert.ok(data.istio.releasesFrom.includes("2026-01-01"));
        });

        it("refuses a compatibility page without its table row, naming the minor", () => {
            assert.throws(() => ciliumKubernetesVersions("no table here", "1.19"), /Cilium 1\.19/);
        });
    });
});
