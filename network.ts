/**
 * The root program's network when the stack asks for a new VPC (`eks-cilium-istio:createVpc`): two availability zones,
 * each with a public subnet (load balancers, the NAT gateway) and a larger private subnet for the nodes, whose pods
 * take VPC addresses under Cilium's ENI IPAM; one NAT gateway for the private subnets' way out. Built from
 * @pulumi/aws resources, so the plan sees each of them.
 *
 * EKS needs subnets in at least two availability zones and, for the private endpoint, DNS hostnames and resolution
 * in the VPC (docs/cilium-istio-facts.md#eks). The `kubernetes.io/role/elb` and `internal-elb` tags are where the AWS
 * Load Balancer Controller and the in-tree service controller place public and internal load balancers (AWS docs,
 * "Subnet requirements and considerations" of the EKS user guide). One NAT gateway, not one per zone: cheaper, at the
 * price of the private subnets losing their way out if its zone fails (stated in the README).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** The VPC's address plan: /20 public subnets (4,091 addresses each), /18 private ones (16,379) for nodes and pods. */
export const NEW_VPC_LAYOUT = {
    cidrBlock: "10.0.0.0/16",
    zones: [
        { publicCidr: "10.0.0.0/20", privateCidr: "10.0.128.0/18" },
        { publicCidr: "10.0.16.0/20", privateCidr: "10.0.192.0/18" },
    ],
} as const;

export interface NewVpc {
    vpcId: pulumi.Output<string>;
    publicSubnetIds: pulumi.Output<string>[];
    privateSubnetIds: pulumi.Output<string>[];
}

/** A VPC laid out as NEW_VPC_LAYOUT, named after `name`. */
export function createVpc(name: string): NewVpc {
    const zones = aws.getAvailabilityZonesOutput({ state: "available" }).names;
    const vpc = new aws.ec2.Vpc(name, {
        cidrBlock: NEW_VPC_LAYOUT.cidrBlock,
        enableDnsHostnames: true,
        enableDnsSupport: true,
        tags: { Name: name },
    });
    const internetGateway = new aws.ec2.InternetGateway(name, { vpcId: vpc.id, tags: { Name: name } });
    const publicRoutes = new aws.ec2.RouteTable(`${name}-public`, {
        vpcId: vpc.id,
        routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: internetGateway.id }],
        tags: { Name: `${name}-public` },
    });
    const subnets = (tier: "public" | "private", routes: aws.ec2.RouteTable) =>
        NEW_VPC_LAYOUT.zones.map((zone, i) => {
            const subnet = new aws.ec2.Subnet(`${name}-${tier}-${i}`, {
                vpcId: vpc.id,
                cidrBlock: tier === "public" ? zone.publicCidr : zone.privateCidr,
                availabilityZone: zones[i],
                mapPublicIpOnLaunch: tier === "public",
                tags: {
                    Name: `${name}-${tier}-${i}`,
                    [tier === "public" ? "kubernetes.io/role/elb" : "kubernetes.io/role/internal-elb"]: "1",
                },
            });
            new aws.ec2.RouteTableAssociation(`${name}-${tier}-${i}`, { subnetId: subnet.id, routeTableId: routes.id });
            return subnet;
        });
    const publicSubnets = subnets("public", publicRoutes);
    const natAddress = new aws.ec2.Eip(`${name}-nat`, { domain: "vpc", tags: { Name: `${name}-nat` } });
    const nat = new aws.ec2.NatGateway(
        name,
        { allocationId: natAddress.id, subnetId: publicSubnets[0].id, tags: { Name: name } },
        { dependsOn: [internetGateway] },
    );
    const privateRoutes = new aws.ec2.RouteTable(`${name}-private`, {
        vpcId: vpc.id,
        routes: [{ cidrBlock: "0.0.0.0/0", natGatewayId: nat.id }],
        tags: { Name: `${name}-private` },
    });
    const privateSubnets = subnets("private", privateRoutes);
    return {
        vpcId: vpc.id,
        publicSubnetIds: publicSubnets.map((s) => s.id),
        privateSubnetIds: privateSubnets.map((s) => s.id),
    };
}
