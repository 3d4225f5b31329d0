// A consumer's Pulumi program that takes the components from the npm package, as a platform team would: every
// component, with args other than their defaults (an overlay datapath, ambient Istio, a demo at stage l4).
// test/package.spec.ts compiles it strictly against the packed and installed package, and plans and gates it with the
// installed command line (`npx eks-cilium-istio plan`).
import * as pulumi from "@pulumi/pulumi";
import {
    CiliumDatapath,
    CiliumRelease,
    Cluster,
    DemoCheck,
    DemoStage,
    IstioMode,
    IstioRelease,
    MtlsMode,
    NamespaceDemo,
    TunnelProtocol,
} from "eks-cilium-istio";

const config = new pulumi.Config();

const cluster = new Cluster("shop", {
    kubernetesVersion: "1.33",
    ciliumDatapath: CiliumDatapath.Overlay,
    nodeGroup: { instanceTypes: ["m7i.large"], desiredSize: 3, minSize: 2, maxSize: 5, diskSizeGiB: 50 },
    publicAccessCidrs: ["203.0.113.0/24"],
    tags: { team: "platform" },
});

// Cilium needs the control plane only (its endpoint and provider), not the whole Cluster: see Cluster's doc comment.
const cilium = new CiliumRelease(
    "cilium",
    {
        version: "1.18.12",
        datapath: CiliumDatapath.Overlay,
        tunnelProtocol: TunnelProtocol.Geneve,
        k8sServiceHost: cluster.endpointHost,
        istioMode: IstioMode.Ambient,
        hubble: { relay: true, ui: true },
        prometheus: true,
        operatorReplicas: 1,
    },
    { provider: cluster.provider },
);

const istio = new IstioRelease(
    "istio",
    {
        mode: IstioMode.Ambient,
        ciliumDatapath: CiliumDatapath.Overlay,
        meshMtlsMode: MtlsMode.Permissive,
    },
    { provider: cluster.provider, dependsOn: [cilium] },
);

const demo = new NamespaceDemo(
    "demo",
    {
        istioMode: IstioMode.Ambient,
        // `pulumi config set demoStage l7` adds Cilium's HTTP rule on blue's httpbin, which Cilium's proxy cannot apply
        // to ambient's tunnelled traffic: cilium-istio-guard rejects that (cilium-l7-policy-vs-istio-mtls).
        stage: config.get<DemoStage>("demoStage") ?? DemoStage.L4,
        mtlsFix: false,
    },
    { provider: cluster.provider, dependsOn: [istio] },
);

export const clusterName: pulumi.Output<string> = cluster.clusterName;
export const ciliumVersion: pulumi.Output<string> = cilium.version;
export const meshPeerAuthentication: pulumi.Output<string> = istio.meshPeerAuthentication;
export const checks: pulumi.Output<DemoCheck[]> = demo.checks;
