/**
 * What an EKS stack installs next to Cilium: the VPC CNI and kube-proxy (as self-managed add-ons bootstrapped with the
 * cluster, or as EKS managed add-ons) and node groups with their taints.
 *
 * Sources (docs/pulumi-facts.md#eks-cluster-args, #eks-node-taints; docs/cilium-istio-facts.md#eks):
 *  - `aws:eks/cluster:Cluster.bootstrapSelfManagedAddons` (default true) installs vpc-cni, kube-proxy and CoreDNS
 *    unmanaged; @pulumi/eks v4 `eks:index:Cluster` passes it through.
 *  - `eks:index:Cluster` creates an `eks:index:VpcCniAddon` unless `useDefaultVpcCni: true` (or autoMode), and an
 *    `aws:eks/addon:Addon` "kube-proxy" unless `kubeProxyAddonOptions.enabled: false` (or autoMode).
 *  - Its default self-managed node group exists unless `skipDefaultNodeGroup`, `fargate` or autoMode; its taints are
 *    `nodeGroupOptions.taints` (a map key -> {value, effect}); managed node groups take a list of {key, value, effect}.
 *  - Karpenter NodePools (`karpenter.sh/v1` NodePool) give their nodes `spec.template.spec.taints` and
 *    `spec.template.spec.startupTaints` (taints a component lifts once it is ready); they have no size.
 *  - The Cilium EKS docs neutralise an installed aws-node by giving it the nodeSelector
 *    `io.cilium/aws-node-enabled: "true"` (docs/failure-modes.md#f9), which a DaemonSetPatch of kube-system/aws-node
 *    can do.
 * Under the SDK's mock runtime only `eks:index:Cluster`'s inputs are visible (its children are created by the
 * provider), so both the component's inputs and the children are read.
 */
import {
    ABSENT,
    Read,
    guarded,
    keysOf,
    known,
    readArray,
    readBoolean,
    readObject,
    readPath,
    readString,
    unreadable,
} from "./property-reader";
import {
    AWS_EKS_ADDON,
    AWS_EKS_CLUSTER,
    AWS_EKS_NODE_GROUP,
    EKS_ADDON,
    EKS_CLUSTER,
    EKS_MANAGED_NODE_GROUP,
    EKS_NODE_GROUP,
    EKS_NODE_GROUP_V2,
    EKS_VPC_CNI_ADDON,
    SourceRef,
    StackResource,
    isKubernetes,
    sourceOf,
} from "./resources";

/** Something that puts a VPC CNI or kube-proxy on the nodes, and why the pack thinks so. */
export interface AddonInstall {
    readonly source: SourceRef;
    /** Known true/false, or unreadable when the deciding input is unknown. */
    readonly installed: Read<boolean>;
    /** The input that decides, e.g. "bootstrapSelfManagedAddons is not false (default true)". */
    readonly detail: string;
}

export interface NodeGroupInfo {
    readonly source: SourceRef;
    /** "default node group of eks:index:Cluster", the node group's own name, or "Karpenter NodePool <name>". */
    readonly label: string;
    readonly taintKeys: Read<readonly string[]>;
    /** The most nodes it runs; absent for a Karpenter NodePool, which is bounded by its limits, not a size. */
    readonly maxSize: Read<number>;
}

export interface EksInfo {
    /** Resources that show the stack targets EKS. */
    readonly clusters: readonly SourceRef[];
    readonly vpcCni: readonly AddonInstall[];
    readonly kubeProxy: readonly AddonInstall[];
    readonly nodeGroups: readonly NodeGroupInfo[];
    /** The DaemonSetPatch that keeps aws-node off Cilium's nodes, if any. */
    readonly awsNodeDisabledBy?: SourceRef;
}

function notFalse(read: Read<boolean>, input: string, source: SourceRef, installs: string): AddonInstall {
    if (read.state === "unreadable") {
        return { source, installed: read, detail: `${input}: ${read.path} ${read.reason}` };
    }
    const installed = !(read.state === "known" && read.value === false);
    return {
        source,
        installed: known(installed),
        detail: installed
            ? `${input} is ${read.state === "known" ? "true" : "not set (default true)"}, which installs ${installs}`
            : `${input} is false`,
    };
}

