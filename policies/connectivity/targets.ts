/**
 * The two ends of a probe, found in the stack: the client workload, and the pods behind the URL with the port each
 * receives on. A probe naming something the stack does not have is a ProbeError that names it (the command line
 * exits 2), never a silent empty answer.
 *
 * Service semantics (kubernetes.io "Service", "DNS for Services and Pods"): a ClusterIP Service sends its `port` to
 * each selected pod's `targetPort` (number; or a container port's name, resolved per pod — a pod without that name is
 * not an endpoint; default: `port`). A headless Service (`clusterIP: None`) resolves to the pods' own addresses and
 * the client connects to the pod on the port it asked for; `<hostname>.<service>` names one of them (a StatefulSet's
 * pods are `<name>-<ordinal>`).
 */
import { lookupIn, matches } from "../model/label-selectors";
import { ServiceInfo, ServicePort, describeService } from "../model/services";
import { Workload } from "../model/workloads";
import { Probe, ProbeError } from "./probe";
import { TrafficModel } from "./traffic-model";

export interface Backend {
    readonly workload: Workload;
    /** The port the connection reaches on the pod. */
    readonly port: number;
}

export interface Target {
    readonly service: ServiceInfo;
    /** The Service port called; undefined for a headless Service (the client connects to the pod directly). */
    readonly servicePort?: ServicePort;
    readonly urlPort: number;
    /** The Host header curl sends. */
    readonly host: string;
    /** "httpbin.blue:8000", as answers name the server. */
    readonly label: string;
    readonly backends: readonly Backend[];
    /** Why no pod answers (no HTTP answer: 000), when none does. */
    readonly unserved?: string;
    /** Why the pods behind the Service cannot be known, when they cannot. */
    readonly unknown?: string;
    /** What the resolution left out (pods without the named target port). */
    readonly notes: readonly string[];
}

/** "pod", "deployment": the kind as probes write it. */
function kindName(workload: Workload): string {
    return workload.kind.toLowerCase();
}

/** `default/pod/tiefighter`: how answers name a client. */
export function describeClient(workload: Workload): string {
    return `${workload.namespace}/${kindName(workload)}/${workload.name}`;
}

export function resolveClient(model: TrafficModel, probe: Probe): Workload {
    const { namespace, kind, name } = probe.from;
    const inNamespace = model.workloads.filter((w) => w.namespace === namespace);
    const found = inNamespace.filter((w) => w.name === name && (kind === undefined || kindName(w) === kind));
    if (found.length === 1) {
        return found[0];
    }
    const given = `${namespace}/${kind === undefined ? "" : `${kind}/`}${name}`;
    if (found.length > 1) {
        throw new ProbeError(
            `probe "${probe.text}": the client ${given} is ambiguous (${found.map(describeClient).join(", ")}); write <namespace>/<kind>/<name>`,
        );
    }
    const known = inNamespace.map(describeClient);
    throw new ProbeError(
        `probe "${probe.text}": the stack has no workload ${given}` +
            (known.length > 0
                ? ` (namespace ${namespace} has ${known.slice(0, 5).join(", ")}${known.length > 5 ? ", ..." : ""})`
                : ` (it runs no workload in namespace ${namespace})`),
    );
}

function selected(model: TrafficModel, service: ServiceInfo): Workload[] | { unknown: string } {
    if (service.selector.state === "unreadable") {
        return {
            unknown: `the selector of Service ${describeService(service)} is unknown (${service.selector.reason})`,
        };
    }
    if (service.selector.state === "absent") {
        return {
            unknown: `Service ${describeService(service)} has no selector: its endpoints are managed outside the stack`,
        };
    }
    const selector = service.selector.value;
    const pods: Workload[] = [];
    for (const workload of model.workloads) {
        if (workload.namespace !== service.namespace) {
            continue;
        }
        const match = matches(selector, lookupIn(workload.podLabels));
        if (match === "unchecked") {
            return {
                unknown: `whether Service ${describeService(service)} selects ${describeClient(workload)} depends on an unknown label`,
            };
        }
        if (match && selector.requirements.length > 0) {
            pods.push(workload);
        }
    }
    return pods;
}

