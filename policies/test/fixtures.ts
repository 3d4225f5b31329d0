/**
 * Small builders for the resources the rules read, shaped as the engine shows them (type tokens of
 * @pulumi/kubernetes, @pulumi/eks and @pulumi/aws; props as the resources' inputs).
 */
import { ambientHostProbesPolicy } from "../../components/istio-values";
import { FixtureResource } from "./harness";

export const EKS_HOST = "0123456789ABCDEF.gr7.us-west-2.eks.amazonaws.com";

/**
 * Values that satisfy every Cilium rule with Istio on EKS (ENI mode, as the Cilium EKS docs and
 * docs/cilium-istio-facts.md#cilium-istio-docs give).
 */
export function goodCiliumValues(): Record<string, any> {
    return {
        eni: { enabled: true },
        ipam: { mode: "eni" },
        routingMode: "native",
        kubeProxyReplacement: "true",
        k8sServiceHost: EKS_HOST,
        k8sServicePort: 443,
        socketLB: { hostNamespaceOnly: true },
        cni: { exclusive: false },
        bpf: { hostLegacyRouting: true },
    };
}

/** cilium-config as the chart renders goodCiliumValues(). */
export function goodCiliumConfig(): Record<string, string> {
    return {
        ipam: "eni",
        "routing-mode": "native",
        "kube-proxy-replacement": "true",
        "bpf-lb-sock-hostns-only": "true",
        "cni-exclusive": "false",
        "enable-host-legacy-routing": "true",
        // What the 1.18+ charts render for eni.enabled with enableIPv4Masquerade unset.
        "enable-ipv4-masquerade": "false",
    };
}

interface HelmOptions {
    name?: string;
    version?: string;
    chart?: string;
    repo?: string;
    namespace?: string;
    valueYamlFiles?: unknown;
}

function helmProps(chart: string, repo: string, values: unknown, options: HelmOptions): Record<string, any> {
    const props: Record<string, any> = {
        chart: options.chart ?? chart,
        repositoryOpts: { repo: options.repo ?? repo },
        namespace: options.namespace ?? "kube-system",
        values,
    };
    if (options.version !== undefined) {
        props.version = options.version;
    }
    if (options.valueYamlFiles !== undefined) {
        props.valueYamlFiles = options.valueYamlFiles;
    }
    return props;
}

export function ciliumRelease(values: unknown = goodCiliumValues(), options: HelmOptions = {}): FixtureResource {
    return {
        type: "kubernetes:helm.sh/v3:Release",
        name: options.name ?? "cilium",
        props: helmProps("cilium", "https://helm.cilium.io", values, { version: "1.19.6", ...options }),
    };
}

export function ciliumChart(values: unknown = goodCiliumValues(), options: HelmOptions = {}): FixtureResource {
    return {
        type: "kubernetes:helm.sh/v4:Chart",
        name: options.name ?? "cilium",
        props: helmProps("cilium", "https://helm.cilium.io", values, { version: "1.19.6", ...options }),
    };
}

/** cilium-config, written by hand, or rendered by the v4 Chart named `renderedBy` (its child, named `<chart>:<ns>/<name>`). */
export function ciliumConfigMap(data: unknown, renderedBy?: string): FixtureResource {
    return {
        type: "kubernetes:core/v1:ConfigMap",
        name: renderedBy ? `${renderedBy}:kube-system/cilium-config` : "cilium-config",
        parentTypes: renderedBy ? ["kubernetes:helm.sh/v4:Chart"] : undefined,
        props: {
            apiVersion: "v1",
            kind: "ConfigMap",
            metadata: { name: "cilium-config", namespace: "kube-system" },
            data,
        },
    };
}

export type IstioChartName = "base" | "istiod" | "cni" | "ztunnel" | "gateway";

export function istioRelease(chart: IstioChartName, values: unknown = {}, options: HelmOptions = {}): FixtureResource {
    return {
        type: "kubernetes:helm.sh/v3:Release",
        name: options.name ?? (chart === "base" ? "istio-base" : chart === "cni" ? "istio-cni" : chart),
        props: helmProps(chart, "https://istio-release.storage.googleapis.com/charts", values, {
            version: "1.30.3",
            namespace: "istio-system",
            ...options,
        }),
    };
}

/** Istio in sidecar mode as docs/cilium-istio-facts.md#istio-charts installs it: base, istiod, cni. */
export function istioSidecar(): FixtureResource[] {
    return [istioRelease("base"), istioRelease("istiod"), istioRelease("cni")];
}

/** Istio in ambient mode: base, istiod and cni with `profile: ambient`, ztunnel. */
export function istioAmbient(): FixtureResource[] {
    return [
        istioRelease("base"),
        istioRelease("istiod", { profile: "ambient" }),
        istioRelease("cni", { profile: "ambient" }),
        istioRelease("ztunnel"),
    ];
}