function autoModeEnabled(props: unknown): boolean {
    const auto = readBoolean(props, ["autoMode", "enabled"]);
    return auto.state === "known" && auto.value;
}

export function readEks(resources: readonly StackResource[]): EksInfo {
    const clusters: SourceRef[] = [];
    const vpcCni: AddonInstall[] = [];
    const kubeProxy: AddonInstall[] = [];
    const nodeGroups: NodeGroupInfo[] = [];
    let awsNodeDisabledBy: SourceRef | undefined;

    for (const resource of resources) {
        const source = sourceOf(resource);
        const props = guarded(resource.props);
        switch (resource.type) {
            case EKS_CLUSTER: {
                clusters.push(source);
                if (autoModeEnabled(props)) {
                    break;
                }
                const bootstrap = readBoolean(props, ["bootstrapSelfManagedAddons"]);
                vpcCni.push(
                    notFalse(bootstrap, "bootstrapSelfManagedAddons", source, "the self-managed VPC CNI (aws-node)"),
                );
                kubeProxy.push(notFalse(bootstrap, "bootstrapSelfManagedAddons", source, "self-managed kube-proxy"));
                const useDefault = readBoolean(props, ["useDefaultVpcCni"]);
                vpcCni.push(
                    useDefault.state === "unreadable"
                        ? {
                              source,
                              installed: useDefault,
                              detail: `useDefaultVpcCni: ${useDefault.path} ${useDefault.reason}`,
                          }
                        : {
                              source,
                              installed: known(!(useDefault.state === "known" && useDefault.value)),
                              detail:
                                  useDefault.state === "known" && useDefault.value
                                      ? "useDefaultVpcCni is true"
                                      : "useDefaultVpcCni is not true, so @pulumi/eks creates its VpcCniAddon (the vpc-cni add-on)",
                          },
                );
                kubeProxy.push(
                    notFalse(
                        readBoolean(props, ["kubeProxyAddonOptions", "enabled"]),
                        "kubeProxyAddonOptions.enabled",
                        source,
                        "the kube-proxy EKS add-on",
                    ),
                );
                const defaultGroup = defaultNodeGroup(props, source);
                if (defaultGroup) {
                    nodeGroups.push(defaultGroup);
                }
                break;
            }
            case AWS_EKS_CLUSTER: {
                clusters.push(source);
                const bootstrap = readBoolean(props, ["bootstrapSelfManagedAddons"]);
                vpcCni.push(
                    notFalse(bootstrap, "bootstrapSelfManagedAddons", source, "the self-managed VPC CNI (aws-node)"),
                );
                kubeProxy.push(notFalse(bootstrap, "bootstrapSelfManagedAddons", source, "self-managed kube-proxy"));
                break;
            }
            case AWS_EKS_ADDON:
            case EKS_ADDON: {
                const name = readString(props, ["addonName"]);
                const addon: AddonInstall =
                    name.state === "unreadable"
                        ? { source, installed: name, detail: `addonName ${name.reason}` }
                        : {
                              source,
                              installed: known(true),
                              detail: `EKS add-on ${name.state === "known" ? name.value : "(unnamed)"}`,
                          };
                if (name.state === "unreadable" || (name.state === "known" && name.value === "vpc-cni")) {
                    vpcCni.push(addon);
                }
                if (name.state === "unreadable" || (name.state === "known" && name.value === "kube-proxy")) {
                    kubeProxy.push(addon);
                }
                break;
            }
            case EKS_VPC_CNI_ADDON:
                vpcCni.push({ source, installed: known(true), detail: "the vpc-cni add-on" });
                break;
            case AWS_EKS_NODE_GROUP:
            case EKS_MANAGED_NODE_GROUP:
                nodeGroups.push({
                    source,
                    label: resource.name,
                    taintKeys: taintKeysFromList(props, ["taints"]),
                    maxSize: readNumber(props, ["scalingConfig", "maxSize"]),
                });
                break;
            case EKS_NODE_GROUP:
            case EKS_NODE_GROUP_V2:
                nodeGroups.push({
                    source,
                    label: resource.name,
                    taintKeys: taintKeysFromMap(props, ["taints"]),
                    maxSize: readNumber(props, ["maxSize"]),
                });
                break;
            default:
                if (disablesAwsNode(resource.type, props)) {
                    awsNodeDisabledBy = source;
                } else if (isKarpenterNodePool(resource.type)) {
                    nodeGroups.push(karpenterNodePool(resource, props, source));
                }
        }
    }
    return { clusters, vpcCni, kubeProxy, nodeGroups, awsNodeDisabledBy };
}

