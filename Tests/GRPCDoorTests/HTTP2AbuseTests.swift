import EmbeddingServer
import GRPCCore
import NIOCore
import NIOHPACK
import NIOHTTP2
import Testing
import WireProtocol

/// The gRPC door against clients that misbehave on purpose: each is cut off, and everyone else
/// goes on being served.
@Suite("gRPC door under HTTP/2 abuse")
struct HTTP2AbuseTests {
    @Test("after max_failed_authentications wrong keys the connection is closed, each call answered first")
    func failedAuthenticationsCloseTheConnection() async throws {
        try await withGRPCServer(configure: {
            $0.apiKeys = ["secret"]
            $0.limits.maxFailedAuthenticationsPerConnection = 3
        }) { client, ports in
            let raw = try await RawHTTP2Connection.connect(port: ports.grpc)
            let received = try await raw.channel.executeThenClose { inbound, outbound in
                for stream in [1, 3, 5] {
                    let id = HTTP2StreamID(stream)
                    let headers = RawHTTP2Connection.callHeaders(
                        "/multiembed.v1.EmbeddingService/Info", [("authorization", "Bearer guess-\(stream)")])
                    try await outbound.write(HTTP2Frame(streamID: id, payload: .headers(.init(headers: headers))))
                    let message = try RawHTTP2Connection.grpcMessage(Multiembed_V1_InfoRequest())
                    try await outbound.write(HTTP2Frame(streamID: id, payload: .data(.init(data: .byteBuffer(message), endStream: true))))
                }
                return await readUntilClosed(inbound)
            }
            #expect(received.closed, "the connection was not closed after three failed authentications")
            #expect(received.goAway == .noError, "the close was not a graceful GOAWAY")
            #expect(received.grpcStatuses == [1: "16", 3: "16", 5: "16"], "each call is answered UNAUTHENTICATED before the close")

            // The right key on another connection is served as before.
            let info = try await call(
                client, "multiembed.v1.EmbeddingService", "Info", Multiembed_V1_InfoRequest(),
                as: Multiembed_V1_InfoResponse.self, metadata: ["authorization": "Bearer secret"])
            #expect(info.error == nil)
        }
    }

    @Test("a flood of stream resets (rapid reset) closes that connection with ENHANCE_YOUR_CALM; others are served")
    func rapidResetFlood() async throws {
        try await withGRPCServer { client, ports in
            let raw = try await RawHTTP2Connection.connect(port: ports.grpc)
            let received = try await raw.channel.executeThenClose { inbound, outbound in
                let headers = RawHTTP2Connection.callHeaders("/multiembed.v1.EmbeddingService/Embed")
                do {
                    for index in 0..<1000 {
                        let id = HTTP2StreamID(2 * index + 1)
                        try await outbound.write(HTTP2Frame(streamID: id, payload: .headers(.init(headers: headers))))
                        try await outbound.write(HTTP2Frame(streamID: id, payload: .rstStream(.cancel)))
                    }
                } catch {
                    // The server closed the connection part-way: what the test wants.
                }
                return await readUntilClosed(inbound)
            }
            #expect(received.closed, "the server kept a connection that reset 1000 streams")
            #expect(received.goAway == .enhanceYourCalm)
            let answer = try await call(client, "multiembed.v1.EmbeddingService", "Embed", embedRequest(["still here"]), as: Multiembed_V1_EmbedResponse.self)
            #expect(answer.error == nil && answer.message?.embeddings.count == 1)
        }
    }

    @Test("a header list over 16 KiB is refused, and the server goes on")
    func oversizedHeaderList() async throws {
        try await withGRPCServer { client, ports in
            let raw = try await RawHTTP2Connection.connect(port: ports.grpc)
            let received = try await raw.channel.executeThenClose { inbound, outbound in
                let headers = RawHTTP2Connection.callHeaders(
                    "/multiembed.v1.EmbeddingService/Info", [("x-padding", String(repeating: "a", count: 256 * 1024))])
                do {
                    try await outbound.write(HTTP2Frame(streamID: 1, payload: .headers(.init(headers: headers, endStream: true))))
                } catch {}
                return await readUntilClosed(inbound, timeout: .seconds(10))
            }
            // Refused either way HTTP/2 allows: the connection closed, or the stream reset.
            let reset = received.frames.contains { if case .rstStream = $0.payload { true } else { false } }
            #expect(received.closed || reset, "a 256 KiB header list was accepted")
            #expect(received.grpcStatuses[1] != "0", "a 256 KiB header list was served")
            let answer = try await call(client, "multiembed.v1.EmbeddingService", "Embed", embedRequest(["still here"]), as: Multiembed_V1_EmbedResponse.self)
            #expect(answer.error == nil && answer.message?.embeddings.count == 1)
        }
    }
}
