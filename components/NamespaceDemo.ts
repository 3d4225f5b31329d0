/**
 * The red/blue/green demo of Cilium's Istio guide on the cluster: which calls Cilium's policy admits, and what Istio
 * mTLS does to an L7 policy. The objects are built in demo-objects.ts; here they become resources.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
    bluePeerAuthentication,
    ciliumNetworkPolicy,
    DEMO_NAMESPACES,
    DemoCheck,
    demoChecks,
    DemoNamespace,
    DemoObject,
    httpbinDeployment,
    httpbinService,
    namespaceLabels,
    netshootDeployment,
    POLICY_NAMESPACE,
    resolveDemoSettings,
    SERVER_NAMESPACES,
} from "./demo-objects";
import { DemoStage, IstioMode } from "./types";

export interface NamespaceDemoArgs {
    /** How red and blue join the mesh: sidecar (`istio-injection=enabled`) or ambient. Default "sidecar". */
    istioMode?: IstioMode;
    /** Cilium policy on blue's httpbin: open (none), l4 (red and blue on TCP 80), l7 (plus GET /ip only). Default "l7". */
    stage?: DemoStage;
    /**
     * With stage l7: blue's PeerAuthentication DISABLE (sidecar) or red and blue out of ambient, so Cilium's HTTP
     * proxy sees plain HTTP. false reproduces the broken state on purpose. Default true.
     */
    mtlsFix?: boolean;
}

/**
 * Creates the namespaces red, blue and green (literally those names) with the k8s provider in `opts.provider`.
 * `opts.dependsOn` (e.g. the IstioRelease, whose webhook injects the sidecars) holds back the namespaces, and
 * through them everything else; the objects of one namespace wait only for it.
 */
export class NamespaceDemo extends pulumi.ComponentResource {
    /** The demo namespaces by name. */
    public readonly namespaces: { [name: string]: k8s.core.v1.Namespace };
    /** The curl checks: every client namespace × server namespace × path /ip, /deny. */
    public readonly checks: pulumi.Output<DemoCheck[]>;

    constructor(name: string, args: NamespaceDemoArgs = {}, opts?: pulumi.ComponentResourceOptions) {
        const settings = resolveDemoSettings(args);
        super("eks-cilium-istio:index:NamespaceDemo", name, args, opts);

        this.namespaces = {};
        for (const ns of DEMO_NAMESPACES) {
            this.namespaces[ns] = new k8s.core.v1.Namespace(
                `${name}-${ns}`,
                { metadata: { name: ns, labels: namespaceLabels(ns, settings) } },
                { parent: this, dependsOn: opts?.dependsOn },
            );
        }

        for (const ns of SERVER_NAMESPACES) {
            new k8s.core.v1.Service(`${name}-${ns}-httpbin-service`, this.inNamespace(ns, httpbinService(ns)), {
                parent: this,
            });
            new k8s.apps.v1.Deployment(`${name}-${ns}-httpbin`, this.inNamespace(ns, httpbinDeployment(ns)), {
                parent: this,
            });
        }
        for (const ns of DEMO_NAMESPACES) {
            new k8s.apps.v1.Deployment(`${name}-${ns}-netshoot`, this.inNamespace(ns, netshootDeployment(ns)), {
                parent: this,
            });
        }

        const policy = ciliumNetworkPolicy(settings);
        if (policy) {
            new k8s.apiextensions.CustomResource(
                `${name}-${POLICY_NAMESPACE}-cilium-policy`,
                this.inNamespace(POLICY_NAMESPACE, policy),
                { parent: this },
            );
        }
        const peerAuthentication = bluePeerAuthentication(settings);
        if (peerAuthentication) {
            new k8s.apiextensions.CustomResource(
                `${name}-${POLICY_NAMESPACE}-peer-authentication`,
                this.inNamespace(POLICY_NAMESPACE, peerAuthentication),
                { parent: this },
            );
        }

        this.checks = pulumi.output(demoChecks());
        this.registerOutputs({ namespaces: this.namespaces, checks: this.checks });
    }

    /** The object with its namespace taken from the Namespace resource, which makes the namespace its dependency. */
    private inNamespace<T extends DemoObject<unknown>>(ns: DemoNamespace, object: T) {
        return { ...object, metadata: { ...object.metadata, namespace: this.namespaces[ns].metadata.name } };
    }
}
