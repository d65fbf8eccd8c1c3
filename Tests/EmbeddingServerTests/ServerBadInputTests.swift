import EmbeddingServer
import Foundation
import SwiftProtobuf
import Testing
import WireProtocol

extension ServerTests {
@Suite("Bad input")
struct ServerBadInputTests {
    /// A Health request, to show the server still serves.
    static var health: Multiembed_V1_Request {
        var request = Multiembed_V1_Request()
        request.id = 99
        request.health = .init()
        return request
    }

    /// Checks a fresh connection still gets answers.
    static func stillServing(port: Int) async throws {
        let connection = try await TestConnection(port: port)
        defer { connection.close() }
        let response = try #require(try await connection.call(embedRequest(id: 42, texts: ["still here"])))
        #expect(response.id == 42)
        #expect(response.status.code == .ok)
    }

    @Test("a length prefix of 0xFFFFFFFF gets RESOURCE_EXHAUSTED with id 0, then the connection closes")
    func hugeLengthPrefix() async throws {
        try await withServer { _, port in
            let connection = try await TestConnection(port: port)
            try await connection.sendRaw([0xFF, 0xFF, 0xFF, 0xFF])
            let response = try #require(try await connection.receive())
            #expect(response.id == 0)
            #expect(response.status.code == .resourceExhausted)
            #expect(response.status.message.contains("4294967295"))
            #expect(try await connection.closedByServer())
            try await Self.stillServing(port: port)
        }
    }

    @Test("a frame cut mid-way then closed leaves the server serving")
    func truncatedFrame() async throws {
        try await withServer { _, port in
            let connection = try await TestConnection(port: port)
            try await connection.sendRaw([0, 0, 0, 100, 1, 2, 3])
            connection.close()
            try await Self.stillServing(port: port)
        }
    }

    @Test("bytes that are not protobuf get INVALID_ARGUMENT with id 0, then the connection closes")
    func notProtobuf() async throws {
        try await withServer { _, port in
            let connection = try await TestConnection(port: port)
            try await connection.sendRaw([0, 0, 0, 4, 0xFF, 0xFF, 0xFF, 0xFF])
            let response = try #require(try await connection.receive())
            #expect(response.id == 0)
            #expect(response.status.code == .invalidArgument)
            #expect(try await connection.closedByServer())
            try await Self.stillServing(port: port)
        }
    }

    @Test("invalid UTF-8 in a text field gets INVALID_ARGUMENT with id 0, then close")
    func invalidUTF8() async throws {
        try await withServer { _, port in
            let connection = try await TestConnection(port: port)
            // Request { id: 5, embed (10) { inputs (2) { text (1): 0xC3 0x28 } } }
            let input: [UInt8] = [0x0A, 0x02, 0xC3, 0x28]
            let embed: [UInt8] = [0x12, UInt8(input.count)] + input
            let request: [UInt8] = [0x08, 0x05, 0x52, UInt8(embed.count)] + embed
            try await connection.sendRaw([0, 0, 0, UInt8(request.count)] + request)
            let response = try #require(try await connection.receive())
            #expect(response.id == 0)
            #expect(response.status.code == .invalidArgument)
            #expect(response.status.message.contains("UTF-8"))
            #expect(try await connection.closedByServer())
        }
    }

    @Test("unknown fields are ignored; an unknown body is UNIMPLEMENTED; no body is INVALID_ARGUMENT")
    func unknownFields() async throws {
        try await withServer { _, port in
            let connection = try await TestConnection(port: port)
            defer { connection.close() }
            let request = embedRequest(id: 8, texts: ["hello"])
            // Field 1000, varint 1, appended: a field from some newer version.
            let bytes: [UInt8] = try request.serializedBytes() + [0xC0, 0x3E, 0x01]
            try await connection.sendRaw([0, 0, 0, UInt8(bytes.count)] + bytes)
            let answered = try #require(try await connection.receive())
            #expect(answered.id == 8)
            #expect(answered.status.code == .ok)
            #expect(answered.embed.embeddings.count == 1)

            // A body in a field this version does not know (30): UNIMPLEMENTED under its id.
            try await connection.sendRaw([0, 0, 0, 5, 0x08, 0x09, 0xF2, 0x01, 0x00])
            let unimplemented = try #require(try await connection.receive())
            #expect(unimplemented.id == 9)
            #expect(unimplemented.status.code == .unimplemented)

            var empty = Multiembed_V1_Request()
            empty.id = 10
            let noBody = try #require(try await connection.call(empty))
            #expect(noBody.status.code == .invalidArgument)
        }
    }