/** Cilium, Istio in ambient mode, and the namespace blue enrolled in ambient with its httpbin Deployment. */
export function ambientBlueHttpbin(): FixtureResource[] {
    return [
        ciliumRelease(),
        ...istioAmbient(),
        namespace("blue", { "istio.io/dataplane-mode": "ambient" }),
        deployment("blue", "httpbin"),
    ];
}

export function namespace(name: string, labels: Record<string, string> = {}): FixtureResource {
    return { type: "kubernetes:core/v1:Namespace", name, props: { metadata: { name, labels } } };
}

interface PodOptions {
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    hostNetwork?: unknown;
    /** A readiness probe the kubelet sends over HTTP, or one it runs inside the container. */
    probe?: "http" | "exec" | unknown;
}

export function deployment(ns: string, name: string, options: PodOptions = {}): FixtureResource {
    const container: Record<string, any> = { name, image: "docker.io/kong/httpbin" };
    if (options.probe === "http") {
        container.readinessProbe = { httpGet: { path: "/status/200", port: 80 } };
    } else if (options.probe === "exec") {
        container.readinessProbe = { exec: { command: ["true"] } };
    } else if (options.probe !== undefined) {
        container.readinessProbe = options.probe;
    }
    const spec: Record<string, any> = { containers: [container] };
    if (options.hostNetwork !== undefined) {
        spec.hostNetwork = options.hostNetwork;
    }
    return {
        type: "kubernetes:apps/v1:Deployment",
        name: `${ns}-${name}`,
        props: {
            metadata: { name, namespace: ns },
            spec: {
                selector: { matchLabels: options.labels ?? { app: name } },
                template: {
                    metadata: { labels: options.labels ?? { app: name }, annotations: options.annotations ?? {} },
                    spec,
                },
            },
        },
    };
}

export function cnp(ns: string, name: string, spec: unknown): FixtureResource {
    return {
        type: "kubernetes:cilium.io/v2:CiliumNetworkPolicy",
        name: `${ns}-${name}`,
        props: { apiVersion: "cilium.io/v2", kind: "CiliumNetworkPolicy", metadata: { name, namespace: ns }, spec },
    };
}

/** The list form `specs:` of the upstream Istio demo. */
export function cnpSpecs(ns: string, name: string, specs: unknown): FixtureResource {
    return {
        type: "kubernetes:cilium.io/v2:CiliumNetworkPolicy",
        name: `${ns}-${name}`,
        props: { apiVersion: "cilium.io/v2", kind: "CiliumNetworkPolicy", metadata: { name, namespace: ns }, specs },
    };
}

export function ccnp(name: string, spec: unknown): FixtureResource {
    return {
        type: "kubernetes:cilium.io/v2:CiliumClusterwideNetworkPolicy",
        name,
        props: { apiVersion: "cilium.io/v2", kind: "CiliumClusterwideNetworkPolicy", metadata: { name }, spec },
    };
}

export function networkPolicy(ns: string, name: string, spec: unknown): FixtureResource {
    return {
        type: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
        name: `${ns}-${name}`,
        props: { metadata: { name, namespace: ns }, spec },
    };
}

/** The demo's L4 policy (docs/cilium-istio-facts.md#demo): app=httpbin admits red and blue on the given TCP ports. */
export function l4Spec(ports: string[] = ["80"]): Record<string, any> {
    return {
        endpointSelector: { matchLabels: { app: "httpbin" } },
        ingress: [
            {
                fromEndpoints: [
                    { matchLabels: { "io.kubernetes.pod.namespace": "red" } },
                    { matchLabels: { "io.kubernetes.pod.namespace": "blue" } },
                ],
                toPorts: [{ ports: ports.map((port) => ({ port, protocol: "TCP" })) }],
            },
        ],
    };
}

/** The demo's L7 policy: the L4 one plus an HTTP rule GET /ip on port 80. */
export function l7Spec(): Record<string, any> {
    const spec = l4Spec(["80"]);
    spec.ingress[0].toPorts[0].rules = { http: [{ method: "GET", path: "/ip" }] };
    return spec;
}

/**
 * The CiliumClusterwideNetworkPolicy of the Istio ambient prerequisites (docs/failure-modes.md#f3), as IstioRelease
 * installs it in ambient mode; without `enableDefaultDeny`, the older docs' version.
 */
export function probeAllowPolicy(enableDefaultDeny = true): FixtureResource {
    const { metadata, spec } = ambientHostProbesPolicy();
    if (!enableDefaultDeny) {
        delete spec.enableDefaultDeny;
    }
    return ccnp(metadata.name, spec);
}

