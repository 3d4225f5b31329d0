/**
 * The CrossGuard policy pack `cilium-istio-guard`. Constructing a PolicyPack starts its gRPC server, so this file only
 * does that; the rules live in ./policies.ts, which tests and the offline engine import without starting a server.
 */
import { PolicyPack } from "@pulumi/policy";
import { policies } from "./policies";

new PolicyPack("cilium-istio-guard", { policies });
