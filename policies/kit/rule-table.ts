/**
 * The README's rule table, generated from the rules' own metadata (rule-metadata.ts): `npm run docs` writes it into
 * policies/README.md, and the pack's spec fails when the committed README differs. An index (rule, level, what must
 * hold), then one section per rule headed by its name, which is the anchor the command line's reports link to
 * (`README.md#<rule>`, on GitHub and in the installed package alike).
 */
import { GeneratedSection } from "./generated-section";
import { RuleMetadata } from "./rule-metadata";

export const RULE_TABLE: GeneratedSection = { name: "rule table", writtenBy: "npm run docs" };

/** A cell's text: a pipe would end the cell, a line break the row. */
const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\n/g, " ");

export function renderRuleTable(rules: readonly RuleMetadata[]): string {
    const header = ["rule", "level", "what must hold"];
    const rows = rules.map((r) => [`[\`${r.name}\`](#${r.name})`, r.level, r.description]);
    const index = [header, header.map(() => "---"), ...rows].map((row) => `| ${row.map(cell).join(" | ")} |`);
    const sections = rules.map((r) =>
        [
            `### \`${r.name}\``,
            "",
            `**${r.level}.** ${r.description}`,
            "",
            `- **Rejects when:** ${r.trigger}`,
            `- **Why it breaks:** ${r.breaks}`,
            `- **Fix:** ${r.fix}`,
            `- **Sources:** ${r.sources.join("; ")}`,
        ].join("\n"),
    );
    return [...index, "", ...sections.join("\n\n").split("\n")].join("\n");
}