    @Test("unknown model and unknown prompt are NOT_FOUND and name what exists")
    func unknownNames() async throws {
        try await withServer { _, port in
            let connection = try await TestConnection(port: port)
            defer { connection.close() }
            let model = try #require(try await connection.call(embedRequest(id: 1, texts: ["x"]) { $0.model = "nope" }))
            #expect(model.status.code == .notFound)
            #expect(model.status.message.contains("all-MiniLM-L6-v2"))
            let prompt = try #require(try await connection.call(embedRequest(id: 2, texts: ["x"]) { $0.promptName = "query" }))
            #expect(prompt.status.code == .notFound)
            #expect(prompt.status.message.contains("query"))
            let dimensions = try #require(try await connection.call(embedRequest(id: 3, texts: ["x"]) { $0.dimensions = 7 }))
            #expect(dimensions.status.code == .invalidArgument)
        }
    }

    @Test("100,000 inputs in one request are refused naming max_inputs_per_request")
    func tooManyInputs() async throws {
        try await withServer { _, port in
            let connection = try await TestConnection(port: port)
            defer { connection.close() }
            let response = try #require(try await connection.call(embedRequest(id: 4, texts: Array(repeating: "a", count: 100_000))))
            #expect(response.id == 4)
            #expect(response.status.code == .invalidArgument)
            #expect(response.status.message.contains("100000"))
            #expect(response.status.message.contains("max_inputs_per_request"))
        }
    }

    @Test("a text over max_text_bytes fails alone; with all_or_nothing the whole request fails")
    func perInputErrors() async throws {
        try await withServer(configure: { $0.limits.maxTextBytes = 10 }) { _, port in
            let connection = try await TestConnection(port: port)
            defer { connection.close() }
            let texts = ["short", "this text is far too long", "ok"]
            let partial = try #require(try await connection.call(embedRequest(id: 1, texts: texts)))
            #expect(partial.status.code == .ok)
            #expect(partial.status.inputErrors.map(\.index) == [1])
            #expect(partial.status.inputErrors.first?.message.contains("max_text_bytes") == true)
            #expect(partial.embed.embeddings.count == 3)
            #expect(!partial.embed.embeddings[1].hasPooled)
            #expect(partial.embed.embeddings[2].hasPooled)
            let strict = try #require(try await connection.call(embedRequest(id: 2, texts: texts) { $0.allOrNothing = true }))
            #expect(strict.status.code == .invalidArgument)
            #expect(strict.status.inputErrors.map(\.index) == [1])
            #expect(strict.body == nil)
        }
    }

    @Test("a client sending one byte at a time is disconnected after the frame timeout")
    func slowClient() async throws {
        try await withServer(configure: { $0.limits.frameTimeout = .milliseconds(300) }) { _, port in
            let connection = try await TestConnection(port: port)
            var request = Self.health
            request.id = 1
            let bytes = try request.serializedBytes() as [UInt8]
            let frame = [0, 0, 0, UInt8(bytes.count)] + bytes
            // Five bytes in a second: the frame (the prefix and a byte) never completes.
            for byte in frame.prefix(5) {
                try? await connection.sendRaw([byte])
                try await Task.sleep(for: .milliseconds(200))
            }
            let started = ContinuousClock.now
            #expect(try await connection.receive() == nil)
            #expect(ContinuousClock.now - started < .seconds(1))
            try await Self.stillServing(port: port)
        }
    }

    @Test("idle connections up to the cap are held; one more gets RESOURCE_EXHAUSTED; others are served")
    func idleConnections() async throws {
        let cap = 64
        try await withServer(configure: { $0.limits.maxConnections = cap }) { _, port in
            var idle: [TestConnection] = []
            for _ in 0..<(cap - 1) { idle.append(try await TestConnection(port: port)) }
            // The cap's last connection is a working one.
            let working = try await TestConnection(port: port)
            // A round trip on the last admitted connection: the server has taken all of them.
            #expect(try #require(try await working.call(Self.health)).status.code == .ok)
            let extra = try await TestConnection(port: port)
            let refused = try #require(try await extra.receive())
            #expect(refused.id == 0)
            #expect(refused.status.code == .resourceExhausted)
            #expect(refused.status.message.contains("max_connections"))
            #expect(try await extra.closedByServer())
            let answer = try #require(try await working.call(embedRequest(id: 1, texts: ["served"])))
            #expect(answer.status.code == .ok)
            for connection in idle { connection.close() }
            working.close()
        }
    }
}
}
