/**
 * Istio waypoints: Gateway API `Gateway`s of class `istio-waypoint` (istio.io docs/ambient/usage/waypoint), and the
 * pods istiod deploys for them, which the stack does not declare but traffic passes through.
 *
 * From istio/istio at tag 1.30.3: the waypoint GatewayClass has `DisableNameSuffix` (pilot/pkg/config/kube/
 * gatewaycommon/classinfo.go), so the Deployment and its service account are named after the Gateway unless the
 * annotations `gateway.istio.io/name-override` / `gateway.istio.io/service-account` say otherwise
 * (deploymentcontroller.go); its pods carry `gateway.networking.k8s.io/gateway-name=<name>`,
 * `gateway.networking.k8s.io/gateway-class-name`, `gateway.istio.io/managed: istio.io-mesh-controller`,
 * `istio.io/dataplane-mode: none` and `sidecar.istio.io/inject: "false"`
 * (manifests/charts/istio-control/istio-discovery/files/waypoint.yaml).
 * Which traffic a waypoint takes: `istio.io/waypoint-for` on the Gateway, `service` by default (istio.io
 * docs/ambient/usage/add-workloads, label reference).
 */
import { EMPTY_LABELS, LabelSet, guarded, known, readLabels, readString } from "./property-reader";
import { SourceRef, StackResource, isKubernetes, sourceOf } from "./resources";
import { Workload, namespaceOf } from "./workloads";

export const WAYPOINT_CLASS = "istio-waypoint";

export interface WaypointInfo {
    readonly source: SourceRef;
    readonly name: string;
    readonly namespace: string;
    /** "service", "workload", "all" or "none". */
    readonly waypointFor: string;
    /** The pods istiod runs for it, as a workload. */
    readonly pods: Workload;
}

export function readWaypoints(resources: readonly StackResource[]): WaypointInfo[] {
    const waypoints: WaypointInfo[] = [];
    for (const resource of resources) {
        if (!isKubernetes(resource.type, "gateway.networking.k8s.io", "Gateway")) {
            continue;
        }
        const props = guarded(resource.props);
        const className = readString(props, ["spec", "gatewayClassName"]);
        const name = readString(props, ["metadata", "name"]);
        const namespace = namespaceOf(resource, props);
        if (className.state !== "known" || className.value !== WAYPOINT_CLASS) {
            continue;
        }
        if (name.state !== "known" || namespace.state !== "known") {
            continue;
        }
        const labels = readLabels(props, ["metadata", "labels"]);
        const annotations = readLabels(props, ["metadata", "annotations"]);
        const deployment = annotations.values.get("gateway.istio.io/name-override") ?? name.value;
        const serviceAccount = annotations.values.get("gateway.istio.io/service-account") ?? name.value;
        const podLabels: LabelSet = {
            values: new Map([
                ["gateway.networking.k8s.io/gateway-name", name.value],
                ["gateway.networking.k8s.io/gateway-class-name", WAYPOINT_CLASS],
                ["gateway.istio.io/managed", "istio.io-mesh-controller"],
                ["istio.io/dataplane-mode", "none"],
                ["sidecar.istio.io/inject", "false"],
                ["service.istio.io/canonical-name", deployment],
                ["service.istio.io/canonical-revision", "latest"],
            ]),
            unreadable: new Set(),
        };
        waypoints.push({
            source: sourceOf(resource),
            name: name.value,
            namespace: namespace.value,
            waypointFor: labels.values.get("istio.io/waypoint-for") ?? "service",
            pods: {
                source: sourceOf(resource),
                kind: "Waypoint",
                name: deployment,
                namespace: namespace.value,
                standIn: false,
                podLabels,
                podAnnotations: EMPTY_LABELS,
                serviceAccount,
                hostNetwork: known(false),
                networkProbes: known(false),
                containerPorts: known([]),
                enrolment: {
                    mode: "none",
                    redirectionDisabled: false,
                    detail: "a waypoint proxy (istio.io/dataplane-mode: none)",
                },
            },
        });
    }
    return waypoints;
}
