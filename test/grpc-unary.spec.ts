/**
 * engine/analyzer/grpc-unary.ts against a @grpc/grpc-js server, the server a policy pack runs: answers, status errors (with the
 * Trailers-Only form grpc-js uses for them), concurrent calls on one connection, and a server that is not there.
 */
import * as assert from "assert";
import * as grpc from "@grpc/grpc-js";
import { GrpcStatusError, UnaryGrpcClient } from "../engine/analyzer/grpc-unary";

const identity = (bytes: Buffer) => bytes;

async function serve(): Promise<{ server: grpc.Server; address: string }> {
    const server = new grpc.Server();
    server.register(
        "/test.Echo/Echo",
        (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) =>
            callback(null, call.request),
        identity,
        identity,
        "unary",
    );
    server.register(
        "/test.Echo/Reverse",
        (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) =>
            setTimeout(() => callback(null, Buffer.from(call.request).reverse()), Math.random() * 5),
        identity,
        identity,
        "unary",
    );
    server.register(
        "/test.Echo/Fail",
        (_call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) =>
            callback({ code: grpc.status.INVALID_ARGUMENT, details: "policy 'x' threw: 100% ünïcode, line\nbreak" }),
        identity,
        identity,
        "unary",
    );
    const port = await new Promise<number>((resolve, reject) =>
        server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, bound) =>
            err ? reject(err) : resolve(bound),
        ),
    );
    return { server, address: `127.0.0.1:${port}` };
}

describe("grpc-unary: unary gRPC calls over node:http2", () => {
    let server: grpc.Server;
    let client: UnaryGrpcClient;

    before(async () => {
        const served = await serve();
        server = served.server;
        client = new UnaryGrpcClient(served.address);
    });

    after(() => {
        client.close();
        server.forceShutdown();
    });

    it("sends a message and resolves to the answer, empty and large ones included", async () => {
        assert.deepStrictEqual(await client.call("/test.Echo/Echo", Buffer.from("hello")), Buffer.from("hello"));
        assert.strictEqual((await client.call("/test.Echo/Echo", new Uint8Array())).length, 0);
        const large = Buffer.alloc(3 * 1024 * 1024, 7);
        assert.ok((await client.call("/test.Echo/Echo", large)).equals(large));
    });

    it("keeps concurrent calls on one connection apart, whatever order they are answered in", async () => {
        const sent = Array.from({ length: 300 }, (_, i) => Buffer.from(`request-${i}`));
        const answers = await Promise.all(sent.map((request) => client.call("/test.Echo/Reverse", request)));
        answers.forEach((answer, i) =>
            assert.strictEqual(answer.toString(), Buffer.from(sent[i]).reverse().toString()),
        );
    });

    it("rejects with the status code and the decoded message of a failed call", async () => {
        const err = await client.call("/test.Echo/Fail", Buffer.from("x")).then(
            () => undefined,
            (e) => e,
        );
        assert.ok(err instanceof GrpcStatusError, String(err));
        assert.strictEqual(err.code, grpc.status.INVALID_ARGUMENT);
        assert.strictEqual(err.details, "policy 'x' threw: 100% ünïcode, line\nbreak");
    });

    it("rejects a method the server does not have as UNIMPLEMENTED", async () => {
        const err = await client.call("/test.Echo/Missing", Buffer.from("x")).then(
            () => undefined,
            (e) => e,
        );
        assert.ok(err instanceof GrpcStatusError, String(err));
        assert.strictEqual(err.code, grpc.status.UNIMPLEMENTED);
    });

    it("rejects, rather than hangs, a call in flight when the server goes away", async () => {
        const hanging = new grpc.Server();
        hanging.register("/test.Echo/Hang", () => undefined, identity, identity, "unary");
        const port = await new Promise<number>((resolve, reject) =>
            hanging.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, bound) =>
                err ? reject(err) : resolve(bound),
            ),
        );
        const doomed = new UnaryGrpcClient(`127.0.0.1:${port}`);
        try {
            const call = doomed.call("/test.Echo/Hang", Buffer.from("x"));
            setTimeout(() => hanging.forceShutdown(), 50);
            await assert.rejects(call, /no gRPC status|ECONNRESET|closed/);
        } finally {
            doomed.close();
        }
    });

    it("rejects, rather than hangs, when nothing listens at the address", async () => {
        const { server: stopped, address } = await serve();
        stopped.forceShutdown();
        const nowhere = new UnaryGrpcClient(address);
        try {
            await assert.rejects(nowhere.call("/test.Echo/Echo", Buffer.from("x")), /ECONNREFUSED|no gRPC status/);
        } finally {
            nowhere.close();
        }
    });
});
