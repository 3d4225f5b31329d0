/**
 * Every rule of `cilium-istio-guard`, one per file under ./rules, each describing itself (kit/rule-metadata.ts; the
 * README's rule table is generated from that). Importing this module starts no server; ./index.ts constructs the pack.
 */
import { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { Rule } from "./kit/rule-metadata";
import { ambientCiliumBpfMasquerade } from "./rules/ambient-cilium-bpf-masquerade";
import { ambientCiliumHostRouting } from "./rules/ambient-cilium-host-routing";
import { ambientHbonePortAllowed } from "./rules/ambient-hbone-port-allowed";
import { ambientHealthProbesAllowed } from "./rules/ambient-health-probes-allowed";
import { ciliumCniNotExclusive } from "./rules/cilium-cni-not-exclusive";
import { ciliumKprValueForChartVersion } from "./rules/cilium-kpr-value-for-chart-version";
import { ciliumL7PolicyVsIstioMtls } from "./rules/cilium-l7-policy-vs-istio-mtls";
import { ciliumSocketLbHostNamespaceOnly } from "./rules/cilium-socket-lb-host-namespace-only";
import { eksCiliumReplacesVpcCni } from "./rules/eks-cilium-replaces-vpc-cni";
import { eksNodesCiliumTaint } from "./rules/eks-nodes-cilium-taint";
import { istioChartsSameVersion } from "./rules/istio-charts-same-version";
import { istioMeshMtlsNotDisabled } from "./rules/istio-mesh-mtls-not-disabled";
import { istioNamespaceEnrolmentConflict } from "./rules/istio-namespace-enrolment-conflict";
import { istiodHostNetworkOnOverlay } from "./rules/istiod-host-network-on-overlay";

/** In the order the README's table lists them: Cilium × Istio first, then ambient, Istio, Cilium alone, EKS. */
export const policies: (Rule<StackValidationPolicy> | Rule<ResourceValidationPolicy>)[] = [
    ciliumSocketLbHostNamespaceOnly,
    ciliumCniNotExclusive,
    ciliumL7PolicyVsIstioMtls,
    istiodHostNetworkOnOverlay,
    ambientCiliumBpfMasquerade,
    ambientCiliumHostRouting,
    ambientHealthProbesAllowed,
    ambientHbonePortAllowed,
    istioNamespaceEnrolmentConflict,
    istioMeshMtlsNotDisabled,
    ciliumKprValueForChartVersion,
    istioChartsSameVersion,
    eksCiliumReplacesVpcCni,
    eksNodesCiliumTaint,
];
