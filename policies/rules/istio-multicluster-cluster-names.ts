/**
 * `istio-multicluster-cluster-names` (mandatory) — docs/cluster-mesh.md#istio-remote-secrets.
 *
 * istiod names its cluster with `global.multiCluster.clusterName` (its CLUSTER_ID, "Kubernetes" when unset:
 * istio-discovery templates/deployment.yaml@1.30.3), and reads another cluster's Services and endpoints through a
 * remote secret: a Secret labelled `istio/multiCluster: "true"` whose annotation `networking.istio.io/cluster` names
 * that cluster (what `istioctl create-remote-secret --name <cluster>` writes, istioctl/pkg/multicluster/
 * remote_secret.go@1.30.3). In multi-primary every cluster holds a remote secret for every other one (istio.io,
 * "Enable Endpoint Discovery"); two clusters with one name, or a secret naming the cluster itself, confuse istiod's
 * registry.
 */
import { whyNotRead } from "../model/property-reader";
import { Finding, advisory, meshRule, unchecked, violation } from "../kit/findings";
import { ISTIO_DEFAULT_CLUSTER_NAME, describeIstiod } from "../model/istio-multicluster";
import { IstioMember, MeshOfClusters } from "../model/mesh-of-clusters";
import { describeSource } from "../model/resources";

export function evaluate(mesh: MeshOfClusters): Finding[] {
    const findings: Finding[] = [];
    const meshed = mesh.istio.filter((m) => m.inMeshBecause.length > 0);
    const names = new Map<IstioMember, string>();
    const holders = new Map<string, IstioMember[]>();
    for (const entry of meshed) {
        const { clusterName } = entry.istio;
        const source = entry.istio.istiod!.helm.source;
        if (clusterName.value === undefined) {
            findings.push(unchecked(source, "`global.multiCluster.clusterName`", clusterName.detail));
            continue;
        }
        names.set(entry, clusterName.value);
        holders.set(clusterName.value, [...(holders.get(clusterName.value) ?? []), entry]);
    }
    for (const [name, entries] of holders) {
        if (entries.length > 1) {
            findings.push(
                violation(
                    entries[1].istio.istiod!.helm.source,
                    `${entries.map((e) => `${describeIstiod(e.istio)} in cluster "${e.member.name}"`).join(" and ")} share ` +
                        `the Istio cluster name "${name}"${name === ISTIO_DEFAULT_CLUSTER_NAME ? " (istiod's default: clusterName is unset)" : ""}; ` +
                        "istiod tells the clusters' endpoints apart by it. Fix: a `global.multiCluster.clusterName` unique to each cluster.",
                ),
            );
        }
    }
    if (meshed.length < 2) {
        return findings;
    }
    for (const entry of meshed) {
        const own = names.get(entry);
        const where = `cluster "${entry.member.name}"`;
        const covered = new Set<string>();
        for (const secret of entry.istio.remoteSecrets) {
            if (secret.cluster.state !== "known") {
                findings.push(
                    unchecked(secret.source, "the remote secret's cluster", whyNotRead(secret.cluster, "none named")),
                );
                continue;
            }
            covered.add(secret.cluster.value);
            if (secret.cluster.value === own) {
                findings.push(
                    violation(
                        secret.source,
                        `${describeSource(secret.source)} in ${where} is a remote secret for the cluster itself ("${own}"). ` +
                            "Fix: remote secrets for the other clusters only.",
                    ),
                );
            } else if (![...names.values()].includes(secret.cluster.value)) {
                findings.push(
                    advisory(
                        secret.source,
                        `${describeSource(secret.source)} in ${where} reads cluster "${secret.cluster.value}", which is not among the ` +
                            "clusters judged here; a cluster deployed elsewhere must carry that clusterName.",
                    ),
                );
            }
        }
        for (const [other, name] of names) {
            if (other === entry || covered.has(name)) {
                continue;
            }
            findings.push(
                violation(
                    entry.istio.istiod!.helm.source,
                    `${describeIstiod(entry.istio)} in ${where} has no remote secret for cluster "${name}"` +
                        `${name === other.member.name ? "" : ` (${other.member.name})`}, so it never sees that cluster's ` +
                        "Services and endpoints: its sidecars route to " +
                        `local endpoints only. Fix: a Secret labelled istio/multiCluster: "true", annotated networking.istio.io/cluster: ` +
                        `${name}, holding a kubeconfig for that cluster (what \`istioctl create-remote-secret --name ${name}\` writes).`,
                ),
            );
        }
    }
    return findings;
}

export const istioMulticlusterClusterNames = meshRule({
    name: "istio-multicluster-cluster-names",
    level: "mandatory",
    description:
        "Each istiod of a multicluster Istio mesh has its own clusterName and a remote secret for every other cluster.",
    trigger:
        "istiods judged together (or with remote secrets) sharing a clusterName, missing a remote secret for another's clusterName, or holding one for themselves",
    breaks: "istiod does not discover the other clusters' endpoints, or mixes them up",
    fix: "unique `global.multiCluster.clusterName`; a remote secret per other cluster",
    sources: [
        "istio/istio istioctl/pkg/multicluster/remote_secret.go@1.30.3",
        "https://istio.io/latest/docs/setup/install/multicluster/multi-primary_multi-network/",
        "docs/cluster-mesh.md#istio-remote-secrets",
    ],
    evaluate,
});
