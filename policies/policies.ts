/**
 * Every rule of `cilium-istio-guard`, one per file under ./rules, each describing itself (kit/rule-metadata.ts; the
 * README's rule table is generated from that). Importing this module starts no server; ./index.ts constructs the pack.
 */
import { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { Rule } from "./kit/rule-metadata";
import { ambientCiliumBpfMasquerade } from "./rules/ambient-cilium-bpf-masquerade";
import { ambientCiliumHostRouting } from "./rules/ambient-cilium-host-routing";
import { ambientHboneBypassesPortRules } from "./rules/ambient-hbone-bypasses-port-rules";
import { ambientHboneEgressAllowed } from "./rules/ambient-hbone-egress-allowed";
import { ambientHbonePortAllowed } from "./rules/ambient-hbone-port-allowed";
import { ambientHealthProbesAllowed } from "./rules/ambient-health-probes-allowed";
import { ciliumCniNotExclusive } from "./rules/cilium-cni-not-exclusive";
import { clustermeshCiliumVersions } from "./rules/clustermesh-cilium-versions";
import { clustermeshClusterIdEni } from "./rules/clustermesh-cluster-id-eni";
import { clustermeshClusterIdentity } from "./rules/clustermesh-cluster-identity";
import { clustermeshGlobalServiceVsIstio } from "./rules/clustermesh-global-service-vs-istio";
import { clustermeshMaxConnectedClusters } from "./rules/clustermesh-max-connected-clusters";
import { clustermeshNativeRoutingCidr } from "./rules/clustermesh-native-routing-cidr";
import { clustermeshPeersConfigured } from "./rules/clustermesh-peers-configured";
import { clustermeshPodCidrsDisjoint } from "./rules/clustermesh-pod-cidrs-disjoint";
import { clustermeshSameDatapath } from "./rules/clustermesh-same-datapath";
import { clustermeshSharedCa } from "./rules/clustermesh-shared-ca";
import { ciliumEnableDefaultDenySupported } from "./rules/cilium-enable-default-deny-supported";
import { ciliumGatewayApiBesideIstio } from "./rules/cilium-gateway-api-beside-istio";
import { ciliumIstioL7SplitBrain } from "./rules/cilium-istio-l7-split-brain";
import { ciliumKprValueForChartVersion } from "./rules/cilium-kpr-value-for-chart-version";
import { ciliumL7PolicyUnderChaining } from "./rules/cilium-l7-policy-under-chaining";
import { ciliumL7PolicyVsIstioMtls } from "./rules/cilium-l7-policy-vs-istio-mtls";
import { ciliumSocketLbHostNamespaceOnly } from "./rules/cilium-socket-lb-host-namespace-only";
import { eksCiliumReplacesVpcCni } from "./rules/eks-cilium-replaces-vpc-cni";
import { eksNodesCiliumTaint } from "./rules/eks-nodes-cilium-taint";
import { istioChartsSameVersion } from "./rules/istio-charts-same-version";
import { istioMulticlusterClusterNames } from "./rules/istio-multicluster-cluster-names";
import { istioMulticlusterMeshId } from "./rules/istio-multicluster-mesh-id";
import { istioMulticlusterNetworkTopology } from "./rules/istio-multicluster-network-topology";
import { istioMulticlusterRootOfTrust } from "./rules/istio-multicluster-root-of-trust";
import { istioMulticlusterServiceConsistent } from "./rules/istio-multicluster-service-consistent";
import { istioCniNodeReadiness } from "./rules/istio-cni-node-readiness";
import { istioMeshMtlsNotDisabled } from "./rules/istio-mesh-mtls-not-disabled";
import { istioNamespaceEnrolmentConflict } from "./rules/istio-namespace-enrolment-conflict";
import { istiodHostNetworkOnOverlay } from "./rules/istiod-host-network-on-overlay";

/**
 * In the order the README's table lists them: Cilium × Istio first, then ambient, Istio, Cilium alone, EKS, then the
 * multi-cluster rules (ClusterMesh, Istio multi-primary, both).
 */
export const policies: (Rule<StackValidationPolicy> | Rule<ResourceValidationPolicy>)[] = [
    ciliumSocketLbHostNamespaceOnly,
    ciliumCniNotExclusive,
    ciliumL7PolicyVsIstioMtls,
    ciliumIstioL7SplitBrain,
    ciliumGatewayApiBesideIstio,
    istiodHostNetworkOnOverlay,
    istioCniNodeReadiness,
    ambientCiliumBpfMasquerade,
    ambientCiliumHostRouting,
    ambientHealthProbesAllowed,
    ambientHbonePortAllowed,
    ambientHboneBypassesPortRules,
    ambientHboneEgressAllowed,
    istioNamespaceEnrolmentConflict,
    istioMeshMtlsNotDisabled,
    ciliumKprValueForChartVersion,
    ciliumEnableDefaultDenySupported,
    ciliumL7PolicyUnderChaining,
    istioChartsSameVersion,
    eksCiliumReplacesVpcCni,
    eksNodesCiliumTaint,
    clustermeshClusterIdentity,
    clustermeshMaxConnectedClusters,
    clustermeshClusterIdEni,
    clustermeshPodCidrsDisjoint,
    clustermeshSharedCa,
    clustermeshSameDatapath,
    clustermeshNativeRoutingCidr,
    clustermeshPeersConfigured,
    clustermeshCiliumVersions,
    istioMulticlusterMeshId,
    istioMulticlusterRootOfTrust,
    istioMulticlusterClusterNames,
    istioMulticlusterNetworkTopology,
    istioMulticlusterServiceConsistent,
    clustermeshGlobalServiceVsIstio,
];
