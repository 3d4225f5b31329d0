/**
 * Calls rules exactly as the policy server does (@pulumi/policy 1.21.0 server.js), so that what passes here passes in
 * the pack: complete `ResourceValidationArgs` / `StackValidationArgs` (type, props, urn, name, opts, provider,
 * stackTags, getConfig, notApplicable, isType, asType), props wrapped in `unknownCheckingProxy`, the level resolved
 * as the server does (config level, else the policy's, else the pack's default "advisory"), and `reportViolation`
 * accepting both the string and the object form.
 *
 * A rule that throws fails the test: the pack must never throw, so the harness does not soften that. The pack's
 * companion policy `cilium-istio-guard-advisories` (kit/findings.ts) runs after the rule on the same stack (or on the
 * one resource), as at the end of AnalyzeStack, so what the rule could not check and its advisory findings are among
 * what it reports, at the companion's level.
 */
import * as fs from "fs";
import { advisoriesPolicy } from "../kit/findings";
import * as policy from "@pulumi/policy";
import {
    EnforcementLevel,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
} from "@pulumi/policy";

// Internal to @pulumi/policy (stripped from its .d.ts): the proxy the server wraps props in, and its unknown sentinels.
const unknownCheckingProxy: <T>(props: T) => T = policy.unknownCheckingProxy;
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the sentinels are stripped from the .d.ts (@internal)
const sentinels = require("@pulumi/policy/proxy");

/** Values a preview leaves unknown, as the engine sends them. */
export const UNKNOWN = {
    string: sentinels.unknownStringValue as string,
    boolean: sentinels.unknownBooleanValue as string,
    object: sentinels.unknownObjectValue as string,
    array: sentinels.unknownArrayValue as string,
};

export interface FixtureResource {
    type: string;
    name: string;
    props: Record<string, any>;
    /** Parent chain of types for the URN (engine form `parent$child`), e.g. ["kubernetes:helm.sh/v4:Chart"]. */
    parentTypes?: string[];
    /** The URN as recorded, for resources that come from a program run rather than a builder. */
    urn?: string;
    /**
     * The resource's provider, as the server hands `PolicyResource.provider`: a Kubernetes provider puts the resource
     * in that provider's cluster (policies/model/clusters.ts).
     */
    provider?: FixtureProvider;
    /** URN of the parent resource. */
    parent?: string;
}

export interface FixtureProvider {
    /** Default `pulumi:providers:kubernetes`. */
    type?: string;
    name: string;
    props?: Record<string, any>;
    /** The provider's URN, for providers recorded by a program run (as FixtureResource.urn). */
    urn?: string;
}

/** The provider's URN in the fixture stack. */
export function providerUrn(provider: FixtureProvider): string {
    return (
        provider.urn ?? `urn:pulumi:test::fixture::${provider.type ?? "pulumi:providers:kubernetes"}::${provider.name}`
    );
}

export interface Reported {
    level: EnforcementLevel;
    message: string;
    urn?: string;
}

export interface RunOptions {
    /** What `--policy-pack-config` gives this policy: its properties, and optionally its level. */
    config?: Record<string, unknown>;
    enforcementLevel?: EnforcementLevel;
}

export function urnOf(resource: FixtureResource): string {
    if (resource.urn) {
        return resource.urn;
    }
    const qualified = [...(resource.parentTypes ?? []), resource.type].join("$");
    return `urn:pulumi:test::fixture::${qualified}::${resource.name}`;
}

const OPTIONS: PolicyResourceOptions = {
    protect: false,
    ignoreChanges: [],
    aliases: [],
    customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
    additionalSecretOutputs: [],
};

const STACK_TAGS: ReadonlyMap<string, string> = new Map([["pulumi:project", "fixture"]]);

class NotApplicable extends Error {}

function typeChecks(type: string, props: Record<string, any>) {
    const isType = (resourceClass: { __pulumiType?: string }) => resourceClass.__pulumiType === type;
    return {
        isType: isType as any,
        asType: ((resourceClass: { __pulumiType?: string }) => (isType(resourceClass) ? props : undefined)) as any,
    };
}

/** server.js makeReportViolationFun, collecting into `reported`. */
function reporter(description: string, level: EnforcementLevel, reported: Reported[]) {
    return (message: unknown, urn?: string) => {
        if (typeof message === "object" && message !== null) {
            const info = message as {
                message?: string;
                description?: string;
                urn?: string;
                enforcementLevel?: EnforcementLevel;
            };
            reported.push({
                level: info.enforcementLevel ?? level,
                message: info.message ?? info.description ?? description,
                urn: info.urn,
            });
        } else {
            reported.push({ level, message: message ? `${description}\n${message}` : description, urn });
        }
    };
}

