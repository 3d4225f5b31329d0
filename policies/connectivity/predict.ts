/**
 * One request, from one client pod to one server pod, decided step by step as it travels; every step is recorded,
 * so that `explain` prints the same decision the answer reports (docs/connectivity-semantics.md for each rule).
 *
 * 1. The client's and the server's data planes: Istio sidecar (an istiod runs and injection applies), ambient
 *    (ztunnel runs and the pod is enrolled), or none.
 * 2. Name resolution: a client whose egress Cilium restricts must be let through to DNS (UDP 53 to kube-dns),
 *    or the request fails before it leaves (`000`).
 * 3. The transport the client's data plane picks: plain HTTP on the pod port; mTLS from sidecar to sidecar on the
 *    pod port unless the server's PeerAuthentication (port-level first) is DISABLE; HBONE (mTLS on port 15008)
 *    whenever ztunnel is at either end, sidecar to ambient and back included; through a waypoint when the Service
 *    uses one.
 * 4. Cilium at each hop: the sender's egress policies, then the receiver's ingress policies, each with its HTTP
 *    proxy when the matching rules carry HTTP rules (Cilium can parse plain HTTP only; mTLS and HBONE break there).
 * 5. Istio at the server: STRICT mTLS refuses plain text; AuthorizationPolicy at the server's sidecar, at the
 *    waypoint (HTTP rules, `403`) or at ztunnel (L4 only; a denial resets the connection).
 * 6. Nothing stopped it: `200`, meaning the request reaches the application, whose own status is not modelled.
 * What the client prints: `000` when no HTTP answer comes back within curl's second (a dropped packet: even a
 * client sidecar waits longer, Istio's connect timeout being 10 s; or a reset to a client without a sidecar), `503`
 * when the client's sidecar (or the waypoint) gets a failed upstream, `403` when a proxy denies the request, `???`
 * when the model cannot decide (the reason says why).
 */
import { HBONE_PORT } from "../model/ambient-network";
import { lookupIn } from "../model/label-selectors";
import { PolicyRule } from "../model/network-policies";
import { ServiceInfo } from "../model/services";
import { WaypointInfo } from "../model/waypoints";
import { Workload } from "../model/workloads";
import { CiliumDecision, Hop, L7Rules, describeRule, describeWorkloadRef, decideHop } from "./cilium-policy";
import { HttpRequest, curlRequest, decideHttp, describeHttpRule } from "./http-rules";
import { Enforcer, decideAuthorization } from "./istio-authorization";
import { Backend, Target, describeClient } from "./targets";
import { TrafficModel } from "./traffic-model";

export type HttpCode = "200" | "403" | "503" | "000" | "???";

/** The code of an answer the model cannot decide. */
export const UNKNOWN_CODE = "???";

export interface TraceStep {
    /** What was decided: "client", "egress red/netshoot", "Cilium HTTP proxy", ... */
    readonly step: string;
    readonly detail: string;
    /** URNs of the resources that decided this step. */
    readonly decidedBy: readonly string[];
}

export interface Prediction {
    readonly code: HttpCode;
    readonly reason: string;
    readonly decidedBy: readonly string[];
    readonly steps: readonly TraceStep[];
}

const DNS_PORT = 53;

type Plane = "sidecar" | "ambient" | "none";
type Carries = "plain" | "mtls" | "hbone";
/** Who sends a hop, which decides what a failure looks like to curl. */
type Sender = "sidecar" | "ztunnel" | "plain" | "waypoint";

interface Leg {
    readonly from: Workload;
    readonly to: Workload;
    readonly port: number;
    readonly carries: Carries;
    readonly sender: Sender;
}

class Trace {
    readonly steps: TraceStep[] = [];
    readonly decided = new Set<string>();
    /** What the answer assumed, appended to its reason (a namespace the stack does not declare). */
    readonly assumptions = new Set<string>();

    add(step: string, detail: string, decidedBy: readonly string[] = []): void {
        decidedBy.forEach((urn) => this.decided.add(urn));
        this.steps.push({ step, detail, decidedBy: [...decidedBy] });
    }

