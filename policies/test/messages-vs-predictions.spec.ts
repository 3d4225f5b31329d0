/**
 * The pack's messages and the connectivity predictor never contradict each other on the same stack. For the root
 * program in sidecar and in ambient mode, at every demo stage with and without the mTLS fix, every rule's message
 * (mandatory and advisory) is read for what it claims traffic does, and each claim is held against the predictor's
 * answers to the demo's checks for the server the message names:
 * - "answers NNN" (e.g. the client's sidecar answers 503): some client of that server is predicted NNN;
 * - "the client's sidecar": some client of that server has a sidecar;
 * - "bypass" (requests get past the HTTP rules): some client is predicted 200 on a path the HTTP rules do not allow
 *   (`/deny`, as the demo's rule allows `GET /ip` only).
 * And the other way round: a predicted 503 for a stack is explained by a mandatory violation naming the server.
 */
import * as assert from "assert";
import { predictDemoChecks } from "../connectivity/connectivity";
import { runProgram, verdicts } from "./our-program";

/** `Deployment blue/httpbin` in a message: the server it is about. */
function serversNamed(message: string): string[] {
    return [...message.matchAll(/Deployment ([a-z0-9-]+)\/httpbin/g)].map((m) => m[1]);
}

const MODES = ["sidecar", "ambient"];
const STAGES = ["open", "l4", "l7"];

describe("rule messages agree with the connectivity predictor", function () {
    this.timeout(300000);

    for (const istioMode of MODES) {
        it(`${istioMode}: every stage, with and without the fix`, async () => {
            let claimsChecked = 0;
            for (const demoStage of STAGES) {
                for (const demoMtlsFix of ["true", "false"]) {
                    const stack = `${istioMode} ${demoStage} fix=${demoMtlsFix}`;
                    const registrations = await runProgram({
                        istioMode,
                        meshMtlsMode: "PERMISSIVE",
                        demoStage,
                        demoMtlsFix,
                    });
                    const found = await verdicts(registrations);
                    const answers = predictDemoChecks(
                        registrations.map((r) => ({ type: r.type, urn: r.urn, name: r.name, props: r.outputs })),
                    ).answers;
                    assert.ok(answers.length > 0, `${stack}: the demo's checks are predicted`);
                    for (const { policy, message } of found) {
                        // The first line is the rule's description; what it found follows.
                        const finding = message.split("\n").slice(1).join("\n") || message;
                        for (const server of serversNamed(finding)) {
                            const toServer = answers.filter((a) => a.to === server);
                            const where = `${stack}, ${policy} on ${server}: ${finding}`;
                            for (const [, code] of finding.matchAll(/answers (\d{3})/g)) {
                                claimsChecked++;
                                assert.ok(
                                    toServer.some((a) => a.code === code),
                                    `${where}\npredicted: ${toServer.map((a) => `${a.from}${a.path} ${a.code}`).join(", ")}`,
                                );
                            }
                            if (finding.includes("the client's sidecar")) {
                                claimsChecked++;
                                assert.strictEqual(istioMode, "sidecar", where);
                            }
                            if (/\bbypass/.test(finding)) {
                                claimsChecked++;
                                assert.ok(
                                    toServer.some((a) => a.path === "/deny" && a.code === "200"),
                                    `${where}\npredicted: ${toServer.map((a) => `${a.from}${a.path} ${a.code}`).join(", ")}`,
                                );
                            }
                        }
                    }
                    for (const failed of answers.filter((a) => a.code === "503")) {
                        assert.ok(
                            found.some((v) => v.level === "mandatory" && serversNamed(v.message).includes(failed.to)),
                            `${stack}: ${failed.from} -> ${failed.to}${failed.path} predicted 503 with no mandatory violation naming ${failed.to}`,
                        );
                    }
                }
            }
            // The broken l7 stage makes claims in either mode: the spec judged something.
            assert.ok(claimsChecked > 0, `${istioMode}: no message made a claim to check`);
        });
    }
});
