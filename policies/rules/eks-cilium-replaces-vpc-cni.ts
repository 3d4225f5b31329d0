/**
 * `eks-cilium-replaces-vpc-cni` (mandatory) — docs/failure-modes.md#f9.
 *
 * Evidence: docs/failure-modes.md#f9. When Cilium owns the datapath (ENI IPAM or an overlay; anything but aws-cni
 * chaining), the VPC CNI left running next to it means two IPAMs and two CNI configs: conflicting pod addresses and
 * pods not managed by Cilium (cilium/cilium#30682; Cilium EKS docs: "the aws-node DaemonSet has to be patched to
 * prevent conflict behavior"). With kube-proxy replacement the agent needs `k8sServiceHost`/`k8sServicePort`, since
 * without kube-proxy it cannot reach the API server through the kubernetes
 * Service (docs/cilium-istio-facts.md#socket-lb-bypass; the Cilium ENI blog, docs/cilium-istio-facts.md#cilium-on-eks).
 * EKS installs vpc-cni and kube-proxy unless the cluster is created with `bootstrapSelfManagedAddons: false`, and
 * @pulumi/eks adds managed add-ons unless told not to (eks.ts). kube-proxy left running beside kube-proxy replacement
 * is "possible but highly not recommended" upstream (cilium/cilium#24407, docs/cilium-datapath.md#kube-proxy-beside-kpr):
 * an advisory finding, where the VPC CNI beside Cilium stays a violation.
 */
import { CiliumInstall, describeInstall, describeSetting, kubeProxyReplacementOn } from "../model/cilium-settings";
import { AddonInstall } from "../model/eks";
import { MeshModel } from "../model/mesh-model";
import { describeSource } from "../model/resources";
import { Finding, advisory, stackRule, unchecked, violation } from "../kit/findings";

function vpcCniFindings(model: MeshModel, install: CiliumInstall): Finding[] {
    const chaining = install.settings.chainingMode;
    const installed = model.eks.vpcCni.filter((addon) => addon.installed.state !== "known" || addon.installed.value);
    if (
        installed.length === 0 ||
        model.eks.awsNodeDisabledBy ||
        (chaining.value !== undefined && chaining.value !== "none")
    ) {
        return [];
    }
    if (chaining.origin === "unchecked") {
        return [
            unchecked(
                install.source,
                "`cni.chainingMode` (cilium-config `cni-chaining-mode`)",
                `${chaining.detail}; unless Cilium is chained behind the VPC CNI, the VPC CNI must not be installed`,
            ),
        ];
    }
    return installed.map((addon) =>
        addonFinding(
            addon,
            "whether the VPC CNI is installed",
            `${describeSource(addon.source)}: ${addon.detail}, while ${describeInstall(install)} runs Cilium as the CNI ` +
                `(${describeSetting(chaining)}). Two CNIs then manage pod networking on EKS, so pods get conflicting addresses or ` +
                "are not managed by Cilium. Fix: create the cluster without the VPC CNI (`bootstrapSelfManagedAddons: false` and " +
                "`useDefaultVpcCni: true`, no vpc-cni add-on), or chain Cilium behind it (`cni.chainingMode: aws-cni`), or keep " +
                'aws-node off Cilium\'s nodes (nodeSelector `io.cilium/aws-node-enabled: "true"`).',
        ),
    );
}

function kubeProxyFindings(model: MeshModel, install: CiliumInstall): Finding[] {
    const kpr = install.settings.kubeProxyReplacement;
    const on = kubeProxyReplacementOn(kpr);
    const proxies = model.eks.kubeProxy.filter((addon) => addon.installed.state !== "known" || addon.installed.value);
    const host = install.settings.k8sServiceHost;
    if (on === undefined) {
        return proxies.length > 0 || host.value === ""
            ? [
                  unchecked(
                      install.source,
                      "`kubeProxyReplacement` (cilium-config `kube-proxy-replacement`)",
                      `${kpr.detail}; with kube-proxy replacement the kube-proxy add-on must be off and k8sServiceHost set`,
                  ),
              ]
            : [];
    }
    if (!on) {
        return [];
    }
    const findings = proxies.map((addon) =>
        addon.installed.state === "unreadable"
            ? unchecked(addon.source, "whether kube-proxy is installed", addon.detail)
            : advisory(
                  addon.source,
                  `${describeSource(addon.source)}: ${addon.detail}, while ${describeInstall(install)} replaces kube-proxy ` +
                      `(${describeSetting(kpr)}). kube-proxy and Cilium then both program Service load balancing on every ` +
                      'node: possible, but "highly not recommended" upstream (cilium/cilium#24407). ' +
                      "Fix: turn kube-proxy off (`kubeProxyAddonOptions.enabled: false` and `bootstrapSelfManagedAddons: false`) or set " +
                      '`kubeProxyReplacement: "false"`.',
              ),
    );
    if (host.origin === "unchecked") {
        findings.push(unchecked(install.source, "`k8sServiceHost`", host.detail));
    } else if (host.value === "") {
        findings.push(
            violation(
                install.source,
                `${describeInstall(install)}: kube-proxy replacement is on (${describeSetting(kpr)}) but \`k8sServiceHost\` is not set ` +
                    `(${host.detail}). Without kube-proxy the Cilium agent cannot reach the API server through the kubernetes Service, ` +
                    "so it never becomes ready. Fix: set `k8sServiceHost` to the EKS endpoint's host name (without https://) and `k8sServicePort: 443`.",
            ),
        );
    }
    return findings;
}

function addonFinding(addon: AddonInstall, what: string, message: string): Finding {
    return addon.installed.state === "unreadable"
        ? unchecked(addon.source, what, addon.detail)
        : violation(addon.source, message);
}

export function evaluate(model: MeshModel): Finding[] {
    if (model.onEksBecause.length === 0) {
        return [];
    }
    return model.cilium.flatMap((install) => [...vpcCniFindings(model, install), ...kubeProxyFindings(model, install)]);
}

export const eksCiliumReplacesVpcCni = stackRule({
    name: "eks-cilium-replaces-vpc-cni",
    level: "mandatory",
    description:
        "On EKS, a Cilium that owns the datapath must replace the VPC CNI, and kube-proxy replacement needs k8sServiceHost set (and should run without kube-proxy).",
    trigger:
        "on EKS, Cilium owns the datapath (not aws-cni chaining) while the VPC CNI is still installed (the cluster's bootstrapped add-ons, a `vpc-cni` add-on, @pulumi/eks's VpcCniAddon) and aws-node is not patched off Cilium's nodes; or kube-proxy replacement runs without `k8sServiceHost`; advisory: kube-proxy replacement beside kube-proxy",
    breaks: "two CNIs assign addresses and write CNI config; without kube-proxy the agent cannot reach the API server; kube-proxy beside the replacement means both program Services (possible, not recommended)",
    fix: "`bootstrapSelfManagedAddons: false`, `useDefaultVpcCni: true`, `kubeProxyAddonOptions.enabled: false`, `k8sServiceHost` = the endpoint host",
    sources: [
        "cilium/cilium#30682",
        "cilium/cilium#24407",
        "cilium/cilium Documentation/installation/k8s-install-helm.rst (EKS)",
        "https://docs.cilium.io/en/stable/network/kubernetes/kubeproxy-free/",
        "docs/failure-modes.md#f9",
        "docs/cilium-istio-facts.md#eks",
        "docs/cilium-datapath.md#kube-proxy-beside-kpr",
    ],
    evaluate,
});
