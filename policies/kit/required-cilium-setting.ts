/**
 * The decision shared by the rules that need one boolean Cilium setting at one value on every Cilium install, once
 * the stack runs something that depends on it (Istio, istio-cni, ambient). The rules differ only in the setting, the
 * trigger and their words; what counts as a violation, and when the setting could not be checked, is decided here.
 */
import { CiliumSettings, describeInstall, describeSetting } from "../model/cilium-settings";
import { MeshModel } from "../model/mesh-model";
import { Finding, listShort, unchecked, violation } from "./findings";

type BooleanSetting = {
    [K in keyof CiliumSettings]: CiliumSettings[K]["value"] extends boolean | undefined ? K : never;
}[keyof CiliumSettings];

export interface RequiredCiliumSetting {
    /** Why the setting matters in this stack (the model's `...Because` list); empty means the rule does not apply. */
    because: readonly string[];
    setting: BooleanSetting;
    /** The value every install must have. */
    required: boolean;
    /** The setting by Helm value path and cilium-config key, for "could not check" messages. */
    label: string;
    /** The trigger as a clause, given the first reason: "istio-cni runs (…)". */
    trigger(reason: string): string;
    /** Why an unchecked value matters, given the trigger clause. */
    uncheckedWhy(trigger: string): string;
    /** One or two sentences: what breaks, then the fix. */
    consequenceAndFix: string;
    /** Words between the setting and the trigger in a violation; default ", and". */
    joiner?: string;
}

export function requireCiliumSetting(model: MeshModel, rule: RequiredCiliumSetting): Finding[] {
    if (rule.because.length === 0) {
        return [];
    }
    const trigger = rule.trigger(listShort(rule.because, 1));
    const findings: Finding[] = [];
    for (const install of model.cilium) {
        const setting = install.settings[rule.setting];
        if (setting.value === rule.required) {
            continue;
        }
        if (setting.origin === "unchecked") {
            findings.push(unchecked(install.source, rule.label, `${setting.detail}; ${rule.uncheckedWhy(trigger)}`));
            continue;
        }
        findings.push(
            violation(
                install.source,
                `${describeInstall(install)}: ${describeSetting(setting)}${rule.joiner ?? ", and"} ${trigger}. ${rule.consequenceAndFix}`,
            ),
        );
    }
    return findings;
}