    finish(code: HttpCode, decision: string): Prediction {
        const reason = [decision, ...this.assumptions].join("; ");
        this.steps.push({ step: "result", detail: `${code}: ${reason}`, decidedBy: [] });
        return { code, reason, decidedBy: [...this.decided], steps: this.steps };
    }

    unknown(why: string): Prediction {
        return this.finish(UNKNOWN_CODE, `unknown: ${why}`);
    }
}

function planeOf(model: TrafficModel, workload: Workload): { plane: Plane; detail: string } | { unknown: string } {
    const enrolment = model.enrolment(workload);
    if (enrolment.mode === "unchecked") {
        return { unknown: `the mesh enrolment of ${describeWorkloadRef(workload)} is unknown: ${enrolment.detail}` };
    }
    // Enrolment labels only matter when Istio runs: an istiod for sidecars, ztunnel for ambient.
    if (enrolment.mode === "sidecar") {
        return model.istio.istiod
            ? { plane: "sidecar", detail: `Istio sidecar (${enrolment.detail})` }
            : {
                  plane: "none",
                  detail: `outside the mesh: ${enrolment.detail}, but the stack runs no istiod to inject it`,
              };
    }
    if (enrolment.mode === "ambient" && !enrolment.redirectionDisabled) {
        return model.istio.ambient
            ? { plane: "ambient", detail: `ambient (${enrolment.detail})` }
            : {
                  plane: "none",
                  detail: `outside the mesh: ${enrolment.detail}, but the stack does not run ambient mode`,
              };
    }
    return { plane: "none", detail: `outside the mesh (${enrolment.detail})` };
}

function principalOf(model: TrafficModel, workload: Workload): string {
    return `${model.istio.trustDomain}/ns/${workload.namespace}/sa/${workload.serviceAccount}`;
}

/** "CiliumNetworkPolicy blue/default and NetworkPolicy blue/x", and their URNs. */
function named(rules: readonly PolicyRule[]): { text: string; urns: string[] } {
    const texts = [...new Set(rules.map(describeRule))];
    return { text: texts.join(" and "), urns: [...new Set(rules.map((r) => r.policy.source.urn))] };
}

/** Records (and returns, for the step) that a namespace the stack does not declare was taken to have no labels. */
function namespaceNote(model: TrafficModel, trace: Trace, workload: Workload): string {
    if (model.namespace(workload.namespace).declared) {
        return "";
    }
    const note = `namespace ${workload.namespace} is not declared in this stack, so it is taken to exist with no labels`;
    trace.assumptions.add(note);
    return `; ${note}`;
}

function chainingNote(model: TrafficModel): string {
    return model.cilium.chainingMode === "aws-cni"
        ? "; note: Cilium runs chained to the AWS VPC CNI (cni.chainingMode aws-cni), where Cilium documents that its L7 policy may not work (cilium/cilium#12454)"
        : "";
}

