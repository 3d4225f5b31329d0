/**
 * Istio multi-primary as one cluster's install configures it (docs/cluster-mesh.md#istio-multi-primary):
 *  - istiod's `global.meshID` (unset: the trust domain, `meshConfig.trustDomain`, default cluster.local),
 *    `global.multiCluster.clusterName` (unset: "Kubernetes", the chart's CLUSTER_ID default) and `global.network`;
 *  - the `topology.istio.io/network` label on the Istio namespace;
 *  - the plug-in CA: Secret `cacerts` in the Istio namespace (`root-cert.pem`, `ca-cert.pem`, `cert-chain.pem`,
 *    `ca-key.pem`); without it istiod signs with a self-signed root of its own;
 *  - remote secrets, as `istioctl create-remote-secret` writes them: Secrets labelled `istio/multiCluster: "true"`,
 *    naming the remote cluster in the annotation `networking.istio.io/cluster` (else their data key);
 *  - east-west gateways: the `gateway` chart with `networkGateway`, and a Gateway exposing port 15443 with TLS mode
 *    AUTO_PASSTHROUGH (samples/multicluster/expose-services.yaml).
 * Pure: a cluster's resources and mesh model in, settings out.
 */
import {
    CACERTS_KEYS,
    CACERTS_SECRET,
    CROSS_NETWORK_PORT,
    MULTICLUSTER_SECRET_LABEL,
    NETWORK_LABEL,
    REMOTE_CLUSTER_ANNOTATION,
} from "./cluster-mesh-facts";
import { helmValue } from "./helm-sources";
import { IstioChart } from "./istio-install";
import { MeshModel } from "./mesh-model";
import {
    Read,
    guarded,
    keysOf,
    known,
    labelValue,
    readArray,
    readObject,
    readPath,
    readString,
    unreadable,
} from "./property-reader";
import { SourceRef, StackResource, describeSource, isKubernetes, sourceOf } from "./resources";

/** A setting with where it came from, for messages. */
export interface IstioSetting {
    /** Undefined when it could not be read. */
    readonly value: string | undefined;
    readonly detail: string;
}

export interface PluggedCa {
    readonly source: SourceRef;
    readonly rootCert: Read<string>;
    readonly caCert: Read<string>;
}

export interface RemoteSecret {
    readonly source: SourceRef;
    /** The remote cluster's name (annotation `networking.istio.io/cluster`, else the data key). */
    readonly cluster: Read<string>;
}

export interface EastWestGateway {
    readonly source: SourceRef;
    /** `networkGateway`: the network the gateway serves. */
    readonly network: string;
}

export interface IstioMulticluster {
    readonly istiod: IstioChart | undefined;
    readonly meshId: IstioSetting;
    readonly clusterName: IstioSetting;
    /** `global.network`; "" when unset (one implicit network). */
    readonly network: IstioSetting;
    /** The Istio namespace's `topology.istio.io/network` label; absent when the namespace has none. */
    readonly namespaceNetwork: Read<string>;
    readonly namespaceName: string;
    readonly pluggedCa: readonly PluggedCa[];
    readonly remoteSecrets: readonly RemoteSecret[];
    readonly eastWestGateways: readonly EastWestGateway[];
    /** Gateways exposing the mesh's services on port 15443 (AUTO_PASSTHROUGH). */
    readonly crossNetworkGateways: readonly SourceRef[];
}

/** Istio's CLUSTER_ID when clusterName is unset (istio-discovery templates/deployment.yaml@1.30.3). */
export const ISTIO_DEFAULT_CLUSTER_NAME = "Kubernetes";

function istiodSetting(istiod: IstioChart | undefined, path: string): Read<unknown> {
    return istiod ? helmValue(istiod.helm, path) : { state: "absent" };
}

function asSetting(read: Read<unknown>, fallback: string, fallbackDetail: string): IstioSetting {
    if (read.state === "unreadable") {
        return { value: undefined, detail: `${read.path} ${read.reason}` };
    }
    if (read.state === "known" && typeof read.value === "string" && read.value !== "") {
        return { value: read.value, detail: `set to "${read.value}"` };
    }
    if (read.state === "known" && typeof read.value !== "string" && read.value !== null) {
        return { value: undefined, detail: `is ${JSON.stringify(read.value)}, not a string` };
    }
    return { value: fallback, detail: fallbackDetail };
}

/** A Secret's value by key: `stringData` as written, else `data` base64-decoded. */
function secretValue(props: unknown, key: string): Read<string> {
    const text = readString(props, ["stringData", key]);
    if (text.state !== "absent") {
        return text;
    }
    const encoded = readString(props, ["data", key]);
    return encoded.state === "known" ? known(Buffer.from(encoded.value, "base64").toString("utf8")) : encoded;
}

function isSecretNamed(resource: StackResource, namespace: string, name: string): boolean {
    if (!isKubernetes(resource.type, "core", "Secret")) {
        return false;
    }
    const props = guarded(resource.props);
    const secretName = readString(props, ["metadata", "name"]);
    const secretNamespace = readString(props, ["metadata", "namespace"]);
    return (
        secretName.state === "known" &&
        secretName.value === name &&
        (secretNamespace.state !== "known" || secretNamespace.value === namespace)
    );
}

