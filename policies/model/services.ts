/**
 * Kubernetes Services as traffic uses them: the name a client resolves, the ports it calls, the pods behind them.
 *
 * kubernetes.io "Service": a Service with a `selector` sends each port to the selected pods' `targetPort` (a number,
 * or a container port's name resolved on each pod; default: the same as `port`); `clusterIP: None` makes it headless:
 * its DNS name resolves to the pods' own addresses and a client connects to the pod directly, on the port it asked
 * for. A Service without a selector has no pods this model can see (its endpoints are managed elsewhere).
 */
import { Selector, readSelector } from "./label-selectors";
import {
    LabelSet,
    Read,
    guarded,
    known,
    readArray,
    readLabels,
    readPath,
    readString,
    unreadable,
} from "./property-reader";
import { SourceRef, StackResource, isKubernetes, sourceOf } from "./resources";
import { namespaceOf } from "./workloads";

export interface ServicePort {
    readonly name?: string;
    readonly port: number;
    /** A number, a container port's name, or undefined (the same as `port`). */
    readonly targetPort?: number | string;
    /** "TCP" (Kubernetes' default), "UDP" or "SCTP". */
    readonly protocol: string;
}

export interface ServiceInfo {
    readonly source: SourceRef;
    readonly name: string;
    readonly namespace: string;
    readonly labels: LabelSet;
    /** Its annotations (Cilium's global-service annotations among them, clustermesh.ts). */
    readonly annotations: LabelSet;
    /** `absent`: no selector (endpoints managed elsewhere). */
    readonly selector: Read<Selector>;
    readonly headless: boolean;
    readonly ports: Read<readonly ServicePort[]>;
}

export function readServices(resources: readonly StackResource[]): ServiceInfo[] {
    const services: ServiceInfo[] = [];
    for (const resource of resources) {
        if (!isKubernetes(resource.type, "core", "Service")) {
            continue;
        }
        const props = guarded(resource.props);
        const name = readString(props, ["metadata", "name"]);
        const namespace = namespaceOf(resource, props);
        if (name.state !== "known" || namespace.state !== "known") {
            // A Service whose name or namespace is unknown during preview cannot be called by name: left out.
            continue;
        }
        const clusterIP = readString(props, ["spec", "clusterIP"]);
        services.push({
            source: sourceOf(resource),
            name: name.value,
            namespace: namespace.value,
            labels: readLabels(props, ["metadata", "labels"]),
            annotations: readLabels(props, ["metadata", "annotations"]),
            selector: readSelectorMap(props),
            headless: clusterIP.state === "known" && clusterIP.value === "None",
            ports: readPorts(props),
        });
    }
    return services;
}

/** `spec.selector` is a plain label map (not a LabelSelector): every pair must match. */
function readSelectorMap(props: unknown): Read<Selector> {
    const selector = readPath(props, ["spec", "selector"]);
    if (selector.state !== "known") {
        return selector;
    }
    return readSelector({ selector: { matchLabels: selector.value } }, ["selector"], "kubernetes");
}

function readPorts(props: unknown): Read<readonly ServicePort[]> {
    const list = readArray(props, ["spec", "ports"]);
    if (list.state !== "known") {
        return list.state === "absent" ? known([]) : list;
    }
    const ports: ServicePort[] = [];
    for (let i = 0; i < list.value.length; i++) {
        const port = readPath(list.value, [i, "port"]);
        const target = readPath(list.value, [i, "targetPort"]);
        const name = readString(list.value, [i, "name"]);
        const protocol = readString(list.value, [i, "protocol"]);
        const bad = [port, target, name, protocol].find((read) => read.state === "unreadable");
        if (bad?.state === "unreadable") {
            return unreadable(`spec.ports[${i}]`, `${bad.path} ${bad.reason}`);
        }
        if (port.state !== "known" || !Number.isInteger(Number(port.value))) {
            continue;
        }
        let targetPort: number | string | undefined;
        if (target.state === "known") {
            targetPort = /^\d+$/.test(String(target.value)) ? Number(target.value) : String(target.value);
        }
        ports.push({
            name: name.state === "known" ? name.value : undefined,
            port: Number(port.value),
            targetPort,
            protocol: protocol.state === "known" ? protocol.value.toUpperCase() : "TCP",
        });
    }
    return known(ports);
}

/** `httpbin.blue:8000` */
export function describeService(service: ServiceInfo, port?: number): string {
    return `${service.name}.${service.namespace}${port === undefined ? "" : `:${port}`}`;
}
