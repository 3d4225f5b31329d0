/**
 * The README's rule table, generated from the rules' own metadata (rule-metadata.ts): `npm run docs` writes it into
 * policies/README.md, and the pack's spec fails when the committed README differs.
 */
import { GeneratedSection } from "./generated-section";
import { RuleMetadata } from "./rule-metadata";

export const RULE_TABLE: GeneratedSection = { name: "rule table", writtenBy: "npm run docs" };

/** A cell's text: a pipe would end the cell, a line break the row. */
const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\n/g, " ");

export function renderRuleTable(rules: readonly RuleMetadata[]): string {
    const header = ["rule", "level", "rejects when", "why it breaks", "fix", "sources"];
    const rows = rules.map((r) => [`\`${r.name}\``, r.level, r.trigger, r.breaks, r.fix, r.sources.join("; ")]);
    return [header, header.map(() => "---"), ...rows].map((row) => `| ${row.map(cell).join(" | ")} |`).join("\n");
}
