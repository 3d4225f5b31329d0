/**
 * The pack as `new PolicyPack(name, args)` takes it. ./index.ts serves it (what the Pulumi CLI runs); the offline
 * engine evaluates the same definition in its own process (engine/analyzer/in-process-pack.ts) unless asked to
 * serve it (`--served`). Importing this module starts no server.
 */
import { PolicyPackArgs } from "@pulumi/policy";
import { packPolicies } from "./kit/findings";
import { policies } from "./policies";

export const PACK_NAME = "cilium-istio-guard";

/** The rules of ./policies.ts, then their advisory companion `cilium-istio-guard-advisories` (kit/findings.ts). */
export const PACK_ARGS: PolicyPackArgs = { policies: packPolicies(policies) };
