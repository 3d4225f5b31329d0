import * as assert from "assert";
import * as k8s from "@pulumi/kubernetes";
import { CiliumRelease } from "../components/CiliumRelease";
import { Cluster } from "../components/Cluster";
import { ClusterMesh, ClusterMeshArgs, ClusterMeshMemberArgs } from "../components/ClusterMesh";
import { IstioRelease } from "../components/IstioRelease";
import { CiliumDatapath, IstioMode } from "../components/types";
import { InputError } from "../components/validation";
import { MOCK_ENDPOINT_HOST, Recorder, Registration, recordRegistrations } from "../engine/mock/mock-runtime";
import { SECRET_SIG, SIG_KEY } from "../engine/state/property-values";
import { one, ofType, providerUrn } from "./registrations";

const COMPONENT = "eks-cilium-istio:index:ClusterMesh";
const SERVICE = "kubernetes:core/v1:Service";
const SECRET = "kubernetes:core/v1:Secret";
const RELEASE = "kubernetes:helm.sh/v3:Release";

const pem = (kind: string, name: string) => `-----BEGIN ${kind}-----\n${name}\n-----END ${kind}-----\n`;
const lbHost = (name: string) => `internal-${name}.elb.us-west-2.amazonaws.com`;
const b64 = (text: string) => Buffer.from(text).toString("base64");

/**
 * What the providers answer after creating: TLS keys and certificates (named after the resource, so a spec can tell
 * whose is whose), a load balancer's host name, the token controller's token. The mocks leave these to the provider.
 */
function answer(type: string, name: string, inputs: Record<string, any>) {
    const id = `${name}-id`;
    switch (type) {
        case "tls:index/privateKey:PrivateKey":
            return { id, state: { ...inputs, privateKeyPem: pem("PRIVATE KEY", name) } };
        case "tls:index/selfSignedCert:SelfSignedCert":
        case "tls:index/locallySignedCert:LocallySignedCert":
            return { id, state: { ...inputs, certPem: pem("CERTIFICATE", name) } };
        case "tls:index/certRequest:CertRequest":
            return { id, state: { ...inputs, certRequestPem: pem("CERTIFICATE REQUEST", name) } };
        case SERVICE:
            return inputs.spec?.type === "LoadBalancer"
                ? { id, state: { ...inputs, status: { loadBalancer: { ingress: [{ hostname: lbHost(name) }] } } } }
                : undefined;
        case SECRET:
            return inputs.type === "kubernetes.io/service-account-token"
                ? { id, state: { ...inputs, data: { token: b64(`token-of-${name}`) } } }
                : undefined;
        default:
            return undefined;
    }
}

/** A value the SDK sent as a secret (wire form), revealed for the assertions. */
function revealed(value: any): any {
    return value?.[SIG_KEY] === SECRET_SIG ? value.value : value;
}

interface Built {
    recorder: Recorder;
    mesh: ClusterMesh;
    providers: Record<string, string>;
}

const CLUSTERS: Omit<ClusterMeshMemberArgs, "cluster">[] = [
    {
        name: "east",
        id: 1,
        vpcId: "vpc-east",
        vpcCidr: "10.0.0.0/16",
        routeTableIds: ["rtb-east-a", "rtb-east-b"],
    },
    {
        name: "west",
        id: 2,
        vpcId: "vpc-west",
        vpcCidr: "10.1.0.0/16",
        routeTableIds: ["rtb-west-a"],
    },
];

