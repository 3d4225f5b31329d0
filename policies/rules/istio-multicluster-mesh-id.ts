/**
 * `istio-multicluster-mesh-id` (mandatory) — docs/cluster-mesh.md#istio-multi-primary.
 *
 * "Within a multicluster mesh, each cluster must be (manually or auto) configured to have the same Mesh ID value"
 * (istio-discovery values.yaml `global.meshID`, istio/istio manifests/charts/istio-control/istio-discovery@1.30.3);
 * unset, the mesh ID is the trust domain. Istio's multi-primary installs give every cluster `global.meshID=mesh1`
 * (istio.io, "Install Multi-Primary on different networks").
 */
import { Finding, meshRule, unchecked, violation } from "../kit/findings";
import { describeIstiod } from "../model/istio-multicluster";
import { MeshOfClusters } from "../model/mesh-of-clusters";

export function evaluate(mesh: MeshOfClusters): Finding[] {
    const findings: Finding[] = [];
    const meshed = mesh.istio.filter((m) => m.inMeshBecause.length > 0);
    const ids = new Map<string, string[]>();
    for (const entry of meshed) {
        const { meshId } = entry.istio;
        if (meshId.value === undefined) {
            findings.push(unchecked(entry.istio.istiod!.helm.source, "`global.meshID`", meshId.detail));
            continue;
        }
        ids.set(meshId.value, [
            ...(ids.get(meshId.value) ?? []),
            `${describeIstiod(entry.istio)} in cluster "${entry.member.name}" (${meshId.detail})`,
        ]);
    }
    if (ids.size > 1) {
        findings.push(
            violation(
                meshed[meshed.length - 1].istio.istiod!.helm.source,
                `The clusters of the Istio mesh have different mesh IDs: ${[...ids]
                    .map(([id, where]) => `"${id}" for ${where.join(", ")}`)
                    .join("; ")}. Every cluster of one multicluster mesh must have the same mesh ID. ` +
                    "Fix: the same `global.meshID` on every istiod.",
            ),
        );
    }
    return findings;
}

export const istioMulticlusterMeshId = meshRule({
    name: "istio-multicluster-mesh-id",
    level: "mandatory",
    description: "Every istiod of a multicluster Istio mesh has the same global.meshID.",
    trigger: "istiods judged together (or with remote secrets) whose `global.meshID` (unset: the trust domain) differ",
    breaks: "the clusters do not form one mesh: telemetry and identity assume one mesh ID",
    fix: "the same `global.meshID` on every istiod",
    sources: [
        "istio/istio manifests/charts/istio-control/istio-discovery/values.yaml@1.30.3",
        "https://istio.io/latest/docs/setup/install/multicluster/multi-primary_multi-network/",
        "docs/cluster-mesh.md#istio-multi-primary",
    ],
    evaluate,
});
