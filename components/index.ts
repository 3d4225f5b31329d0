/**
 * The package's public API (`import { Cluster, CiliumRelease, IstioRelease, NamespaceDemo, ClusterMesh } from "eks-cilium-istio"`):
 * the five components with their Args, the mode enums, and the error every bad input raises.
 */
export * from "./Cluster";
export * from "./CiliumRelease";
export * from "./IstioRelease";
export * from "./NamespaceDemo";
export * from "./ClusterMesh";
export type { DemoCheck } from "./demo-objects";
export * from "./types";
export { InputError } from "./validation";
