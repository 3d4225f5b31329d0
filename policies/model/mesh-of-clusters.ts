/**
 * A mesh of clusters: the clusters one judged set of resources holds (clusters.ts), each with its own mesh model, so
 * that every stack rule judges each cluster on its own and the multi-cluster rules compare them. A single-cluster stack
 * is a mesh of one whose model is the stack's model (mesh-model.ts `meshModelFor`, shared with the connectivity
 * predictor as before).
 *
 * A cluster's name, for messages and for probes (`<cluster>:<namespace>/<workload>`): Cilium's `cluster.name` when the
 * cluster sets one (not the chart's "default"), else Istio's `global.multiCluster.clusterName`, else its provider's or
 * stack's name; names that clash get the latter appended.
 */
import { CiliumInstall } from "./cilium-settings";
import { CiliumMeshSettings, ciliumMeshSettings, joinsClusterMesh } from "./clustermesh";
import { partitionByCluster } from "./clusters";
import { IstioMulticluster, joinsIstioMulticluster, readIstioMulticluster } from "./istio-multicluster";
import { helmValue } from "./helm-sources";
import { MeshModel, buildMeshModel, meshModelFor, stackFingerprint } from "./mesh-model";
import { StackResource } from "./resources";

export interface ClusterMember {
    readonly key: string;
    /** The cluster's name (module comment). */
    readonly name: string;
    /** Where the name comes from, for messages: "Cilium's cluster.name", "Istio's clusterName", "provider a-k8s". */
    readonly nameFrom: string;
    readonly resources: readonly StackResource[];
    readonly model: MeshModel;
}

/** A Cilium install of a member, with its ClusterMesh settings (clustermesh.ts). */
export interface CiliumMember {
    readonly member: ClusterMember;
    readonly install: CiliumInstall;
    readonly mesh: CiliumMeshSettings;
    /**
     * Why the install is in a ClusterMesh: its own settings (API server, peers), or other clusters running Cilium
     * being judged with it; empty when it is not.
     */
    readonly inMeshBecause: readonly string[];
}

/** A member running istiod, with its multicluster settings (istio-multicluster.ts). */
export interface IstioMember {
    readonly member: ClusterMember;
    readonly istio: IstioMulticluster;
    /** Why its Istio is in a multicluster mesh; empty when it is not. */
    readonly inMeshBecause: readonly string[];
}

export interface MeshOfClusters {
    /** At least one member for a non-empty stack. */
    readonly members: readonly ClusterMember[];
    /** Resources no single cluster claims (clusters.ts). */
    readonly shared: readonly StackResource[];
    member(name: string): ClusterMember | undefined;
    /** Every Cilium install of every member (read on first use). */
    readonly cilium: readonly CiliumMember[];
    /** Every member that runs istiod (read on first use). */
    readonly istio: readonly IstioMember[];
}

/** The name a cluster's own installs give it (module comment), or undefined. */
function ownName(model: MeshModel): { name: string; from: string } | undefined {
    for (const install of model.cilium) {
        const name = install.settings.clusterName;
        if (name.origin === "set" && name.value !== undefined && name.value !== "" && name.value !== "default") {
            return { name: name.value, from: `Cilium's cluster.name on ${install.source.name}` };
        }
    }
    for (const chart of model.istio.charts) {
        if (chart.chart !== "istiod") {
            continue;
        }
        const name = helmValue(chart.helm, "global.multiCluster.clusterName");
        if (name.state === "known" && typeof name.value === "string" && name.value !== "") {
            return { name: name.value, from: `Istio's global.multiCluster.clusterName on ${chart.helm.source.name}` };
        }
    }
    return undefined;
}