/** Each Cluster, the mesh, then each cluster's CiliumRelease and IstioRelease fed from the mesh. */
async function build(
    args: Partial<ClusterMeshArgs> = {},
    member: (m: Omit<ClusterMeshMemberArgs, "cluster">) => Partial<ClusterMeshMemberArgs> = () => ({}),
): Promise<Built> {
    const recorder = recordRegistrations({ answer });
    const datapath = args.datapath ?? CiliumDatapath.Eni;
    const clusters = CLUSTERS.map((c) => ({
        ...c,
        cluster: new Cluster(c.name, {
            ciliumDatapath: datapath,
            vpcId: c.vpcId,
            privateSubnetIds: [`${c.vpcId}-a`, `${c.vpcId}-b`],
        }),
        ...member(c),
    }));
    const mesh = new ClusterMesh("mesh", { clusters, ...args });
    for (const c of clusters) {
        const provider = c.cluster.provider;
        const cilium = new CiliumRelease(
            `${c.name}-cilium`,
            { datapath, k8sServiceHost: c.cluster.endpointHost, clusterMesh: mesh.ciliumSettings(c.name) },
            { provider },
        );
        new IstioRelease(
            `${c.name}-istio`,
            { ciliumDatapath: datapath, multiCluster: mesh.istioSettings(c.name) },
            { provider, dependsOn: [cilium] },
        );
    }
    await recorder.settle();
    const providers: Record<string, string> = {};
    for (const c of clusters) {
        providers[c.name] = await new Promise<string>((resolve) => c.cluster.provider.urn.apply(resolve));
    }
    return { recorder, mesh, providers };
}

function named(registrations: Registration[], type: string, name: string): Registration {
    return one(registrations, type, name);
}

function expectInputError(
    change: (args: ClusterMeshArgs) => void,
    input: string,
    allowedFragment: string,
    valueCheck?: (value: unknown) => void,
): void {
    const recorder = recordRegistrations({ answer });
    const clusters = CLUSTERS.map((c) => ({ ...c, cluster: new Cluster(c.name, {}) }));
    const args: ClusterMeshArgs = { clusters };
    change(args);
    const before = recorder.registrations.length;
    assert.throws(
        () => new ClusterMesh("mesh", args),
        (err: unknown) => {
            assert.ok(err instanceof InputError, `expected InputError, got ${String(err)}`);
            assert.strictEqual(err.input, input);
            assert.ok(err.allowed.includes(allowedFragment), `"${err.allowed}" should mention "${allowedFragment}"`);
            valueCheck?.(err.value);
            return true;
        },
    );
    assert.ok(
        !recorder.registrations.slice(before).some((r) => r.type === COMPONENT),
        "the component may not be registered before validation",
    );
}

