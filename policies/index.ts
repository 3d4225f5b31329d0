/**
 * The ready pack `cilium-istio-guard`: every rule at its own level, as the README's table lists them. This is the
 * program the Pulumi CLI runs (package.json "main", built to bin/index.js: ./build-freshness.ts says why, and refuses
 * a stale build) for `pulumi preview --policy-pack <this directory>`; constructing the pack starts its gRPC server,
 * so this file does only that. A pack of your own is built the same way from the library, ./cilium-istio-guard.ts.
 */
import { CiliumIstioGuard } from "./cilium-istio-guard";

new CiliumIstioGuard();