/** The pod port a Service port reaches on one pod, or why it reaches none. */
function podPort(port: ServicePort, workload: Workload): number | { none: string } | { unknown: string } {
    if (typeof port.targetPort === "number") {
        return port.targetPort;
    }
    if (port.targetPort === undefined) {
        return port.port;
    }
    if (workload.containerPorts.state === "unreadable") {
        return {
            unknown: `targetPort "${port.targetPort}" names a container port of ${describeClient(workload)}, whose ports are unknown`,
        };
    }
    const ports = workload.containerPorts.state === "known" ? workload.containerPorts.value : [];
    const named = ports.find((p) => p.name === port.targetPort && p.protocol === port.protocol);
    return named
        ? named.containerPort
        : { none: `${describeClient(workload)} has no container port named "${port.targetPort}"` };
}

export function resolveTarget(model: TrafficModel, probe: Probe): Target {
    const service = model.service(probe.namespace, probe.service);
    if (service === undefined) {
        const inNamespace = model.services.filter((s) => s.namespace === probe.namespace).map((s) => s.name);
        throw new ProbeError(
            `probe "${probe.text}": the stack has no Service ${probe.service} in namespace ${probe.namespace}` +
                (inNamespace.length > 0
                    ? ` (it has ${inNamespace.slice(0, 5).join(", ")}${inNamespace.length > 5 ? ", ..." : ""})`
                    : ""),
        );
    }
    if (probe.podHostname !== undefined && !service.headless) {
        throw new ProbeError(
            `probe "${probe.text}": ${probe.podHostname}.${service.name}.${service.namespace} names a pod, but Service ${describeService(service)} is not headless`,
        );
    }
    return targetFor(model, service, probe.port, probe.host, probe.podHostname, probe.text);
}

/** The pods behind `service` for a request to `port` (see the module comment). */
export function targetFor(
    model: TrafficModel,
    service: ServiceInfo,
    port: number,
    hostName: string,
    podHostname?: string,
    probeText?: string,
): Target {
    const host = port === 80 ? hostName : `${hostName}:${port}`;
    const label = `${describeService(service)}${podHostname ? ` (pod ${podHostname})` : ""}:${port}`;
    const base = { service, urlPort: port, host, label, notes: [] as string[] };
    const fail = (message: string): never => {
        throw new ProbeError(`${probeText ? `probe "${probeText}": ` : ""}${message}`);
    };
    if (service.ports.state === "unreadable") {
        return {
            ...base,
            backends: [],
            unknown: `Service ${describeService(service)}: ${service.ports.path} ${service.ports.reason}`,
        };
    }
    const ports = service.ports.state === "known" ? service.ports.value : [];
    const servicePort = ports.find((p) => p.port === port && p.protocol === "TCP");
    if (!service.headless && servicePort === undefined) {
        fail(
            `Service ${describeService(service)} has no TCP port ${port}` +
                ` (ports: ${ports.map((p) => `${p.port}/${p.protocol}`).join(", ") || "none"})`,
        );
    }
    const pods = selected(model, service);
    if (!Array.isArray(pods)) {
        return { ...base, servicePort, backends: [], unknown: pods.unknown };
    }
    let candidates = pods;
    if (podHostname !== undefined) {
        candidates = pods.filter(
            (w) =>
                w.name === podHostname ||
                (w.kind === "StatefulSet" && new RegExp(`^${w.name}-\\d+$`).test(podHostname)),
        );
        if (candidates.length === 0) {
            fail(`no pod named ${podHostname} is behind headless Service ${describeService(service)}`);
        }
    }
    const backends: Backend[] = [];
    const notes: string[] = [];
    for (const workload of candidates) {
        if (service.headless || servicePort === undefined) {
            backends.push({ workload, port });
            continue;
        }
        const reached = podPort(servicePort, workload);
        if (typeof reached === "number") {
            backends.push({ workload, port: reached });
        } else if ("unknown" in reached) {
            return { ...base, servicePort, backends: [], unknown: reached.unknown };
        } else {
            notes.push(`${reached.none}, so it is not an endpoint of port ${port}`);
        }
    }
    const unserved =
        backends.length > 0
            ? undefined
            : pods.length === 0
              ? `no pod of the stack matches Service ${service.name}'s selector`
              : notes.join("; ");
    return { ...base, servicePort, backends, unserved, notes };
}