function effectiveLevel(p: { enforcementLevel?: EnforcementLevel }, options: RunOptions): EnforcementLevel {
    const level = options.enforcementLevel ?? p.enforcementLevel ?? "advisory";
    return level === "remediate" ? "mandatory" : level;
}

function notApplicable(reason?: string): never {
    throw new NotApplicable(reason);
}

/**
 * With PACK_SPEC_STACKS set to a file, every stack a spec runs a rule on is appended to it as one JSON line, so that
 * test/in-process-vs-served.spec.ts can run each through the whole pack both ways.
 */
export interface RecordedStack {
    policy: string;
    resources: FixtureResource[];
    options: RunOptions;
}

function record(policyName: string, resources: FixtureResource[], options: RunOptions): void {
    const file = process.env.PACK_SPEC_STACKS;
    if (file) {
        const line: RecordedStack = { policy: policyName, resources, options };
        fs.appendFileSync(file, `${JSON.stringify(line)}\n`);
    }
}

export async function runStackPolicy(
    p: StackValidationPolicy,
    resources: FixtureResource[],
    options: RunOptions = {},
): Promise<Reported[]> {
    record(p.name, resources, options);
    return [
        ...(await stackPolicyReports(p, resources, options)),
        ...(await stackPolicyReports(advisoriesPolicy, resources)),
    ];
}

async function stackPolicyReports(
    p: StackValidationPolicy,
    resources: FixtureResource[],
    options: RunOptions = {},
): Promise<Reported[]> {
    const reported: Reported[] = [];
    const level = effectiveLevel(p, options);
    if (level === "disabled") {
        return reported;
    }
    const policyResources: PolicyResource[] = resources.map((resource) => {
        const props = unknownCheckingProxy(resource.props);
        const provider = resource.provider;
        return {
            type: resource.type,
            props,
            urn: urnOf(resource),
            name: resource.name,
            opts: OPTIONS,
            dependencies: [],
            propertyDependencies: {},
            ...(provider && {
                provider: {
                    type: provider.type ?? "pulumi:providers:kubernetes",
                    props: unknownCheckingProxy(provider.props ?? {}),
                    urn: providerUrn(provider),
                    name: provider.name,
                },
            }),
            ...typeChecks(resource.type, props),
        };
    });
    // As the server links them: the parent is the resource object itself.
    const byUrn = new Map(policyResources.map((r) => [r.urn, r]));
    resources.forEach((resource, i) => {
        const parent = resource.parent ? byUrn.get(resource.parent) : undefined;
        if (parent) {
            policyResources[i].parent = parent;
        }
    });
    const args: StackValidationArgs = {
        resources: policyResources,
        getConfig: <T extends object>() => ({ ...(options.config ?? {}) }) as T,
        stackTags: STACK_TAGS,
        notApplicable,
    };
    try {
        await p.validateStack(args, reporter(p.description, level, reported) as any);
    } catch (error) {
        if (!(error instanceof NotApplicable)) {
            throw error;
        }
    }
    return reported;
}

export async function runResourcePolicy(
    p: ResourceValidationPolicy,
    resource: FixtureResource,
    options: RunOptions = {},
): Promise<Reported[]> {
    record(p.name, [resource], options);
    return [
        ...(await resourcePolicyReports(p, resource, options)),
        ...(await stackPolicyReports(advisoriesPolicy, [resource])),
    ];
}

async function resourcePolicyReports(
    p: ResourceValidationPolicy,
    resource: FixtureResource,
    options: RunOptions = {},
): Promise<Reported[]> {
    const reported: Reported[] = [];
    const level = effectiveLevel(p, options);
    if (level === "disabled" || !p.validateResource) {
        return reported;
    }
    const props = unknownCheckingProxy(resource.props);
    const args: ResourceValidationArgs = {
        type: resource.type,
        props,
        urn: urnOf(resource),
        name: resource.name,
        opts: OPTIONS,
        stackTags: STACK_TAGS,
        getConfig: <T extends object>() => ({ ...(options.config ?? {}) }) as T,
        notApplicable,
        ...typeChecks(resource.type, props),
    };
    const validations = Array.isArray(p.validateResource) ? p.validateResource : [p.validateResource];
    for (const validation of validations) {
        try {
            await validation(args, reporter(p.description, level, reported) as any);
        } catch (error) {
            if (!(error instanceof NotApplicable)) {
                throw error;
            }
        }
    }
    return reported;
}

export const mandatory = (reported: Reported[]) => reported.filter((r) => r.level === "mandatory");
export const advisories = (reported: Reported[]) => reported.filter((r) => r.level === "advisory");
