/**
 * `check a.json b.json`: several stack exports judged as one mesh by the real pack. The files are the mesh stack's
 * plan export split as a team running one Pulumi stack per cluster would have them: each cluster's resources (its
 * group, and what goes through its Kubernetes provider) in a stack named after it.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ExitCode } from "../engine/command-line";
import { check } from "../engine/commands/check";
import { plan, PROJECT_LOCATIONS } from "../engine/commands/plan";
import { Report } from "../engine/report/report";
import { ResourceV3, StackExport } from "../engine/state/stack-export";
import { SECRET_SIG, SIG_KEY } from "../engine/state/property-values";

const PACK_TIMEOUT = 180_000;

async function run(command: typeof check, argv: string[]) {
    let stdout = "";
    let stderr = "";
    const code = await command(argv, {
        stdout: (t) => {
            stdout += t;
        },
        stderr: (t) => {
            stderr += t;
        },
    });
    return { code, stdout, stderr };
}

const renamed = (text: string, stack: string) => text.replace(/^urn:pulumi:mesh::/, `urn:pulumi:${stack}::`);

/** The resources of cluster `name` in the mesh export, as the export of a stack of that name. */
function clusterExport(mesh: StackExport, name: string, change: (r: ResourceV3) => ResourceV3 = (r) => r): StackExport {
    const resources = mesh.deployment.resources;
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const group = resources.find(
        (r) => r.type === "eks-cilium-istio:program:MeshMember" && r.urn.endsWith(`::${name}`),
    );
    assert.ok(group, `no member ${name}`);
    const provider = resources.find(
        (r) => r.type === "pulumi:providers:kubernetes" && r.urn.endsWith(`::${name}-k8s`),
    )!;
    const inGroup = (r: ResourceV3): boolean =>
        r.urn === group.urn || (r.parent !== undefined && byUrn.has(r.parent) && inGroup(byUrn.get(r.parent)!));
    const throughProvider = (r: ResourceV3) => r.provider?.startsWith(`${provider.urn}::`) === true;
    const root = resources.find((r) => r.type === "pulumi:pulumi:Stack")!;
    const kept = resources.filter((r) => r === root || inGroup(r) || throughProvider(r));
    const rewrite = (r: ResourceV3): ResourceV3 => ({
        ...r,
        urn: renamed(r.urn, name),
        parent:
            r.parent === undefined
                ? undefined
                : renamed(byUrn.has(r.parent) && kept.includes(byUrn.get(r.parent)!) ? r.parent : root.urn, name),
        provider: r.provider === undefined ? undefined : renamed(r.provider, name),
        dependencies: (r.dependencies ?? []).map((d) => renamed(d, name)),
    });
    return { ...mesh, deployment: { ...mesh.deployment, resources: kept.map((r) => rewrite(change(r))) } };
}

function write(dir: string, name: string, exported: StackExport): string {
    const file = path.join(dir, `${name}.json`);
    fs.writeFileSync(file, JSON.stringify(exported));
    return file;
}

/** West's Cilium given east's cluster ID (values, or the secret holding them in plaintext form). */
function clashingId(r: ResourceV3): ResourceV3 {
    if (r.type !== "kubernetes:helm.sh/v3:Release" || !r.urn.endsWith("::west-cilium")) {
        return r;
    }
    const given = (r.inputs as any).values;
    const secret = given[SIG_KEY] === SECRET_SIG;
    const values = secret ? JSON.parse(given.plaintext) : structuredClone(given);
    assert.strictEqual(values.cluster.id, 2);
    values.cluster.id = 1;
    const changed = secret ? { ...given, plaintext: JSON.stringify(values) } : values;
    return { ...r, inputs: { ...r.inputs, values: changed }, outputs: { ...r.outputs, values: changed } };
}

describe("check of several stacks at once, judged as one mesh", function () {
    this.timeout(PACK_TIMEOUT);
    let dir: string;
    let mesh: StackExport;

    before(async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "check-mesh-"));
        const out = path.join(dir, "mesh.json");
        const planned = await run(
            (argv, io) => plan(argv, io, PROJECT_LOCATIONS),
            ["--stack", "mesh", "--out", out, "--json"],
        );
        assert.strictEqual(planned.code, ExitCode.Ok, planned.stderr);
        mesh = JSON.parse(fs.readFileSync(out, "utf8"));
    });

    it("judges one stack per cluster together: one JSON document, both stacks named, the mesh rules at work", async () => {
        const east = write(dir, "east", clusterExport(mesh, "east"));
        const west = write(dir, "west", clusterExport(mesh, "west"));
        const result = await run(check, [east, west, "--json"]);
        assert.strictEqual(result.code, ExitCode.Ok, result.stderr);
        const report: Report = JSON.parse(result.stdout);
        assert.strictEqual(report.stack, "east, west");
        assert.deepStrictEqual(
            report.violations.filter((v) => v.level === "mandatory"),
            [],
        );
        // Each cluster's resources keep their own stack.
        assert.ok(
            report.resources.some((r) => r.urn.startsWith("urn:pulumi:east::") && r.urn.endsWith("::east-cilium")),
        );
        assert.ok(
            report.resources.some((r) => r.urn.startsWith("urn:pulumi:west::") && r.urn.endsWith("::west-cilium")),
        );
        // The peers are checked across the files: each cluster's peer is the other's.
        const peers = report.violations.filter((v) => v.message.includes("(rule clustermesh-peers-configured)"));
        assert.deepStrictEqual(
            peers.map((v) => /peer "(\w+)" on Release "(\w+)-cilium"/.exec(v.message)!.slice(1)).sort(),
            [
                ["east", "west"],
                ["west", "east"],
            ],
        );
    });

    it("rejects two clusters with one cluster ID, naming both stacks' releases", async () => {
        const east = write(dir, "east", clusterExport(mesh, "east"));
        const west = write(dir, "west-clash", clusterExport(mesh, "west", clashingId));
        const result = await run(check, [east, west, "--json"]);
        assert.strictEqual(result.code, ExitCode.Violation, result.stderr);
        const report: Report = JSON.parse(result.stdout);
        const identity = report.violations.filter((v) => v.policy === "clustermesh-cluster-identity");
        assert.ok(identity.length > 0, JSON.stringify(report.violations, null, 2));
        assert.ok(identity.every((v) => v.level === "mandatory"));
        assert.ok(
            identity.some((v) => v.message.includes("east") && v.message.includes("west")),
            identity[0].message,
        );
    });

    it("a cluster judged alone is not compared with the other", async () => {
        const west = write(dir, "west-clash-alone", clusterExport(mesh, "west", clashingId));
        const result = await run(check, [west, "--json"]);
        const report: Report = JSON.parse(result.stdout);
        assert.deepStrictEqual(
            report.violations.filter((v) => v.policy === "clustermesh-cluster-identity"),
            [],
        );
    });

    it("refuses two files of the same stack, naming both", async () => {
        const east = write(dir, "east", clusterExport(mesh, "east"));
        const again = write(dir, "east-again", clusterExport(mesh, "east"));
        const result = await run(check, [east, again]);
        assert.strictEqual(result.code, ExitCode.Error);
        assert.match(
            result.stderr,
            /east-again\.json and .*east\.json are both stack "east" of project "eks-cilium-istio"/,
        );
        assert.strictEqual(result.stdout, "");
    });
});
