/**
 * `npm run docs`: writes the tables the READMEs carry from the code that owns them — the policy pack's rule table
 * into policies/README.md from each rule's metadata (policies/kit/rule-table.ts), the stack config table into
 * README.md from STACK_CONFIG_TABLE (stack-config.ts), the compatibility matrix into README.md from the carried release
 * data (components/release-support.ts). Specs fail until the committed READMEs match.
 */
import * as fs from "fs";
import * as path from "path";
import { PACKAGE_ROOT } from "../engine/package-root";
import { withGeneratedSection } from "../policies/kit/generated-section";
import { RULE_TABLE, renderRuleTable } from "../policies/kit/rule-table";
import { policies } from "../policies/policies";
import { CONFIG_TABLE, renderConfigTable } from "../stack-config";
import { COMPATIBILITY_MATRIX, renderCompatibilityMatrix } from "../components/release-support";
import { KNOWN_KUBERNETES_VERSIONS } from "../components/cluster-settings";

function write(file: string, update: (text: string) => string): void {
    fs.writeFileSync(file, update(fs.readFileSync(file, "utf8")));
    process.stderr.write(`written: ${path.relative(PACKAGE_ROOT, file)}\n`);
}

write(path.join(PACKAGE_ROOT, "policies", "README.md"), (text) =>
    withGeneratedSection(text, RULE_TABLE, renderRuleTable(policies.map((p) => p.metadata))),
);
write(path.join(PACKAGE_ROOT, "README.md"), (text) =>
    withGeneratedSection(
        withGeneratedSection(text, CONFIG_TABLE, renderConfigTable()),
        COMPATIBILITY_MATRIX,
        renderCompatibilityMatrix(KNOWN_KUBERNETES_VERSIONS),
    ),
);
