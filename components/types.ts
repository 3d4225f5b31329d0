// The modes the components take, as enums (an `as const` object plus its value type), so that Pulumi's schema
// inference turns them into schema enums for Python, Go, .NET and YAML consumers. (A line comment, not a doc
// comment: a doc comment here would be read as part of CiliumDatapath's description in the schema.)

/** How Cilium provides pod networking on EKS. */
export const CiliumDatapath = {
    /** Cilium replaces the VPC CNI: ENI IPAM, native routing, kube-proxy replacement. */
    Eni: "eni",
    /** Brownfield: Cilium chained behind the AWS VPC CNI (`cni.chainingMode=aws-cni`). */
    Chaining: "chaining",
    /** Cilium replaces the VPC CNI with an overlay (VXLAN or Geneve tunnel) and kube-proxy replacement. */
    Overlay: "overlay",
} as const;
export type CiliumDatapath = (typeof CiliumDatapath)[keyof typeof CiliumDatapath];

/** Encapsulation for the `overlay` datapath. */
export const TunnelProtocol = {
    Vxlan: "vxlan",
    Geneve: "geneve",
} as const;
export type TunnelProtocol = (typeof TunnelProtocol)[keyof typeof TunnelProtocol];

/** Istio data plane. */
export const IstioMode = {
    /** An Envoy sidecar injected into every enrolled pod. */
    Sidecar: "sidecar",
    /** ztunnel per node (and waypoints); no sidecars. Istio 1.22 or later. */
    Ambient: "ambient",
} as const;
export type IstioMode = (typeof IstioMode)[keyof typeof IstioMode];

/** Mesh-wide PeerAuthentication mode. */
export const MtlsMode = {
    Strict: "STRICT",
    Permissive: "PERMISSIVE",
} as const;
export type MtlsMode = (typeof MtlsMode)[keyof typeof MtlsMode];

/** Stage of the Cilium policy on the demo's blue httpbin. */
export const DemoStage = {
    /** No Cilium policy. */
    Open: "open",
    /** L4: red and blue admitted on TCP 80 (and 15008 in ambient mode). */
    L4: "l4",
    /** L4 plus an HTTP rule admitting only GET /ip. */
    L7: "l7",
} as const;
export type DemoStage = (typeof DemoStage)[keyof typeof DemoStage];
