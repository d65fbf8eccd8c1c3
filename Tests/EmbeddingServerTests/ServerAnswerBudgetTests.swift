@testable import EmbeddingServer
import EmbeddingTesting
import Foundation
import Testing
import WireProtocol

extension ServerTests {
/// A client that sends and does not read: the server computes only the answers its connection
/// may hold, and every answer still arrives once the client reads.
@Suite("Unread answers", .timeLimit(.minutes(2)))
struct ServerAnswerBudgetTests {
    @Test("a client that does not read holds at most max_answer_bytes_per_connection, and loses nothing")
    func nonReadingClient() async throws {
        let budget = 3_000_000
        try await withServer(configure: { $0.limits.maxAnswerBytesPerConnection = budget }) { server, port in
            let socket = try LoopbackSocket(port: port, readTimeoutSeconds: 60)
            // 24 requests of 64 texts, multi-vector float32: about 1.2 MB of answer each.
            let texts = (0..<64).map { "text \($0) of a request whose answer is a large multi-vector" }
            let count = 24
            for id in 1...count {
                let request = embedRequest(id: UInt64(id), texts: texts) { $0.output = .multiVector }
                try socket.sendFrame(Array(try request.serializedData()))
            }
            // Let the server do all it will while nothing is read.
            var computed = 0
            for _ in 0..<40 {
                try await Task.sleep(for: .milliseconds(100))
                let now = Self.inputsEmbedded(server)
                if now == computed, now > 0 { break }
                computed = now
            }
            #expect(server.answerBytesHeld > 0)
            #expect(server.answerBytesHeld <= budget)
            // The budget's answers plus what the kernel's socket buffers took: far from all 24.
            #expect(computed < count * 64 / 2, "the server computed \(computed) of \(count * 64) inputs for a client that reads nothing")

            var answered = Set<UInt64>()
            for _ in 1...count {
                let frame = try #require(socket.readFrame(), "an answer was lost")
                let response = try Multiembed_V1_Response(serializedBytes: frame)
                #expect(response.status.code == .ok)
                #expect(response.embed.embeddings.count == 64)
                answered.insert(response.id)
            }
            #expect(answered == Set(1...UInt64(count)))
            // The last answer's bytes are given back once it is written.
            for _ in 0..<50 where server.answerBytesHeld != 0 { try await Task.sleep(for: .milliseconds(20)) }
            #expect(server.answerBytesHeld == 0)
        }
    }

    @Test("Get answers count against the connection's answer budget, and one over max_response_bytes is refused")
    func getAnswersAreBudgeted() async throws {
        let directory = try TemporaryDataDirectory()
        defer { directory.cleanup() }
        let budget = 200_000
        try await withServer(configure: {
            $0.dataDirectory = directory.path
            $0.limits.maxAnswerBytesPerConnection = budget
            $0.limits.maxResponseBytes = 150_000
        }) { server, port in
            let connection = try await TestConnection(port: port)
            defer { connection.close() }
            // 4 documents of 500 16-dimensional vectors: about 32 KB each as float32.
            let ids = (0..<4).map { "doc-\($0)" }
            _ = try await connection.ok(CollectionRequest.vectorsOnly("big", dimension: 16))
            _ = try await connection.ok(CollectionRequest.upsert("big", ids.enumerated().map { index, id in
                (id: id, content: vectorSource(randomRows(500, 16, seed: UInt64(index + 1))))
            }))
            // Five documents' worth (one asked twice) is over max_response_bytes: refused, before it is built.
            let tooLarge = try await connection.answer(CollectionRequest.get("big", ids + ["doc-0"], includeVectors: true))
            #expect(tooLarge.status.code == .resourceExhausted)
            #expect(tooLarge.status.message.contains("max_response_bytes"), "\(tooLarge.status.message)")
            // Without vectors the same ids are small.
            #expect(try await connection.ok(CollectionRequest.get("big", ids)).get.documents.count == 4)

            // A client that sends Gets and reads nothing holds at most its budget of answers.
            let socket = try LoopbackSocket(port: port, readTimeoutSeconds: 60)
            let count = 60
            for id in 1...count {
                let request = CollectionRequest.get("big", ids, includeVectors: true, id: UInt64(id))
                try socket.sendFrame(Array(try request.serializedData()))
            }
            var held = 0
            for _ in 0..<40 where held == 0 {
                try await Task.sleep(for: .milliseconds(100))
                held = server.answerBytesHeld
            }
            #expect(held > 0, "Get answers were not charged to the connection's budget")
            #expect(server.answerBytesHeld <= budget)
            var answered = Set<UInt64>()
            for _ in 1...count {
                let frame = try #require(socket.readFrame(), "an answer was lost")
                let response = try Multiembed_V1_Response(serializedBytes: frame)
                #expect(response.status.code == .ok)
                #expect(response.get.documents.count == 4)
                answered.insert(response.id)
            }
            #expect(answered == Set(1...UInt64(count)))
            for _ in 0..<50 where server.answerBytesHeld != 0 { try await Task.sleep(for: .milliseconds(20)) }
            #expect(server.answerBytesHeld == 0)
        }
    }

    /// `multiembed_inputs_total` over all models, from the server's Prometheus registry.
    static func inputsEmbedded(_ server: EmbeddingServer) -> Int {
        let text = String(decoding: server.metrics.registry.emitToBuffer(), as: UTF8.self)
        return text.split(separator: "\n")
            .filter { $0.hasPrefix("multiembed_inputs_total") }
            .compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }
            .reduce(0) { $0 + Int($1) }
    }
}
}
