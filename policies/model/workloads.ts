/**
 * Namespaces, the pods the stack runs (pod templates of Deployments, StatefulSets, DaemonSets, ReplicaSets, Jobs, and
 * bare Pods), and how each is enrolled in the mesh.
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
    /**
     * Whether a container declares a probe the kubelet sends over the network (httpGet, tcpSocket, grpc; exec probes
     * run inside the container). Unreadable for a stand-in: pods deployed elsewhere are not known.
     */
    readonly networkProbes: Read<boolean>;
    readonly enrolment: MeshEnrolment;
}

/** "Deployment blue/httpbin", or "any pod of namespace blue". */
export function describeWorkload(workload: Workload): string {
    return workload.standIn
        ? `any pod of namespace ${workload.namespace}`
        : `${workload.kind} ${workload.namespace}/${workload.name}`;
}

const POD_TEMPLATE_KINDS = new Set(["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"]);

/** A workload or PeerAuthentication whose namespace is unknown (e.g. during preview), for advisories. */
export interface Unplaced {
    readonly source: SourceRef;
    readonly kind: "workload" | "peer-authentication";
    readonly detail: string;
}

/**
 * The namespace a namespaced object lands in: metadata.namespace, else "default" (the Kubernetes provider's default
 * namespace when neither the object nor its provider names one).
 */
export function namespaceOf(props: unknown): Exclude<Read<string>, { state: "absent" }> {
    const namespace = readString(props, ["metadata", "namespace"]);
    return namespace.state === "absent" ? { state: "known", value: "default" } : namespace;
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
        const kind = kubernetesKind(resource.type);
        if (
            !kind ||
            (!((kind.group === "apps" || kind.group === "batch") && POD_TEMPLATE_KINDS.has(kind.kind)) &&
                !(kind.group === "core" && kind.kind === "Pod"))
        ) {
            continue;
        }
        const props = guarded(resource.props);
        const namespace = namespaceOf(props);
        const name = readString(props, ["metadata", "name"]);
        if (namespace.state === "unreadable") {
            unplaced.push({
                source: sourceOf(resource),
                kind: "workload",
                detail: `${namespace.path} ${namespace.reason}`,
            });
            continue;
        }
        const pod = kind.kind === "Pod" ? [] : ["spec", "template"];
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
        enrolment: enrolmentOf(input.namespace.labels, input.podLabels, input.podAnnotations, input.hostNetwork),
    };
}

/** Label first, then the older annotation spelling (istio.io sidecar-injection docs). */
function injectFlag(podLabels: LabelSet, podAnnotations: LabelSet): Read<string> {
    const label = labelValue(podLabels, "sidecar.istio.io/inject");
    return label.state === "absent" ? labelValue(podAnnotations, "sidecar.istio.io/inject") : label;
}

/** How a pod with these labels in a namespace with these labels joins the mesh (see the module comment). */
function enrolmentOf(
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