/** What a Cilium proxy does with the request on a hop whose matching rules carry L7 rules. */
function proxyOutcome(
    model: TrafficModel,
    trace: Trace,
    l7: L7Rules,
    leg: Leg,
    request: HttpRequest,
    where: string,
): { passed: string } | Prediction {
    const { text, urns } = named(l7.from);
    if (typeof model.cilium.l7Proxy === "object") {
        return trace.unknown(model.cilium.l7Proxy.unknown);
    }
    if (!model.cilium.l7Proxy) {
        return trace.unknown(`${text} has L7 rules, but Cilium's L7 proxy is off (l7Proxy: false)`);
    }
    if (l7.other.length > 0 || l7.dns !== undefined || l7.http === undefined) {
        return trace.unknown(
            `${text} sends port ${leg.port} through Cilium's ${[...l7.other, ...(l7.dns ? ["dns"] : [])].join(", ")} parser, which an HTTP request does not speak`,
        );
    }
    if (leg.carries === "mtls") {
        trace.add(
            "Cilium HTTP proxy",
            `${where}: ${text} has HTTP rules on TCP ${leg.port}; the request is mTLS, which the proxy cannot parse`,
            urns,
        );
        return trace.finish(
            "503",
            `Cilium's HTTP proxy (${text}) cannot read the mTLS between the sidecars; the client sidecar gets a failed upstream and answers 503 (docs/failure-modes.md#f6)`,
        );
    }
    if (leg.carries === "hbone") {
        trace.add(
            "Cilium HTTP proxy",
            `${where}: ${text} has HTTP rules on TCP ${leg.port}; HBONE is mTLS, which the proxy cannot parse`,
            urns,
        );
        if (leg.sender === "ztunnel") {
            return trace.finish(
                "000",
                `Cilium's HTTP proxy (${text}) on port ${HBONE_PORT} cannot read HBONE's mTLS; the tunnel fails and ztunnel drops the connection (docs/failure-modes.md#f6)`,
            );
        }
        const who = leg.sender === "waypoint" ? "the waypoint" : "the client sidecar";
        return trace.finish(
            "503",
            `Cilium's HTTP proxy (${text}) on port ${HBONE_PORT} cannot read HBONE's mTLS; ${who} gets a failed upstream and answers 503 (docs/failure-modes.md#f6)`,
        );
    }
    const decision = decideHttp(l7.http, request);
    if ("unknown" in decision) {
        return trace.unknown(`${text}: ${decision.unknown}`);
    }
    if (!decision.allowed) {
        trace.add(
            "Cilium HTTP proxy",
            `${where}: no HTTP rule of ${text} (${l7.http.map(describeHttpRule).join("; ")}) matches ${request.method} ${request.path} (Host ${request.host})`,
            urns,
        );
        return trace.finish(
            "403",
            `Cilium's HTTP proxy denies ${request.method} ${request.path}: no HTTP rule of ${text} allows it${chainingNote(model)}`,
        );
    }
    trace.add(
        "Cilium HTTP proxy",
        `${where}: ${text} allows it (${describeHttpRule(decision.rule)})${chainingNote(model)}`,
        urns,
    );
    return { passed: `, where an HTTP rule allows ${request.method} ${request.path}${chainingNote(model)}` };
}

function describeDecision(decision: CiliumDecision): { text: string; urns: string[] } {
    switch (decision.kind) {
        case "allowed": {
            const rules = [...new Set(decision.by.map((m) => m.rule))];
            const items = decision.by.map((m) => `${describeRule(m.rule)} ${m.item.where}`);
            return { text: `admitted by ${[...new Set(items)].join(", ")}`, urns: named(rules).urns };
        }
        case "dropped":
            return decision.deniedBy
                ? {
                      text: `denied by ${describeRule(decision.deniedBy.rule)} ${decision.deniedBy.item.where}`,
                      urns: named([decision.deniedBy.rule]).urns,
                  }
                : {
                      text: `in default deny (${named(decision.defaultDenyBy).text}) and no rule admits it`,
                      urns: named(decision.defaultDenyBy).urns,
                  };
        case "open":
            return { text: decision.why, urns: [] };
        default:
            return { text: decision.why, urns: [] };
    }
}

/**
 * The waypoint a Service names for its traffic: `istio.io/use-waypoint` on the Service, else on its namespace
 * (`<name>` in the Service's namespace, or `<namespace>/<name>`; `#none` opts out), whether or not the stack declares it.
 */
export function waypointReference(
    model: TrafficModel,
    service: ServiceInfo,
): { namespace: string; name: string } | undefined {
    const own = service.labels.values.get("istio.io/use-waypoint");
    const fromNamespace = model.namespace(service.namespace).labels.values.get("istio.io/use-waypoint");
    const value = own ?? fromNamespace;
    if (value === undefined || value === "#none") {
        return undefined;
    }
    const [namespace, name] = value.includes("/") ? value.split("/", 2) : [service.namespace, value];
    return { namespace, name };
}

/** The waypoint a Service's traffic goes through (waypointReference), as the stack declares it. */
function waypointFor(model: TrafficModel, target: Target): WaypointInfo | undefined | { unknown: string } {
    const reference = waypointReference(model, target.service);
    if (reference === undefined) {
        return undefined;
    }
    const { namespace, name } = reference;
    const waypoint = model.waypoints.find((w) => w.name === name && w.namespace === namespace);
    if (waypoint === undefined) {
        return {
            unknown: `Service ${target.label} uses waypoint ${namespace}/${name} (istio.io/use-waypoint), which the stack does not declare`,
        };
    }
    if (waypoint.waypointFor !== "service" && waypoint.waypointFor !== "all") {
        return undefined;
    }
    if (target.servicePort === undefined) {
        return {
            unknown: `headless Service ${target.label} with waypoint ${namespace}/${name}: traffic to pod addresses through waypoints is not modelled`,
        };
    }
    return waypoint;
}

