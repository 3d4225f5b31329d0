/**
 * The `pulumi stack export` document (deployment version 3), written from the mock runtime's registrations.
 * Field names and meaning follow pulumi/pulumi sdk/go/common/apitype/core.go (UntypedDeployment, DeploymentV3,
 * ManifestV1, ResourceV3).
 *
 * Where the engine would add something the mock runtime does not do, it is added here the same way:
 * - default providers: a custom resource given no provider is managed by the engine's default provider of its
 *   package, named after the package version (`pulumi:providers:aws::default_5_40_0` as `pulumi up` prints it) and
 *   configured from the stack's `<pkg>:*` config; the resource's `provider` references it as
 *   `<provider urn>::<provider id>`;
 * - components and the root Stack have no ID.
 */
import * as crypto from "crypto";
import { Registration } from "../mock/mock-runtime";
import { SECRET_SIG, SIG_KEY, wireToState } from "./property-values";

export interface ResourceV3 {
    urn: string;
    custom: boolean;
    id?: string;
    type: string;
    inputs?: Record<string, any>;
    outputs?: Record<string, any>;
    parent?: string;
    dependencies?: string[];
    propertyDependencies?: Record<string, string[]>;
    /** `<provider urn>::<provider id>` */
    provider?: string;
}

export interface DeploymentV3 {
    manifest: { time: string; magic: string; version: string };
    resources: ResourceV3[];
}

export interface StackExport {
    version: 3;
    deployment: DeploymentV3;
}

/** Identifies the writer in the manifest: not a Pulumi engine, so it says what it is. */
const MANIFEST_VERSION = "eks-cilium-istio offline plan (Pulumi SDK mock runtime)";

/** The manifest's magic: the SHA-256 of its version string, as the engine computes it (ManifestV1). */
export function manifestMagic(version: string): string {
    return crypto.createHash("sha256").update(version).digest("hex");
}

export function parseUrn(urn: string): {
    stack: string;
    project: string;
    qualifiedType: string;
    type: string;
    name: string;
} {
    const parts = urn.split("::");
    if (parts.length < 4 || !parts[0].startsWith("urn:pulumi:")) {
        throw new Error(`not a Pulumi URN: "${urn}"`);
    }
    const qualifiedType = parts[2];
    return {
        stack: parts[0].slice("urn:pulumi:".length),
        project: parts[1],
        qualifiedType,
        type: qualifiedType.split("$").pop()!,
        name: parts.slice(3).join("::"),
    };
}

/** Splits a provider reference `<urn>::<id>` (the URN itself contains `::`). */
export function parseProviderReference(ref: string): { urn: string; id: string } {
    const cut = ref.lastIndexOf("::");
    return { urn: ref.slice(0, cut), id: ref.slice(cut + 2) };
}

function isProviderType(type: string): boolean {
    return type.startsWith("pulumi:providers:");
}

function defaultProviderName(version: string | undefined): string {
    return version ? `default_${version.replace(/[.-]/g, "_")}` : "default";
}

export interface ExportOptions {
    project: string;
    stack: string;
    /** The stack config, so default providers carry their package's settings as the engine passes them. */
    config: Record<string, string>;
    /** Config keys whose values are secret: a default provider's copy of them is written without its value. */
    secretKeys: readonly string[];
    time: Date;
}

/**
 * A secret config value in a provider's settings, as a secret whose value is left out: the offline plan has no secrets
 * provider to encrypt it (what `pulumi stack export` writes), and a credential must not reach a file in the clear.
 * Read back (`check`), it is a value that cannot be read, as a ciphertext is.
 */
const LEFT_OUT_SECRET = {
    [SIG_KEY]: SECRET_SIG,
    ciphertext: "[left out: the offline plan has no secrets provider to encrypt it]",
};

export async function toStackExport(
    registrations: readonly Registration[],
    options: ExportOptions,
): Promise<StackExport> {
    const resources: ResourceV3[] = [];
    const defaultProviders = new Map<string, string>(); // package@version -> reference

    const defaultProviderFor = (pkg: string, version: string | undefined): string => {
        const key = `${pkg}@${version ?? ""}`;
        let ref = defaultProviders.get(key);
        if (!ref) {
            const name = defaultProviderName(version);
            const urn = `urn:pulumi:${options.stack}::${options.project}::pulumi:providers:${pkg}::${name}`;
            const id = `${name}-id`;
            const settings: Record<string, unknown> = {};
            const secret = new Set(options.secretKeys);
            for (const [k, v] of Object.entries(options.config)) {
                if (k.startsWith(`${pkg}:`)) {
                    settings[k.slice(pkg.length + 1)] = secret.has(k) ? { ...LEFT_OUT_SECRET } : v;
                }
            }
            if (version) {
                settings.version = version;
            }
            resources.push({
                urn,
                custom: true,
                id,
                type: `pulumi:providers:${pkg}`,
                inputs: settings,
                outputs: settings,
            });
            ref = `${urn}::${id}`;
            defaultProviders.set(key, ref);
        }
        return ref;
    };

    for (const r of registrations) {
        // Keys in ResourceV3's order, so the file reads like an export from the CLI.
        const resource = { urn: r.urn, custom: r.custom } as ResourceV3;
        if (r.custom && r.id) {
            resource.id = r.id;
        }
        resource.type = r.type;
        resource.inputs = (await wireToState(r.inputs)) as Record<string, any>;
        resource.outputs = (await wireToState(r.outputs)) as Record<string, any>;
        if (r.parent) {
            resource.parent = r.parent;
        }
        resource.dependencies = r.dependencies;
        resource.propertyDependencies = r.propertyDependencies;
        if (r.provider) {
            resource.provider = r.provider;
        } else if (r.custom && !isProviderType(r.type)) {
            resource.provider = defaultProviderFor(r.type.split(":")[0], r.packageVersion);
        }
        resources.push(resource);
    }
    return {
        version: 3,
        deployment: {
            manifest: {
                time: options.time.toISOString(),
                magic: manifestMagic(MANIFEST_VERSION),
                version: MANIFEST_VERSION,
            },
            resources,
        },
    };
}
