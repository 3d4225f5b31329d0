/**
 * Run by `npm run bench` in a process of its own, on a tenant stack export: how long the connectivity prediction
 * takes once `check` holds the resources, cold as check runs it — first narrowed by `--from` and `--to` (one client
 * namespace, one server namespace), then the whole default matrix, which is counted and refused past the limit.
 * Prints `{"narrowedMs", "narrowedAnswers", "fullMs", "fullOmitted"}`.
 */
import { predictMatrix } from "../policies/connectivity/connectivity";
import { modelResources } from "../engine/stack-gate";
import { readStateFile } from "../engine/state/state-files";

/** The namespaces the narrowed matrix keeps: one client namespace, one server namespace of the tenant stack. */
const NARROWED = { from: ["tenant-1"], to: ["tenant-2"] };

function main(file: string): void {
    const resources = modelResources(readStateFile(file).resources);
    let start = process.hrtime.bigint();
    const narrowed = predictMatrix(resources, NARROWED);
    const narrowedMs = Number(process.hrtime.bigint() - start) / 1e6;
    start = process.hrtime.bigint();
    const full = predictMatrix(resources);
    const fullMs = Number(process.hrtime.bigint() - start) / 1e6;
    process.stdout.write(
        `${JSON.stringify({ narrowedMs, narrowedAnswers: narrowed.answers.length, fullMs, fullOmitted: full.omitted ?? null })}\n`,
    );
}

if (require.main === module) {
    main(process.argv[2]);
}