interface Transport {
    readonly legs: readonly Leg[];
    readonly how: string;
    readonly waypoint?: WaypointInfo;
}

function chooseTransport(
    model: TrafficModel,
    trace: Trace,
    client: Workload,
    server: Workload,
    clientPlane: Plane,
    serverPlane: Plane,
    target: Target,
    port: number,
): Transport | Prediction {
    const root = model.istio.rootNamespace;
    if (clientPlane === "sidecar" && serverPlane === "sidecar") {
        const mtls = model.mesh.peerAuthentications.effectiveMtls(
            { namespace: server.namespace, standIn: false, labels: lookupIn(server.podLabels) },
            port,
            root,
        );
        if (mtls.mode === undefined) {
            return trace.unknown(mtls.detail);
        }
        const urns = mtls.decidedBy ? [mtls.decidedBy.source.urn] : [];
        const plain = mtls.mode === "DISABLE";
        const how = plain
            ? `the client sidecar sends plain HTTP (${mtls.detail})`
            : "the client sidecar sends mTLS to the server sidecar";
        trace.add(
            "transport",
            plain
                ? `${how}: a client sidecar upgrades to mTLS unless the server's PeerAuthentication is DISABLE`
                : `${how} (auto mTLS: the server has a sidecar and ${mtls.detail})`,
            urns,
        );
        return {
            legs: [{ from: client, to: server, port, carries: plain ? "plain" : "mtls", sender: "sidecar" }],
            how,
        };
    }
    if (clientPlane !== "none" && serverPlane !== "none") {
        const waypoint = serverPlane === "ambient" ? waypointFor(model, target) : undefined;
        if (waypoint !== undefined && "unknown" in waypoint) {
            return trace.unknown(waypoint.unknown);
        }
        const sender: Sender = clientPlane === "sidecar" ? "sidecar" : "ztunnel";
        const how =
            clientPlane === "ambient" && serverPlane === "ambient"
                ? `ztunnel tunnels the request over HBONE (mTLS, port ${HBONE_PORT})`
                : clientPlane === "sidecar"
                  ? `the client sidecar tunnels the request over HBONE to the ambient server (mTLS, port ${HBONE_PORT})`
                  : `ztunnel tunnels the request over HBONE to the server sidecar (mTLS, port ${HBONE_PORT})`;
        if (waypoint) {
            const via = `${how}, through waypoint ${waypoint.namespace}/${waypoint.name}`;
            trace.add("transport", `${via}; the waypoint sends it on to the server over HBONE as itself`, [
                waypoint.source.urn,
            ]);
            return {
                legs: [
                    { from: client, to: waypoint.pods, port: HBONE_PORT, carries: "hbone", sender },
                    { from: waypoint.pods, to: server, port: HBONE_PORT, carries: "hbone", sender: "waypoint" },
                ],
                how: via,
                waypoint,
            };
        }
        trace.add(
            "transport",
            clientPlane === serverPlane
                ? how
                : `${how} (sidecar and ambient pods speak HBONE to each other under istiod's ambient profile, which sets ISTIO_META_ENABLE_HBONE)`,
        );
        return { legs: [{ from: client, to: server, port: HBONE_PORT, carries: "hbone", sender }], how };
    }
    const how =
        clientPlane === "none"
            ? "the client is outside the mesh and sends plain HTTP"
            : "the server is outside the mesh: plain HTTP";
    trace.add("transport", how);
    return {
        legs: [
            {
                from: client,
                to: server,
                port,
                carries: "plain",
                sender: clientPlane === "sidecar" ? "sidecar" : "plain",
            },
        ],
        how,
    };
}

