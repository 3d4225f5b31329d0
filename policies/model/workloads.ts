/**
 * Namespaces, the pods the stack runs (pod templates of Deployments, StatefulSets, DaemonSets, ReplicaSets, Jobs,
 * CronJobs, and bare Pods), and how each is enrolled in the mesh.
 *
 * Enrolment (Istio docs):
 *  - Sidecar, "Controlling the injection policy" (istio.io/latest/docs/setup/additional-setup/sidecar-injection/):
 *    a pod is not injected if its `sidecar.istio.io/inject` label (the annotation is the older spelling) is "false"
 *    or its namespace's `istio-injection` is "disabled"; it is injected if either is enabled, or an `istio.io/rev`
 *    label names a revision; otherwise not (enableNamespacesByDefault is off by default). `istio-injection` wins over
 *    `istio.io/rev`. Host-network pods are never injected (docs/failure-modes.md#f12, istio/istio.io#4255).
 *  - Ambient (docs/cilium-istio-facts.md#ambient-prerequisites, istio.io ambient "add workloads"):
 *    `istio.io/dataplane-mode=ambient` on the namespace or the pod (the pod's label wins; `none` opts out); pods with a
 *    sidecar are not ambient; the annotation `ambient.istio.io/redirection: disabled` takes a pod out of redirection
 *    (Cilium's Istio docs, docs/cilium-istio-facts.md#cilium-istio-docs).
 *
 * Pods deployed outside the stack (by another Helm release, GitOps...) still land in the stack's namespaces, so each
 * declared namespace also gets a stand-in "any pod of this namespace" workload with no pod labels: a policy that
 * selects all pods of an enrolled namespace is judged even when the stack declares no workload there.
 */
import {
    EMPTY_LABELS,
    LabelSet,
    Read,
    guarded,
    known,
    labelValue,
    mergeLabels,
    readArray,
    readBoolean,
    readLabels,
    readObject,
    readPath,
    readString,
    unreadable,
    unreadableLabels,
} from "./property-reader";
import { SourceRef, StackResource, kubernetesKind, sourceOf } from "./resources";

export interface NamespaceInfo {
    readonly name: string;
    /** The Namespace (or NamespacePatch) that declares it; undefined when only referenced. */
    readonly declaredBy?: SourceRef;
    /** Unreadable ("all") for a namespace the stack does not declare: its labels are set elsewhere. */
    readonly labels: LabelSet;
}

export type MeshMode = "sidecar" | "ambient" | "none" | "unchecked";

export interface MeshEnrolment {
    readonly mode: MeshMode;
    /** Ambient pod annotated `ambient.istio.io/redirection: disabled`: in an ambient namespace but not redirected. */
    readonly redirectionDisabled: boolean;
    /** Why, for messages: "namespace label istio-injection=enabled". */
    readonly detail: string;
}

export interface Workload {
    /** The Deployment/Pod/...; undefined for a namespace's stand-in. */
    readonly source?: SourceRef;
    /** "Deployment", "Pod", ..., or "Namespace" for the stand-in. */
    readonly kind: string;
    readonly name: string;
    readonly namespace: string;
    /** True for "any pod of this namespace" (see the module comment). */
    readonly standIn: boolean;
    readonly podLabels: LabelSet;
    readonly podAnnotations: LabelSet;
    readonly serviceAccount: string;
    readonly hostNetwork: Read<boolean>;
    /** The pod's container ports (named ports resolve against them); unreadable for a stand-in. */
    readonly containerPorts: Read<readonly ContainerPort[]>;
    /**
     * Whether a container declares a probe the kubelet sends over the network (httpGet, tcpSocket, grpc; exec probes
     * run inside the container). Unreadable for a stand-in: pods deployed elsewhere are not known.
     */
    readonly networkProbes: Read<boolean>;
    readonly enrolment: MeshEnrolment;
}

/** One `containers[].ports[]` entry. */
export interface ContainerPort {
    readonly name?: string;
    readonly containerPort: number;
    /** "TCP" (Kubernetes' default), "UDP" or "SCTP". */
    readonly protocol: string;
}

/** "Deployment blue/httpbin", or "any pod of namespace blue". */
export function describeWorkload(workload: Workload): string {
    return workload.standIn
        ? `any pod of namespace ${workload.namespace}`
        : `${workload.kind} ${workload.namespace}/${workload.name}`;
}

