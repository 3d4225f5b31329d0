/**
 * What the connectivity predictor reads of a stack, built once: the policy pack's mesh model (policies/model) plus
 * what only traffic needs — Services, AuthorizationPolicies, waypoints, the DNS servers, the Cilium and Istio
 * settings that change enforcement — and the labels traffic sees.
 *
 * Labels as traffic sees them: a namespace the stack does not declare still exists, with no labels but
 * `kubernetes.io/metadata.name` (the pack's rules instead treat its labels as unknown, since pods deployed elsewhere
 * may be labelled otherwise); the mesh enrolment of its pods follows from that. Pure: resources in, model out.
 */
import { AuthorizationPolicyInfo } from "../model/authorization-policies";
import { CiliumInstall } from "../model/cilium-settings";
import { helmValue } from "../model/helm-sources";
import { LabelLookup, Match, ciliumEndpointLabels, lookupIn, matches } from "../model/label-selectors";
import { MeshModel, memoizeBy, meshModelFor } from "../model/mesh-model";
import { PolicyRule } from "../model/network-policies";
import { LabelSet, known } from "../model/property-reader";
import { StackResource } from "../model/resources";
import { ServiceInfo, readServices } from "../model/services";
import { WaypointInfo, readWaypoints } from "../model/waypoints";
import { MeshEnrolment, Workload, enrolmentOf, namespaceForTraffic } from "../model/workloads";

/** The Cilium settings that change what a policy does, with what they were read from. */
export interface CiliumEnvironment {
    /** Undefined when the stack installs no Cilium: its policies are then assumed enforced with chart defaults. */
    readonly install?: CiliumInstall;
    /** Major and minor of the chart version asked for; undefined when not given or unknown. */
    readonly version?: { readonly major: number; readonly minor: number; readonly text: string };
    /** `cni.chainingMode` (e.g. "aws-cni"); undefined for none. */
    readonly chainingMode?: string;
    /** `policyEnforcementMode`: "default", "always" or "never" (chart default "default"); a string when unknown. */
    readonly enforcement: "default" | "always" | "never" | { readonly unknown: string };
    /** `l7Proxy` (chart default true); a string when unknown. */
    readonly l7Proxy: boolean | { readonly unknown: string };
    /** How the settings were found, for `explain`. */
    readonly detail: string;
}

export interface IstioEnvironment {
    /** An istiod runs, so sidecar injection works. */
    readonly istiod: boolean;
    /** Ambient mode runs (ztunnel, istiod's ambient profile). */
    readonly ambient: boolean;
    readonly rootNamespace: string;
    /** meshConfig.trustDomain, default "cluster.local" (istio/istio pkg/config/mesh/mesh.go, tag 1.30.3). */
    readonly trustDomain: string;
}

export type Direction = "ingress" | "egress";

export interface SelectingRule {
    readonly rule: PolicyRule;
    /** true, or "unchecked" when a label the selector needs is unknown. */
    readonly match: Exclude<Match, false>;
}

export interface TrafficModel {
    readonly mesh: MeshModel;
    readonly services: readonly ServiceInfo[];
    readonly authorizationPolicies: readonly AuthorizationPolicyInfo[];
    readonly waypoints: readonly WaypointInfo[];
    readonly cilium: CiliumEnvironment;
    readonly istio: IstioEnvironment;
    /** The workloads the stack runs (stand-ins left out). */
    readonly workloads: readonly Workload[];
    /** Pods answering DNS (kube-system, `k8s-app: kube-dns`); `assumed` when the stack runs none. */
    readonly dns: { readonly pods: readonly Workload[]; readonly assumed: boolean };
    namespace(name: string): { labels: LabelSet; declared: boolean };
    /** Mesh enrolment from the labels traffic sees. */
    enrolment(workload: Workload): MeshEnrolment;
    /** The labels Cilium matches for a pod (its own, its namespace's, its service account, the cluster). */
    ciliumLabels(workload: Workload): LabelLookup;
    /** Cilium and Kubernetes policy rules that select a pod. */
    rulesSelecting(workload: Workload): readonly SelectingRule[];
    /** Services by namespace and name. */
    service(namespace: string, name: string): ServiceInfo | undefined;
}

/** EKS's CoreDNS runs in kube-system with `k8s-app: kube-dns` and service account coredns (amazon-eks coredns add-on). */
function assumedDnsPod(): Workload {
    return {
        kind: "Deployment",
        name: "coredns",
        namespace: "kube-system",
        standIn: false,
        podLabels: { values: new Map([["k8s-app", "kube-dns"]]), unreadable: new Set() },
        podAnnotations: { values: new Map(), unreadable: new Set() },
        serviceAccount: "coredns",
        hostNetwork: known(false),
        networkProbes: known(false),
        containerPorts: known([
            { name: "dns", containerPort: 53, protocol: "UDP" },
            { name: "dns-tcp", containerPort: 53, protocol: "TCP" },
        ]),
        enrolment: { mode: "none", redirectionDisabled: false, detail: "kube-system is not in the mesh" },
    };
}

function versionOf(install: CiliumInstall | undefined): CiliumEnvironment["version"] {
    const text = install?.chartVersion?.requested;
    const match = text === undefined ? null : /(\d+)\.(\d+)/.exec(text);
    return match ? { major: Number(match[1]), minor: Number(match[2]), text: text! } : undefined;
}