/** Name resolution: the client's egress (and the DNS pods' ingress) must let UDP 53 through. */
function resolveName(
    model: TrafficModel,
    trace: Trace,
    client: Workload,
    clientPlane: Plane,
    target: Target,
): Prediction | undefined {
    const assumed = model.dns.assumed
        ? " (the stack runs no DNS pods: EKS's CoreDNS is assumed, kube-system, k8s-app=kube-dns)"
        : "";
    if (client.hostNetwork.state === "known" && client.hostNetwork.value) {
        trace.add("name resolution", `host-network ${describeWorkloadRef(client)} resolves names through its node`);
        return undefined;
    }
    for (const dns of model.dns.pods) {
        const where = `DNS ${describeWorkloadRef(dns)} UDP ${DNS_PORT}${assumed}`;
        const egress = decideHop(model, {
            direction: "egress",
            subject: client,
            peer: dns,
            port: DNS_PORT,
            protocol: "UDP",
        });
        if (egress.kind === "unknown") {
            return trace.unknown(`resolving ${target.service.name}.${target.service.namespace}: ${egress.why}`);
        }
        if (egress.kind === "dropped") {
            const { text, urns } = describeDecision(egress);
            if (clientPlane === "ambient") {
                return trace.unknown(
                    `${describeWorkloadRef(client)}'s egress to ${where} is ${text}, but an ambient pod's DNS may be answered by ztunnel's DNS proxy (istio-cni ambient.dnsCapture) without reaching kube-dns`,
                );
            }
            trace.add("name resolution", `${describeWorkloadRef(client)}'s egress to ${where}: ${text}`, urns);
            return trace.finish(
                "000",
                `name resolution fails: ${describeWorkloadRef(client)}'s egress to DNS is ${text}, so the request never leaves`,
            );
        }
        if (egress.kind === "allowed" && egress.l7?.dns !== undefined) {
            const all = egress.l7.dns.some((rule) => rule.matchPattern === "*");
            if (!all) {
                return trace.unknown(
                    `${named(egress.l7.from).text} filters DNS queries by name; whether the resolver's queries (search list, ndots) are allowed depends on the pod's resolv.conf`,
                );
            }
        }
        const ingress = decideHop(model, {
            direction: "ingress",
            subject: dns,
            peer: client,
            port: DNS_PORT,
            protocol: "UDP",
        });
        if (ingress.kind === "unknown") {
            return trace.unknown(`resolving ${target.service.name}: ${ingress.why}`);
        }
        if (ingress.kind === "dropped") {
            const { text, urns } = describeDecision(ingress);
            trace.add("name resolution", `ingress of ${where} from ${describeWorkloadRef(client)}: ${text}`, urns);
            return trace.finish("000", `name resolution fails: the DNS pods' ingress is ${text}`);
        }
        const egressText = describeDecision(egress);
        trace.add(
            "name resolution",
            `${where}: egress ${egressText.text}; ingress ${describeDecision(ingress).text}`,
            egressText.urns,
        );
    }
    return undefined;
}

function dropReason(decision: CiliumDecision & { kind: "dropped" }, leg: Leg, direction: "egress" | "ingress"): string {
    const route = `from ${describeWorkloadRef(leg.from)} to ${describeWorkloadRef(leg.to)}`;
    if (decision.deniedBy) {
        const rule = describeRule(decision.deniedBy.rule);
        return `dropped by a deny rule: ${rule} ${decision.deniedBy.item.where} denies TCP ${leg.port} ${route}`;
    }
    const { text, urns } = named(decision.defaultDenyBy);
    const policies = `${text} ${urns.length > 1 ? "admit" : "admits"}`;
    if (direction === "egress") {
        return `dropped by ${describeWorkloadRef(leg.from)}'s egress policy: ${policies} no TCP ${leg.port} to ${describeWorkloadRef(leg.to)}`;
    }
    return leg.carries === "hbone"
        ? `HBONE tunnel blocked: ${policies} no TCP ${HBONE_PORT} ${route}`
        : `dropped by an L4 rule: ${policies} no TCP ${leg.port} ${route}`;
}

/** A reset at the server (STRICT, ztunnel's authorization): what the sender sees. */
function resetAnswer(trace: Trace, leg: Leg, why: string): Prediction {
    if (leg.sender === "sidecar" || leg.sender === "waypoint") {
        const who = leg.sender === "sidecar" ? "the client sidecar" : "the waypoint";
        return trace.finish("503", `${why}; ${who} gets the reset as a failed upstream and answers 503`);
    }
    return trace.finish("000", why);
}

