/**
 * The red/blue/green demo of Cilium's "Integration with Istio" guide as plain Kubernetes objects: namespaces with
 * their mesh enrolment, httpbin and netshoot, the Cilium policy per stage, the mTLS fix, and the check commands.
 * Objects follow cilium/cilium examples/kubernetes-istio at tag 1.15.3 (docs/cilium-istio-facts.md#demo).
 */
import type * as k8s from "@pulumi/kubernetes";
import type { NamespaceDemoArgs } from "./NamespaceDemo";
import { DemoStage, IstioMode } from "./types";
import { bool, oneOf } from "./validation";
import { HBONE_PORT as HBONE } from "cilium-istio-guard/model/ambient-network";
import { CHECK_PATHS, DEMO_CLIENT, DEMO_PORT, DEMO_SERVER } from "cilium-istio-guard/model/demo-workloads";

/** The one place NamespaceDemo's defaults live (its Args doc comments repeat them). */
export const NAMESPACE_DEMO_DEFAULTS = {
    istioMode: IstioMode.Sidecar,
    stage: DemoStage.L7,
    mtlsFix: true,
} as const;

/** Client namespaces: every one runs netshoot. */
export const DEMO_NAMESPACES = ["red", "blue", "green"] as const;
export type DemoNamespace = (typeof DEMO_NAMESPACES)[number];
/** Namespaces that run httpbin and (unless the ambient fix takes them out) are enrolled in the mesh. */
export const SERVER_NAMESPACES: readonly DemoNamespace[] = ["red", "blue"];
/** The namespace whose httpbin the Cilium policy protects. */
export const POLICY_NAMESPACE: DemoNamespace = "blue";

/** HBONE, where ambient mode tunnels pod-to-pod traffic (docs/failure-modes.md#f4), as a Cilium port string. */
const HBONE_PORT = String(HBONE);

/** One connectivity check: run `command` and compare the HTTP code it prints. */
export interface DemoCheck {
    /** Client namespace (its netshoot runs curl). */
    from: string;
    /** Server namespace (its httpbin Service is called). */
    to: string;
    /** Request path, `/ip` or `/deny`. */
    path: string;
    /** The kubectl command; prints the HTTP status code, or 000 when no response came back within 1 s. */
    command: string;
}

/** NamespaceDemo's inputs, validated and with defaults applied. */
export interface DemoSettings {
    istioMode: IstioMode;
    stage: DemoStage;
    mtlsFix: boolean;
}

/** A namespaced Kubernetes object as plain data, ready for a Pulumi resource's args. */
export interface DemoObject<Spec> {
    metadata: { name: string; namespace: string; labels?: { [key: string]: string } };
    spec: Spec;
}

/** A custom resource as plain data (apiVersion and kind included). */
export interface DemoCustomObject extends DemoObject<{ [key: string]: any }> {
    apiVersion: string;
    kind: string;
}

/** Validates NamespaceDemo's args and applies the defaults; throws InputError before anything is registered. */
export function resolveDemoSettings(args: NamespaceDemoArgs): DemoSettings {
    const istioMode = oneOf(
        "NamespaceDemo.istioMode",
        args.istioMode ?? NAMESPACE_DEMO_DEFAULTS.istioMode,
        Object.values(IstioMode),
    );
    const stage = oneOf("NamespaceDemo.stage", args.stage ?? NAMESPACE_DEMO_DEFAULTS.stage, Object.values(DemoStage));
    const mtlsFix = bool("NamespaceDemo.mtlsFix", args.mtlsFix ?? NAMESPACE_DEMO_DEFAULTS.mtlsFix);
    return { istioMode, stage, mtlsFix };
}

/**
 * True when the fix for Cilium's HTTP proxy and Istio mTLS applies: only an L7 policy needs it, and only when asked.
 * Cilium's docs: to use Cilium L7 policy with Istio, disable mTLS for those workloads (sidecar) or take them out of
 * ambient (docs/cilium-istio-facts.md#cilium-istio-docs; docs/failure-modes.md#f6).
 */
function mtlsFixApplies(settings: DemoSettings): boolean {
    return settings.stage === DemoStage.L7 && settings.mtlsFix;
}

/**
 * Enrolment labels of a namespace. Sidecar: `istio-injection=enabled`; ambient: `istio.io/dataplane-mode=ambient`
 * (docs/cilium-istio-facts.md#demo, #ambient-prerequisites). With the ambient fix red and blue carry no dataplane-mode
 * label, so they leave the mesh.
 */
export function namespaceLabels(namespace: DemoNamespace, settings: DemoSettings): { [key: string]: string } {
    if (!SERVER_NAMESPACES.includes(namespace)) {
        return {};
    }
    if (settings.istioMode === IstioMode.Sidecar) {
        return { "istio-injection": "enabled" };
    }
    return mtlsFixApplies(settings) ? {} : { "istio.io/dataplane-mode": "ambient" };
}