/** `fingerprint`: the stack's, when known, so that a single cluster's model is the cached stack model. */
export function buildMeshOfClusters(
    resources: readonly StackResource[],
    fingerprint: string | undefined = stackFingerprint(resources),
): MeshOfClusters {
    const { clusters, shared } = partitionByCluster(resources);
    const single = clusters.length === 1;
    const drafts = clusters.map((cluster) => {
        const model = single ? meshModelFor(resources, fingerprint) : buildMeshModel(cluster.resources);
        const own = ownName(model);
        return {
            key: cluster.key,
            name: own?.name ?? cluster.label,
            nameFrom: own?.from ?? `the Kubernetes provider or stack ${cluster.label}`,
            label: cluster.label,
            resources: cluster.resources,
            model,
        };
    });
    const members: ClusterMember[] = drafts.map(({ label, ...draft }) => {
        const clash = drafts.filter((d) => d.name === draft.name).length > 1;
        return clash ? { ...draft, name: `${draft.name} (${label})` } : draft;
    });
    const byName = new Map(members.map((m) => [m.name, m]));
    let cilium: CiliumMember[] | undefined;
    let istio: IstioMember[] | undefined;
    return {
        members,
        shared,
        member: (name) => byName.get(name),
        get cilium() {
            return (cilium ??= ciliumMembers(members));
        },
        get istio() {
            return (istio ??= istioMembers(members));
        },
    };
}

function ciliumMembers(members: readonly ClusterMember[]): CiliumMember[] {
    const withCilium = members.filter((m) => m.model.cilium.length > 0);
    return withCilium.flatMap((member) =>
        member.model.cilium.map((install) => {
            const mesh = ciliumMeshSettings(install);
            const others = withCilium.filter((m) => m !== member).map((m) => m.name);
            return {
                member,
                install,
                mesh,
                inMeshBecause: [
                    ...(joinsClusterMesh(mesh) ? ["its ClusterMesh API server or peers are configured"] : []),
                    ...(others.length > 0
                        ? [`it is judged with Cilium in ${others.map((o) => `"${o}"`).join(", ")}`]
                        : []),
                ],
            };
        }),
    );
}

function istioMembers(members: readonly ClusterMember[]): IstioMember[] {
    const withIstiod = members
        .map((member) => ({ member, istio: readIstioMulticluster(member.resources, member.model) }))
        .filter((m) => m.istio.istiod !== undefined);
    return withIstiod.map(({ member, istio }) => {
        const others = withIstiod.filter((m) => m.member !== member).map((m) => m.member.name);
        return {
            member,
            istio,
            inMeshBecause: [
                ...(joinsIstioMulticluster(istio) ? ["it has remote secrets or an east-west gateway"] : []),
                ...(others.length > 0 ? [`it is judged with istiod in ${others.map((o) => `"${o}"`).join(", ")}`] : []),
            ],
        };
    });
}

// One mesh of clusters per judged set, cached as mesh-model.ts caches its model: by array, then by content.
const byArray = new WeakMap<readonly StackResource[], MeshOfClusters>();
let last: { fingerprint: string; mesh: MeshOfClusters } | undefined;

export function meshOfClustersFor(resources: readonly StackResource[]): MeshOfClusters {
    const cached = byArray.get(resources);
    if (cached) {
        return cached;
    }
    const key = stackFingerprint(resources);
    const mesh = key !== undefined && last?.fingerprint === key ? last.mesh : buildMeshOfClusters(resources, key);
    byArray.set(resources, mesh);
    if (key !== undefined) {
        last = { fingerprint: key, mesh };
    }
    return mesh;
}

/**
 * Whether Cilium's ClusterMesh joins two clusters: each lists the other, by the `cluster.name` it gives Cilium, as a
 * peer. Their pods then reach each other by pod address, natively or through Cilium's tunnel (docs/cluster-mesh.md#datapath).
 */
export function clusterMeshConnects(mesh: MeshOfClusters, a: ClusterMember, b: ClusterMember): boolean {
    const lists = (from: ClusterMember, to: ClusterMember) =>
        mesh.cilium.some(
            (entry) =>
                entry.member === from &&
                entry.mesh.peers.state === "known" &&
                mesh.cilium.some(
                    (target) =>
                        target.member === to &&
                        target.install.settings.clusterName.value !== undefined &&
                        entry.mesh.peers.state === "known" &&
                        entry.mesh.peers.value.some((p) => p.name === target.install.settings.clusterName.value),
                ),
        );
    return lists(a, b) && lists(b, a);
}
