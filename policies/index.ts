/**
 * The CrossGuard policy pack `cilium-istio-guard`. Constructing a PolicyPack starts its gRPC server, so this file only
 * does that; the pack's definition is ./pack-definition.ts, which tests and the offline engine import without
 * starting a server. Built to bin/index.js, which is what the CLI runs (./build-freshness.ts says why, and refuses a
 * stale build).
 */
import { PolicyPack } from "@pulumi/policy";
import { assertBuildIsCurrent } from "./build-freshness";
import { PACK_ARGS, PACK_NAME } from "./pack-definition";

assertBuildIsCurrent(__filename);
new PolicyPack(PACK_NAME, PACK_ARGS);
