import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { InputError } from "../components/validation";
import { withGeneratedSection } from "../policies/kit/generated-section";
import {
    CONFIG_TABLE,
    checkStackConfigKeys,
    readAwsRegion,
    readStackConfig,
    renderConfigTable,
    STACK_CONFIG_KEYS,
} from "../stack-config";

/** A `get` over a plain map, as `new pulumi.Config("eks-cilium-istio").get` would answer it. */
function from(values: { [key: string]: string }): (key: string) => string | undefined {
    return (key) => values[key];
}

function expectConfigError(values: { [key: string]: string }, key: string, allowedFragment: string): void {
    assert.throws(
        () => readStackConfig(from(values)),
        (err: unknown) => {
            assert.ok(err instanceof InputError, `expected InputError, got ${String(err)}`);
            assert.strictEqual(err.input, `eks-cilium-istio:${key}`);
            assert.ok(err.allowed.includes(allowedFragment), `"${err.allowed}" should mention "${allowedFragment}"`);
            return true;
        },
    );
}

describe("stack config meshClusters", () => {
    const two = [
        { name: "east", id: 1, vpcCidr: "10.0.0.0/16" },
        { name: "west", id: 2, vpcCidr: "10.1.0.0/16", region: "us-east-1" },
    ];

    it("reads the list the stack file holds (the CLI hands objects to the program as JSON)", () => {
        assert.deepStrictEqual(readStackConfig(from({ meshClusters: JSON.stringify(two) })).meshClusters, two);
    });

    const cases: [string, string, string, string][] = [
        ["text that is not a list", "east,west", "meshClusters", "a list of clusters"],
        ["an object", JSON.stringify({ east: 1 }), "meshClusters", "a list of clusters"],
        ["an entry that is not an object", JSON.stringify(["east"]), "meshClusters[0]", "an object"],
        [
            "an unknown field",
            JSON.stringify([{ ...two[0], cidr: "10.0.0.0/16" }]),
            "meshClusters[0]",
            "only the fields",
        ],
        ["an ID as text", JSON.stringify([{ ...two[0], id: "1" }]), "meshClusters[0].id", "a number"],
        ["no vpcCidr", JSON.stringify([{ name: "east", id: 1 }]), "meshClusters[0].vpcCidr", "required"],
    ];
    for (const [what, raw, key, fragment] of cases) {
        it(`refuses ${what}, naming the entry and field`, () =>
            expectConfigError({ meshClusters: raw }, key, fragment));
    }
});

