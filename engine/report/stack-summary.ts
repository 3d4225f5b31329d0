/**
 * What the report's `Stack:` line says about a stack, read from its resources alone, so that plan (this repository's
 * program or a user's) and check (any file) say it the same way: the Cilium datapath and tunnel, the Istio mesh mode,
 * the Cilium, Istio and Kubernetes versions and the demo's stage. What the resources do not say is `unknown`; what the
 * stack does not run is `none`. And each namespace's data plane (sidecar, ambient, none), for the matrix.
 */
import { MeshModel } from "cilium-istio-guard/model/mesh-model";
import { helmValue } from "cilium-istio-guard/model/helm-sources";
import { NAMESPACE_DEMO_DEFAULTS } from "../../components/demo-objects";
import { stateToPlain } from "../state/property-values";
import { ResourceV3 } from "../state/stack-export";

export const UNKNOWN = "unknown";

/** Every field a word or a version; `unknown` when the stack does not say. An interface of `--json`: add, never rename. */
export interface StackSummary {
    stack: string;
    /** eni, chaining, overlay (Cilium's own routing in tunnel mode), native, none (no Cilium), unknown. */
    datapath: string;
    /** vxlan, geneve on an overlay; none otherwise. */
    tunnel: string;
    /** sidecar, ambient, sidecar+ambient (both installs), none (no Istio). */
    meshMode: string;
    cilium: string;
    istio: string;
    kubernetes: string;
    /** The demo's stage (open, l4, l7) and whether its mTLS fix is on; none without the demo. */
    demoStage: string;
}

/** The EKS resources that carry the cluster's Kubernetes version as `version`. */
const CLUSTER_TYPES = ["eks:index:Cluster", "aws:eks/cluster:Cluster"];
const DEMO_TYPE = "eks-cilium-istio:index:NamespaceDemo";

function oneOrMany(values: readonly (string | undefined)[], none: string): string {
    if (values.length === 0) {
        return none;
    }
    const distinct = [...new Set(values.map((v) => v ?? UNKNOWN))];
    return distinct.join(", ");
}

function ciliumDatapath(model: MeshModel): { datapath: string; tunnel: string } {
    if (model.cilium.length === 0) {
        return { datapath: "none", tunnel: "none" };
    }
    if (model.cilium.length > 1) {
        return { datapath: UNKNOWN, tunnel: UNKNOWN };
    }
    const [install] = model.cilium;
    const { chainingMode, eniEnabled, routingMode } = install.settings;
    if (chainingMode.value === undefined || eniEnabled.value === undefined || routingMode.value === undefined) {
        return { datapath: UNKNOWN, tunnel: UNKNOWN };
    }
    if (chainingMode.value !== "none") {
        return { datapath: "chaining", tunnel: "none" };
    }
    if (eniEnabled.value) {
        return { datapath: "eni", tunnel: "none" };
    }
    if (routingMode.value !== "tunnel") {
        return { datapath: routingMode.value, tunnel: "none" };
    }
    // The chart's own default encapsulation is vxlan (values.yaml `tunnelProtocol`, every carried version).
    const protocol = install.helm ? helmValue(install.helm, "tunnelProtocol") : undefined;
    const tunnel =
        protocol === undefined || protocol.state === "absent"
            ? "vxlan"
            : protocol.state === "known" && typeof protocol.value === "string" && protocol.value !== ""
              ? protocol.value
              : UNKNOWN;
    return { datapath: "overlay", tunnel };
}

function meshMode(model: MeshModel): string {
    if (model.istioBecause.length === 0) {
        return "none";
    }
    const ambient = model.ambientBecause.length > 0;
    const sidecar = model.sidecarInjectionBecause.length > 0 || model.istio.sidecarIstiod.length > 0;
    return ambient && sidecar ? "sidecar+ambient" : ambient ? "ambient" : "sidecar";
}

/** What a resource was given: a component's args are its inputs (its outputs are what it built). */
function inputsOf(resource: ResourceV3): Record<string, unknown> {
    const plain = stateToPlain(resource.inputs ?? resource.outputs ?? {});
    return typeof plain === "object" && plain !== null ? (plain as Record<string, unknown>) : {};
}

function demoStage(resources: readonly ResourceV3[]): string {
    const demos = resources.filter((r) => r.type === DEMO_TYPE);
    if (demos.length === 0) {
        return "none";
    }
    return oneOrMany(
        demos.map(inputsOf).map((props) => {
            const stage = props.stage ?? NAMESPACE_DEMO_DEFAULTS.stage;
            const fix = props.mtlsFix ?? NAMESPACE_DEMO_DEFAULTS.mtlsFix;
            if (typeof stage !== "string" || typeof fix !== "boolean") {
                return undefined;
            }
            return stage === "l7" ? `l7 (mTLS fix ${fix ? "on" : "off"})` : stage;
        }),
        "none",
    );
}

export function summarizeStack(stack: string, resources: readonly ResourceV3[], model: MeshModel): StackSummary {
    const clusterVersions = resources
        .filter((r) => CLUSTER_TYPES.includes(r.type))
        .map((r) => {
            const version = inputsOf(r).version;
            return typeof version === "string" && version !== "" ? version : undefined;
        });
    return {
        stack,
        ...ciliumDatapath(model),
        meshMode: meshMode(model),
        cilium: oneOrMany(
            model.cilium.map((c) => c.chartVersion?.requested),
            "none",
        ),
        istio: oneOrMany(
            model.istio.charts.map((c) => c.version.requested),
            model.istioBecause.length > 0 ? UNKNOWN : "none",
        ),
        kubernetes: oneOrMany(clusterVersions, UNKNOWN),
        demoStage: demoStage(resources),
    };
}

/** `Stack: dev · datapath eni · tunnel none · mesh sidecar · Cilium 1.19.6 · Istio 1.30.3 · Kubernetes 1.34 · demo l7 (mTLS fix on)` */
export function renderStackLine(s: StackSummary): string {
    return [
        `Stack: ${s.stack}`,
        `datapath ${s.datapath}`,
        `tunnel ${s.tunnel}`,
        `mesh ${s.meshMode}`,
        `Cilium ${s.cilium}`,
        `Istio ${s.istio}`,
        `Kubernetes ${s.kubernetes}`,
        `demo ${s.demoStage}`,
    ].join(" · ");
}

export type DataPlane = "sidecar" | "ambient" | "none" | "unknown";

/**
 * Each declared namespace's data plane, as its pods get it from the namespace's labels (the stand-in workload of the
 * mesh model): the demo's matrix marks its rows and columns with it. A pod's own label or annotation can differ; the
 * predictions judge each pod.
 */
export function namespaceDataPlanes(model: MeshModel): Map<string, DataPlane> {
    const planes = new Map<string, DataPlane>();
    for (const [namespace, workloads] of model.workloadsByNamespace) {
        const standIn = workloads.find((w) => w.standIn);
        const mode = standIn?.enrolment.mode;
        planes.set(
            namespace,
            mode === "sidecar" || mode === "none"
                ? mode
                : mode === "ambient"
                  ? standIn?.enrolment.redirectionDisabled
                      ? "none"
                      : "ambient"
                  : "unknown",
        );
    }
    return planes;
}
