/**
 * Unary gRPC calls over Node's own HTTP/2, as gRPC defines them (github.com/grpc/grpc doc/PROTOCOL-HTTP2.md): a POST
 * to /<package.Service>/<Method> with `content-type: application/grpc` and `te: trailers`, one length-prefixed
 * message each way, the status in the `grpc-status` trailer (or in the headers of a Trailers-Only response) with
 * `grpc-message` percent-encoded. That is all the engine needs to speak to a policy pack's Analyzer service.
 *
 * Why not @grpc/grpc-js's client: its per-call machinery (interceptors, retries, load balancing, call credentials)
 * cost the engine about 0.4 ms per call, so at 6,000 resources the pack, the slower side, sat idle while the engine
 * caught up (BENCHMARKS.md). The pack's server is grpc-js, as under the CLI; only the engine's side differs.
 * No compression is offered (no `grpc-accept-encoding`), so none comes back.
 */
import * as http2 from "http2";

/** A call that ended with a gRPC status other than OK. */
export class GrpcStatusError extends Error {
    constructor(
        readonly code: number,
        readonly details: string,
    ) {
        super(details || `gRPC status ${code}`);
    }
}

/** The 5-byte prefix: compressed flag (0), then the message length, big-endian. */
function frame(message: Uint8Array): Buffer {
    const framed = Buffer.allocUnsafe(5 + message.length);
    framed[0] = 0;
    framed.writeUInt32BE(message.length, 1);
    framed.set(message, 5);
    return framed;
}

function unframe(body: Buffer): Buffer {
    if (body.length < 5) {
        throw new Error(`gRPC response of ${body.length} bytes: no message`);
    }
    if (body[0] !== 0) {
        throw new Error("gRPC response is compressed, which was not offered");
    }
    const length = body.readUInt32BE(1);
    if (body.length !== 5 + length) {
        throw new Error(`gRPC response of ${body.length} bytes, framed as one message of ${length}`);
    }
    return body.subarray(5);
}

function statusMessage(value: string | string[] | undefined): string {
    const text = Array.isArray(value) ? value.join(",") : (value ?? "");
    try {
        return decodeURIComponent(text);
    } catch {
        return text;
    }
}

/** One HTTP/2 connection to a gRPC server on `host:port`; calls on it run concurrently. Always `close()` it. */
export class UnaryGrpcClient {
    private readonly session: http2.ClientHttp2Session;

    constructor(address: string) {
        this.session = http2.connect(`http://${address}`);
        // A failing connection fails each call on it (the stream's own "error"); nothing to add here.
        this.session.on("error", () => undefined);
    }

    /** Sends `request` (an encoded message) to `path` (`/package.Service/Method`); resolves to the encoded response. */
    call(path: string, request: Uint8Array): Promise<Buffer> {
        return new Promise((resolve, reject) => {
            let stream: http2.ClientHttp2Stream;
            try {
                stream = this.session.request({
                    ":method": "POST",
                    ":path": path,
                    "content-type": "application/grpc",
                    te: "trailers",
                });
            } catch (err) {
                reject(err);
                return;
            }
            const chunks: Buffer[] = [];
            let headers: http2.IncomingHttpHeaders = {};
            let trailers: http2.IncomingHttpHeaders = {};
            stream.on("response", (received) => {
                headers = received;
            });
            stream.on("trailers", (received) => {
                trailers = received;
            });
            stream.on("data", (chunk: Buffer) => chunks.push(chunk));
            stream.on("error", reject);
            stream.on("close", () => {
                const status = trailers["grpc-status"] ?? headers["grpc-status"];
                if (status === undefined) {
                    reject(
                        new Error(
                            `no gRPC status (HTTP status ${headers[":status"] ?? "none"}, stream closed with code ${stream.rstCode})`,
                        ),
                    );
                } else if (String(status) !== "0") {
                    reject(
                        new GrpcStatusError(
                            Number(status),
                            statusMessage(trailers["grpc-message"] ?? headers["grpc-message"]),
                        ),
                    );
                } else {
                    try {
                        resolve(unframe(Buffer.concat(chunks)));
                    } catch (err) {
                        reject(err);
                    }
                }
            });
            stream.end(frame(request));
        });
    }

    close(): void {
        this.session.close();
    }
}
