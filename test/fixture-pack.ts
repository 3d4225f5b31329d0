/** The test-double pack (test/fixtures/policy-pack) as the engine locates it: evaluated in-process, or served. */
import * as path from "path";
import { PackLocation } from "../engine/stack-gate";

export const FIXTURE_PACK: PackLocation = {
    dir: path.join(__dirname, "fixtures", "policy-pack"),
    definition: async () => {
        const { PACK_ARGS, PACK_NAME } = await import("./fixtures/policy-pack/pack-definition");
        return { name: PACK_NAME, args: PACK_ARGS };
    },
};
