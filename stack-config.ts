/**
 * The root program's stack config (namespace `eks-cilium-istio`), read and checked as plain strings so that the
 * same function serves `pulumi up`, the tests and the offline plan. A key left unset takes the default of the
 * component it feeds (README, "Stack config").
 */
import { CiliumDatapath, DemoStage, IstioMode, MtlsMode, TunnelProtocol } from "./components/types";
import { InputError, oneOf } from "./components/validation";
import { parseKubernetesVersion, parseVersion } from "./components/versions";

export const STACK_CONFIG_NAMESPACE = "eks-cilium-istio";

/** Every key the root program reads from namespace `eks-cilium-istio`. */
export const STACK_CONFIG_KEYS = [
    "ciliumDatapath",
    "tunnelProtocol",
    "istioMode",
    "meshMtlsMode",
    "ciliumVersion",
    "istioVersion",
    "kubernetesVersion",
    "nodeInstanceType",
    "nodeDesiredSize",
    "nodeMinSize",
    "nodeMaxSize",
    "demoEnabled",
    "demoStage",
    "demoMtlsFix",
] as const;
export type StackConfigKey = (typeof STACK_CONFIG_KEYS)[number];

/** The checked stack config; undefined means "not set: the component's default applies". */
export interface StackConfig {
    ciliumDatapath?: CiliumDatapath;
    tunnelProtocol?: TunnelProtocol;
    istioMode?: IstioMode;
    meshMtlsMode?: MtlsMode;
    ciliumVersion?: string;
    istioVersion?: string;
    kubernetesVersion?: string;
    nodeInstanceType?: string;
    nodeDesiredSize?: number;
    nodeMinSize?: number;
    nodeMaxSize?: number;
    /** Whether the red/blue/green demo is deployed; the root program's own setting, default true. */
    demoEnabled: boolean;
    demoStage?: DemoStage;
    demoMtlsFix?: boolean;
}

/** The name an error reports for a key: the full config key as `pulumi config set` spells it. */
function configKey(key: StackConfigKey): string {
    return `${STACK_CONFIG_NAMESPACE}:${key}`;
}

function parseBoolean(key: StackConfigKey, raw: string): boolean {
    if (raw !== "true" && raw !== "false") {
        throw new InputError(configKey(key), raw, "true or false");
    }
    return raw === "true";
}

/** Node counts: whole numbers. Their ranges belong to Cluster; the order min <= desired <= max is checked here. */
function parseCount(key: StackConfigKey, raw: string): number {
    if (!/^\d+$/.test(raw)) {
        throw new InputError(configKey(key), raw, "a whole number of nodes such as 2");
    }
    return Number(raw);
}

/** EC2 instance type names: family (with generation and attributes), a dot, the size, e.g. t3.large, m7i-flex.xlarge. */
const INSTANCE_TYPE = /^[a-z][a-z0-9-]*\.[a-z0-9-]+$/;

/**
 * Reads every key through `get` (e.g. `key => new pulumi.Config("eks-cilium-istio").get(key)`) and checks it; an
 * InputError names `eks-cilium-istio:<key>`, the value and what is allowed.
 */
export function readStackConfig(get: (key: string) => string | undefined): StackConfig {
    const raw = (key: StackConfigKey): string | undefined => get(key);
    const choice = <T extends string>(key: StackConfigKey, allowed: readonly T[]): T | undefined => {
        const value = raw(key);
        return value === undefined ? undefined : oneOf(configKey(key), value, allowed);
    };
    const version = (key: StackConfigKey, parse: (input: string, value: unknown) => unknown): string | undefined => {
        const value = raw(key);
        if (value !== undefined) {
            parse(configKey(key), value);
        }
        return value;
    };
    const optional = <T>(key: StackConfigKey, parse: (key: StackConfigKey, value: string) => T): T | undefined => {
        const value = raw(key);
        return value === undefined ? undefined : parse(key, value);
    };

    const ciliumDatapath = choice("ciliumDatapath", Object.values(CiliumDatapath));
    const tunnelProtocol = choice("tunnelProtocol", Object.values(TunnelProtocol));
    // An encapsulation only means something on the overlay; set anywhere else it would be silently ignored.
    if (tunnelProtocol !== undefined && ciliumDatapath !== CiliumDatapath.Overlay) {
        throw new InputError(
            configKey("tunnelProtocol"),
            tunnelProtocol,
            `unset unless ${configKey("ciliumDatapath")} is overlay (it is ${ciliumDatapath ?? "unset, i.e. eni"})`,
        );
    }

    const nodeInstanceType = raw("nodeInstanceType");
    if (nodeInstanceType !== undefined && !INSTANCE_TYPE.test(nodeInstanceType)) {
        throw new InputError(configKey("nodeInstanceType"), nodeInstanceType, "an EC2 instance type such as t3.large");
    }
    const nodeDesiredSize = optional("nodeDesiredSize", parseCount);
    const nodeMinSize = optional("nodeMinSize", parseCount);
    const nodeMaxSize = optional("nodeMaxSize", parseCount);
    if (nodeMinSize !== undefined && nodeDesiredSize !== undefined && nodeDesiredSize < nodeMinSize) {
        throw new InputError(
            configKey("nodeDesiredSize"),
            nodeDesiredSize,
            `at least ${configKey("nodeMinSize")} (${nodeMinSize})`,
        );
    }
    if (nodeMaxSize !== undefined && nodeDesiredSize !== undefined && nodeDesiredSize > nodeMaxSize) {
        throw new InputError(
            configKey("nodeDesiredSize"),
            nodeDesiredSize,
            `at most ${configKey("nodeMaxSize")} (${nodeMaxSize})`,
        );
    }
    if (nodeMinSize !== undefined && nodeMaxSize !== undefined && nodeMinSize > nodeMaxSize) {
        throw new InputError(
            configKey("nodeMinSize"),
            nodeMinSize,
            `at most ${configKey("nodeMaxSize")} (${nodeMaxSize})`,
        );
    }

    return {
        ciliumDatapath,
        tunnelProtocol,
        istioMode: choice("istioMode", Object.values(IstioMode)),
        meshMtlsMode: choice("meshMtlsMode", Object.values(MtlsMode)),
        ciliumVersion: version("ciliumVersion", parseVersion),
        istioVersion: version("istioVersion", parseVersion),
        kubernetesVersion: version("kubernetesVersion", parseKubernetesVersion),
        nodeInstanceType,
        nodeDesiredSize,
        nodeMinSize,
        nodeMaxSize,
        demoEnabled: optional("demoEnabled", parseBoolean) ?? true,
        demoStage: choice("demoStage", Object.values(DemoStage)),
        demoMtlsFix: optional("demoMtlsFix", parseBoolean),
    };
}

/**
 * Rejects keys of our namespace that the program does not read (a typo such as `demoStag` would otherwise be
 * ignored without a word). `keys` are full config keys, e.g. those of `pulumi.runtime.allConfig()`.
 */
export function checkStackConfigKeys(keys: string[]): void {
    const known: readonly string[] = STACK_CONFIG_KEYS;
    for (const key of keys) {
        const [namespace, name] = key.split(":");
        if (namespace === STACK_CONFIG_NAMESPACE && !known.includes(name)) {
            throw new InputError(key, name, `one of the keys ${STACK_CONFIG_KEYS.join(", ")}`);
        }
    }
}
