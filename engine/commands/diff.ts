/**
 * `npm run diff -- BASE HEAD [flags]` and `npm run diff -- --stack NAME --base-config KEY=VALUE... [--config
 * KEY=VALUE]... [flags]`
 *
 * What a change opens and closes: the same requests predicted on two versions of a stack — two files (`pulumi stack
 * export` or `pulumi preview --json`, as check reads them; e.g. main's plan and the pull request's), or the project's
 * program run on the mock runtime under two configs (BASE with `--base-config`, HEAD with `--config`, both over
 * Pulumi.<NAME>.yaml) — compared (policies/connectivity/connectivity-diff.ts: only the requests the change can reach
 * are predicted), and the policy pack's verdicts on both, compared. Prints every changed request grouped by namespace
 * pair with both reasons and deciding resources, the verdicts that appear and disappear and a one-line summary
 * (engine/report/diff-report.ts); `--report FILE.md|FILE.html` writes the review report (engine/report/review.ts).
 *
 * Exit 1 when a change opens a request (`--fail-on` changes the rule), else 0, whichever stack is BASE; verdicts never
 * change the exit code; 2 on bad usage, a file that is not a stack, a program error, or when the requests the change
 * reaches are too many to predict (the message says how to narrow them).
 */
import * as path from "path";
import { PackStackContext } from "../analyzer/analyzer";
import { evaluatePolicyPack, rootStackUrn } from "../analyzer/policy-evaluation";
import {
    CommandIO,
    CommandSpec,
    ExitCode,
    FlagSpec,
    ParsedFlags,
    UsageError,
    parseFlags,
    processIO,
    runCommand,
    singleValue,
} from "../command-line";
import { ConnectivityDiff, SideAnswer, diffConnectivity } from "cilium-istio-guard/connectivity/connectivity-diff";
import { ProbeError } from "cilium-istio-guard/connectivity/probe";
import { criticalPath } from "../report/critical-path";
import {
    FAIL_ON,
    FailOn,
    buildDiffReport,
    renderDiffJson,
    renderDiffText,
    verdictChanges,
} from "../report/diff-report";
import { diffReview } from "../report/review";
import { writeReviewReport } from "../report/review-document";
import { ResourceV3, parseUrn } from "../state/stack-export";
import { readStateFile } from "../state/state-files";
import { modelResources, readGateFlags, startPack } from "../stack-gate";
import { screenValues } from "../state/value-screen";
import {
    DEFAULT_STACK,
    GATE_FLAGS,
    PROJECT_LOCATIONS,
    PlanLocations,
    exportProgramStack,
    readStackConfig,
} from "./plan";

const FLAGS: readonly FlagSpec[] = [
    {
        name: "stack",
        value: "NAME",
        help: `Instead of two files: run the project's program for this stack on the mock runtime twice, as plan does. Default: ${DEFAULT_STACK}.`,
    },
    {
        name: "base-config",
        value: "KEY=VALUE",
        repeatable: true,
        help: "With --stack: a config value of BASE over the stack file (e.g. eks-cilium-istio:demoStage=l4).",
    },
    {
        name: "config",
        value: "KEY=VALUE",
        repeatable: true,
        help: "With --stack: a config value of HEAD over the stack file (e.g. eks-cilium-istio:demoStage=l7).",
    },
    {
        name: "fail-on",
        value: "CHANGES",
        help:
            `Which changes exit 1, one of ${FAIL_ON.join(", ")}: opened (a request HEAD allows that BASE refused), ` +
            "closed (the reverse), any (any request whose answer changed, appeared or disappeared), none. Default: opened.",
    },
    // Both sides' packs are evaluated in this process: two served packs would double the wait for nothing.
    ...GATE_FLAGS.filter((flag) => flag.name !== "served"),
];

/** One side, read or run. */
interface Side {
    source: string;
    stack: string;
    resources: ResourceV3[];
    /** The stack config the program ran with: what the pack sees, as under plan. */
    config: PackStackContext["config"];
    secretKeys: string[];
}