describe("ClusterMesh", () => {
    describe("two clusters, eni (the default), one region", () => {
        let built: Built;
        before(async function () {
            this.timeout(60_000);
            built = await build();
        });

        it("exposes each clustermesh-apiserver by an internal load balancer open to the clusters' VPCs only, in its own cluster", () => {
            for (const name of ["east", "west"]) {
                const lb = named(built.recorder.registrations, SERVICE, `mesh-${name}-apiserver`);
                assert.strictEqual(providerUrn(lb), built.providers[name]);
                assert.strictEqual(lb.inputs.spec.type, "LoadBalancer");
                assert.strictEqual(
                    lb.inputs.metadata.annotations["service.beta.kubernetes.io/aws-load-balancer-internal"],
                    "true",
                );
                assert.deepStrictEqual(lb.inputs.spec.selector, { "k8s-app": "clustermesh-apiserver" });
                assert.strictEqual(lb.inputs.spec.ports[0].port, 2379);
                assert.deepStrictEqual(lb.inputs.spec.loadBalancerSourceRanges, ["10.0.0.0/16", "10.1.0.0/16"]);
            }
        });

        it("generates one clustermesh CA and one Istio root, and an Istio intermediate per cluster signed by the root", () => {
            const regs = built.recorder.registrations;
            const selfSigned = ofType(regs, "tls:index/selfSignedCert:SelfSignedCert");
            assert.deepStrictEqual(selfSigned.map((r) => r.name).sort(), ["mesh-cilium-ca", "mesh-istio-root"]);
            assert.ok(selfSigned.every((r) => r.inputs.isCaCertificate === true));
            const intermediates = ofType(regs, "tls:index/locallySignedCert:LocallySignedCert");
            assert.deepStrictEqual(intermediates.map((r) => r.name).sort(), [
                "mesh-east-istio-ca",
                "mesh-west-istio-ca",
            ]);
            for (const cert of intermediates) {
                assert.strictEqual(cert.inputs.caCertPem, pem("CERTIFICATE", "mesh-istio-root"));
                assert.strictEqual(cert.inputs.isCaCertificate, true);
                assert.strictEqual(cert.inputs.maxPathLength, 0);
            }
            const request = named(regs, "tls:index/certRequest:CertRequest", "mesh-east-istio-ca");
            assert.deepStrictEqual(request.inputs.dnsNames, ["istiod.istio-system.svc"]);
            assert.strictEqual(request.inputs.subject.locality, "east");
        });

        it("gives each Cilium its name, ID, peers, the shared CA and a native routing CIDR covering both VPCs", async () => {
            const releases = ofType(built.recorder.registrations, RELEASE).filter((r) => r.inputs.chart === "cilium");
            assert.strictEqual(releases.length, 2);
            // The values hold the CA's key: the SDK sends them to the engine as a secret.
            assert.ok(releases.every((r) => r.inputs.values[SIG_KEY] === SECRET_SIG));
            const byName = Object.fromEntries(
                releases.map((r) => [revealed(r.inputs.values).cluster.name, revealed(r.inputs.values)]),
            );
            assert.strictEqual(byName.east.cluster.id, 1);
            assert.strictEqual(byName.west.cluster.id, 2);
            for (const [self, peer] of [
                ["east", "west"],
                ["west", "east"],
            ]) {
                const values = byName[self];
                assert.strictEqual(values.clustermesh.useAPIServer, true);
                assert.strictEqual(values.clustermesh.config.enabled, true);
                assert.deepStrictEqual(values.clustermesh.config.clusters, [
                    { name: peer, address: lbHost(`mesh-${peer}-apiserver`), port: 2379 },
                ]);
                assert.deepStrictEqual(values.clustermesh.apiserver.tls.server.extraDnsNames, [
                    lbHost(`mesh-${self}-apiserver`),
                ]);
                assert.strictEqual(values.tls.ca.cert, b64(pem("CERTIFICATE", "mesh-cilium-ca")));
                assert.strictEqual(values.tls.ca.key, b64(pem("PRIVATE KEY", "mesh-cilium-ca")));
                assert.strictEqual(values.ipv4NativeRoutingCIDR, "10.0.0.0/15");
                assert.strictEqual(values.ipam?.operator?.clusterPoolIPv4PodCIDRList, undefined);
            }
        });

        it("gives each istiod the mesh ID, its cluster name and the one network, and the namespace the network label", () => {
            const regs = built.recorder.registrations;
            for (const name of ["east", "west"]) {
                const istiod = named(regs, RELEASE, `${name}-istio-istiod`);
                assert.deepStrictEqual(istiod.inputs.values.global, {
                    meshID: "mesh1",
                    multiCluster: { clusterName: name },
                    network: "network1",
                });
                const namespace = named(regs, "kubernetes:core/v1:Namespace", `${name}-istio-namespace`);
                assert.strictEqual(namespace.inputs.metadata.labels["topology.istio.io/network"], "network1");
                assert.ok(
                    istiod.dependencies.includes(namespace.urn),
                    "istiod waits for the namespace (and cacerts) it reads at start",
                );
            }
            assert.strictEqual(ofType(regs, RELEASE).filter((r) => r.inputs.chart === "gateway").length, 0);
        });

        it("plugs in each cluster's intermediate with the one root as cacerts", () => {
            const cacerts = named(built.recorder.registrations, SECRET, "east-istio-cacerts");
            assert.strictEqual(cacerts.inputs.metadata.name, "cacerts");
            assert.strictEqual(cacerts.inputs.metadata.namespace, "istio-system");
            assert.strictEqual(cacerts.inputs.stringData[SIG_KEY], SECRET_SIG, "the CA's key is sent as a secret");
            const data = revealed(cacerts.inputs.stringData);
            assert.strictEqual(data["root-cert.pem"], pem("CERTIFICATE", "mesh-istio-root"));
            assert.strictEqual(data["ca-cert.pem"], pem("CERTIFICATE", "mesh-east-istio-ca"));
            assert.strictEqual(data["ca-key.pem"], pem("PRIVATE KEY", "mesh-east-istio-ca"));
            assert.strictEqual(
                data["cert-chain.pem"],
                `${pem("CERTIFICATE", "mesh-east-istio-ca").trimEnd()}\n${pem("CERTIFICATE", "mesh-istio-root")}`,
            );
        });

        it("gives each istiod a remote secret for the other cluster, as istioctl create-remote-secret writes it", () => {
            const regs = built.recorder.registrations;
            const secret = named(regs, SECRET, "east-istio-remote-west");
            assert.strictEqual(providerUrn(secret), built.providers.east);
            assert.strictEqual(secret.inputs.metadata.name, "istio-remote-secret-west");
            assert.strictEqual(secret.inputs.metadata.labels["istio/multiCluster"], "true");
            assert.strictEqual(secret.inputs.metadata.annotations["networking.istio.io/cluster"], "west");
            assert.strictEqual(secret.inputs.stringData[SIG_KEY], SECRET_SIG, "the reader's token is sent as a secret");
            const config = JSON.parse(revealed(secret.inputs.stringData).west);
            assert.strictEqual(config.clusters[0].cluster.server, `https://${MOCK_ENDPOINT_HOST}`);
            assert.strictEqual(config.clusters[0].cluster["certificate-authority-data"], "bW9jaw==");
            assert.strictEqual(config.users[0].user.token, "token-of-mesh-west-istio-reader-token");
            assert.strictEqual(config["current-context"], "west");
            // The reader the token belongs to, in the cluster read, bound to istiod's reader ClusterRole.
            const binding = named(
                regs,
                "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
                "mesh-west-istio-reader",
            );
            assert.strictEqual(providerUrn(binding), built.providers.west);
            assert.strictEqual(binding.inputs.roleRef.name, "istio-reader-clusterrole-istio-system");
            assert.strictEqual(
                named(regs, SECRET, "mesh-west-istio-reader-token").inputs.type,
                "kubernetes.io/service-account-token",
            );
        });

        it("peers the VPCs once, routes each route table to the other VPC, and opens the node groups to each other", () => {
            const regs = built.recorder.registrations;
            const peerings = ofType(regs, "aws:ec2/vpcPeeringConnection:VpcPeeringConnection");
            assert.strictEqual(peerings.length, 1);
            assert.strictEqual(peerings[0].inputs.vpcId, "vpc-east");
            assert.strictEqual(peerings[0].inputs.peerVpcId, "vpc-west");
            assert.strictEqual(peerings[0].inputs.autoAccept, true);
            const routes = ofType(regs, "aws:ec2/route:Route").map(
                (r) => `${r.inputs.routeTableId}->${r.inputs.destinationCidrBlock}`,
            );
            assert.deepStrictEqual(routes.sort(), [
                "rtb-east-a->10.1.0.0/16",
                "rtb-east-b->10.1.0.0/16",
                "rtb-west-a->10.0.0.0/16",
            ]);
            const rules = ofType(regs, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule");
            assert.deepStrictEqual(rules.map((r) => `${r.name} ${r.inputs.cidrIpv4} ${r.inputs.ipProtocol}`).sort(), [
                "mesh-east-from-west-0 10.1.0.0/16 -1",
                "mesh-west-from-east-0 10.0.0.0/16 -1",
            ]);
            // Into each Cluster's node security group (the mocks give both clusters the same ID).
            assert.ok(rules.every((r) => r.inputs.securityGroupId === "sg-0n0de0n0de0n0de00"));
        });

        it("publishes the load balancers' host names and the CA and root certificates", async () => {
            const hosts = await new Promise((resolve) => built.mesh.apiServerHosts.apply(resolve));
            assert.deepStrictEqual(hosts, { east: lbHost("mesh-east-apiserver"), west: lbHost("mesh-west-apiserver") });
            const root = await new Promise((resolve) => built.mesh.istioRootCertPem.apply(resolve));
            assert.strictEqual(root, pem("CERTIFICATE", "mesh-istio-root"));
        });

        it("refuses settings for a cluster it does not hold", () => {
            assert.throws(
                () => built.mesh.ciliumSettings("north"),
                (err: unknown) => err instanceof InputError && err.allowed === "one of east, west",
            );
        });
    });

    describe("overlay", () => {
        let built: Built;
        before(async function () {
            this.timeout(60_000);
            built = await build({ datapath: CiliumDatapath.Overlay, tunnelProtocol: undefined }, (c) => ({
                podCidr: c.name === "east" ? "100.64.0.0/16" : "100.65.0.0/16",
            }));
        });

        it("gives each Cilium its own cluster-pool CIDR and no native routing CIDR", () => {
            const releases = ofType(built.recorder.registrations, RELEASE).filter((r) => r.inputs.chart === "cilium");
            const pools = releases.map((r) => {
                const values = revealed(r.inputs.values);
                return [
                    values.cluster.name,
                    values.ipam.operator.clusterPoolIPv4PodCIDRList,
                    values.ipv4NativeRoutingCIDR,
                ];
            });
            assert.deepStrictEqual(pools.sort(), [
                ["east", ["100.64.0.0/16"], undefined],
                ["west", ["100.65.0.0/16"], undefined],
            ]);
        });

        it("opens VXLAN, cilium-health and ping between the node groups, not every port", () => {
            const rules = ofType(
                built.recorder.registrations,
                "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
            ).filter((r) => r.name.startsWith("mesh-east-from-west"));
            assert.deepStrictEqual(
                rules.map((r) => `${r.inputs.ipProtocol} ${r.inputs.fromPort}-${r.inputs.toPort}`).sort(),
                ["icmp 8-0", "tcp 4240-4240", "udp 8472-8472"],
            );
        });
    });

    describe("two regions, VPCs peered elsewhere", () => {
        it("accepts a cross-region peering on the peer's side through a provider of its region", async function () {
            this.timeout(60_000);
            const built = await build({}, (c) => ({ region: c.name === "east" ? "us-east-1" : "us-west-2" }));
            const regs = built.recorder.registrations;
            const peering = ofType(regs, "aws:ec2/vpcPeeringConnection:VpcPeeringConnection")[0];
            assert.strictEqual(peering.inputs.peerRegion, "us-west-2");
            assert.strictEqual(peering.inputs.autoAccept, false);
            const accepter = ofType(regs, "aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter");
            assert.strictEqual(accepter.length, 1);
            const west = named(regs, "pulumi:providers:aws", "mesh-us-west-2");
            assert.strictEqual(west.inputs.region, "us-west-2");
            assert.strictEqual(providerUrn(accepter[0]), west.urn);
        });

        it("with vpcPeering false creates no peering and no route, but still the security-group rules", async function () {
            this.timeout(60_000);
            const built = await build({ vpcPeering: false });
            const regs = built.recorder.registrations;
            assert.strictEqual(ofType(regs, "aws:ec2/vpcPeeringConnection:VpcPeeringConnection").length, 0);
            assert.strictEqual(ofType(regs, "aws:ec2/route:Route").length, 0);
            assert.strictEqual(ofType(regs, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").length, 2);
        });
    });

    describe("refuses, before registering anything", () => {
        const cases: [string, (args: ClusterMeshArgs) => void, string, string][] = [
            ["one cluster", (a) => a.clusters.splice(1), "ClusterMesh.clusters", "from 2 to 255"],
            ["a name twice", (a) => (a.clusters[1].name = "east"), "ClusterMesh.clusters[1].name", "no other cluster"],
            ["an ID twice", (a) => (a.clusters[1].id = 1), "ClusterMesh.clusters[1].id", "no other cluster"],
            ["ID 0", (a) => (a.clusters[0].id = 0), "ClusterMesh.clusters[0].id", "from 1 to 255"],
            ["ID 256 at 255", (a) => (a.clusters[0].id = 256), "ClusterMesh.clusters[0].id", "from 1 to 255"],
            ["ID 200 with eni", (a) => (a.clusters[0].id = 200), "ClusterMesh.clusters[0].id", "cilium/cilium#21330"],
            [
                "maxConnectedClusters 300",
                (a) => (a.maxConnectedClusters = 300),
                "ClusterMesh.maxConnectedClusters",
                "255 or 511",
            ],
            [
                'the name "default"',
                (a) => (a.clusters[0].name = "default"),
                "ClusterMesh.clusters[0].name",
                'not "default"',
            ],
            ["an upper-case name", (a) => (a.clusters[0].name = "East"), "ClusterMesh.clusters[0].name", "lower-case"],
            [
                "a 33-character name",
                (a) => (a.clusters[0].name = "a".repeat(33)),
                "ClusterMesh.clusters[0].name",
                "at most 32",
            ],
            [
                "overlapping VPCs",
                (a) => (a.clusters[1].vpcCidr = "10.0.128.0/17"),
                "ClusterMesh.clusters[1].vpcCidr",
                "disjoint",
            ],
            [
                "a malformed VPC CIDR",
                (a) => (a.clusters[0].vpcCidr = "10.0.0.0/33"),
                "ClusterMesh.clusters[0].vpcCidr",
                "CIDR",
            ],
            [
                "a pod CIDR with eni",
                (a) => (a.clusters[0].podCidr = "100.64.0.0/16"),
                "ClusterMesh.clusters[0].podCidr",
                "unset with the eni",
            ],
            [
                "overlay without pod CIDR",
                (a) => (a.datapath = CiliumDatapath.Overlay),
                "ClusterMesh.clusters[0].podCidr",
                "required with the overlay",
            ],
            [
                "overlapping pod CIDRs",
                (a) => {
                    a.datapath = CiliumDatapath.Overlay;
                    a.clusters[0].podCidr = "100.64.0.0/10";
                    a.clusters[1].podCidr = "100.65.0.0/16";
                },
                "ClusterMesh.clusters[1].podCidr",
                "disjoint from clusters[0].podCidr",
            ],
            [
                "a pod CIDR inside a VPC",
                (a) => {
                    a.datapath = CiliumDatapath.Overlay;
                    a.clusters[0].podCidr = "100.64.0.0/16";
                    a.clusters[1].podCidr = "10.0.64.0/18";
                },
                "ClusterMesh.clusters[1].podCidr",
                "outside every cluster's VPC",
            ],
            ["a bad region", (a) => (a.clusters[0].region = "mars-1"), "ClusterMesh.clusters[0].region", "AWS region"],
            ["a bad mesh ID", (a) => (a.meshId = "Mesh_1"), "ClusterMesh.meshId", "DNS label"],
            ["a bad network", (a) => (a.istioNetwork = ""), "ClusterMesh.istioNetwork", "DNS label"],
            [
                "an unknown datapath",
                (a) => (a.datapath = "ipvlan" as CiliumDatapath),
                "ClusterMesh.datapath",
                "overlay",
            ],
            ["an unknown tunnel", (a) => (a.tunnelProtocol = "gre" as never), "ClusterMesh.tunnelProtocol", "geneve"],
            [
                "a member that is not a Cluster",
                (a) => (a.clusters[1].cluster = { provider: {} } as never),
                "ClusterMesh.clusters[1].cluster",
                "a Cluster of this package",
            ],
        ];
        for (const [what, change, input, fragment] of cases) {
            it(what, () => expectInputError(change, input, fragment));
        }

        it("an ID with the 128 bit is allowed on an overlay", async function () {
            this.timeout(60_000);
            const built = await build({ datapath: CiliumDatapath.Overlay }, (c) => ({
                id: c.name === "east" ? 200 : 201,
                podCidr: c.name === "east" ? "100.64.0.0/16" : "100.65.0.0/16",
            }));
            assert.strictEqual(ofType(built.recorder.registrations, COMPONENT).length, 1);
        });
    });
});

describe("CiliumRelease.clusterMesh and IstioRelease.multiCluster", () => {
    const mesh = {
        clusterName: "east",
        clusterId: 1,
        apiServerHost: "east.elb.example",
        peers: [{ name: "west", address: "west.elb.example" }],
        caCertPem: pem("CERTIFICATE", "ca"),
        caKeyPem: pem("PRIVATE KEY", "ca"),
    };
    const expectRefused = (build: () => unknown, input: string, fragment: string, value?: unknown) => {
        const recorder = recordRegistrations();
        assert.throws(build, (err: unknown) => {
            assert.ok(err instanceof InputError, String(err));
            assert.strictEqual(err.input, input);
            assert.ok(err.allowed.includes(fragment), err.allowed);
            if (value !== undefined) {
                assert.strictEqual(err.value, value);
            }
            return true;
        });
        assert.strictEqual(recorder.registrations.length, 0);
    };

    it("refuses cluster ID 0", () =>
        expectRefused(
            () => new CiliumRelease("c", { k8sServiceHost: "h.example", clusterMesh: { ...mesh, clusterId: 0 } }),
            "CiliumRelease.clusterMesh.clusterId",
            "from 1 to 255",
        ));
    it("refuses a mesh without peers", () =>
        expectRefused(
            () => new CiliumRelease("c", { k8sServiceHost: "h.example", clusterMesh: { ...mesh, peers: [] } }),
            "CiliumRelease.clusterMesh.peers",
            "one or more",
        ));
    it("refuses itself as a peer", () =>
        expectRefused(
            () =>
                new CiliumRelease("c", {
                    k8sServiceHost: "h.example",
                    clusterMesh: { ...mesh, peers: [{ name: "east", address: "x.example" }] },
                }),
            "CiliumRelease.clusterMesh.peers[0].name",
            "another cluster",
        ));
    it("refuses a CA key that is not PEM without printing it", () =>
        expectRefused(
            () =>
                new CiliumRelease("c", { k8sServiceHost: "h.example", clusterMesh: { ...mesh, caKeyPem: "hunter2" } }),
            "CiliumRelease.clusterMesh.caKeyPem",
            "PEM private key",
            "[secret]",
        ));
    it("refuses extraValues that change the cluster's ID", () =>
        expectRefused(
            () =>
                new CiliumRelease("c", {
                    k8sServiceHost: "h.example",
                    clusterMesh: mesh,
                    extraValues: { cluster: { id: 9 } },
                }),
            "CiliumRelease.extraValues.cluster.id",
            "ClusterMesh",
        ));
    it("refuses Istio multi-primary in ambient mode", () =>
        expectRefused(
            () =>
                new IstioRelease("i", {
                    mode: IstioMode.Ambient,
                    multiCluster: { meshId: "mesh1", clusterName: "east", network: "network1" },
                }),
            "IstioRelease.multiCluster.mode",
            "sidecar mode",
        ));
    it("refuses a remote secret for the cluster itself", () =>
        expectRefused(
            () =>
                new IstioRelease("i", {
                    multiCluster: {
                        meshId: "mesh1",
                        clusterName: "east",
                        network: "network1",
                        remoteClusters: [{ name: "east", kubeconfig: "{}" }],
                    },
                }),
            "IstioRelease.multiCluster.remoteClusters[0].name",
            "another cluster",
        ));
    it("refuses extraValues that change istiod's mesh ID", () =>
        expectRefused(
            () =>
                new IstioRelease("i", {
                    multiCluster: { meshId: "mesh1", clusterName: "east", network: "network1" },
                    extraValues: { istiod: { global: { meshID: "other" } } },
                }),
            "IstioRelease.extraValues.istiod.global.meshID",
            "multiCluster",
        ));

    it("with an east-west gateway installs the gateway chart on the network and the cross-network Gateway", async () => {
        const recorder = recordRegistrations();
        new IstioRelease(
            "i",
            { multiCluster: { meshId: "mesh1", clusterName: "east", network: "net-east", eastWestGateway: true } },
            { provider: new k8s.Provider("k", { kubeconfig: "{}" }) },
        );
        await recorder.settle();
        const gateway = one(recorder.registrations, RELEASE, "i-eastwestgateway");
        assert.strictEqual(gateway.inputs.chart, "gateway");
        assert.strictEqual(gateway.inputs.values.networkGateway, "net-east");
        const crossNetwork = one(
            recorder.registrations,
            "kubernetes:networking.istio.io/v1:Gateway",
            "i-cross-network-gateway",
        );
        assert.strictEqual(crossNetwork.inputs.spec.servers[0].port.number, 15443);
        assert.strictEqual(crossNetwork.inputs.spec.servers[0].tls.mode, "AUTO_PASSTHROUGH");
    });
});
