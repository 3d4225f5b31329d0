/**
 * The facts about Cilium ClusterMesh and Istio multi-primary that both the pack's rules and the components rely on,
 * in one place (docs/cluster-mesh.md cites each upstream). Pure data: this module ships with the components.
 */

/** Cilium's cluster name pattern (cilium/cilium pkg/clustermesh/types/types.go `clusterNameRegexStr`). */
export const CLUSTER_NAME = /^([a-z0-9][-a-z0-9]*)?[a-z0-9]$/;
/** At most 32 characters (types.go `clusterNameMaxLength`). */
export const CLUSTER_NAME_MAX = 32;
/** The highest cluster ID per supported `clustermesh.maxConnectedClusters` (types.go `ClusterIDMax`, `ClusterIDExt511`). */
export const MAX_CLUSTER_ID: Readonly<Record<number, number>> = { 255: 255, 511: 511 };

/** The clustermesh-apiserver's etcd port (templates/clustermesh-apiserver/service.yaml: `port: 2379`). */
export const CLUSTERMESH_APISERVER_PORT = 2379;
/** Pod label the clustermesh-apiserver Deployment carries (the chart's Service selects on it). */
export const CLUSTERMESH_APISERVER_SELECTOR = { "k8s-app": "clustermesh-apiserver" } as const;
/** UDP ports of Cilium's tunnels (Documentation/operations/system_requirements.rst, "Firewall Rules"). */
export const TUNNEL_PORTS = { vxlan: 8472, geneve: 6081 } as const;
/** cilium-health's TCP port between nodes (same page). */
export const CILIUM_HEALTH_PORT = 4240;

/** Istio's remote secrets: label, annotation (istioctl/pkg/multicluster@1.30.3) and name prefix. */
export const MULTICLUSTER_SECRET_LABEL = "istio/multiCluster";
export const REMOTE_CLUSTER_ANNOTATION = "networking.istio.io/cluster";
export const REMOTE_SECRET_PREFIX = "istio-remote-secret-";
/** The Istio namespace's label naming the cluster's network. */
export const NETWORK_LABEL = "topology.istio.io/network";
/** A network or mesh ID as a DNS label (what the Istio docs use, e.g. network1, mesh1). */
export const ISTIO_NETWORK_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** The port east-west gateways pass mTLS through on (samples/multicluster/expose-services.yaml@1.30.3). */
export const CROSS_NETWORK_PORT = 15443;
/** The keys of the plug-in CA Secret `cacerts` (istio.io, "Plug in CA Certificates"). */
export const CACERTS_SECRET = "cacerts";
export const CACERTS_KEYS = {
    rootCert: "root-cert.pem",
    caCert: "ca-cert.pem",
    caKey: "ca-key.pem",
    certChain: "cert-chain.pem",
} as const;

/** Cilium's global-service annotations (Documentation/network/clustermesh/services.rst, affinity.rst). */
export const GLOBAL_SERVICE_ANNOTATION = "service.cilium.io/global";
export const SHARED_SERVICE_ANNOTATION = "service.cilium.io/shared";
export const SERVICE_AFFINITY_ANNOTATION = "service.cilium.io/affinity";