/** `KEY=VALUE` overrides as the source names them; values of secret or credential-like keys are never shown. */
function describeOverrides(overrides: readonly string[], secretKeys: readonly string[]): string {
    if (overrides.length === 0) {
        return "";
    }
    const shown = overrides.map((override) => {
        const key = override.slice(0, override.indexOf("="));
        return secretKeys.includes(key) || /secret|password|token|accesskey|credential/i.test(key)
            ? `${key}=[secret]`
            : override;
    });
    return ` with ${shown.join(" ")}`;
}

async function readSides(flags: ParsedFlags, locations: PlanLocations): Promise<{ base: Side; head: Side }> {
    const stackMode = ["stack", "base-config", "config"].filter((name) => flags.values.has(name));
    if (flags.positionals.length > 0) {
        if (stackMode.length > 0) {
            throw new UsageError(
                `BASE and HEAD files, or --stack with --base-config and --config: give one or the other (got files and --${stackMode.join(", --")})`,
            );
        }
        if (flags.positionals.length !== 2) {
            throw new UsageError(
                `diff takes two files, BASE and HEAD (stack exports or \`pulumi preview --json\` output), got ${flags.positionals.length}`,
            );
        }
        const [base, head] = flags.positionals.map((file) => {
            const state = readStateFile(path.resolve(file));
            return { source: file, stack: state.stack, resources: state.resources, config: {}, secretKeys: [] };
        });
        return { base, head };
    }
    const baseOverrides = flags.values.get("base-config") ?? [];
    const headOverrides = flags.values.get("config") ?? [];
    if (baseOverrides.length === 0 && headOverrides.length === 0) {
        throw new UsageError(
            "diff takes two files, BASE and HEAD, or --stack NAME with --base-config KEY=VALUE (BASE) and/or --config KEY=VALUE (HEAD)",
        );
    }
    const stack = singleValue(flags, "stack") ?? DEFAULT_STACK;
    const projectDir = path.resolve(locations.projectDir);
    // Both configs are read (and refused when bad) before either program runs.
    const configs = [baseOverrides, headOverrides].map((overrides) => ({
        overrides,
        ...readStackConfig(projectDir, stack, overrides),
    }));
    const sides: Side[] = [];
    for (const { overrides, project, config } of configs) {
        const exported = await exportProgramStack(project, stack, config);
        sides.push({
            source: `stack ${stack}${describeOverrides(overrides, config.secretKeys)}`,
            stack,
            resources: exported.deployment.resources,
            config: config.values,
            secretKeys: config.secretKeys,
        });
    }
    return { base: sides[0], head: sides[1] };
}

function failOnFlag(flags: ParsedFlags): FailOn {
    const value = singleValue(flags, "fail-on") ?? "opened";
    if (!(FAIL_ON as readonly string[]).includes(value)) {
        throw new UsageError(`--fail-on "${value}" is not one of ${FAIL_ON.join(", ")}`);
    }
    return value as FailOn;
}

