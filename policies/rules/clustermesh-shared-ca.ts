/**
 * `clustermesh-shared-ca` (mandatory) — docs/cluster-mesh.md#shared-ca.
 *
 * With `clustermesh.apiserver.tls.auto` (method helm or cronJob, the charts' default) each chart signs the
 * clustermesh-apiserver's server certificate and the agents' "remote" client certificate with the CA of `tls.ca.cert`
 * and `tls.ca.key`, generating a CA of its own when none is given (templates/clustermesh-apiserver/tls-helm,
 * `genCA`). A peer's entry without its own `tls` then uses the local "remote" certificate, which is good only when
 * "the CA is shared across clusters" (values.yaml, clustermesh.config.clusters), and cilium-cli warns "Cilium CA
 * certificates do not match between clusters" otherwise. So every cluster must be given one and the same CA.
 * Certificates are compared, never printed: messages name a SHA-256 prefix of each.
 */
import * as crypto from "crypto";
import { Finding, meshRule, unchecked, violation } from "../kit/findings";
import { helmValue } from "../model/helm-sources";
import { CiliumMember, MeshOfClusters } from "../model/mesh-of-clusters";
import { describeSource } from "../model/resources";

/** The certificate a base64 value holds, normalised, so that the same PEM compares equal however it was wrapped. */
function certificateText(base64: string): string {
    const decoded = Buffer.from(base64.replace(/\s+/g, ""), "base64").toString("utf8");
    const pem = decoded.includes("-----BEGIN") ? decoded : base64;
    return pem.replace(/\s+/g, "");
}

function fingerprint(text: string): string {
    return crypto.createHash("sha256").update(text).digest("hex").slice(0, 16);
}

/** The certificate-generation method in force, or why it is not the chart's own (helm, cronJob). */
function generatedByChart(entry: CiliumMember): true | string {
    const helm = entry.install.helm;
    if (helm === undefined) {
        return "its certificates are not set by a Helm chart the stack holds";
    }
    const enabled = helmValue(helm, "clustermesh.apiserver.tls.auto.enabled");
    if (enabled.state === "known" && (enabled.value === false || enabled.value === "false")) {
        return "clustermesh.apiserver.tls.auto.enabled is false: the certificates come from Secrets made elsewhere";
    }
    const method = helmValue(helm, "clustermesh.apiserver.tls.auto.method");
    if (method.state === "known" && method.value === "certmanager") {
        return "clustermesh.apiserver.tls.auto.method is certmanager: the cert-manager issuer decides the CA";
    }
    if (method.state === "unreadable") {
        return `${method.path} ${method.reason}`;
    }
    return true;
}

export function evaluate(mesh: MeshOfClusters): Finding[] {
    const findings: Finding[] = [];
    const meshed = mesh.cilium.filter((e) => e.inMeshBecause.length > 0);
    if (new Set(meshed.map((e) => e.member)).size < 2) {
        return findings;
    }
    const byCa = new Map<string, CiliumMember[]>();
    for (const entry of meshed) {
        const where = `${describeSource(entry.install.source)} in cluster "${entry.member.name}"`;
        const chart = generatedByChart(entry);
        if (chart !== true) {
            findings.push(unchecked(entry.install.source, "the clustermesh CA", chart));
            continue;
        }
        const ca = entry.mesh.caCert;
        if (ca.state === "unreadable") {
            findings.push(
                unchecked(entry.install.source, "the clustermesh CA (`tls.ca.cert`)", `${ca.path} ${ca.reason}`),
            );
            continue;
        }
        if (ca.state === "absent") {
            findings.push(
                violation(
                    entry.install.source,
                    `${where}: \`tls.ca.cert\` is not set, so its chart generates a clustermesh CA of its own and the other ` +
                        "clusters' agents, whose client certificates another CA signed, cannot connect to its clustermesh-apiserver " +
                        "(nor it to theirs). Fix: give every cluster of the mesh the same `tls.ca.cert` and `tls.ca.key`.",
                ),
            );
            continue;
        }
        const key = fingerprint(certificateText(ca.value));
        byCa.set(key, [...(byCa.get(key) ?? []), entry]);
    }
    if (byCa.size > 1) {
        const groups = [...byCa].map(
            ([key, entries]) => `CA sha256:${key}… in ${entries.map((e) => `"${e.member.name}"`).join(", ")}`,
        );
        findings.push(
            violation(
                [...byCa.values()][1][0].install.source,
                `The clusters of the ClusterMesh are given different clustermesh CAs (${groups.join("; ")}): each ` +
                    "clustermesh-apiserver then refuses the other clusters' client certificates. Fix: one `tls.ca.cert`/`tls.ca.key` " +
                    "for every cluster (the ClusterMesh component generates one).",
            ),
        );
    }
    return findings;
}

export const clustermeshSharedCa = meshRule({
    name: "clustermesh-shared-ca",
    level: "mandatory",
    description: "Every cluster of a ClusterMesh signs its clustermesh certificates with one shared CA (tls.ca.cert).",
    trigger:
        "two or more clusters in a ClusterMesh whose Cilium charts generate their certificates, and one has no `tls.ca.cert` or they differ",
    breaks: "mutual TLS between a cluster's agents and the other clusters' clustermesh-apiservers fails: the clusters never connect",
    fix: "the same `tls.ca.cert` and `tls.ca.key` in every cluster",
    sources: [
        "cilium/cilium install/kubernetes/cilium/templates/clustermesh-apiserver/tls-helm/_helpers.tpl",
        "https://docs.cilium.io/en/stable/network/clustermesh/clustermesh/",
        "docs/cluster-mesh.md#shared-ca",
    ],
    evaluate,
});