/** The request from `client` to one backend of `target` (see the module comment). */
export function predictBackend(
    model: TrafficModel,
    client: Workload,
    target: Target,
    backend: Backend,
    method: string,
    path: string,
): Prediction {
    const trace = new Trace();
    const server = backend.workload;
    const clientNamespace = namespaceNote(model, trace, client);
    const serverNamespace = namespaceNote(model, trace, server);
    const clientPlane = planeOf(model, client);
    if ("unknown" in clientPlane) {
        return trace.unknown(clientPlane.unknown);
    }
    trace.add(
        "client",
        `${describeClient(client)}: ${clientPlane.detail}${clientNamespace}`,
        client.source ? [client.source.urn] : [],
    );
    const serverPlane = planeOf(model, server);
    if ("unknown" in serverPlane) {
        return trace.unknown(serverPlane.unknown);
    }
    trace.add(
        "server",
        `${target.label} -> ${describeClient(server)} port ${backend.port}: ${serverPlane.detail}${serverNamespace}`,
        [target.service.source.urn],
    );
    trace.add("Cilium", model.cilium.detail);

    const dnsFailure = resolveName(model, trace, client, clientPlane.plane, target);
    if (dnsFailure) {
        return dnsFailure;
    }
    const transport = chooseTransport(
        model,
        trace,
        client,
        server,
        clientPlane.plane,
        serverPlane.plane,
        target,
        backend.port,
    );
    if ("code" in transport) {
        return transport;
    }
    const request = curlRequest(method, path, target.host);
    let policyNote = "no policy restricts it";
    const extras: string[] = [];
    for (let i = 0; i < transport.legs.length; i++) {
        const leg = transport.legs[i];
        const last = i === transport.legs.length - 1;
        for (const direction of ["egress", "ingress"] as const) {
            const subject = direction === "egress" ? leg.from : leg.to;
            if (subject.hostNetwork.state === "known" && subject.hostNetwork.value) {
                trace.add(
                    `${direction} ${describeWorkloadRef(subject)}`,
                    "a host-network pod is not a Cilium endpoint: pod policies do not apply (host policies are not modelled)",
                );
                continue;
            }
            const hop: Hop = {
                direction,
                subject,
                peer: direction === "egress" ? leg.to : leg.from,
                port: leg.port,
                protocol: "TCP",
            };
            const decision = decideHop(model, hop);
            if (decision.kind === "unknown") {
                return trace.unknown(decision.why);
            }
            const { text, urns } = describeDecision(decision);
            const notes = decision.notes.length > 0 ? ` (${decision.notes.join("; ")})` : "";
            trace.add(
                `${direction} ${describeWorkloadRef(subject)}`,
                `TCP ${leg.port} ${direction === "egress" ? "to" : "from"} ${describeWorkloadRef(hop.peer)}: ${text}${notes}`,
                urns,
            );
            if (decision.kind === "dropped") {
                return trace.finish("000", dropReason(decision, leg, direction));
            }
            if (decision.kind === "allowed" && decision.l7) {
                const where = `${direction} of ${describeWorkloadRef(subject)}`;
                const outcome = proxyOutcome(model, trace, decision.l7, leg, request, where);
                if ("code" in outcome) {
                    return outcome;
                }
                if (direction === "ingress" && last) {
                    policyNote = `admitted by ${named([...new Set(decision.by.map((m) => m.rule))]).text} on TCP ${leg.port}${outcome.passed}`;
                } else {
                    extras.push(`${where}: an HTTP rule allows ${request.method} ${request.path}`);
                }
                continue;
            }
            if (decision.kind === "allowed") {
                const admitting = named([...new Set(decision.by.map((m) => m.rule))]).text;
                if (direction === "ingress" && last) {
                    policyNote = `admitted by ${admitting} on TCP ${leg.port}`;
                    if (leg.carries === "hbone" && decision.httpOnOtherPorts.length > 0) {
                        policyNote += `; the HTTP rules of ${named(decision.httpOnOtherPorts).text} on other ports never see the tunnelled request, so they are not applied (docs/failure-modes.md#f6)`;
                    }
                } else {
                    extras.push(`${direction} of ${describeWorkloadRef(subject)} admitted by ${admitting}`);
                }
            }
        }
        if (transport.waypoint && i === 0) {
            const authz = decideAuthorization(
                model,
                "waypoint",
                { service: target.service, waypoint: transport.waypoint },
                {
                    principal: principalOf(model, client),
                    port: backend.port,
                    http: request,
                },
            );
            const step = `authorization at waypoint ${transport.waypoint.namespace}/${transport.waypoint.name}`;
            if (authz.verdict === "unknown") {
                return trace.unknown(authz.why);
            }
            trace.add(
                step,
                authz.why,
                authz.by.map((p) => p.source.urn),
            );
            if (authz.verdict === "deny") {
                return trace.finish("403", `the waypoint denies it (RBAC: access denied): ${authz.why}`);
            }
            if (authz.by.length > 0) {
                extras.push(authz.why);
            }
        }
    }

    const lastLeg = transport.legs[transport.legs.length - 1];
    const serverSide = serverIstio(
        model,
        trace,
        client,
        server,
        serverPlane.plane,
        lastLeg,
        backend,
        request,
        transport,
    );
    if (serverSide && "code" in serverSide) {
        return serverSide;
    }
    if (serverSide?.note) {
        extras.push(serverSide.note);
    }
    trace.add("application", "the request reaches the application; its own status is not modelled");
    return trace.finish("200", [`${transport.how}; ${policyNote}`, ...extras].join("; "));
}

