/**
 * `cilium-gateway-api-beside-istio` (advisory) — docs/gateway-api.md.
 *
 * Evidence: with Cilium's Gateway API on (`gatewayAPI.enabled`) beside Istio, both controllers watch the cluster's
 * Gateways; cilium/cilium#31978: "cilium-operator creates LoadBalancer for other gateway class" (GatewayClasses
 * `cilium`, `istio`, `istio-remote` in one cluster). Which controller owns which class (docs/gateway-api.md#gateway-classes):
 * `cilium` → io.cilium/gateway-controller; `istio`, `istio-remote`, `istio-waypoint`, `istio-east-west`,
 * `istio-agentgateway` → istio.io/...; a GatewayClass in the stack names its own controller. The rule says who owns
 * each Gateway, and flags Gateways whose class no running controller owns.
 */
import { describeInstall } from "../model/cilium-settings";
import { BUILT_IN_CLASSES, GatewayOwner, ownerOfController } from "../model/gateways";
import { MeshModel } from "../model/mesh-model";
import { Finding, advisory, listShort, stackRule, unchecked } from "../kit/findings";

const OWNER_NAMES: Record<GatewayOwner, string> = { cilium: "Cilium", istio: "Istio", other: "another controller" };

export function evaluate(model: MeshModel): Finding[] {
    const cilium = model.cilium.filter((install) => install.settings.gatewayApi.value === true);
    if (cilium.length === 0 || model.istioBecause.length === 0) {
        return [];
    }
    const findings: Finding[] = [];
    const owners = new Map<string, { controller: string; owner: GatewayOwner }>(BUILT_IN_CLASSES);
    for (const gatewayClass of model.gatewayApi.classes) {
        if (gatewayClass.controller.state !== "known") {
            continue;
        }
        const controller = gatewayClass.controller.value;
        const builtIn = BUILT_IN_CLASSES.get(gatewayClass.name);
        if (builtIn && builtIn.controller !== controller) {
            findings.push(
                advisory(
                    gatewayClass.source,
                    `GatewayClass ${gatewayClass.name} names controller ${controller}, but ${OWNER_NAMES[builtIn.owner]} installs ` +
                        `a class of that name for ${builtIn.controller}: the two definitions fight over one object. Fix: give ` +
                        "this class another name.",
                ),
            );
        }
        owners.set(gatewayClass.name, { controller, owner: ownerOfController(controller) });
    }
    const placed: string[] = [];
    for (const gateway of model.gatewayApi.gateways) {
        const ns = gateway.namespace.state === "known" ? `${gateway.namespace.value}/` : "";
        if (gateway.className.state === "unreadable") {
            findings.push(
                unchecked(
                    gateway.source,
                    "the Gateway's class",
                    `${gateway.className.path} ${gateway.className.reason}`,
                ),
            );
            continue;
        }
        const className = gateway.className.state === "known" ? gateway.className.value : "";
        const owner = owners.get(className);
        if (!owner || owner.owner === "other") {
            findings.push(
                advisory(
                    gateway.source,
                    `Gateway ${ns}${gateway.name} names class "${className}", which neither Cilium's nor Istio's controller owns ` +
                        `here${owner ? ` (controller ${owner.controller})` : ""}: nobody reconciles it, or the wrong one does ` +
                        "(cilium/cilium#31978). Fix: name `cilium` or an Istio class explicitly.",
                ),
            );
            continue;
        }
        placed.push(`${ns}${gateway.name} → ${className} (${OWNER_NAMES[owner.owner]}, ${owner.controller})`);
    }
    const istioClasses = [...owners].filter(([, o]) => o.owner === "istio").map(([name]) => name);
    for (const install of cilium) {
        findings.push(
            advisory(
                install.source,
                `${describeInstall(install)} runs Cilium's Gateway API (class cilium, io.cilium/gateway-controller) beside ` +
                    `Istio's gateway controllers (classes ${listShort(istioClasses, 6)}): both watch the cluster's Gateways, ` +
                    "and Cilium's operator has created LoadBalancer Services for Gateways of other classes (cilium/cilium#31978). " +
                    `Gateways: ${placed.length > 0 ? listShort(placed, 6) : "none in this stack"}. Fix: keep Cilium's Gateway API ` +
                    "off where Istio serves the Gateways, or give every Gateway its class explicitly and check that only its owner " +
                    "creates its Service.",
            ),
        );
    }
    return findings;
}

export const ciliumGatewayApiBesideIstio = stackRule({
    name: "cilium-gateway-api-beside-istio",
    level: "advisory",
    description: "Cilium's Gateway API beside Istio: both controllers watch Gateways; each Gateway needs one owner.",
    trigger:
        "Cilium's `gatewayAPI.enabled` (cilium-config `enable-gateway-api`) in a stack that runs Istio; Gateways whose class no running controller owns; GatewayClasses that reuse Cilium's or Istio's class names",
    breaks: "Cilium's operator acts on Gateways of other classes (LoadBalancer Services, cilium/cilium#31978); a Gateway of an unowned class is served by nobody",
    fix: "Cilium's Gateway API off where Istio serves Gateways, or every Gateway with an explicit class owned by one controller",
    sources: [
        "cilium/cilium#31978",
        "cilium/cilium#33239",
        "docs/gateway-api.md#gateway-classes",
        "docs/gateway-api.md#gateway-contention",
    ],
    evaluate,
});