function defaultNodeGroup(props: unknown, source: SourceRef): NodeGroupInfo | undefined {
    const skip = readBoolean(props, ["skipDefaultNodeGroup"]);
    const fargate = readPath(props, ["fargate"]);
    if ((skip.state === "known" && skip.value) || (fargate.state === "known" && fargate.value !== false)) {
        return undefined;
    }
    return {
        source,
        label: `default node group of ${source.name}`,
        taintKeys: taintKeysFromMap(props, ["nodeGroupOptions", "taints"]),
        maxSize: readNumber(props, ["nodeGroupOptions", "maxSize"]),
    };
}

function isKarpenterNodePool(type: string): boolean {
    return isKubernetes(type, "karpenter.sh", "NodePool");
}

/** A Karpenter NodePool's taints: the ones its nodes keep and the startup taints a component lifts. */
function karpenterNodePool(resource: StackResource, props: unknown, source: SourceRef): NodeGroupInfo {
    const name = readString(props, ["metadata", "name"]);
    const kept = taintKeysFromList(props, ["spec", "template", "spec", "taints"]);
    const startup = taintKeysFromList(props, ["spec", "template", "spec", "startupTaints"]);
    const unreadableList = [kept, startup].find((read) => read.state !== "known");
    return {
        source,
        label: `Karpenter NodePool ${name.state === "known" ? name.value : resource.name}`,
        taintKeys:
            unreadableList ??
            known([...(kept.state === "known" ? kept.value : []), ...(startup.state === "known" ? startup.value : [])]),
        maxSize: ABSENT,
    };
}

function readNumber(props: unknown, path: string[]): Read<number> {
    const read = readPath(props, path);
    if (read.state !== "known") {
        return read;
    }
    return typeof read.value === "number" ? known(read.value) : unreadable(path.join("."), "is not a number");
}

function taintKeysFromList(props: unknown, path: string[]): Read<readonly string[]> {
    const list = readArray(props, path);
    if (list.state !== "known") {
        return list.state === "absent" ? known([]) : list;
    }
    const keys: string[] = [];
    for (let i = 0; i < list.value.length; i++) {
        const key = readString(list.value, [i, "key"]);
        if (key.state === "unreadable") {
            return key;
        }
        if (key.state === "known") {
            keys.push(key.value);
        }
    }
    return known(keys);
}

function taintKeysFromMap(props: unknown, path: string[]): Read<readonly string[]> {
    const map = readObject(props, path);
    if (map.state !== "known") {
        return map.state === "absent" ? known([]) : map;
    }
    return known(keysOf(map.value));
}

/** A DaemonSetPatch of kube-system/aws-node whose nodeSelector is `io.cilium/aws-node-enabled: "true"` (Cilium EKS docs). */
function disablesAwsNode(type: string, props: unknown): boolean {
    if (!isKubernetes(type, "apps", "DaemonSetPatch")) {
        return false;
    }
    const name = readString(props, ["metadata", "name"]);
    const selector = readString(props, ["spec", "template", "spec", "nodeSelector", "io.cilium/aws-node-enabled"]);
    return (
        name.state === "known" && name.value === "aws-node" && selector.state === "known" && selector.value === "true"
    );
}

export function describeTaintKeys(keys: readonly string[]): string {
    return keys.length === 0 ? "no taints" : `taints ${keys.join(", ")}`;
}
