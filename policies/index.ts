/**
 * The CrossGuard policy pack `cilium-istio-guard`. Constructing a PolicyPack starts its gRPC server, so this file only
 * does that; the rules live in ./policies.ts, which tests and the offline engine import without starting a server.
 * Built to bin/index.js, which is what the CLI runs (./build-freshness.ts says why, and refuses a stale build).
 */
// First, so that it runs before @pulumi/policy loads the @pulumi/pulumi index.
import "./defer-unused-sdk-modules";
import { PolicyPack } from "@pulumi/policy";
import { assertBuildIsCurrent } from "./build-freshness";
import { policies } from "./policies";

assertBuildIsCurrent(__filename);
new PolicyPack("cilium-istio-guard", { policies });