function ciliumEnvironment(mesh: MeshModel): CiliumEnvironment {
    const install = mesh.cilium[0];
    if (install === undefined) {
        return {
            enforcement: "default",
            l7Proxy: true,
            detail: "the stack installs no Cilium: its policies are assumed enforced by a Cilium with chart defaults",
        };
    }
    const helmSetting = <T>(
        path: string,
        fallback: T,
        parse: (value: unknown) => T | undefined,
    ): T | { unknown: string } => {
        if (install.helm === undefined) {
            return fallback;
        }
        const read = helmValue(install.helm, path);
        if (read.state === "absent") {
            return fallback;
        }
        if (read.state === "unreadable") {
            return { unknown: `Cilium's ${path}: ${read.path} ${read.reason}` };
        }
        const parsed = parse(read.value);
        return parsed === undefined ? { unknown: `Cilium's ${path} is ${JSON.stringify(read.value)}` } : parsed;
    };
    const enforcement = helmSetting<"default" | "always" | "never">("policyEnforcementMode", "default", (value) =>
        value === "default" || value === "always" || value === "never" ? value : undefined,
    );
    const l7Proxy = helmSetting<boolean>("l7Proxy", true, (value) =>
        value === true || value === "true" ? true : value === false || value === "false" ? false : undefined,
    );
    const chaining = install.settings.chainingMode.value;
    return {
        install,
        version: versionOf(install),
        chainingMode: chaining === undefined || chaining === "none" ? undefined : chaining,
        enforcement,
        l7Proxy,
        detail: `Cilium from ${install.source.name}${install.chartVersion?.requested ? ` (chart ${install.chartVersion.requested})` : ""}`,
    };
}

function istioEnvironment(mesh: MeshModel): IstioEnvironment {
    const istiodChart = mesh.istio.charts.find((c) => c.chart === "istiod");
    const trustDomain = istiodChart
        ? helmValue(istiodChart.helm, "meshConfig.trustDomain")
        : { state: "absent" as const };
    return {
        istiod: istiodChart !== undefined || mesh.istio.components.some((c) => c.component === "istiod"),
        ambient: mesh.istio.ambientBecause.length > 0,
        rootNamespace: mesh.istio.rootNamespace,
        trustDomain:
            trustDomain.state === "known" && typeof trustDomain.value === "string"
                ? trustDomain.value
                : "cluster.local",
    };
}

export function buildTrafficModel(resources: readonly StackResource[]): TrafficModel {
    // The stack's one model: when plan and check evaluate the pack in this process, its rules reuse it.
    const mesh = meshModelFor(resources);
    const services = readServices(resources);
    const servicesByKey = new Map(services.map((s) => [`${s.namespace}/${s.name}`, s]));
    const namespaceCache = new Map<string, { labels: LabelSet; declared: boolean }>();
    const namespace = (name: string) => {
        let info = namespaceCache.get(name);
        if (info === undefined) {
            info = namespaceForTraffic(mesh.namespaces, name);
            namespaceCache.set(name, info);
        }
        return info;
    };
    const enrolment = memoizeBy((workload: Workload) =>
        workload.kind === "Waypoint"
            ? workload.enrolment
            : enrolmentOf(
                  namespace(workload.namespace).labels,
                  workload.podLabels,
                  workload.podAnnotations,
                  workload.hostNetwork,
              ),
    );
    const ciliumLabels = memoizeBy((workload: Workload) =>
        ciliumEndpointLabels(
            workload.podLabels,
            workload.namespace,
            namespace(workload.namespace).labels,
            workload.serviceAccount,
        ),
    );
    const rulesByNamespace = new Map<string, PolicyRule[]>();
    const clusterwide: PolicyRule[] = [];
    for (const policy of mesh.policies) {
        for (const rule of policy.rules) {
            if (policy.namespace === undefined) {
                clusterwide.push(rule);
            } else {
                rulesByNamespace.set(policy.namespace, [...(rulesByNamespace.get(policy.namespace) ?? []), rule]);
            }
        }
    }
    const rulesSelecting = memoizeBy((workload: Workload) => {
        const selecting: SelectingRule[] = [];
        for (const rule of [...(rulesByNamespace.get(workload.namespace) ?? []), ...clusterwide]) {
            if (rule.selector.state !== "known") {
                if (rule.selector.state === "unreadable") {
                    selecting.push({ rule, match: "unchecked" });
                }
                continue;
            }
            const labels = rule.policy.kind === "NetworkPolicy" ? lookupIn(workload.podLabels) : ciliumLabels(workload);
            const match = matches(rule.selector.value, labels);
            if (match !== false) {
                selecting.push({ rule, match });
            }
        }
        return selecting;
    });
    const dnsPods = mesh.workloads.filter(
        (w) => !w.standIn && w.namespace === "kube-system" && w.podLabels.values.get("k8s-app") === "kube-dns",
    );
    return {
        mesh,
        services,
        authorizationPolicies: mesh.authorizationPolicies,
        waypoints: readWaypoints(resources),
        cilium: ciliumEnvironment(mesh),
        istio: istioEnvironment(mesh),
        workloads: mesh.workloads.filter((w) => !w.standIn),
        dns: dnsPods.length > 0 ? { pods: dnsPods, assumed: false } : { pods: [assumedDnsPod()], assumed: true },
        namespace,
        enrolment,
        ciliumLabels,
        rulesSelecting,
        service: (ns, name) => servicesByKey.get(`${ns}/${name}`),
    };
}