/**
 * Where each workload kind keeps its pod template, by API group. `extensions/v1beta1` is the group old manifests still
 * use for Deployments, DaemonSets and ReplicaSets (Cilium's own serviceaccount example,
 * examples/policies/kubernetes/serviceaccount/demo-pods.yaml).
 */
const POD_TEMPLATES: Record<string, Record<string, readonly string[]>> = {
    core: { Pod: [] },
    apps: {
        Deployment: ["spec", "template"],
        StatefulSet: ["spec", "template"],
        DaemonSet: ["spec", "template"],
        ReplicaSet: ["spec", "template"],
    },
    extensions: { Deployment: ["spec", "template"], DaemonSet: ["spec", "template"], ReplicaSet: ["spec", "template"] },
    batch: { Job: ["spec", "template"], CronJob: ["spec", "jobTemplate", "spec", "template"] },
};

/** The path to a workload's pod template (`[]` for a Pod), or undefined when the type holds no pods. */
export function podTemplatePath(type: string): readonly string[] | undefined {
    const kind = kubernetesKind(type);
    return kind ? POD_TEMPLATES[kind.group]?.[kind.kind] : undefined;
}

/** A workload or PeerAuthentication whose namespace is unknown (e.g. during preview), for advisories. */
export interface Unplaced {
    readonly source: SourceRef;
    readonly kind: "workload" | "peer-authentication";
    readonly detail: string;
}

/**
 * The namespace a namespaced object lands in: `metadata.namespace`, else its Kubernetes provider's `namespace`, else
 * "default" (@pulumi/kubernetes ProviderArgs.namespace: "1. .metadata.namespace set on the resource. 2. This namespace
 * parameter. 3. namespace set for the active context in the kubeconfig." A kubeconfig context's namespace is not read:
 * the kubeconfig is a string the stack passes along, not something the model parses).
 */
export function namespaceOf(
    resource: StackResource,
    props: unknown = guarded(resource.props),
): Exclude<Read<string>, { state: "absent" }> {
    const namespace = readString(props, ["metadata", "namespace"]);
    if (namespace.state !== "absent") {
        return namespace;
    }
    if (resource.provider?.type === "pulumi:providers:kubernetes") {
        const fromProvider = readString(guarded(resource.provider.props), ["namespace"]);
        if (fromProvider.state !== "absent") {
            return fromProvider;
        }
    }
    return { state: "known", value: "default" };
}

export function readNamespaces(resources: readonly StackResource[]): Map<string, NamespaceInfo> {
    const namespaces = new Map<string, NamespaceInfo>();
    for (const resource of resources) {
        const kind = kubernetesKind(resource.type);
        if (kind?.group !== "core" || (kind.kind !== "Namespace" && kind.kind !== "NamespacePatch")) {
            continue;
        }
        const props = guarded(resource.props);
        const name = readString(props, ["metadata", "name"]);
        if (name.state !== "known") {
            continue;
        }
        const labels = readLabels(props, ["metadata", "labels"]);
        const existing = namespaces.get(name.value);
        namespaces.set(name.value, {
            name: name.value,
            declaredBy: existing?.declaredBy ?? sourceOf(resource),
            labels: existing ? mergeLabels(existing.labels, labels) : labels,
        });
    }
    return namespaces;
}

/** The label Kubernetes sets on every namespace (kubernetes.io "Namespaces", automatic labelling, since 1.21). */
const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

/**
 * A namespace as traffic sees it: one the stack does not declare still exists (the cluster's `default`, or one made
 * by another tool), with no labels but the automatic `kubernetes.io/metadata.name`; `declared` tells the two apart, so
 * that an answer can say it assumed no labels.
 */
export function namespaceForTraffic(
    namespaces: ReadonlyMap<string, NamespaceInfo>,
    name: string,
): { labels: LabelSet; declared: boolean } {
    const declared = namespaces.get(name);
    const automatic: LabelSet = { values: new Map([[NAMESPACE_NAME_LABEL, name]]), unreadable: new Set() };
    return declared
        ? { labels: mergeLabels(declared.labels, automatic), declared: true }
        : { labels: automatic, declared: false };
}

/** The namespace by name, or an undeclared one whose labels are unknown to the stack. */
export function namespaceNamed(namespaces: Map<string, NamespaceInfo>, name: string): NamespaceInfo {
    return (
        namespaces.get(name) ?? {
            name,
            labels: unreadableLabels(`namespace ${name} is not declared in this stack, so its labels are not known`),
        }
    );
}

