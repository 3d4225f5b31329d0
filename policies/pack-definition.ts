/**
 * The pack as `new PolicyPack(name, args)` takes it. ./index.ts serves it (what the Pulumi CLI runs); the offline
 * engine evaluates the same definition in its own process (engine/analyzer/in-process-pack.ts) unless asked to
 * serve it (`--served`). Importing this module starts no server.
 */
import { PolicyPackArgs } from "@pulumi/policy";
import { policies } from "./policies";

export const PACK_NAME = "cilium-istio-guard";

export const PACK_ARGS: PolicyPackArgs = { policies };
