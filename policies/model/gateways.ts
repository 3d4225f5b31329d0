/**
 * Gateway API objects (`gateway.networking.k8s.io`): GatewayClasses with the controller that owns them, and Gateways
 * with the class they name. The classes Cilium and Istio create themselves are known by name, with their controllers
 * (docs/gateway-api.md#gateway-classes): Cilium's chart creates `cilium` when `gatewayAPI.enabled`; istiod provides
 * `istio`, `istio-remote`, `istio-waypoint`, `istio-east-west` and `istio-agentgateway`. A GatewayClass in the stack
 * says its own controller.
 */
import { Read, guarded, readString } from "./property-reader";
import { SourceRef, StackResource, kubernetesKind, sourceOf } from "./resources";

export type GatewayOwner = "cilium" | "istio" | "other";

/** Controllers of the classes Cilium and Istio install (docs/gateway-api.md#gateway-classes). */
export const BUILT_IN_CLASSES: ReadonlyMap<string, { controller: string; owner: GatewayOwner }> = new Map([
    ["cilium", { controller: "io.cilium/gateway-controller", owner: "cilium" }],
    ["istio", { controller: "istio.io/gateway-controller", owner: "istio" }],
    ["istio-remote", { controller: "istio.io/unmanaged-gateway", owner: "istio" }],
    ["istio-waypoint", { controller: "istio.io/mesh-controller", owner: "istio" }],
    ["istio-east-west", { controller: "istio.io/eastwest-controller", owner: "istio" }],
    ["istio-agentgateway", { controller: "istio.io/agentgateway-controller", owner: "istio" }],
]);

export function ownerOfController(controller: string): GatewayOwner {
    return controller.startsWith("io.cilium/") ? "cilium" : controller.startsWith("istio.io/") ? "istio" : "other";
}

export interface GatewayClassInfo {
    readonly source: SourceRef;
    readonly name: string;
    readonly controller: Read<string>;
}

export interface GatewayInfo {
    readonly source: SourceRef;
    readonly name: string;
    readonly namespace: Read<string>;
    readonly className: Read<string>;
}

export interface GatewayApiInfo {
    readonly classes: readonly GatewayClassInfo[];
    readonly gateways: readonly GatewayInfo[];
}

export function readGatewayApi(resources: readonly StackResource[]): GatewayApiInfo {
    const classes: GatewayClassInfo[] = [];
    const gateways: GatewayInfo[] = [];
    for (const resource of resources) {
        const kind = kubernetesKind(resource.type);
        if (kind?.group !== "gateway.networking.k8s.io") {
            continue;
        }
        const props = guarded(resource.props);
        const name = readString(props, ["metadata", "name"]);
        const label = name.state === "known" ? name.value : resource.name;
        if (kind.kind === "GatewayClass") {
            classes.push({
                source: sourceOf(resource),
                name: label,
                controller: readString(props, ["spec", "controllerName"]),
            });
        } else if (kind.kind === "Gateway") {
            gateways.push({
                source: sourceOf(resource),
                name: label,
                namespace: readString(props, ["metadata", "namespace"]),
                className: readString(props, ["spec", "gatewayClassName"]),
            });
        }
    }
    return { classes, gateways };
}
