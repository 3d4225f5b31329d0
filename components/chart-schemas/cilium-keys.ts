/**
 * The top-level Cilium Helm values this project writes (components/cilium-values.ts), and so the top-level
 * properties of the chart's values.schema.json that are carried in this folder. Each kept property keeps its
 * subschema exactly as the chart ships it; see NOTICE.md.
 *
 * Shared by the values builder (a test checks every key it emits is listed here) and by
 * scripts/extract-chart-schemas.ts (which trims the chart schemas to these keys), so the two cannot drift apart.
 */
export const CILIUM_SCHEMA_KEYS: readonly string[] = [
    "bpf",
    "cni",
    "enableIPv4Masquerade",
    "enableNonDefaultDenyPolicies",
    "endpointRoutes",
    "eni",
    "gatewayAPI",
    "hubble",
    "ipam",
    "k8sServiceHost",
    "k8sServicePort",
    "kubeProxyReplacement",
    "l7Proxy",
    "operator",
    "prometheus",
    "routingMode",
    "socketLB",
    "tunnelProtocol",
];

/** The Cilium chart versions whose values.schema.json is carried here (1.15.x charts ship none). */
export { CILIUM_SCHEMA_VERSIONS } from "cilium-istio-guard/model/carried-charts";
