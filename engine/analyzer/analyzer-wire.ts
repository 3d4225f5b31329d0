/**
 * Protocol Buffers encoding of the two requests the engine sends per resource and per stack: `pulumirpc.AnalyzeRequest`
 * (also the Remediate request) and `pulumirpc.AnalyzeStackRequest` (pulumi/pulumi proto/pulumi/analyzer.proto, field
 * numbers as in @pulumi/pulumi/proto/analyzer_pb.js), with resource properties as `google.protobuf.Struct`.
 *
 * Why not the generated classes: building google-protobuf message objects and serializing them cost the engine about
 * 1 ms per resource and most of its memory (BENCHMARKS.md); written straight to bytes they cost a tenth of
 * that, and the pack, the slower side, no longer waits for the engine. The bytes are the ones google-protobuf writes
 * for the same request, map keys sorted as jspb.Map sorts them; test/analyzer-wire.spec.ts compares the two.
 */
import type { AnalyzerResource, AnalyzerStackResource } from "./analyzer";

// Wire types (protobuf encoding spec).
const VARINT = 0;
const FIXED64 = 1;
const LENGTH_DELIMITED = 2;
// The fields of a map entry (a map<K, V> is a repeated message { K key = 1; V value = 2; }).
const MAP_KEY = 1;
const MAP_VALUE = 2;

/** Appends fields to one growing buffer. A nested message's length is written in front of it once it is known. */
class ProtoWriter {
    private buf = Buffer.allocUnsafe(16 * 1024);
    private pos = 0;

    private reserve(bytes: number): void {
        if (this.pos + bytes > this.buf.length) {
            const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + bytes));
            this.buf.copy(grown, 0, 0, this.pos);
            this.buf = grown;
        }
    }

    /** Lengths, tags and enum values: all below 2^32 here. */
    private varint(value: number): void {
        this.reserve(5);
        while (value > 0x7f) {
            this.buf[this.pos++] = (value & 0x7f) | 0x80;
            value >>>= 7;
        }
        this.buf[this.pos++] = value;
    }

    private tag(field: number, wireType: number): void {
        this.varint((field << 3) | wireType);
    }

    /** A string field; proto3 leaves an empty one out unless `always` (map keys and oneof members). */
    string(field: number, value: string, always = false): void {
        if (value.length === 0 && !always) {
            return;
        }
        this.tag(field, LENGTH_DELIMITED);
        const length = Buffer.byteLength(value);
        this.varint(length);
        this.reserve(length);
        this.pos += this.buf.write(value, this.pos, "utf8");
    }

    strings(field: number, values: readonly string[]): void {
        for (const value of values) {
            this.string(field, value, true);
        }
    }

    double(field: number, value: number): void {
        this.tag(field, FIXED64);
        this.reserve(8);
        this.pos = this.buf.writeDoubleLE(value, this.pos);
    }

    /** A varint field written even when zero (oneof members). */
    uint(field: number, value: number): void {
        this.tag(field, VARINT);
        this.varint(value);
    }

    /** A nested message, written even when empty. */
    message(field: number, body: () => void): void {
        this.tag(field, LENGTH_DELIMITED);
        // Room for the longest length varint this writer emits; moved back once the length is known.
        this.reserve(5);
        const lengthAt = this.pos;
        const start = (this.pos += 5);
        body();
        const length = this.pos - start;
        let lengthBytes = 1;
        for (let rest = length >>> 7; rest > 0; rest >>>= 7) {
            lengthBytes++;
        }
        this.buf.copyWithin(lengthAt + lengthBytes, start, this.pos);
        this.pos = lengthAt;
        this.varint(length);
        this.pos += length;
    }

    /**
     * One entry of a map field with message values, as jspb.Map writes it: the key and the value always, even when
     * empty. jspb writes the entries in sorted key order; so must the caller.
     */
    mapEntry(field: number, key: string, value: () => void): void {
        this.message(field, () => {
            this.string(MAP_KEY, key, true);
            this.message(MAP_VALUE, value);
        });
    }

    /** Empties the writer (also after a message that failed half-way). */
    begin(): this {
        this.pos = 0;
        return this;
    }

    /** A copy of what was written. */
    written(): Buffer {
        return Buffer.from(this.buf.subarray(0, this.pos));
    }
}

/** One writer for every request: encoding is synchronous, and its buffer, grown once, is reused. */
const writer = new ProtoWriter();

function encode(body: (w: ProtoWriter) => void): Buffer {
    const w = writer.begin();
    body(w);
    return w.written();
}

// google.protobuf.Value's oneof `kind`, and Struct/ListValue fields (struct.proto).
const NULL_VALUE = 1;
const NUMBER_VALUE = 2;
const STRING_VALUE = 3;
const BOOL_VALUE = 4;
const STRUCT_VALUE = 5;
const LIST_VALUE = 6;
const STRUCT_FIELDS = 1;
const LIST_VALUES = 1;