export function readWorkloads(
    resources: readonly StackResource[],
    namespaces: Map<string, NamespaceInfo>,
    unplaced: Unplaced[],
): Workload[] {
    const workloads: Workload[] = [];
    for (const resource of resources) {
        const pod = podTemplatePath(resource.type);
        if (pod === undefined) {
            continue;
        }
        const kind = kubernetesKind(resource.type)!;
        const props = guarded(resource.props);
        const namespace = namespaceOf(resource, props);
        const name = readString(props, ["metadata", "name"]);
        if (namespace.state === "unreadable") {
            unplaced.push({
                source: sourceOf(resource),
                kind: "workload",
                detail: `${namespace.path} ${namespace.reason}`,
            });
            continue;
        }
        const spec = readObject(props, [...pod, "spec"]);
        workloads.push(
            workload({
                source: sourceOf(resource),
                kind: kind.kind,
                name: name.state === "known" ? name.value : resource.name,
                namespace: namespaceNamed(namespaces, namespace.value),
                podLabels: readLabels(props, [...pod, "metadata", "labels"]),
                podAnnotations: readLabels(props, [...pod, "metadata", "annotations"]),
                serviceAccount: readString(props, [...pod, "spec", "serviceAccountName"]),
                hostNetwork: spec.state === "known" ? readBoolean(spec.value, ["hostNetwork"]) : known(false),
                networkProbes: spec.state === "known" ? readNetworkProbes(spec.value) : known(false),
                containerPorts: spec.state === "known" ? readContainerPorts(spec.value) : known([]),
            }),
        );
    }
    for (const namespace of namespaces.values()) {
        workloads.push(
            workload({
                kind: "Namespace",
                name: namespace.name,
                namespace,
                podLabels: EMPTY_LABELS,
                podAnnotations: EMPTY_LABELS,
                serviceAccount: { state: "absent" },
                hostNetwork: known(false),
                networkProbes: unreadable(
                    "pods",
                    `of namespace ${namespace.name} deployed outside this stack are not known`,
                ),
                containerPorts: unreadable(
                    "pods",
                    `of namespace ${namespace.name} deployed outside this stack are not known`,
                ),
            }),
        );
    }
    return workloads;
}

const NETWORK_PROBE_HANDLERS = ["httpGet", "tcpSocket", "grpc"];

function readNetworkProbes(spec: object): Read<boolean> {
    for (const list of ["initContainers", "containers"]) {
        const containers = readArray(spec, [list]);
        if (containers.state === "unreadable") {
            return containers;
        }
        const items = containers.state === "known" ? containers.value : [];
        for (let c = 0; c < items.length; c++) {
            for (const probe of ["readinessProbe", "livenessProbe", "startupProbe"]) {
                for (const handler of NETWORK_PROBE_HANDLERS) {
                    const read = readPath(items, [c, probe, handler]);
                    if (read.state !== "absent") {
                        return read.state === "known" ? known(true) : read;
                    }
                }
            }
        }
    }
    return known(false);
}

/** Every container's ports; one unknown entry makes the list unreadable. */
function readContainerPorts(spec: object): Read<readonly ContainerPort[]> {
    const ports: ContainerPort[] = [];
    const containers = readArray(spec, ["containers"]);
    if (containers.state !== "known") {
        return containers.state === "absent" ? known(ports) : containers;
    }
    for (let c = 0; c < containers.value.length; c++) {
        const list = readArray(containers.value, [c, "ports"]);
        if (list.state === "unreadable") {
            return list;
        }
        for (let p = 0; list.state === "known" && p < list.value.length; p++) {
            const name = readString(list.value, [p, "name"]);
            const number = readPath(list.value, [p, "containerPort"]);
            const protocol = readString(list.value, [p, "protocol"]);
            if (name.state === "unreadable" || number.state === "unreadable" || protocol.state === "unreadable") {
                return unreadable(`containers[${c}].ports[${p}]`, "is unknown");
            }
            if (number.state === "known" && Number.isInteger(Number(number.value))) {
                ports.push({
                    name: name.state === "known" ? name.value : undefined,
                    containerPort: Number(number.value),
                    protocol: protocol.state === "known" ? protocol.value.toUpperCase() : "TCP",
                });
            }
        }
    }
    return known(ports);
}

