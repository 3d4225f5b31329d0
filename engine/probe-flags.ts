/**
 * The flags that ask `plan`, `check` and `explain` about specific requests: `--probe "<namespace>/<workload> <METHOD>
 * <URL>"` (repeatable), `--probes FILE` (a YAML or JSON list of probe strings or `{from, method, url}` objects), and
 * the namespace filters of the default matrix, `--from` and `--to` (repeatable, or comma-separated). A malformed value
 * is a usage error naming the flag, the value and what is allowed, raised before anything runs.
 */
import * as fs from "fs";
import * as YAML from "yaml";
import { FlagSpec, ParsedFlags, UsageError, singleValue } from "./command-line";
import { PairFilters } from "cilium-istio-guard/connectivity/connectivity";
import { Probe, ProbeError, parseProbe, parseProbeEntry } from "cilium-istio-guard/connectivity/probe";

export const PROBE_SYNTAX = '"<namespace>/<workload> <METHOD> http://<service>.<namespace>[:<port>]<path>"';

export const PROBE_FLAGS: readonly FlagSpec[] = [
    {
        name: "probe",
        value: "PROBE",
        repeatable: true,
        help:
            `Predict this request instead of the demo's checks or the default matrix: ${PROBE_SYNTAX} ` +
            '(e.g. "default/pod/tiefighter POST http://deathstar.default.svc.cluster.local/v1/request-landing").',
    },
    {
        name: "probes",
        value: "FILE",
        help: "A YAML or JSON list of probes: strings as for --probe, or {from, method, url} objects.",
    },
    {
        name: "from",
        value: "NAMESPACE",
        repeatable: true,
        help: "Only clients in these namespaces (comma-separated or repeated) in the demo's checks and the default matrix.",
    },
    {
        name: "to",
        value: "NAMESPACE",
        repeatable: true,
        help: "Only servers in these namespaces (comma-separated or repeated) in the demo's checks and the default matrix.",
    },
];

const NAMESPACE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function namespaces(flags: ParsedFlags, name: string): string[] | undefined {
    const values = flags.values.get(name);
    if (values === undefined) {
        return undefined;
    }
    const list = values.flatMap((value) => value.split(",")).map((value) => value.trim());
    for (const value of list) {
        if (!NAMESPACE.test(value)) {
            throw new UsageError(`--${name} "${value}" is not a namespace name (lower-case letters, digits and "-")`);
        }
    }
    return list;
}

/** Reads a probes file: a YAML (or JSON, which YAML reads too) list. */
function readProbesFile(file: string): Probe[] {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (err) {
        throw new UsageError(`cannot read --probes ${file}: ${(err as Error).message}`);
    }
    let entries: unknown;
    try {
        entries = YAML.parse(text);
    } catch (err) {
        throw new UsageError(`--probes ${file} is not YAML or JSON: ${(err as Error).message}`);
    }
    if (!Array.isArray(entries)) {
        throw new UsageError(
            `--probes ${file} holds ${entries === null ? "nothing" : `a ${typeof entries}`}; expected a list of probes`,
        );
    }
    return entries.map((entry, i) => {
        try {
            return parseProbeEntry(entry, `--probes ${file}: entry ${i}`);
        } catch (err) {
            throw err instanceof ProbeError ? new UsageError(err.message) : err;
        }
    });
}

export function readProbeFlags(flags: ParsedFlags): { probes: Probe[]; filters: PairFilters } {
    const probes = (flags.values.get("probe") ?? []).map((text) => {
        try {
            return parseProbe(text);
        } catch (err) {
            throw err instanceof ProbeError ? new UsageError(`--probe: ${err.message}`) : err;
        }
    });
    const file = singleValue(flags, "probes");
    return {
        probes: [...probes, ...(file === undefined ? [] : readProbesFile(file))],
        filters: { from: namespaces(flags, "from"), to: namespaces(flags, "to") },
    };
}
