/**
 * The stacks `npm run bench` checks, as `pulumi stack export` documents (deployment version 3) that
 * `npm run check` reads: one Cilium and one Istio (sidecar) install, a mesh-wide STRICT PeerAuthentication, and N
 * tenant namespaces each like the demo's blue with the mTLS fix (Namespace, httpbin and netshoot Deployments,
 * Service, CiliumNetworkPolicy with an HTTP rule, PeerAuthentication DISABLE) — the pack's own tenant fixture
 * (policies/test/fixtures.ts `tenantStack`), so the bench grows the shape the pack's tests already check.
 *
 * Shaped as the CLI would export it: a root Stack parenting everything, Kubernetes resources managed by the default
 * kubernetes provider, outputs equal to inputs (what the Kubernetes provider returns for these kinds besides status),
 * and every namespaced resource depending on its Namespace, as a program passing `namespace.metadata.name` would.
 */
import { FixtureResource } from "../policies/test/harness";
import {
    ciliumRelease,
    istioMeshMember,
    meshCiliumValues,
    peerAuthentication,
    tenantNamespaces,
    tenantStack,
    vpc,
} from "../policies/test/fixtures";
import { ResourceV3, StackExport, manifestMagic } from "../engine/state/stack-export";

const PROJECT = "tenants";
const STACK = "bench";
/** The @pulumi/kubernetes version this repository pins, as the engine names its default provider. */
const KUBERNETES_PROVIDER_NAME = "default_4_34_2";

/** Says what wrote the file, as the plan's exports do (engine/state/stack-export.ts). */
const MANIFEST_VERSION = "eks-cilium-istio bench generator";

/** The stack export of a stack with `tenants` tenant namespaces, named `stack`. */
export function tenantStackExport(
    tenants: number,
    time: Date = new Date(),
    stack: string = STACK,
    fixtures: FixtureResource[] = tenantStack(tenants),
): StackExport {
    const urn = (type: string, name: string) => `urn:pulumi:${stack}::${PROJECT}::${type}::${name}`;
    const root = urn("pulumi:pulumi:Stack", `${PROJECT}-${STACK}`);
    const providerUrn = urn("pulumi:providers:kubernetes", KUBERNETES_PROVIDER_NAME);
    const provider = `${providerUrn}::${KUBERNETES_PROVIDER_NAME}-id`;
    const resources: ResourceV3[] = [
        { urn: root, custom: false, type: "pulumi:pulumi:Stack", inputs: {}, outputs: {} },
        {
            urn: providerUrn,
            custom: true,
            id: `${KUBERNETES_PROVIDER_NAME}-id`,
            type: "pulumi:providers:kubernetes",
            inputs: { version: "4.34.2" },
            outputs: { version: "4.34.2" },
        },
    ];
    const namespaceUrns = new Map<string, string>();
    for (const fixture of fixtures) {
        const resourceUrn = urn(fixture.type, fixture.name);
        const namespace: string | undefined = fixture.props.metadata?.namespace;
        const dependsOn = namespace === undefined ? undefined : namespaceUrns.get(namespace);
        if (fixture.type === "kubernetes:core/v1:Namespace") {
            namespaceUrns.set(fixture.name, resourceUrn);
        }
        resources.push({
            urn: resourceUrn,
            custom: true,
            id: namespace === undefined ? fixture.name : `${namespace}/${fixture.props.metadata.name}`,
            type: fixture.type,
            inputs: fixture.props,
            outputs: fixture.props,
            parent: root,
            dependencies: dependsOn ? [dependsOn] : [],
            propertyDependencies: dependsOn ? { metadata: [dependsOn] } : {},
            // A VPC goes through the AWS provider, not the Kubernetes one (the default provider, left unnamed).
            provider: fixture.type.startsWith("kubernetes:") ? provider : undefined,
        });
    }
    return {
        version: 3,
        deployment: {
            manifest: { time: time.toISOString(), magic: manifestMagic(MANIFEST_VERSION), version: MANIFEST_VERSION },
            resources,
        },
    };
}

/**
 * One cluster of a two-cluster mesh, as a team running one stack per cluster exports it: the tenant stack named after
 * the cluster, its Cilium a ClusterMesh member (`cluster.name`, `cluster.id`, the other as its peer, the shared CA), its
 * Istio multi-primary (mesh ID, cluster name, network, cacerts, a remote secret for the other) and its VPC, as the
 * pack's mesh fixtures configure a good member. `check east.json west.json` judges the two together.
 */
export function meshMemberStackExport(
    tenants: number,
    cluster: string,
    id: number,
    peer: string,
    vpcCidr: string,
): StackExport {
    return tenantStackExport(tenants, new Date(), cluster, [
        ciliumRelease(meshCiliumValues(cluster, id, [{ name: peer }])),
        ...istioMeshMember(cluster, "network1", [peer]),
        peerAuthentication("istio-system", "default", "STRICT"),
        vpc("vpc", vpcCidr),
        ...tenantNamespaces(tenants),
    ]);
}

/**
 * The same stack with one tenant's CiliumNetworkPolicy also admitting, at L4 (no HTTP rule), the pods of another
 * tenant's namespace on port 80: the change `npm run bench` diffs, which opens that tenant's two workloads' requests
 * to the first tenant's httpbin and leaves every other request as it was.
 */
export function openTenantPolicy(exported: StackExport, tenant: number, from: number): StackExport {
    const namespace = `tenant-${tenant}`;
    const resources = exported.deployment.resources.map((resource) => {
        if (
            resource.type !== "kubernetes:cilium.io/v2:CiliumNetworkPolicy" ||
            resource.inputs?.metadata?.namespace !== namespace
        ) {
            return resource;
        }
        const props = structuredClone(resource.inputs!);
        props.spec.ingress.push({
            fromEndpoints: [{ matchLabels: { "io.kubernetes.pod.namespace": `tenant-${from}` } }],
            toPorts: [{ ports: [{ port: "80", protocol: "TCP" }] }],
        });
        return { ...resource, inputs: props, outputs: props };
    });
    if (resources.every((r, i) => r === exported.deployment.resources[i])) {
        throw new Error(`the stack has no CiliumNetworkPolicy in namespace ${namespace}`);
    }
    return { ...exported, deployment: { ...exported.deployment, resources } };
}