interface WorkloadInput {
    source?: SourceRef;
    kind: string;
    name: string;
    namespace: NamespaceInfo;
    podLabels: LabelSet;
    podAnnotations: LabelSet;
    serviceAccount: Read<string>;
    hostNetwork: Read<boolean>;
    networkProbes: Read<boolean>;
    containerPorts: Read<readonly ContainerPort[]>;
}

function workload(input: WorkloadInput): Workload {
    return {
        source: input.source,
        kind: input.kind,
        name: input.name,
        namespace: input.namespace.name,
        standIn: input.source === undefined,
        podLabels: input.podLabels,
        podAnnotations: input.podAnnotations,
        serviceAccount: input.serviceAccount.state === "known" ? input.serviceAccount.value : "default",
        hostNetwork: input.hostNetwork,
        networkProbes: input.networkProbes,
        containerPorts: input.containerPorts,
        enrolment: enrolmentOf(input.namespace.labels, input.podLabels, input.podAnnotations, input.hostNetwork),
    };
}

/** Label first, then the older annotation spelling (istio.io sidecar-injection docs). */
function injectFlag(podLabels: LabelSet, podAnnotations: LabelSet): Read<string> {
    const label = labelValue(podLabels, "sidecar.istio.io/inject");
    return label.state === "absent" ? labelValue(podAnnotations, "sidecar.istio.io/inject") : label;
}

/** How a pod with these labels in a namespace with these labels joins the mesh (see the module comment). */
export function enrolmentOf(
    namespaceLabels: LabelSet,
    podLabels: LabelSet,
    podAnnotations: LabelSet,
    hostNetwork: Read<boolean>,
): MeshEnrolment {
    const none = (detail: string): MeshEnrolment => ({ mode: "none", redirectionDisabled: false, detail });
    const unchecked = (read: { path: string; reason: string }): MeshEnrolment => ({
        mode: "unchecked",
        redirectionDisabled: false,
        detail: `${read.path} ${read.reason}`,
    });
    if (hostNetwork.state === "unreadable") {
        return unchecked(hostNetwork);
    }
    if (hostNetwork.state === "known" && hostNetwork.value) {
        return none("the pod runs on the host network");
    }

    const podInject = injectFlag(podLabels, podAnnotations);
    const nsInjection = labelValue(namespaceLabels, "istio-injection");
    const nsRevision = labelValue(namespaceLabels, "istio.io/rev");
    const podRevision = labelValue(podLabels, "istio.io/rev");
    for (const read of [podInject, nsInjection, nsRevision, podRevision]) {
        if (read.state === "unreadable") {
            return unchecked(read);
        }
    }
    const value = (read: Read<string>) => (read.state === "known" ? read.value : undefined);
    if (value(podInject) !== "false" && value(nsInjection) !== "disabled") {
        const enabledBy =
            value(nsInjection) === "enabled"
                ? "namespace label istio-injection=enabled"
                : value(podInject) === "true"
                  ? "pod label sidecar.istio.io/inject=true"
                  : value(nsRevision) !== undefined
                    ? `namespace label istio.io/rev=${value(nsRevision)}`
                    : value(podRevision) !== undefined
                      ? `pod label istio.io/rev=${value(podRevision)}`
                      : undefined;
        if (enabledBy) {
            return { mode: "sidecar", redirectionDisabled: false, detail: enabledBy };
        }
    }

    const podMode = labelValue(podLabels, "istio.io/dataplane-mode");
    const nsMode = labelValue(namespaceLabels, "istio.io/dataplane-mode");
    const redirection = labelValue(podAnnotations, "ambient.istio.io/redirection");
    for (const read of [podMode, nsMode, redirection]) {
        if (read.state === "unreadable") {
            return unchecked(read);
        }
    }
    const ambientBy =
        value(podMode) === "ambient"
            ? "pod label istio.io/dataplane-mode=ambient"
            : value(podMode) === undefined && value(nsMode) === "ambient"
              ? "namespace label istio.io/dataplane-mode=ambient"
              : undefined;
    if (ambientBy) {
        const disabled = value(redirection) === "disabled";
        return {
            mode: "ambient",
            redirectionDisabled: disabled,
            detail: disabled ? `${ambientBy}, but annotated ambient.istio.io/redirection: disabled` : ambientBy,
        };
    }
    return none("no injection or ambient label applies");
}