interface PeerAuthenticationOptions {
    selector?: Record<string, string>;
    portLevelMtls?: Record<string, { mode: string }>;
    apiVersion?: "v1" | "v1beta1";
}

export function peerAuthentication(
    ns: string,
    name: string,
    mode: unknown,
    options: PeerAuthenticationOptions = {},
): FixtureResource {
    const spec: Record<string, any> = { mtls: { mode } };
    if (options.selector) {
        spec.selector = { matchLabels: options.selector };
    }
    if (options.portLevelMtls) {
        spec.portLevelMtls = options.portLevelMtls;
    }
    const version = options.apiVersion ?? "v1";
    return {
        type: `kubernetes:security.istio.io/${version}:PeerAuthentication`,
        name: `${ns}-${name}`,
        props: {
            apiVersion: `security.istio.io/${version}`,
            kind: "PeerAuthentication",
            metadata: { name, namespace: ns },
            spec,
        },
    };
}

/**
 * istiod on the host network the way a stack avoids docs/failure-modes.md#f7: a DeploymentPatch of istio-system/istiod.
 */
export function istiodHostNetworkPatch(hostNetwork: unknown = true): FixtureResource {
    return {
        type: "kubernetes:apps/v1:DeploymentPatch",
        name: "istiod-host-network",
        props: {
            metadata: { name: "istiod", namespace: "istio-system" },
            spec: { template: { spec: { hostNetwork, dnsPolicy: "ClusterFirstWithHostNet" } } },
        },
    };
}

/**
 * An @pulumi/eks v4 cluster as CiliumRelease needs it (docs/cilium-istio-facts.md#eks): no VPC CNI, no kube-proxy, no
 * default node group.
 */
export function eksCluster(props: Record<string, any> = {}): FixtureResource {
    return {
        type: "eks:index:Cluster",
        name: "cluster",
        props: {
            bootstrapSelfManagedAddons: false,
            useDefaultVpcCni: true,
            kubeProxyAddonOptions: { enabled: false },
            skipDefaultNodeGroup: true,
            ...props,
        },
    };
}

export function managedNodeGroup(
    name: string,
    taints: unknown = [{ key: "node.cilium.io/agent-not-ready", value: "true", effect: "NO_EXECUTE" }],
): FixtureResource {
    return { type: "aws:eks/nodeGroup:NodeGroup", name, props: { clusterName: "cluster", taints } };
}

export function eksAddon(addonName: unknown): FixtureResource {
    return {
        type: "aws:eks/addon:Addon",
        name: `addon-${String(addonName).slice(0, 12)}`,
        props: { clusterName: "cluster", addonName },
    };
}

export function service(ns: string, name: string): FixtureResource {
    return {
        type: "kubernetes:core/v1:Service",
        name: `${ns}-${name}-svc`,
        props: {
            metadata: { name, namespace: ns },
            spec: { selector: { app: name }, ports: [{ port: 80, targetPort: 80 }] },
        },
    };
}

/**
 * A stack with one Cilium and one Istio install and `tenants` namespaces each like the demo's blue with the fix
 * (Namespace, httpbin and netshoot Deployments, Service, L7 CiliumNetworkPolicy, PeerAuthentication DISABLE): the
 * shape the benchmark (`npm run bench`) grows.
 */
export function tenantStack(tenants: number): FixtureResource[] {
    return [
        ciliumRelease(),
        ...istioSidecar(),
        peerAuthentication("istio-system", "default", "STRICT"),
        ...tenantNamespaces(tenants),
    ];
}

/** The tenant namespaces of tenantStack, each like the demo's blue with the mTLS fix. */
export function tenantNamespaces(tenants: number): FixtureResource[] {
    const resources: FixtureResource[] = [];
    for (let i = 0; i < tenants; i++) {
        const ns = `tenant-${i}`;
        resources.push(
            namespace(ns, { "istio-injection": "enabled" }),
            deployment(ns, "httpbin"),
            deployment(ns, "netshoot"),
            service(ns, "httpbin"),
            cnp(ns, "default", l7Spec()),
            peerAuthentication(ns, "default", "DISABLE"),
        );
    }
    return resources;
}

// ---------------------------------------------------------------------------------------------------------------
// Several clusters in one judged set (policies/model/clusters.ts): each cluster's objects on its own Kubernetes
// provider, its AWS resources under a component that also parents that provider.

/** A PEM certificate's text for fixtures: recognisable, never a real key or certificate. */
export function fixturePem(label: string): string {
    return `-----BEGIN CERTIFICATE-----\nZml4dHVyZS${Buffer.from(label).toString("base64")}\n-----END CERTIFICATE-----\n`;
}

