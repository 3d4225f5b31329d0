/**
 * The package's public API (`import { Cluster, CiliumRelease, IstioRelease, NamespaceDemo } from "eks-cilium-istio"`):
 * the four components with their Args, the mode enums, and the error every bad input raises.
 */
export * from "./Cluster";
export * from "./CiliumRelease";
export * from "./IstioRelease";
export * from "./NamespaceDemo";
export type { DemoCheck } from "./demo-objects";
export * from "./types";
export { InputError } from "./validation";