/** httpbin's Service: ClusterIP, TCP 80 to the pods' port 80. */
export function httpbinService(namespace: string): DemoObject<k8s.types.input.core.v1.ServiceSpec> {
    return {
        metadata: { name: DEMO_SERVER, namespace, labels: { app: DEMO_SERVER } },
        spec: {
            selector: { app: DEMO_SERVER },
            // Named `http` so Istio treats the port as HTTP without protocol sniffing (istio.io protocol selection).
            ports: [{ name: "http", port: DEMO_PORT, targetPort: DEMO_PORT, protocol: "TCP" }],
        },
    };
}

/** A one-replica Deployment of a single container, labelled and selected by `app` (both demo apps are this shape). */
function appDeployment(
    namespace: string,
    app: string,
    container: Omit<k8s.types.input.core.v1.Container, "name">,
): DemoObject<k8s.types.input.apps.v1.DeploymentSpec> {
    const labels = { app };
    return {
        metadata: { name: app, namespace, labels },
        spec: {
            replicas: 1,
            selector: { matchLabels: labels },
            template: { metadata: { labels }, spec: { containers: [{ name: app, ...container }] } },
        },
    };
}

/** httpbin's Deployment: one replica of docker.io/kong/httpbin listening on 80. */
export function httpbinDeployment(namespace: string): DemoObject<k8s.types.input.apps.v1.DeploymentSpec> {
    return appDeployment(namespace, DEMO_SERVER, {
        image: "docker.io/kong/httpbin",
        ports: [{ containerPort: DEMO_PORT }],
    });
}

/** netshoot's Deployment: the curl client, nicolaka/netshoot:v0.9 sleeping forever. */
export function netshootDeployment(namespace: DemoNamespace): DemoObject<k8s.types.input.apps.v1.DeploymentSpec> {
    return appDeployment(namespace, DEMO_CLIENT, { image: "nicolaka/netshoot:v0.9", command: ["sleep", "infinite"] });
}

/**
 * The CiliumNetworkPolicy `blue/default` on httpbin for stages l4 and l7, none for open. Red and blue are admitted on
 * TCP 80; in ambient mode also on 15008, where enrolled clients' HBONE tunnel arrives. l7 adds the HTTP rule
 * GET /ip on port 80 only: an HTTP rule on the HBONE port would send mTLS into Cilium's HTTP proxy.
 */
export function ciliumNetworkPolicy(settings: DemoSettings): DemoCustomObject | undefined {
    if (settings.stage === DemoStage.Open) {
        return undefined;
    }
    const appPort = { port: String(DEMO_PORT), protocol: "TCP" };
    const hbonePort = { port: HBONE_PORT, protocol: "TCP" };
    const ambient = settings.istioMode === IstioMode.Ambient;

    const toPorts =
        settings.stage === DemoStage.L7
            ? [
                  { ports: [appPort], rules: { http: [{ method: "GET", path: "/ip" }] } },
                  ...(ambient ? [{ ports: [hbonePort] }] : []),
              ]
            : [{ ports: ambient ? [appPort, hbonePort] : [appPort] }];

    return {
        apiVersion: "cilium.io/v2",
        kind: "CiliumNetworkPolicy",
        metadata: { name: "default", namespace: POLICY_NAMESPACE },
        spec: {
            endpointSelector: { matchLabels: { app: DEMO_SERVER } },
            ingress: [
                {
                    fromEndpoints: SERVER_NAMESPACES.map((ns) => ({
                        matchLabels: { "io.kubernetes.pod.namespace": ns },
                    })),
                    toPorts,
                },
            ],
        },
    };
}

/**
 * The sidecar-mode fix: PeerAuthentication `blue/default` with mTLS DISABLE, so clients' sidecars send plain HTTP
 * that Cilium's HTTP proxy can read (docs/cilium-istio-facts.md#demo "authn"). None in ambient mode, without l7, or
 * without the fix.
 */
export function bluePeerAuthentication(settings: DemoSettings): DemoCustomObject | undefined {
    if (settings.istioMode !== IstioMode.Sidecar || !mtlsFixApplies(settings)) {
        return undefined;
    }
    return {
        apiVersion: "security.istio.io/v1",
        kind: "PeerAuthentication",
        metadata: { name: "default", namespace: POLICY_NAMESPACE },
        spec: { mtls: { mode: "DISABLE" } },
    };
}

/**
 * The curl from `from`'s netshoot to `to`'s httpbin, printing only the HTTP code (docs/cilium-istio-facts.md#demo
 * "connectivity check").
 */
export function checkCommand(from: string, to: string, path: string): string {
    return `kubectl exec -n ${from} deploy/netshoot -- curl -s -o /dev/null -m 1 -w "%{http_code}" http://httpbin.${to}${path}`;
}

/** Every client namespace × every server namespace × every path. */
export function demoChecks(): DemoCheck[] {
    return DEMO_NAMESPACES.flatMap((from) =>
        SERVER_NAMESPACES.flatMap((to) =>
            CHECK_PATHS.map((path) => ({ from, to, path, command: checkCommand(from, to, path) })),
        ),
    );
}
