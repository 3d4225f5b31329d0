/**
 * `npm run docs`: writes the policy pack's rule table into policies/README.md from each rule's metadata
 * (policies/kit/rule-table.ts). Run it after adding or editing a rule; the pack's spec fails until the README matches.
 */
import * as fs from "fs";
import * as path from "path";
import { withRuleTable } from "../policies/kit/rule-table";
import { policies } from "../policies/policies";
import { PACKAGE_ROOT } from "../engine/package-root";

const readme = path.join(PACKAGE_ROOT, "policies", "README.md");
fs.writeFileSync(
    readme,
    withRuleTable(
        fs.readFileSync(readme, "utf8"),
        policies.map((p) => p.metadata),
    ),
);
process.stderr.write(`rule table written to ${readme}\n`);