/** STRICT mTLS and AuthorizationPolicy at the server's sidecar or ztunnel. */
function serverIstio(
    model: TrafficModel,
    trace: Trace,
    client: Workload,
    server: Workload,
    serverPlane: Plane,
    leg: Leg,
    backend: Backend,
    request: HttpRequest,
    transport: Transport,
): Prediction | { note?: string } | undefined {
    if (serverPlane === "none") {
        return undefined;
    }
    const root = model.istio.rootNamespace;
    const ambient = serverPlane === "ambient";
    const who = ambient ? "ztunnel" : "the server sidecar";
    if (leg.carries === "plain") {
        const mtls = model.mesh.peerAuthentications.effectiveMtls(
            { namespace: server.namespace, standIn: false, labels: lookupIn(server.podLabels) },
            backend.port,
            root,
            ambient,
        );
        if (mtls.mode === undefined) {
            return trace.unknown(mtls.detail);
        }
        const urns = mtls.decidedBy ? [mtls.decidedBy.source.urn] : [];
        trace.add(
            "mTLS",
            `plain text arrives at ${who}: ${mtls.detail}${ambient ? " (ztunnel ignores DISABLE)" : ""}`,
            urns,
        );
        if (mtls.mode === "STRICT") {
            return resetAnswer(
                trace,
                leg,
                `plain text refused by STRICT mTLS: ${who} resets the connection (${mtls.detail})`,
            );
        }
    } else {
        const sets = leg.carries === "hbone" ? "HBONE" : "mTLS";
        const identity = leg.sender === "waypoint" ? "the waypoint's" : principalOf(model, client);
        trace.add("mTLS", `${sets} carries the sender's identity (${identity})`);
    }
    const enforcer: Enforcer = ambient ? "ztunnel" : "sidecar";
    const principal =
        leg.carries === "plain"
            ? undefined
            : leg.sender === "waypoint"
              ? principalOf(model, transport.waypoint!.pods)
              : principalOf(model, client);
    const authz = decideAuthorization(
        model,
        enforcer,
        { workload: server },
        { principal, port: backend.port, http: request },
    );
    if (authz.verdict === "unknown") {
        return trace.unknown(authz.why);
    }
    trace.add(
        `authorization at ${who}`,
        authz.why,
        authz.by.map((p) => p.source.urn),
    );
    if (authz.verdict === "deny") {
        if (ambient) {
            return resetAnswer(trace, leg, `ztunnel denies the connection: ${authz.why}`);
        }
        return trace.finish("403", `the server sidecar denies it (RBAC: access denied): ${authz.why}`);
    }
    return authz.by.length > 0 ? { note: `${who} allows it: ${authz.why}` } : {};
}
