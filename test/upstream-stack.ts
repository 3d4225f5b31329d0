/**
 * Stacks for the connectivity specs, built from upstream objects as published (test/fixtures/upstream/, with their
 * sources) plus the pack's own builders (policies/test/fixtures.ts) for the installs: each Kubernetes object becomes
 * a resource as the engine shows it (`kubernetes:<group>/<version>:<Kind>`, props = the object).
 */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { ProbeAnswer, predictProbes } from "../policies/connectivity/connectivity";
import { parseProbe } from "../policies/connectivity/probe";
import { StackResource } from "../policies/model/resources";
import { FixtureResource, urnOf } from "../policies/test/harness";

export const UPSTREAM = path.join(__dirname, "fixtures", "upstream");

let serial = 0;

/** A Kubernetes object as a stack resource. */
export function objectResource(object: Record<string, any>, label = "object"): StackResource {
    const apiVersion: string = object.apiVersion;
    const group = apiVersion.includes("/") ? apiVersion : `core/${apiVersion}`;
    const type = `kubernetes:${group}:${object.kind}`;
    const name = `${label}-${object.metadata?.name ?? "unnamed"}-${serial++}`;
    return { type, urn: `urn:pulumi:test::upstream::${type}::${name}`, name, props: object };
}

/**
 * The objects of an upstream file (`cilium/minikube/http-sw-app.yaml`). `namespace` places the namespaced objects
 * that name none, as `kubectl apply -n` would.
 */
export function upstream(file: string, options: { namespace?: string } = {}): StackResource[] {
    const text = fs.readFileSync(path.join(UPSTREAM, file), "utf8");
    return YAML.parseAllDocuments(text)
        .map((doc) => doc.toJS())
        .filter((object) => object !== null && object !== undefined)
        .map((object) => {
            const clusterScoped = ["Namespace", "CiliumClusterwideNetworkPolicy"].includes(object.kind);
            if (options.namespace && !clusterScoped && object.metadata?.namespace === undefined) {
                object.metadata = { ...object.metadata, namespace: options.namespace };
            }
            return objectResource(object, path.basename(file, ".yaml"));
        });
}

/** The pack's fixture builders' resources, as the model reads them. */
export function fromFixtures(...fixtures: (FixtureResource | FixtureResource[])[]): StackResource[] {
    return fixtures.flat().map((f) => ({ type: f.type, urn: urnOf(f), name: f.name, props: f.props }));
}

/** A Namespace object with labels. */
export function namespaceObject(name: string, labels: Record<string, string> = {}): StackResource {
    return objectResource({ apiVersion: "v1", kind: "Namespace", metadata: { name, labels } }, "namespace");
}

/** A Deployment whose pods carry `labels`, with a container exposing `ports`. */
export function deploymentObject(
    namespace: string,
    name: string,
    labels: Record<string, string>,
    options: { ports?: { name?: string; containerPort: number }[]; serviceAccount?: string } = {},
): StackResource {
    return objectResource({
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name, namespace },
        spec: {
            selector: { matchLabels: labels },
            template: {
                metadata: { labels },
                spec: {
                    ...(options.serviceAccount ? { serviceAccountName: options.serviceAccount } : {}),
                    containers: [{ name, image: "example", ports: options.ports ?? [] }],
                },
            },
        },
    });
}

/** A Service selecting `selector`, with `ports` ({port, targetPort?}). */
export function serviceObject(
    namespace: string,
    name: string,
    selector: Record<string, string>,
    ports: { port: number; targetPort?: number | string; name?: string }[] = [{ port: 80 }],
    spec: Record<string, unknown> = {},
): StackResource {
    return objectResource({
        apiVersion: "v1",
        kind: "Service",
        metadata: { name, namespace },
        spec: { selector, ports, ...spec },
    });
}

/** Answers to probes on a stack, in order. */
export function ask(resources: readonly StackResource[], ...probes: string[]): ProbeAnswer[] {
    return predictProbes(resources, probes.map(parseProbe));
}

/** Codes only, for compact assertions. */
export function codes(resources: readonly StackResource[], ...probes: string[]): string[] {
    return ask(resources, ...probes).map((a) => a.code);
}

/** A `pulumi stack export` (deployment version 3) of these resources, with its root Stack, for `check` and `explain`. */
export function stackExportOf(resources: readonly StackResource[]): Record<string, unknown> {
    const root = "urn:pulumi:test::upstream::pulumi:pulumi:Stack::upstream-test";
    return {
        version: 3,
        deployment: {
            manifest: { time: new Date(0).toISOString(), magic: "", version: "test" },
            resources: [
                { urn: root, custom: false, type: "pulumi:pulumi:Stack", inputs: {}, outputs: {} },
                ...resources.map((r) => ({
                    urn: r.urn,
                    custom: true,
                    id: r.name,
                    type: r.type,
                    inputs: r.props,
                    outputs: r.props,
                    parent: root,
                })),
            ],
        },
    };
}