export function diff(
    argv: readonly string[],
    io: CommandIO = processIO,
    locations: PlanLocations = PROJECT_LOCATIONS,
): Promise<ExitCode> {
    return runCommand(argv, io, async () => {
        const flags = parseFlags(argv, FLAGS);
        const failOn = failOnFlag(flags);
        const gateFlags = readGateFlags(flags);
        const { base, head } = await readSides(flags, locations);

        // Both sides' secrets (stack config and the resources' own), so that nothing printed or written shows one
        // (state/secret-values.ts); values no rule can read are screened as plan and check screen them.
        // A resource both sides share warns once.
        const warnings = new Set<string>();
        const secrets = screenValues([...base.resources, ...head.resources], (message) => warnings.add(message));
        for (const side of [base, head]) {
            side.secretKeys.forEach((key) => secrets.add(side.config[key]));
        }
        const warn = (message: string) => io.stderr(`warning: ${secrets.redact(message)}\n`);
        warnings.forEach(warn);

        const evaluate = async (side: Side) => {
            const { project } = parseUrn(rootStackUrn(side.resources));
            const context: PackStackContext = {
                organization: "",
                project,
                stack: side.stack,
                dryRun: true,
                config: side.config,
                secretKeys: side.secretKeys,
                tags: { "pulumi:project": project },
            };
            const evaluation = await evaluatePolicyPack(side.resources, {
                pack: startPack(gateFlags.policyPack ?? locations.pack, context, false),
                policyPackConfig: gateFlags.policyPackConfig,
                warn,
            });
            if (gateFlags.verbose && evaluation.packOutput.length > 0) {
                io.stderr(
                    secrets.redact(`policy pack on ${side.source} printed:\n${evaluation.packOutput.join("")}\n`),
                );
            }
            return evaluation.violations.map((v) => ({ ...v, message: secrets.redact(v.message) }));
        };
        // BASE's verdicts, the diff, then HEAD's: the process keeps the last stack's mesh model
        // (cilium-istio-guard's model/mesh-model.ts meshModelFor), so each side's model is built once for the pack and
        // the diff.
        const baseVerdicts = await evaluate(base);
        let predicted;
        try {
            predicted = diffConnectivity(modelResources(base.resources), modelResources(head.resources), {
                probes: gateFlags.probes,
                filters: gateFlags.filters,
            });
        } catch (err) {
            throw err instanceof ProbeError ? new UsageError(err.message) : err;
        }
        if (predicted.omitted) {
            throw new UsageError(predicted.omitted);
        }
        const headVerdicts = await evaluate(head);
        const redactAnswer = (answer: SideAnswer | undefined) =>
            answer && { ...answer, reason: secrets.redact(answer.reason) };
        const connectivity: ConnectivityDiff = {
            ...predicted,
            compared: predicted.compared.map((c) => ({ ...c, base: redactAnswer(c.base), head: redactAnswer(c.head) })),
            unresolved: predicted.unresolved.map((why) => secrets.redact(why)),
        };

        const report = buildDiffReport({
            base: { source: base.source, stack: base.stack },
            head: { source: head.source, stack: head.stack },
            connectivity,
            verdicts: verdictChanges(baseVerdicts, headVerdicts),
            failOn,
            criticalPath: criticalPath(head.resources),
        });
        io.stdout(gateFlags.json ? renderDiffJson(report) : renderDiffText(report));
        for (const file of gateFlags.reports) {
            io.stderr(`${writeReviewReport(file, diffReview(report, connectivity.compared))}\n`);
        }
        return report.failed ? ExitCode.Violation : ExitCode.Ok;
    });
}

export const diffCommand: CommandSpec = {
    name: "diff",
    summary: "Compare the predicted connectivity and the policy verdicts of two versions of a stack.",
    positionals: "[BASE HEAD]",
    description:
        "Predicts the same requests on BASE and HEAD — two stack files (`pulumi stack export` or `pulumi preview --json`), " +
        "or the project's program run on the mock runtime with --stack under two configs (--base-config for BASE, --config " +
        "for HEAD) — and prints every request whose answer changed, grouped by namespace pair with both reasons and the " +
        "resources that decided them: opened (HEAD answers 200 where BASE answered 000, 403 or 503), closed (the reverse), " +
        "changed (000 to 403...), newly unknown (HEAD answers ???); requests neither side can decide are listed as such. " +
        "The requests are the --probe ones, else the demo's checks, else the default matrix narrowed by --from and --to; " +
        "only those the change can reach are predicted. Also prints the policy verdicts that appear and disappear, and a " +
        "one-line summary.",
    flags: FLAGS,
    exitCodes: {
        0: "no change that --fail-on counts (default: no request opened)",
        1: "a change --fail-on counts (default: a request opened)",
        2: "bad usage, a file that is not a stack, a program error, or more requests reached than can be predicted",
    },
    examples: [
        "diff main.json head.json --report review.md",
        "diff --stack dev --base-config eks-cilium-istio:demoStage=l4 --config eks-cilium-istio:demoStage=l7",
    ],
    run: (argv, io) => diff(argv, io),
};