function remoteSecretOf(resource: StackResource): RemoteSecret | undefined {
    if (!isKubernetes(resource.type, "core", "Secret")) {
        return undefined;
    }
    const props = guarded(resource.props);
    const label = readString(props, ["metadata", "labels", MULTICLUSTER_SECRET_LABEL]);
    if (label.state !== "known" || label.value !== "true") {
        return undefined;
    }
    const annotation = readString(props, ["metadata", "annotations", REMOTE_CLUSTER_ANNOTATION]);
    if (annotation.state !== "absent") {
        return { source: sourceOf(resource), cluster: annotation };
    }
    for (const field of ["stringData", "data"]) {
        const data = readObject(props, [field]);
        if (data.state === "unreadable") {
            return { source: sourceOf(resource), cluster: data };
        }
        if (data.state === "known" && keysOf(data.value).length > 0) {
            return { source: sourceOf(resource), cluster: known(keysOf(data.value)[0]) };
        }
    }
    return {
        source: sourceOf(resource),
        cluster: unreadable("metadata", `names no cluster (no ${REMOTE_CLUSTER_ANNOTATION} annotation, no data)`),
    };
}

/** A Gateway (networking.istio.io) with a port-15443 AUTO_PASSTHROUGH server. */
function isCrossNetworkGateway(resource: StackResource): boolean {
    if (!isKubernetes(resource.type, "networking.istio.io", "Gateway")) {
        return false;
    }
    const servers = readArray(guarded(resource.props), ["spec", "servers"]);
    if (servers.state !== "known") {
        return false;
    }
    return servers.value.some((_, i) => {
        const port = readPath(servers.value, [i, "port", "number"]);
        const mode = readString(servers.value, [i, "tls", "mode"]);
        return port.state === "known" && port.value === CROSS_NETWORK_PORT && mode.state === "known"
            ? mode.value === "AUTO_PASSTHROUGH"
            : false;
    });
}

export function readIstioMulticluster(resources: readonly StackResource[], model: MeshModel): IstioMulticluster {
    const istiod = model.istio.charts.find((c) => c.chart === "istiod");
    const trustDomain = istiodSetting(istiod, "meshConfig.trustDomain");
    const domain =
        trustDomain.state === "known" && typeof trustDomain.value === "string" ? trustDomain.value : "cluster.local";
    const namespaceName = model.istio.rootNamespace;
    const namespace = model.namespaces.get(namespaceName);
    const pluggedCa: PluggedCa[] = [];
    const remoteSecrets: RemoteSecret[] = [];
    const crossNetworkGateways: SourceRef[] = [];
    for (const resource of resources) {
        if (isSecretNamed(resource, namespaceName, CACERTS_SECRET)) {
            const props = guarded(resource.props);
            pluggedCa.push({
                source: sourceOf(resource),
                rootCert: secretValue(props, CACERTS_KEYS.rootCert),
                caCert: secretValue(props, CACERTS_KEYS.caCert),
            });
            continue;
        }
        const remote = remoteSecretOf(resource);
        if (remote) {
            remoteSecrets.push(remote);
        } else if (isCrossNetworkGateway(resource)) {
            crossNetworkGateways.push(sourceOf(resource));
        }
    }
    const eastWestGateways: EastWestGateway[] = [];
    for (const chart of model.istio.charts) {
        if (chart.chart !== "gateway") {
            continue;
        }
        const network = helmValue(chart.helm, "networkGateway");
        if (network.state === "known" && typeof network.value === "string" && network.value !== "") {
            eastWestGateways.push({ source: chart.helm.source, network: network.value });
        }
    }
    return {
        istiod,
        meshId: asSetting(
            istiodSetting(istiod, "global.meshID"),
            domain,
            `unset, so the trust domain "${domain}" (the chart's meshID comment)`,
        ),
        clusterName: asSetting(
            istiodSetting(istiod, "global.multiCluster.clusterName"),
            ISTIO_DEFAULT_CLUSTER_NAME,
            `unset, so istiod's default "${ISTIO_DEFAULT_CLUSTER_NAME}"`,
        ),
        network: asSetting(istiodSetting(istiod, "global.network"), "", "unset (no network name)"),
        namespaceNetwork: namespace ? labelValue(namespace.labels, NETWORK_LABEL) : { state: "absent" },
        namespaceName,
        pluggedCa,
        remoteSecrets,
        eastWestGateways,
        crossNetworkGateways,
    };
}

/** Whether the cluster's Istio takes part in a multicluster mesh of its own accord (remote secrets, a network). */
export function joinsIstioMulticluster(info: IstioMulticluster): boolean {
    return info.istiod !== undefined && (info.remoteSecrets.length > 0 || info.eastWestGateways.length > 0);
}

export function describeIstiod(info: IstioMulticluster): string {
    return info.istiod ? describeSource(info.istiod.helm.source) : "istiod";
}
