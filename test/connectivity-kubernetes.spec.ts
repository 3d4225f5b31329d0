/**
 * Kubernetes NetworkPolicy in the connectivity predictor, as Cilium enforces it: the kubernetes.io examples
 * (test/fixtures/upstream/kubernetes/, SOURCES.md) and the semantics kubernetes.io "Network Policies" states —
 * peers OR'ed, namespaceSelector and podSelector in one element AND'ed, ipBlock for addresses outside the cluster,
 * ports with endPort and names, policyTypes.
 */
import * as assert from "assert";
import {
    ask,
    codes,
    deploymentObject,
    fromFixtures,
    namespaceObject,
    objectResource,
    serviceObject,
    upstream,
} from "./upstream-stack";
import { ciliumRelease } from "../policies/test/fixtures";
import { StackResource } from "../policies/model/resources";

const pods = (): StackResource[] => [
    ...fromFixtures(ciliumRelease()),
    namespaceObject("default"),
    namespaceObject("myproject", { project: "myproject" }),
    namespaceObject("other"),
    deploymentObject("default", "db", { role: "db" }, { ports: [{ name: "redis", containerPort: 6379 }] }),
    serviceObject("default", "db", { role: "db" }, [{ port: 6379 }, { port: 5432 }, { port: 32500 }]),
    deploymentObject("default", "frontend", { role: "frontend" }),
    deploymentObject("myproject", "tool", { app: "tool" }),
    deploymentObject("myproject", "frontend", { role: "frontend" }),
    deploymentObject("other", "frontend", { role: "frontend" }),
];

const policy = (name: string, spec: Record<string, unknown>) =>
    objectResource({
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: { name, namespace: "default" },
        spec,
    });

describe("Kubernetes NetworkPolicy (kubernetes.io examples), enforced by Cilium", () => {
    const stack = () => [...pods(), ...upstream("kubernetes/networkpolicy.yaml")];

    it("test-network-policy: role=frontend of its namespace and any pod of a project=myproject namespace reach TCP 6379", () => {
        assert.deepStrictEqual(
            codes(
                stack(),
                "default/frontend GET http://db.default:6379/",
                "myproject/tool GET http://db.default:6379/",
                "other/frontend GET http://db.default:6379/",
                "default/frontend GET http://db.default:5432/",
            ),
            ["200", "200", "000", "000"],
        );
    });

    it("the ipBlock peer never admits a pod, and the db's egress (ipBlock only) leaves it unable to resolve names", () => {
        const [fromOther, fromDb] = ask(
            stack(),
            "other/frontend GET http://db.default:6379/",
            "default/db GET http://db.default:6379/",
        );
        assert.match(
            fromOther.reason,
            /dropped by an L4 rule: NetworkPolicy default\/test-network-policy admits no TCP 6379 from other\/frontend/,
        );
        assert.strictEqual(fromDb.code, "000");
        assert.match(
            fromDb.reason,
            /name resolution fails: default\/db's egress to DNS is in default deny \(NetworkPolicy default\/test-network-policy\)/,
        );
    });

    it("multi-port-egress: an Egress-only policy leaves ingress open but blocks DNS (ipBlock with endPort)", () => {
        const both = [...pods(), ...upstream("kubernetes/networkpolicy-multiport-egress.yaml")];
        const [into, out] = ask(
            both,
            "other/frontend GET http://db.default:6379/",
            "default/db GET http://db.default:6379/",
        );
        assert.strictEqual(into.code, "200");
        assert.strictEqual(out.code, "000");
        assert.match(out.reason, /name resolution fails/);
    });

    it("namespaceSelector and podSelector in one element both must hold; in two elements either may", () => {
        const and = policy("and", {
            podSelector: { matchLabels: { role: "db" } },
            ingress: [
                {
                    from: [
                        {
                            namespaceSelector: { matchLabels: { project: "myproject" } },
                            podSelector: { matchLabels: { role: "frontend" } },
                        },
                    ],
                },
            ],
        });
        const or = policy("or", {
            podSelector: { matchLabels: { role: "db" } },
            ingress: [
                {
                    from: [
                        { namespaceSelector: { matchLabels: { project: "myproject" } } },
                        { podSelector: { matchLabels: { role: "frontend" } } },
                    ],
                },
            ],
        });
        const probes = [
            "myproject/frontend GET http://db.default:6379/",
            "myproject/tool GET http://db.default:6379/",
            "default/frontend GET http://db.default:6379/",
        ];
        assert.deepStrictEqual(codes([...pods(), and], ...probes), ["200", "000", "000"]);
        assert.deepStrictEqual(codes([...pods(), or], ...probes), ["200", "200", "200"]);
    });

    it("kubernetes.io/metadata.name selects a namespace, also one the stack does not declare", () => {
        const byName = policy("by-name", {
            podSelector: { matchLabels: { role: "db" } },
            ingress: [
                { from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "elsewhere" } } }] },
            ],
        });
        const stack = [...pods(), byName, deploymentObject("elsewhere", "client", { app: "client" })];
        const [answer] = ask(stack, "elsewhere/client GET http://db.default:6379/");
        assert.strictEqual(answer.code, "200", answer.reason);
    });

    it("ports: a range with endPort, and a name resolved on the server pod's container ports", () => {
        const ranged = policy("ranged", {
            podSelector: { matchLabels: { role: "db" } },
            ingress: [{ ports: [{ port: 32000, endPort: 32768 }] }],
        });
        assert.deepStrictEqual(
            codes(
                [...pods(), ranged],
                "other/frontend GET http://db.default:32500/",
                "other/frontend GET http://db.default:6379/",
            ),
            ["200", "000"],
        );
        const named = policy("named", {
            podSelector: { matchLabels: { role: "db" } },
            ingress: [{ ports: [{ port: "redis" }] }],
        });
        assert.deepStrictEqual(
            codes(
                [...pods(), named],
                "other/frontend GET http://db.default:6379/",
                "other/frontend GET http://db.default:5432/",
            ),
            ["200", "000"],
        );
    });

    it("an empty ingress list isolates the pods (deny all), an empty rule admits everything", () => {
        assert.deepStrictEqual(
            codes(
                [...pods(), policy("deny", { podSelector: {}, policyTypes: ["Ingress"] })],
                "default/frontend GET http://db.default:6379/",
            ),
            ["000"],
        );
        assert.deepStrictEqual(
            codes(
                [...pods(), policy("all", { podSelector: {}, ingress: [{}] })],
                "other/frontend GET http://db.default:6379/",
            ),
            ["200"],
        );
    });
});