/** The ClusterMesh CA every good member shares, as Cilium's `tls.ca.cert` takes it (base64 of the PEM). */
export const MESH_CA = Buffer.from(fixturePem("clustermesh-ca")).toString("base64");
/** The Istio root every good member's cacerts holds. */
export const ISTIO_ROOT = fixturePem("istio-root");

/** The resources of cluster `cluster`: renamed `<cluster>-<name>`, on provider `<cluster>-k8s` (non-Kubernetes ones under its component). */
export function onCluster(cluster: string, resources: FixtureResource[]): FixtureResource[] {
    const component = `urn:pulumi:test::fixture::eks-cilium-istio:index:Cluster::${cluster}`;
    const provider = { name: `${cluster}-k8s` };
    return [
        { type: "eks-cilium-istio:index:Cluster", name: cluster, props: {} },
        { type: "pulumi:providers:kubernetes", name: provider.name, props: {}, parent: component },
        ...resources.map((resource) =>
            resource.type.startsWith("kubernetes:")
                ? { ...resource, name: `${cluster}-${resource.name}`, provider }
                : { ...resource, name: `${cluster}-${resource.name}`, parent: component },
        ),
    ];
}

export interface MeshPeer {
    name: string;
    address?: string;
}

/** Cilium values of a ClusterMesh member (ENI, as goodCiliumValues), with its name, ID, peers and the shared CA. */
export function meshCiliumValues(
    name: string,
    id: number,
    peers: MeshPeer[],
    extra: Record<string, any> = {},
): Record<string, any> {
    return {
        ...goodCiliumValues(),
        cluster: { name, id },
        ipv4NativeRoutingCIDR: "10.0.0.0/8",
        clustermesh: {
            useAPIServer: true,
            config: {
                enabled: true,
                clusters: peers.map((p) => ({
                    name: p.name,
                    address: p.address ?? `${p.name}.elb.example`,
                    port: 2379,
                })),
            },
        },
        tls: { ca: { cert: MESH_CA, key: "bWVzaC1jYS1rZXk=" } },
        ...extra,
    };
}

export function vpc(name: string, cidrBlock: string): FixtureResource {
    return { type: "aws:ec2/vpc:Vpc", name, props: { cidrBlock } };
}

export function secret(ns: string, name: string, props: Record<string, any>): FixtureResource {
    return {
        type: "kubernetes:core/v1:Secret",
        name: `${ns}/${name}`,
        props: {
            apiVersion: "v1",
            kind: "Secret",
            ...props,
            metadata: { name, namespace: ns, ...(props.metadata ?? {}) },
        },
    };
}

/** The plug-in CA of a cluster: `cacerts` with the shared root and an intermediate of its own. */
export function cacerts(cluster: string, root = ISTIO_ROOT): FixtureResource {
    return secret("istio-system", "cacerts", {
        stringData: {
            "root-cert.pem": root,
            "ca-cert.pem": fixturePem(`intermediate-${cluster}`),
            "cert-chain.pem": fixturePem(`intermediate-${cluster}`) + root,
            "ca-key.pem": "[fixture key]",
        },
    });
}

/** A remote secret as `istioctl create-remote-secret --name <remote>` writes it. */
export function remoteSecret(remote: string): FixtureResource {
    return secret("istio-system", `istio-remote-secret-${remote}`, {
        metadata: { labels: { "istio/multiCluster": "true" }, annotations: { "networking.istio.io/cluster": remote } },
        stringData: { [remote]: "apiVersion: v1\nkind: Config\n" },
    });
}

/** Istio multi-primary in one cluster: istiod with meshID, clusterName and network, the labelled namespace, cacerts, remote secrets. */
export function istioMeshMember(
    cluster: string,
    network: string,
    remotes: string[],
    meshID = "mesh1",
): FixtureResource[] {
    return [
        namespace("istio-system", { "topology.istio.io/network": network }),
        istioRelease("base"),
        istioRelease("istiod", { global: { meshID, multiCluster: { clusterName: cluster }, network } }),
        istioRelease("cni"),
        cacerts(cluster),
        ...remotes.map(remoteSecret),
    ];
}

/** Cluster `name` of a good two-cluster mesh (ENI, one network, ClusterMesh and Istio multi-primary). */
export function meshMember(name: string, id: number, peer: string, cidr: string): FixtureResource[] {
    return onCluster(name, [
        ciliumRelease(meshCiliumValues(name, id, [{ name: peer }])),
        vpc("vpc", cidr),
        ...istioMeshMember(name, "network1", [peer]),
    ]);
}

/** A good two-cluster mesh: clusters "east" (ID 1, 10.1.0.0/16) and "west" (ID 2, 10.2.0.0/16). */
export function twoClusterMesh(): FixtureResource[] {
    return [...meshMember("east", 1, "west", "10.1.0.0/16"), ...meshMember("west", 2, "east", "10.2.0.0/16")];
}
