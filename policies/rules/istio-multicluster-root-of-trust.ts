/**
 * `istio-multicluster-root-of-trust` (mandatory) — docs/cluster-mesh.md#istio-root-of-trust.
 *
 * "By default the Istio CA generates a self-signed root certificate" (istio.io, "Plug in CA Certificates"); across
 * clusters, workloads only trust each other's certificates when every cluster's istiod signs with an intermediate of
 * one common root, plugged in as the Secret `cacerts` (`root-cert.pem`, `ca-cert.pem`, `ca-key.pem`,
 * `cert-chain.pem`) in the Istio namespace before istiod starts. Root certificates are compared, never printed:
 * messages name a SHA-256 prefix of each.
 */
import { whyNotRead } from "../model/property-reader";
import * as crypto from "crypto";
import { Finding, meshRule, unchecked, violation } from "../kit/findings";
import { describeIstiod } from "../model/istio-multicluster";
import { IstioMember, MeshOfClusters } from "../model/mesh-of-clusters";

function fingerprint(pem: string): string {
    return crypto.createHash("sha256").update(pem.replace(/\s+/g, "")).digest("hex").slice(0, 16);
}

export function evaluate(mesh: MeshOfClusters): Finding[] {
    const findings: Finding[] = [];
    const meshed = mesh.istio.filter((m) => m.inMeshBecause.length > 0);
    if (meshed.length < 2) {
        return findings;
    }
    const roots = new Map<string, IstioMember[]>();
    for (const entry of meshed) {
        const source = entry.istio.istiod!.helm.source;
        const where = `${describeIstiod(entry.istio)} in cluster "${entry.member.name}"`;
        const [ca, ...more] = entry.istio.pluggedCa;
        if (ca === undefined) {
            findings.push(
                violation(
                    source,
                    `${where} has no \`cacerts\` Secret in ${entry.istio.namespaceName}, so it signs workload certificates ` +
                        "with a self-signed root of its own, which the other clusters' workloads do not trust: mTLS between " +
                        "clusters fails. Fix: a `cacerts` Secret with an intermediate of one shared root in every cluster " +
                        "(the ClusterMesh component generates them).",
                ),
            );
            continue;
        }
        if (more.length > 0) {
            findings.push(
                unchecked(
                    source,
                    "the plugged-in root",
                    `${entry.istio.namespaceName} has ${more.length + 1} cacerts Secrets`,
                ),
            );
            continue;
        }
        if (ca.rootCert.state !== "known") {
            findings.push(unchecked(ca.source, "`root-cert.pem`", whyNotRead(ca.rootCert, "the Secret has none")));
            continue;
        }
        const key = fingerprint(ca.rootCert.value);
        roots.set(key, [...(roots.get(key) ?? []), entry]);
    }
    if (roots.size > 1) {
        findings.push(
            violation(
                [...roots.values()][1][0].istio.pluggedCa[0].source,
                `The clusters' cacerts hold different roots (${[...roots]
                    .map(
                        ([key, entries]) =>
                            `root sha256:${key}… in ${entries.map((e) => `"${e.member.name}"`).join(", ")}`,
                    )
                    .join(
                        "; ",
                    )}): workloads of one cluster do not trust the other's. Fix: intermediates of one root in every cluster.`,
            ),
        );
    }
    return findings;
}

export const istioMulticlusterRootOfTrust = meshRule({
    name: "istio-multicluster-root-of-trust",
    level: "mandatory",
    description:
        "Every istiod of a multicluster Istio mesh signs with an intermediate of one shared root (the cacerts Secret).",
    trigger:
        "istiods judged together (or with remote secrets) where one has no `cacerts` Secret, or their root certificates differ",
    breaks: "cross-cluster mTLS fails: each cluster's workloads trust only their own istiod's root",
    fix: "`cacerts` with `root-cert.pem` of one root and an intermediate per cluster",
    sources: [
        "https://istio.io/latest/docs/tasks/security/cert-management/plugin-ca-cert/",
        "istio/istio tools/certs/common.mk@1.30.3",
        "docs/cluster-mesh.md#istio-root-of-trust",
    ],
    evaluate,
});
