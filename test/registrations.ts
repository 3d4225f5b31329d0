/** Look-ups over what engine/mock/mock-runtime.ts recorded, for the specs' assertions. */
import * as assert from "assert";
import { Registration } from "../engine/mock/mock-runtime";

/** Every registration of `type`, in registration order. */
export function ofType(registrations: Registration[], type: string): Registration[] {
    return registrations.filter((r) => r.type === type);
}

/** The single registration of `type` named `name`; fails the test when there is none or more than one. */
export function one(registrations: Registration[], type: string, name: string): Registration {
    const found = registrations.filter((r) => r.type === type && r.name === name);
    assert.strictEqual(found.length, 1, `expected one ${type} named ${name}, found ${found.length}`);
    return found[0];
}

/** The URN part of a provider reference `<urn>::<id>`. */
export function providerUrn(registration: Registration): string | undefined {
    return registration.provider?.split("::").slice(0, -1).join("::");
}
