"use strict";
/**
 * The benchmark's peer of `npm run plan` (BENCHMARKS.md): an EKS Blueprints CDK app of an EKS cluster with Istio's
 * base, istiod and cni add-ons (the same three charts the dev stack installs), synthesised to a cloud assembly in a
 * temporary directory, as `cdk synth` has the app do. Nothing is deployed and no AWS API is called: the account and
 * region are given, and the Blueprints builder creates its own VPC rather than looking one up.
 * `npm run --silent synth` here is what the bench times; it prints the stack's resource count.
 */
const fs = require("fs");
const os = require("os");
const path = require("path");
const cdk = require("aws-cdk-lib");
const blueprints = require("@aws-quickstart/eks-blueprints");

async function main() {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "eks-blueprints-peer-"));
    try {
        const app = new cdk.App({ outdir });
        await blueprints.EksBlueprint.builder()
            .account("123456789012")
            .region("us-west-2")
            .version("auto")
            .addOns(
                new blueprints.addons.IstioBaseAddOn(),
                new blueprints.addons.IstioControlPlaneAddOn(),
                new blueprints.addons.IstioCniAddon(),
            )
            .buildAsync(app, "eks-istio");
        const assembly = app.synth();
        for (const stack of assembly.stacks) {
            process.stdout.write(
                `${stack.stackName}: ${Object.keys(stack.template.Resources ?? {}).length} resources\n`,
            );
        }
    } finally {
        fs.rmSync(outdir, { recursive: true, force: true });
    }
}

main().catch((err) => {
    process.stderr.write(`${err.stack ?? err}\n`);
    process.exitCode = 1;
});
