/**
 * Istio's root namespace, where a PeerAuthentication without selector applies mesh-wide (istio.io reference
 * "PeerAuthentication"). Read from the stack's istiod chart (istio-install.ts); a stack that does not install istiod
 * can name it through the rule's `rootNamespace` option.
 */
import { PolicyConfigSchema } from "@pulumi/policy";
import { MeshModel } from "../model/mesh-model";

export interface RootNamespaceConfig {
    rootNamespace?: string;
}

export const ROOT_NAMESPACE_SCHEMA: PolicyConfigSchema = {
    properties: {
        rootNamespace: {
            type: "string",
            description:
                "Istio's root namespace (meshConfig.rootNamespace). Default: read from the stack's istiod chart, else istio-system.",
        },
    },
};

export function rootNamespaceOf(model: MeshModel, config: RootNamespaceConfig): { name: string; detail: string } {
    return config.rootNamespace
        ? { name: config.rootNamespace, detail: "the rule's rootNamespace option" }
        : { name: model.istio.rootNamespace, detail: model.istio.rootNamespaceDetail };
}
