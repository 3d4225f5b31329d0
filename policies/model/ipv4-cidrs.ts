/**
 * IPv4 addresses and CIDR blocks as ranges of numbers: containment, overlap and the smallest block covering several.
 * One place for the arithmetic the pack's policies (fromCIDR rules, pod CIDRs across clusters) and the ClusterMesh
 * component (peer networks, native routing CIDR) need. Pure.
 */

/** An IPv4 block as the inclusive range of addresses it holds. */
export interface Ipv4Range {
    readonly first: number;
    readonly last: number;
    readonly text: string;
}

export function ipv4ToNumber(ip: string): number | undefined {
    const parts = ip.split(".");
    if (parts.length !== 4 || parts.some((part) => !/^\d{1,3}$/.test(part) || Number(part) > 255)) {
        return undefined;
    }
    return parts.reduce((sum, part) => sum * 256 + Number(part), 0);
}

function numberToIpv4(value: number): string {
    return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join(".");
}

/** `10.1.0.0/16` (or a bare address, as /32) as a range; undefined when it is not an IPv4 block. */
export function parseIpv4Cidr(cidr: string): Ipv4Range | undefined {
    const [base, bitsText, extra] = cidr.trim().split("/");
    const bits = bitsText === undefined ? 32 : /^\d{1,2}$/.test(bitsText) ? Number(bitsText) : NaN;
    const baseNumber = ipv4ToNumber(base);
    if (extra !== undefined || baseNumber === undefined || !(bits >= 0 && bits <= 32)) {
        return undefined;
    }
    const size = 2 ** (32 - bits);
    const first = Math.floor(baseNumber / size) * size;
    return { first, last: first + size - 1, text: cidr.trim() };
}

/** True when the IPv4 CIDR contains the address (an address alone counts as /32). */
export function cidrContains(cidr: string, ip: string): boolean {
    const range = parseIpv4Cidr(cidr);
    const address = ipv4ToNumber(ip);
    return range !== undefined && address !== undefined && range.first <= address && address <= range.last;
}

export function rangesOverlap(a: Ipv4Range, b: Ipv4Range): boolean {
    return a.first <= b.last && b.first <= a.last;
}

export function rangeCovers(outer: Ipv4Range, inner: Ipv4Range): boolean {
    return outer.first <= inner.first && inner.last <= outer.last;
}

/** The smallest CIDR block holding every range (e.g. 10.1.0.0/16 and 10.2.0.0/16 -> 10.0.0.0/14). */
export function coveringCidr(ranges: readonly Ipv4Range[]): string {
    const first = Math.min(...ranges.map((r) => r.first));
    const last = Math.max(...ranges.map((r) => r.last));
    let bits = 32;
    while (bits > 0 && Math.floor(first / 2 ** (32 - bits)) !== Math.floor(last / 2 ** (32 - bits))) {
        bits--;
    }
    const size = 2 ** (32 - bits);
    return `${numberToIpv4(Math.floor(first / size) * size)}/${bits}`;
}
