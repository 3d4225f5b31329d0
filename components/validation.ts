/**
 * Input validation shared by the components. Every check throws before any resource is registered, with a message
 * that names the input, the value it got and what is allowed.
 */

/** Thrown for a component input that is out of range, malformed, or ruled out in combination with another. */
export class InputError extends Error {
    constructor(
        /** Dotted path of the offending input, prefixed with the component, e.g. `CiliumRelease.tunnelProtocol`. */
        public readonly input: string,
        public readonly value: unknown,
        /** What would have been accepted, as a phrase ("one of vxlan, geneve"). */
        public readonly allowed: string,
    ) {
        super(`${input}: got ${JSON.stringify(value)}; allowed: ${allowed}`);
        this.name = "InputError";
    }
}

/** The value if it is one of `allowed`, else an InputError naming them. */
export function oneOf<T extends string>(input: string, value: unknown, allowed: readonly T[]): T {
    if (typeof value !== "string" || !(allowed as readonly string[]).includes(value)) {
        throw new InputError(input, value, `one of ${allowed.join(", ")}`);
    }
    return value as T;
}

/** An integer within [min, max]. */
export function intInRange(input: string, value: unknown, min: number, max: number): number {
    if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
        throw new InputError(input, value, `an integer from ${min} to ${max}`);
    }
    return value;
}

/** An IPv4 CIDR block such as `203.0.113.0/24`. */
export function ipv4Cidr(input: string, value: unknown): string {
    const match =
        typeof value === "string" ? /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(value) : null;
    const valid = match !== null && match.slice(1, 5).every((octet) => Number(octet) <= 255) && Number(match[5]) <= 32;
    if (!valid) {
        throw new InputError(input, value, "an IPv4 CIDR block such as 203.0.113.0/24");
    }
    return value as string;
}

/** A boolean, for inputs that arrive from untyped callers (JavaScript, YAML, stack config). */
export function bool(input: string, value: unknown): boolean {
    if (typeof value !== "boolean") {
        throw new InputError(input, value, "true or false");
    }
    return value;
}