describe("stack config", () => {
    it("knows the stack config keys the README documents", () => {
        for (const key of [
            "ciliumDatapath",
            "tunnelProtocol",
            "istioMode",
            "meshMtlsMode",
            "demoStage",
            "demoMtlsFix",
            "ciliumVersion",
            "istioVersion",
            "kubernetesVersion",
            "nodeInstanceType",
            "nodeDesiredSize",
            "nodeMinSize",
            "nodeMaxSize",
        ]) {
            assert.ok((STACK_CONFIG_KEYS as readonly string[]).includes(key), key);
        }
    });

    it("leaves unset keys to the components' defaults, and deploys the demo unless told not to", () => {
        const config = readStackConfig(from({}));
        assert.strictEqual(config.demoEnabled, true);
        for (const [key, value] of Object.entries(config)) {
            if (key !== "demoEnabled") {
                assert.strictEqual(value, undefined, key);
            }
        }
    });

    it("reads every key into its type", () => {
        assert.deepStrictEqual(
            readStackConfig(
                from({
                    ciliumDatapath: "overlay",
                    tunnelProtocol: "geneve",
                    istioMode: "ambient",
                    meshMtlsMode: "PERMISSIVE",
                    ciliumVersion: "1.18.12",
                    istioVersion: "1.29.6",
                    kubernetesVersion: "1.33",
                    nodeInstanceType: "m7i-flex.xlarge",
                    nodeDesiredSize: "3",
                    nodeMinSize: "2",
                    nodeMaxSize: "5",
                    demoEnabled: "false",
                    demoStage: "l4",
                    demoMtlsFix: "false",
                }),
            ),
            {
                ciliumDatapath: "overlay",
                tunnelProtocol: "geneve",
                istioMode: "ambient",
                meshMtlsMode: "PERMISSIVE",
                ciliumVersion: "1.18.12",
                istioVersion: "1.29.6",
                kubernetesVersion: "1.33",
                nodeInstanceType: "m7i-flex.xlarge",
                nodeDesiredSize: 3,
                nodeMinSize: 2,
                nodeMaxSize: 5,
                demoEnabled: false,
                demoStage: "l4",
                demoMtlsFix: false,
            },
        );
    });

    it("rejects a value outside each mode's enum", () => {
        expectConfigError({ ciliumDatapath: "calico" }, "ciliumDatapath", "eni, chaining, overlay");
        expectConfigError({ ciliumDatapath: "overlay", tunnelProtocol: "ipip" }, "tunnelProtocol", "vxlan, geneve");
        expectConfigError({ istioMode: "Sidecar" }, "istioMode", "sidecar, ambient");
        expectConfigError({ meshMtlsMode: "DISABLE" }, "meshMtlsMode", "STRICT, PERMISSIVE");
        expectConfigError({ demoStage: "l3" }, "demoStage", "open, l4, l7");
    });

    it("rejects a tunnel protocol on a datapath without a tunnel", () => {
        expectConfigError({ tunnelProtocol: "vxlan" }, "tunnelProtocol", "overlay");
        expectConfigError({ ciliumDatapath: "eni", tunnelProtocol: "geneve" }, "tunnelProtocol", "overlay");
    });

    it("rejects malformed versions", () => {
        expectConfigError({ ciliumVersion: "1.19" }, "ciliumVersion", "MAJOR.MINOR.PATCH");
        expectConfigError({ istioVersion: "stable" }, "istioVersion", "MAJOR.MINOR.PATCH");
        expectConfigError({ kubernetesVersion: "1.34.2" }, "kubernetesVersion", "MAJOR.MINOR");
    });

    it("reads the network keys: IDs, lists, CIDRs, and refuses a new VPC beside an existing one", () => {
        const read = readStackConfig(
            from({
                vpcId: "vpc-0123456789abcdef0",
                publicSubnetIds: "subnet-0123456789abcdef0,subnet-0fedcba9876543210",
                publicAccessCidrs: "203.0.113.0/24, 198.51.100.7/32",
                allowUnsupportedVersions: "true",
            }),
        );
        assert.deepStrictEqual(read.publicSubnetIds, ["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"]);
        assert.deepStrictEqual(read.publicAccessCidrs, ["203.0.113.0/24", "198.51.100.7/32"]);
        assert.strictEqual(read.allowUnsupportedVersions, true);
        expectConfigError({ vpcId: "default" }, "vpcId", "vpc-0123456789abcdef0");
        expectConfigError({ publicAccessCidrs: "0.0.0.0" }, "publicAccessCidrs", "203.0.113.0/24");
        expectConfigError({ createVpc: "true", privateSubnetIds: "subnet-0123456789abcdef0" }, "createVpc", "not both");
        expectConfigError({ allowUnsupportedVersions: "yes" }, "allowUnsupportedVersions", "true or false");
    });

    it("rejects chart versions Helm would not find, saying which part is wrong", () => {
        expectConfigError({ ciliumVersion: "v1.19.6" }, "ciliumVersion", 'without the leading "v": 1.19.6');
        expectConfigError({ istioVersion: "v1.30.3" }, "istioVersion", 'without the leading "v": 1.30.3');
        expectConfigError({ ciliumVersion: "01.19.6" }, "ciliumVersion", "without leading zeros");
        expectConfigError({ istioVersion: "1.030.3" }, "istioVersion", "without leading zeros");
        assert.strictEqual(readStackConfig(from({ ciliumVersion: "1.19.6" })).ciliumVersion, "1.19.6");
        assert.strictEqual(readStackConfig(from({ istioVersion: "1.30.0" })).istioVersion, "1.30.0");
    });

    it("echoes a node count too large to be a number as it was given", () => {
        assert.throws(
            () => readStackConfig(from({ nodeDesiredSize: "99999999999999999999" })),
            /eks-cilium-istio:nodeDesiredSize: got "99999999999999999999"; allowed: a whole number of nodes from 0 to 450/,
        );
    });

    it("requires aws:region, an AWS region name that @pulumi/aws knows", () => {
        const known = ["us-west-2", "eu-west-1", "us-gov-east-1"];
        assert.strictEqual(readAwsRegion("us-west-2", known), "us-west-2");
        assert.throws(() => readAwsRegion(undefined, known), /aws:region: got null; allowed: required: an AWS region/);
        assert.throws(() => readAwsRegion("", known), /aws:region: got ""; allowed: required/);
        assert.throws(
            () => readAwsRegion("US-West-2", known),
            /aws:region: got "US-West-2"; allowed: an AWS region name/,
        );
        assert.throws(() => readAwsRegion("mars-1", known), /aws:region: got "mars-1"; allowed: an AWS region name/);
        assert.throws(
            () => readAwsRegion("mars-north-1", known),
            /aws:region: got "mars-north-1"; allowed: one of the regions @pulumi\/aws knows: eu-west-1, us-gov-east-1, us-west-2/,
        );
    });

    it("rejects booleans other than true and false", () => {
        expectConfigError({ demoMtlsFix: "yes" }, "demoMtlsFix", "true or false");
        expectConfigError({ demoEnabled: "TRUE" }, "demoEnabled", "true or false");
    });

    it("rejects malformed node settings and sizes out of order", () => {
        expectConfigError({ nodeInstanceType: "large" }, "nodeInstanceType", "t3.large");
        expectConfigError({ nodeDesiredSize: "two" }, "nodeDesiredSize", "whole number");
        expectConfigError({ nodeMinSize: "-1" }, "nodeMinSize", "whole number");
        expectConfigError({ nodeMaxSize: "2.5" }, "nodeMaxSize", "whole number");
        expectConfigError({ nodeMinSize: "3", nodeDesiredSize: "2" }, "nodeDesiredSize", "at least");
        expectConfigError({ nodeMaxSize: "3", nodeDesiredSize: "4" }, "nodeDesiredSize", "at most");
        expectConfigError({ nodeMinSize: "4", nodeMaxSize: "3" }, "nodeMinSize", "at most");
    });

    it("rejects an unknown key of its namespace and ignores other namespaces", () => {
        assert.doesNotThrow(() =>
            checkStackConfigKeys(["aws:region", "eks-cilium-istio:demoStage", "kubernetes:context"]),
        );
        assert.throws(
            () => checkStackConfigKeys(["eks-cilium-istio:demoStag"]),
            (err: unknown) =>
                err instanceof InputError &&
                err.input === "eks-cilium-istio:demoStag" &&
                err.allowed.includes("demoStage"),
        );
    });
});

describe("the README's stack config table", () => {
    it("is generated from STACK_CONFIG_TABLE (run `npm run docs` after adding or changing a key)", () => {
        const readme = fs.readFileSync(path.join(__dirname, "..", "README.md"), "utf8");
        assert.strictEqual(readme, withGeneratedSection(readme, CONFIG_TABLE, renderConfigTable()));
    });
});
