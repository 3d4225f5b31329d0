/**
 * `ambient-hbone-egress-allowed` (mandatory) — docs/mesh-policy.md#hbone-egress.
 *
 * Evidence: in ambient mode the client's ztunnel works from sockets inside the client pod's network namespace
 * (istio/istio cni/README.md@1.30.3: "behaves like ztunnel is an in-pod sidecar") and sends HBONE to
 * `DestinationPod:15008` (architecture/ambient/ztunnel.md@1.30.3). Cilium enforces the client pod's egress policy on
 * that tunnel, so an egress rule that admits ambient servers only on their application ports drops every mesh
 * connection to them. Cilium's Istio examples admit 15008 for ambient (cilium/cilium#40149); the ingress side is
 * `ambient-hbone-port-allowed`.
 *
 * A rule is judged for the ambient servers its peers select: `toEndpoints` (in the policy's namespace unless the
 * selector names a namespace), `toEntities` cluster/all, NetworkPolicy `podSelector`/`namespaceSelector`, or no peer.
 * CIDR, FQDN and Service peers are not followed to pods.
 */
import { EgressAllow, EgressRule, describeEgressRule } from "../model/egress-policies";
import { SELECT_ALL, Selector, lookupIn, matches } from "../model/label-selectors";
import { MeshModel } from "../model/mesh-model";
import { admitsTcpPort, describePorts } from "../model/network-policies";
import { Workload, describeWorkload } from "../model/workloads";
import { Finding, listShort, stackRule, unchecked, violation } from "../kit/findings";
import { HBONE_PORT } from "../model/ambient-network";

const inAmbient = (w: Workload) => w.enrolment.mode === "ambient" && !w.enrolment.redirectionDisabled;

/** A Cilium selector scoped to its policy's namespace unless it names a namespace (docs.cilium.io, Layer 3 Policies). */
function namesNamespace(selector: Selector): boolean {
    return selector.requirements.some(
        (r) => r.key === "io.kubernetes.pod.namespace" || r.key.startsWith("io.cilium.k8s.namespace.labels."),
    );
}

/** The ambient workloads an egress allow can reach (by its peers), or "unchecked" when a label it needs is unknown. */
function ambientTargets(model: MeshModel, rule: EgressRule, allow: EgressAllow): Workload[] | "unchecked" {
    if (allow.admitsNothing) {
        return [];
    }
    if (allow.anyDestination || allow.entities.some((e) => e === "cluster" || e === "all")) {
        return model.workloads.filter(inAmbient);
    }
    const found = new Set<Workload>();
    let unsure = false;
    const add = (namespace: string | undefined, selector: Selector, dialect: "cilium" | "kubernetes") => {
        for (const selection of model.selectPods({
            namespace,
            selector: { state: "known", value: selector },
            dialect,
        })) {
            if (selection.match === "unchecked") {
                unsure = true;
            } else if (inAmbient(selection.workload)) {
                found.add(selection.workload);
            }
        }
    };
    for (const selector of allow.endpoints) {
        add(rule.namespace === undefined || namesNamespace(selector) ? undefined : rule.namespace, selector, "cilium");
    }
    for (const peer of allow.kubernetesPeers) {
        if (peer.namespaceSelector === undefined) {
            add(rule.namespace, peer.podSelector ?? SELECT_ALL, "kubernetes");
            continue;
        }
        for (const namespace of model.namespaces.values()) {
            const labels = lookupIn(namespace.labels);
            const byName = (key: string) =>
                key === "kubernetes.io/metadata.name"
                    ? { state: "known" as const, value: namespace.name }
                    : labels(key);
            const match = matches(peer.namespaceSelector, byName);
            if (match === "unchecked") {
                unsure = true;
            } else if (match) {
                add(namespace.name, peer.podSelector ?? SELECT_ALL, "kubernetes");
            }
        }
    }
    return found.size === 0 && unsure ? "unchecked" : [...found];
}

function judge(model: MeshModel, rule: EgressRule): Finding[] {
    if (rule.defaultDenyEgress.state !== "known" || !rule.defaultDenyEgress.value) {
        return [];
    }
    const clients = model
        .selectPods({
            namespace: rule.namespace,
            selector: rule.selector,
            dialect: rule.kind === "NetworkPolicy" ? "kubernetes" : "cilium",
        })
        .filter((s) => s.match === true && inAmbient(s.workload))
        .map((s) => describeWorkload(s.workload));
    if (clients.length === 0) {
        return [];
    }
    const toServers: EgressAllow[] = [];
    const servers = new Set<string>();
    for (const allow of rule.egress) {
        const targets = ambientTargets(model, rule, allow);
        if (targets === "unchecked") {
            return [
                unchecked(
                    rule.source,
                    `whether ${describeEgressRule(rule)} lets ambient clients reach ${HBONE_PORT}`,
                    "a label its peers need is unknown",
                ),
            ];
        }
        if (targets.length > 0) {
            toServers.push(allow);
            targets.forEach((t) => servers.add(describeWorkload(t)));
        }
    }
    if (toServers.length === 0 || toServers.some((allow) => admitsTcpPort(allow, HBONE_PORT))) {
        return [];
    }
    return [
        violation(
            rule.source,
            `${describeEgressRule(rule)} puts ambient clients in egress default-deny (${listShort(clients)}) and admits them to ` +
                `ambient pods (${listShort([...servers])}) only on ${describePorts(toServers)}, not ${HBONE_PORT}/TCP. Their ` +
                `ztunnel tunnels every connection to those pods as HBONE to port ${HBONE_PORT}, from the client pod, so ` +
                `the policy drops it. Fix: add port ${HBONE_PORT}/TCP to the egress rule's ports.`,
        ),
    ];
}

export function evaluate(model: MeshModel): Finding[] {
    if (model.ambientBecause.length === 0) {
        return [];
    }
    const findings: Finding[] = [];
    for (const rule of model.egressRules) {
        if (rule.unreadable) {
            findings.push(unchecked(rule.source, `the egress rules of ${describeEgressRule(rule)}`, rule.unreadable));
        }
        findings.push(...judge(model, rule));
    }
    return findings;
}

export const ambientHboneEgressAllowed = stackRule({
    name: "ambient-hbone-egress-allowed",
    level: "mandatory",
    description: "An egress policy that lets ambient clients reach ambient pods must admit 15008 (HBONE) to them.",
    trigger:
        "an egress policy (Cilium or Kubernetes) puts ambient pods in egress default-deny and admits them to ambient pods only on ports that leave out 15008/TCP",
    breaks: "the client's ztunnel sends HBONE to the server pod's 15008 from the client pod; the egress policy drops it, so no mesh connection to those pods",
    fix: "add port 15008/TCP to the egress rule's ports",
    sources: [
        "istio/istio architecture/ambient/ztunnel.md@1.30.3",
        "istio/istio cni/README.md@1.30.3",
        "cilium/cilium#40149",
        "docs/mesh-policy.md#hbone-egress",
    ],
    evaluate,
});
