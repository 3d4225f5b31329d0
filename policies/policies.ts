/**
 * Every rule of `cilium-istio-guard`, one per file under ./rules (names, levels and evidence: ./README.md).
 * Importing this module starts no server.
 */
import { Policies } from "@pulumi/policy";
import { ciliumSocketLbHostNamespaceOnly } from "./rules/cilium-socket-lb-host-namespace-only";

export const policies: Policies = [
    ciliumSocketLbHostNamespaceOnly,
];
