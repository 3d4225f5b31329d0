/**
 * Probes: their syntax, how they find their two ends in any stack (every workload kind, Services with numeric or
 * named targetPort, headless Services, the provider's default namespace), the errors that name what a stack lacks,
 * the answers the model cannot decide (`???`, never dropped), and the command line: `plan`/`check` with `--probe`
 * and `--probes`, and `explain`.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { check } from "../engine/commands/check";
import { explain } from "../engine/commands/explain";
import { CommandIO, ExitCode } from "../engine/command-line";
import { Report } from "../engine/report/report";
import { ProbeError, parseProbe, parseProbeEntry } from "../policies/connectivity/probe";
import { ProbeAnswer } from "../policies/connectivity/connectivity";
import { ciliumRelease, cnp } from "../policies/test/fixtures";
import { StackResource } from "../policies/model/resources";
import {
    ask,
    codes,
    deploymentObject,
    fromFixtures,
    objectResource,
    serviceObject,
    stackExportOf,
    upstream,
} from "./upstream-stack";

describe("probe syntax", () => {
    it("reads <namespace>/<workload> or <namespace>/<kind>/<name>, a method, and http://<service>.<namespace>[.svc[.cluster.local]][:<port>]<path>", () => {
        const probe = parseProbe(
            "default/pod/tiefighter POST http://deathstar.default.svc.cluster.local/v1/request-landing",
        );
        assert.deepStrictEqual(
            [probe.from, probe.method, probe.service, probe.namespace, probe.port, probe.path],
            [
                { namespace: "default", kind: "pod", name: "tiefighter" },
                "POST",
                "deathstar",
                "default",
                80,
                "/v1/request-landing",
            ],
        );
        const short = parseProbe("red/netshoot GET http://httpbin.blue:8000?x=1");
        assert.deepStrictEqual(
            [short.from, short.port, short.path, short.host],
            [{ namespace: "red", name: "netshoot" }, 8000, "/?x=1", "httpbin.blue"],
        );
        assert.strictEqual(parseProbe("a/b GET http://httpbin.svc").namespace, "svc", "a namespace may be called svc");
        const pod = parseProbe("a/b GET http://web-0.web.db.svc.cluster.local:5432/");
        assert.deepStrictEqual([pod.podHostname, pod.service, pod.namespace], ["web-0", "web", "db"]);
    });

    it("names the part that is wrong, its value and what is allowed", () => {
        const cases: [string, RegExp][] = [
            ["red/netshoot GET", /has 2 parts; expected "\[<cluster>:\]<namespace>\/<workload> <METHOD> <URL>"/],
            [
                "netshoot GET http://httpbin.blue/",
                /the client "netshoot" is not valid; expected <namespace>\/<workload> or <namespace>\/<kind>\/<name>/,
            ],
            [
                "red/service/x GET http://httpbin.blue/",
                /the client's kind "service" is not valid; expected one of pod, deployment, statefulset, daemonset, replicaset, job, cronjob/,
            ],
            ["red/x G(T http://httpbin.blue/", /the method "G\(T" is not valid; expected an HTTP method/],
            ["red/x GET https://httpbin.blue/", /the URL "https:\/\/httpbin.blue\/" is not valid; expected http:\/\//],
            ["red/x GET http://httpbin/", /the URL's host "httpbin" is not valid/],
            ["red/x GET http://httpbin.blue:0/", /the URL's port "0" is not valid; expected a port from 1 to 65535/],
        ];
        for (const [text, message] of cases) {
            assert.throws(
                () => parseProbe(text),
                (err: Error) => err instanceof ProbeError && message.test(err.message),
                text,
            );
        }
    });

    it("takes a probes file's entries as strings or {from, method, url}, and names a bad entry", () => {
        const fromObject = parseProbeEntry(
            { from: "red/netshoot", method: "GET", url: "http://httpbin.blue/ip" },
            "entry 0",
        );
        assert.strictEqual(fromObject.text, "red/netshoot GET http://httpbin.blue/ip");
        assert.throws(
            () => parseProbeEntry({ from: "red/netshoot", verb: "GET" }, "entry 1"),
            /entry 1 has the field "verb"; allowed: from, method, url/,
        );
        assert.throws(
            () => parseProbeEntry(42, "entry 2"),
            /entry 2 is 42; expected a probe string or \{from, method, url\}/,
        );
    });
});

describe("probes find their ends in any stack", () => {
    const cilium = () => fromFixtures(ciliumRelease());

    it("every workload kind is a client: Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob", () => {
        const template = { metadata: { labels: { app: "c" } }, spec: { containers: [{ name: "c", image: "x" }] } };
        const kinds: [string, string, Record<string, unknown>][] = [
            ["apps/v1", "StatefulSet", { template }],
            ["apps/v1", "DaemonSet", { template }],
            ["apps/v1", "ReplicaSet", { template }],
            ["batch/v1", "Job", { template }],
            ["batch/v1", "CronJob", { schedule: "* * * * *", jobTemplate: { spec: { template } } }],
        ];
        const stack = [
            ...cilium(),
            deploymentObject("ns", "web", { app: "web" }),
            serviceObject("ns", "web", { app: "web" }),
            ...kinds.map(([apiVersion, kind, spec]) =>
                objectResource({ apiVersion, kind, metadata: { name: kind.toLowerCase(), namespace: "ns" }, spec }),
            ),
        ];
        const answers = ask(stack, ...kinds.map(([, kind]) => `ns/${kind.toLowerCase()} GET http://web.ns/`));
        assert.deepStrictEqual(
            answers.map((a) => [a.from, a.code]),
            kinds.map(([, kind]) => [`ns/${kind.toLowerCase()}/${kind.toLowerCase()}`, "200"]),
        );
    });

    it("a name two kinds share needs its kind, and the error says so", () => {
        const stack = [
            ...cilium(),
            objectResource({
                apiVersion: "v1",
                kind: "Pod",
                metadata: { name: "x", namespace: "ns" },
                spec: { containers: [] },
            }),
            deploymentObject("ns", "x", { app: "x" }),
            serviceObject("ns", "x", { app: "x" }),
        ];
        assert.throws(
            () => ask(stack, "ns/x GET http://x.ns/"),
            /the client ns\/x is ambiguous \(ns\/pod\/x, ns\/deployment\/x\); write <namespace>\/<kind>\/<name>/,
        );
        assert.deepStrictEqual(codes(stack, "ns/pod/x GET http://x.ns/"), ["200"]);
    });

    it("a workload, Service or port the stack does not have is an error naming it", () => {
        const stack = [
            ...cilium(),
            ...upstream("istio/httpbin.yaml", { namespace: "foo" }),
            ...upstream("istio/sleep.yaml", { namespace: "foo" }),
        ];
        assert.throws(
            () => ask(stack, "foo/curl GET http://httpbin.foo:8000/"),
            /the stack has no workload foo\/curl \(namespace foo has foo\/deployment\/httpbin, foo\/deployment\/sleep\)/,
        );
        assert.throws(
            () => ask(stack, "foo/sleep GET http://ratings.foo:8000/"),
            /the stack has no Service ratings in namespace foo \(it has httpbin, sleep\)/,
        );
        assert.throws(
            () => ask(stack, "foo/sleep GET http://httpbin.foo/"),
            /Service httpbin\.foo has no TCP port 80 \(ports: 8000\/TCP\)/,
        );
    });

    it("a named targetPort resolves on each pod; a headless Service is reached on the pod's own port, a StatefulSet pod by its hostname", () => {
        const headless = objectResource({
            apiVersion: "apps/v1",
            kind: "StatefulSet",
            metadata: { name: "db", namespace: "data" },
            spec: {
                serviceName: "db",
                template: { metadata: { labels: { app: "db" } }, spec: { containers: [{ name: "db", image: "x" }] } },
            },
        });
        const stack = [
            ...cilium(),
            deploymentObject("data", "api", { app: "api" }, { ports: [{ name: "web", containerPort: 9090 }] }),
            serviceObject("data", "api", { app: "api" }, [{ port: 80, targetPort: "web" }]),
            headless,
            serviceObject("data", "db", { app: "db" }, [{ port: 5432 }], { clusterIP: "None" }),
            deploymentObject("data", "client", { app: "client" }),
            ...fromFixtures(
                cnp("data", "only-9090", {
                    endpointSelector: { matchLabels: { app: "api" } },
                    ingress: [{ fromEndpoints: [{}], toPorts: [{ ports: [{ port: "9090", protocol: "TCP" }] }] }],
                }),
            ),
        ];
        const [named, direct, byHostname] = ask(
            stack,
            "data/client GET http://api.data/",
            "data/client GET http://db.data:8080/",
            "data/client GET http://db-0.db.data.svc.cluster.local:5432/",
        );
        assert.strictEqual(named.code, "200");
        assert.match(named.reason, /on TCP 9090/);
        assert.ok(
            direct.steps.some((s) => /statefulset\/db port 8080/.test(s.detail)),
            "headless: the URL's port, on the pod",
        );
        assert.deepStrictEqual([byHostname.to, byHostname.code], ["db-0.db.data", "200"]);
        assert.throws(() => ask(stack, "data/client GET http://db-9.api.data.svc/"), /api\.data is not headless/);
    });

    it("an object without a namespace is in its provider's namespace when the provider sets one, else default", () => {
        const provider = {
            type: "pulumi:providers:kubernetes",
            urn: "urn:pulumi:test::upstream::pulumi:providers:kubernetes::apps",
            props: { namespace: "apps" },
        };
        const stack: StackResource[] = [
            ...cilium(),
            ...upstream("istio/httpbin.yaml").map((r) => ({ ...r, provider })),
            ...upstream("istio/sleep.yaml"),
        ];
        const [answer] = ask(stack, "default/sleep GET http://httpbin.apps:8000/");
        assert.strictEqual(answer.code, "200");
        assert.throws(
            () => ask(stack, "default/sleep GET http://httpbin.default:8000/"),
            /no Service httpbin in namespace default/,
        );
    });

    it("answers ??? with why when pods behind one Service would answer differently, and when its endpoints are not the stack's", () => {
        const stack = [
            ...cilium(),
            deploymentObject("ns", "a", { app: "web", tier: "a" }),
            deploymentObject("ns", "b", { app: "web", tier: "b" }),
            serviceObject("ns", "web", { app: "web" }),
            objectResource({
                apiVersion: "v1",
                kind: "Service",
                metadata: { name: "external", namespace: "ns" },
                spec: { ports: [{ port: 80 }] },
            }),
            deploymentObject("ns", "client", { app: "client" }),
            ...fromFixtures(cnp("ns", "lock-b", { endpointSelector: { matchLabels: { tier: "b" } }, ingress: [{}] })),
        ];
        const [split, external] = ask(stack, "ns/client GET http://web.ns/", "ns/client GET http://external.ns/");
        assert.strictEqual(split.code, "???");
        assert.match(
            split.reason,
            /depends on which pod the Service picks \(ns\/deployment\/a 200, ns\/deployment\/b 000\)/,
        );
        assert.strictEqual(external.code, "???");
        assert.match(
            external.reason,
            /Service external\.ns has no selector: its endpoints are managed outside the stack/,
        );
    });

    it("a malformed policy makes the pairs it may decide ??? with the reason, never an error", () => {
        const stack = [
            ...cilium(),
            ...upstream("istio/httpbin.yaml", { namespace: "foo" }),
            ...upstream("istio/sleep.yaml", { namespace: "foo" }),
            ...fromFixtures(
                cnp("foo", "broken", { endpointSelector: { matchLabels: { app: "httpbin" } }, ingress: "everyone" }),
            ),
        ];
        const [answer] = ask(stack, "foo/sleep GET http://httpbin.foo:8000/");
        assert.strictEqual(answer.code, "???");
        assert.match(answer.reason, /CiliumNetworkPolicy foo\/broken: .*ingress.*expected a list/);
    });
});

describe("plan/check with probes, and explain, on the command line", function () {
    this.timeout(120_000);

    const starWars = (): StackResource[] => [
        ...fromFixtures(ciliumRelease()),
        ...upstream("cilium/minikube/http-sw-app.yaml"),
        ...upstream("cilium/minikube/sw_l3_l4_l7_policy.yaml"),
        ...fromFixtures(cnp("default", "broken", { endpointSelector: { matchLabels: { class: "xwing" } }, egress: 7 })),
    ];
    const LANDS = "default/pod/tiefighter POST http://deathstar.default.svc.cluster.local/v1/request-landing";
    const EXHAUST = "default/pod/tiefighter PUT http://deathstar.default.svc.cluster.local/v1/exhaust-port";
    let dir: string;
    let file: string;

    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "connectivity-probes-"));
        file = path.join(dir, "stack.json");
        fs.writeFileSync(file, JSON.stringify(stackExportOf(starWars())));
    });

    async function run(command: (argv: readonly string[], io: CommandIO) => Promise<ExitCode>, argv: string[]) {
        let stdout = "";
        let stderr = "";
        const code = await command(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
        return { code, stdout, stderr };
    }

    it("check --probe --json: one JSON document whose connectivity entries have exactly the documented fields", async () => {
        const { code, stdout, stderr } = await run(check, [file, "--json", "--probe", LANDS, "--probe", EXHAUST]);
        assert.strictEqual(code, ExitCode.Ok, stderr);
        const report: Report = JSON.parse(stdout);
        assert.deepStrictEqual(
            report.connectivity.map((e) => Object.keys(e).sort()),
            [0, 1].map(() => ["code", "decidedBy", "from", "method", "path", "port", "probe", "reason", "to"]),
        );
        assert.deepStrictEqual(
            report.connectivity.map((e) => ["probe" in e && e.probe, e.code]),
            [
                [LANDS, "200"],
                [EXHAUST, "403"],
            ],
        );
        assert.ok(report.connectivity.every((e) => e.code.length === 3));
    });

    it("--probes FILE takes YAML with strings and {from, method, url}; the text report shows a table with every reason", async () => {
        const probes = path.join(dir, "probes.yaml");
        fs.writeFileSync(
            probes,
            `- "${LANDS}"\n- from: default/pod/xwing\n  method: POST\n  url: http://deathstar.default/v1/request-landing\n`,
        );
        const { code, stdout } = await run(check, [file, "--probes", probes]);
        assert.strictEqual(code, ExitCode.Ok);
        assert.match(stdout, /code\s+from\s+method\s+to\s+path/);
        assert.match(stdout, /200\s+default\/pod\/tiefighter\s+POST\s+deathstar\.default:80\s+\/v1\/request-landing/);
        assert.match(
            stdout,
            /default\/pod\/xwing POST http:\/\/deathstar\.default\/v1\/request-landing: \?\?\? unknown: .*default\/broken/,
        );
    });

    it("a malformed probe, or one naming what the stack lacks, exits 2 with a message naming it", async () => {
        const bad = await run(check, [file, "--probe", "tiefighter GET http://deathstar.default/"]);
        assert.strictEqual(bad.code, ExitCode.Error);
        assert.match(
            bad.stderr,
            /error: --probe: probe "tiefighter GET http:\/\/deathstar.default\/": the client "tiefighter" is not valid/,
        );
        const missing = await run(check, [
            file,
            "--json",
            "--probe",
            "default/pod/tiefighter GET http://deathstar.default:8080/",
        ]);
        assert.strictEqual(missing.code, ExitCode.Error);
        assert.strictEqual(missing.stdout, "");
        assert.match(missing.stderr, /Service deathstar\.default has no TCP port 8080 \(ports: 80\/TCP\)/);
    });

    it("a malformed policy never aborts check: the pair it may decide is ??? with the reason, the others are answered", async () => {
        const { code, stdout } = await run(check, [
            file,
            "--json",
            "--probe",
            "default/pod/tiefighter GET http://deathstar.default/",
            "--probe",
            "default/pod/xwing POST http://deathstar.default/v1/request-landing",
        ]);
        assert.strictEqual(code, ExitCode.Ok);
        const report: Report = JSON.parse(stdout);
        assert.deepStrictEqual(
            report.connectivity.map((e) => e.code),
            ["403", "???"],
        );
        assert.match(
            report.connectivity[1].reason,
            /^unknown: resolving deathstar\.default: CiliumNetworkPolicy default\/broken: spec\.egress is a number, expected a list/,
        );
    });

    it("explain --file prints the decision step by step, and --json the same answer with its steps", async () => {
        const text = await run(explain, [EXHAUST, "--file", file]);
        assert.strictEqual(text.code, ExitCode.Ok, text.stderr);
        assert.match(text.stdout, /^Probe: default\/pod\/tiefighter PUT/);
        assert.match(text.stdout, /\d+\. client: default\/pod\/tiefighter: outside the mesh/);
        assert.match(
            text.stdout,
            /\d+\. ingress default\/deathstar: TCP 80 from default\/tiefighter: admitted by CiliumNetworkPolicy default\/rule1 ingress\[0\]/,
        );
        assert.match(
            text.stdout,
            /\d+\. Cilium HTTP proxy: ingress of default\/deathstar: no HTTP rule of CiliumNetworkPolicy default\/rule1 \(method POST, path \/v1\/request-landing\) matches PUT \/v1\/exhaust-port/,
        );
        assert.match(text.stdout, /Answer: 403 {2}Cilium's HTTP proxy denies PUT \/v1\/exhaust-port/);
        const json = await run(explain, [
            "default/pod/tiefighter",
            "POST",
            "http://deathstar.default.svc.cluster.local/v1/request-landing",
            "--file",
            file,
            "--json",
        ]);
        const answer: ProbeAnswer = JSON.parse(json.stdout);
        assert.deepStrictEqual([answer.probe, answer.code], [LANDS, "200"]);
        assert.ok(answer.steps.length >= 6);
        const both = await run(explain, [LANDS, "--file", file, "--stack", "dev"]);
        assert.strictEqual(both.code, ExitCode.Error);
        assert.match(both.stderr, /give one or the other/);
    });
});
