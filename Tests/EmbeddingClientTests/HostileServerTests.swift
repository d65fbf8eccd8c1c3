import EmbeddingClient
import NIOCore
import Testing
import WireProtocol

/// A broken or hostile server gives errors, never a crash or an unbounded allocation.
@Suite("Hostile server")
struct HostileServerTests {
    /// Sends one call, lets the server answer with `bytes`, returns the call's error.
    func error(
        answering bytes: [UInt8], thenClose: Bool = false,
        configure: (inout ClientConfiguration) -> Void = { _ in }
    ) async throws -> EmbeddingClientError? {
        try await withFakeServer(configure: configure) { server, client in
            let calls = (0..<3).map { _ in Task { await clientError { try await client.embed(texts: ["a"]) } } }
            let request = try await server.next(3)[0]
            try await request.connection.sendRaw(bytes)
            if thenClose { await request.connection.close() }
            var errors: [EmbeddingClientError] = []
            for call in calls { if let error = await call.value { errors.append(error) } }
            #expect(errors.count == 3, "every call in flight fails")
            return errors.first
        }
    }

    @Test("a length prefix of 0xFFFFFFFF fails the connection without buffering")
    func hugeLength() async throws {
        let error = try #require(try await self.error(answering: [0xFF, 0xFF, 0xFF, 0xFF, 1, 2, 3]))
        #expect(error.kind == .invalidResponse)
        #expect(error.description.contains("exceeds"))
    }

    @Test("a length over the client's configured limit is refused")
    func overConfiguredLimit() async throws {
        let error = try #require(
            try await self.error(answering: [0, 0, 0x10, 0], configure: { $0.maximumResponseFrameBytes = 1024 }))
        #expect(error.kind == .invalidResponse)
    }

    @Test("bytes that are not a Response")
    func garbage() async throws {
        let error = try #require(try await self.error(answering: [0, 0, 0, 4, 0xFF, 0xFF, 0xFF, 0xFF]))
        #expect(error.kind == .invalidResponse)
    }

    @Test("a frame cut off mid-way, then the socket closed")
    func truncatedFrame() async throws {
        let error = try #require(try await self.error(answering: [0, 0, 0, 100, 8, 1, 0x12], thenClose: true))
        #expect(error.kind == .invalidResponse || error.kind == .connectionClosed)
    }

    @Test("an id 0 answer (the server could not read our frame) fails every call with its code")
    func protocolError() async throws {
        var bytes = ByteBufferBytes()
        try bytes.append(Multiembed_V1_Response.failure(id: 0, code: .resourceExhausted, message: "frame too large"))
        let error = try #require(try await self.error(answering: bytes.bytes))
        #expect(error.kind == .protocolError)
        #expect(error.code == .resourceExhausted)
    }

    @Test("after a hostile answer, the next call reconnects")
    func recoversAfterGarbage() async throws {
        try await withFakeServer { server, client in
            let call = Task { await clientError { try await client.embed(texts: ["a"]) } }
            let request = try await server.next()[0]
            try await request.connection.sendRaw([0, 0, 0, 2, 0xFF, 0xFF])
            #expect(await call.value?.kind == .invalidResponse)
            let answering = server.answerAll(Responses.embed(answering:))
            defer { answering.cancel() }
            #expect(try await client.embed(texts: ["b"]).embeddings.count == 1)
        }
    }
}

/// Serialised frames as plain bytes.
struct ByteBufferBytes {
    var bytes: [UInt8] = []
    mutating func append(_ response: Multiembed_V1_Response) throws {
        var buffer = ByteBuffer()
        try buffer.writeFrame(message: response)
        self.bytes += Array(buffer.readableBytesView)
    }
}