/**
 * What JSON.stringify would make of a value inside an object (undefined: the key is dropped) or an array (undefined:
 * null), as the generated path's JSON round trip does (Struct.fromJavaScript rejects `undefined`).
 */
function jsonValue(value: unknown): unknown {
    if (value !== null && typeof value === "object" && typeof (value as { toJSON?: unknown }).toJSON === "function") {
        value = (value as { toJSON(): unknown }).toJSON();
    }
    switch (typeof value) {
        case "undefined":
        case "function":
        case "symbol":
            return undefined;
        case "number":
            return Number.isFinite(value) ? value : null;
        case "bigint":
            throw new TypeError("a BigInt property value cannot be sent to a policy pack");
        default:
            return value;
    }
}

function writeValue(w: ProtoWriter, value: unknown): void {
    if (value === null) {
        w.uint(NULL_VALUE, 0);
    } else if (typeof value === "number") {
        w.double(NUMBER_VALUE, value);
    } else if (typeof value === "string") {
        w.string(STRING_VALUE, value, true);
    } else if (typeof value === "boolean") {
        w.uint(BOOL_VALUE, value ? 1 : 0);
    } else if (Array.isArray(value)) {
        w.message(LIST_VALUE, () => {
            for (const item of value) {
                const v = jsonValue(item);
                w.message(LIST_VALUES, () => writeValue(w, v === undefined ? null : v));
            }
        });
    } else {
        w.message(STRUCT_VALUE, () => writeStruct(w, value as Record<string, unknown>));
    }
}

/** Struct's map entries, keys sorted as jspb.Map.serializeBinary sorts them. */
function writeStruct(w: ProtoWriter, object: Record<string, unknown>): void {
    for (const key of Object.keys(object).sort()) {
        const value = jsonValue(object[key]);
        if (value === undefined) {
            continue;
        }
        w.mapEntry(STRUCT_FIELDS, key, () => writeValue(w, value));
    }
}

// AnalyzeRequest, AnalyzerResource (its fields 1–6 are AnalyzeRequest's), AnalyzerResourceOptions,
// AnalyzerProviderResource, AnalyzerPropertyDependencies and AnalyzeStackRequest fields (analyzer.proto).
const RESOURCE_TYPE = 1;
const RESOURCE_PROPERTIES = 2;
const RESOURCE_URN = 3;
const RESOURCE_NAME = 4;
const RESOURCE_OPTIONS = 5;
const RESOURCE_PROVIDER = 6;
const RESOURCE_PARENT = 7;
const RESOURCE_DEPENDENCIES = 8;
const RESOURCE_PROPERTY_DEPENDENCIES = 9;
const OPTIONS_PARENT = 8;
const PROPERTY_DEPENDENCIES_URNS = 1;
const STACK_RESOURCES = 1;

/**
 * The fields an AnalyzeRequest and a stack's AnalyzerResource share. The options message is always sent: the Node
 * server refuses a request without one ("A more recent version of the Pulumi CLI is required").
 */
function writeResource(w: ProtoWriter, resource: AnalyzerResource): void {
    w.string(RESOURCE_TYPE, resource.type);
    w.message(RESOURCE_PROPERTIES, () => writeStruct(w, resource.properties));
    w.string(RESOURCE_URN, resource.urn);
    w.string(RESOURCE_NAME, resource.name);
    w.message(RESOURCE_OPTIONS, () => w.string(OPTIONS_PARENT, resource.parent ?? ""));
    const provider = resource.provider;
    if (provider) {
        w.message(RESOURCE_PROVIDER, () => {
            w.string(RESOURCE_TYPE, provider.type);
            w.message(RESOURCE_PROPERTIES, () => writeStruct(w, provider.properties));
            w.string(RESOURCE_URN, provider.urn);
            w.string(RESOURCE_NAME, provider.name);
        });
    }
}

export function encodeAnalyzeRequest(resource: AnalyzerResource): Buffer {
    return encode((w) => writeResource(w, resource));
}

export function encodeAnalyzeStackRequest(resources: readonly AnalyzerStackResource[]): Buffer {
    return encode((w) => {
        for (const resource of resources) {
            w.message(STACK_RESOURCES, () => {
                writeResource(w, resource);
                w.string(RESOURCE_PARENT, resource.parent ?? "");
                w.strings(RESOURCE_DEPENDENCIES, resource.dependencies);
                // The engine skips properties without dependencies (analyzer_plugin.go AnalyzeStack).
                for (const key of Object.keys(resource.propertyDependencies).sort()) {
                    const urns = resource.propertyDependencies[key];
                    if (urns.length > 0) {
                        w.mapEntry(RESOURCE_PROPERTY_DEPENDENCIES, key, () =>
                            w.strings(PROPERTY_DEPENDENCIES_URNS, urns),
                        );
                    }
                }
            });
        }
    });
}
