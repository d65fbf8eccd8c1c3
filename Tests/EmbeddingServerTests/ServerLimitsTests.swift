import EmbeddingServer
import Foundation
import Testing
import WireProtocol

extension ServerTests {
@Suite("Overload, deadlines, auth and shutdown")
struct ServerLimitsTests {
    @Test("a full queue answers RESOURCE_EXHAUSTED at once")
    func overload() async throws {
        try await withServer(configure: { $0.limits.maxQueuedInputsPerModel = 4 }) { _, port in
            let connection = try await TestConnection(port: port)
            defer { connection.close() }
            // 64 requests of 4 inputs each: the queue holds one request at a time.
            for id in 1...64 { try await connection.send(embedRequest(id: UInt64(id), texts: Array(repeating: "load", count: 4))) }
            var codes: [Multiembed_V1_Code] = []
            for _ in 1...64 { codes.append(try #require(try await connection.receive()).status.code) }
            #expect(codes.contains(.resourceExhausted))
            #expect(codes.contains(.ok))
            #expect(codes.allSatisfy { $0 == .ok || $0 == .resourceExhausted })
            let tooBig = try #require(try await connection.call(embedRequest(id: 100, texts: Array(repeating: "x", count: 5))))
            #expect(tooBig.status.code == .resourceExhausted)
            #expect(tooBig.status.message.contains("queue limit of 4"))
        }
    }

    @Test("work whose deadline passes in the queue is dropped and answered DEADLINE_EXCEEDED")
    func deadline() async throws {
        try await withServer(configure: { $0.batching.maxBatchInputs = 8 }) { _, port in
            let connection = try await TestConnection(port: port)
            defer { connection.close() }
            let long = (0..<128).map { "a long queue of texts to keep the model busy for a while, number \($0)" }
            try await connection.send(embedRequest(id: 1, texts: long))
            var late = embedRequest(id: 2, texts: ["too late"])
            late.deadlineMs = 1
            try await Task.sleep(for: .milliseconds(5))
            try await connection.send(late)
            var byID: [UInt64: Multiembed_V1_Response] = [:]
            for _ in 0..<2 {
                let response = try #require(try await connection.receive())
                byID[response.id] = response
            }
            #expect(byID[2]?.status.code == .deadlineExceeded)
            #expect(byID[2]?.body == nil)
            #expect(byID[1]?.status.code == .ok)
        }
    }

    @Test("with API keys, a request without a valid key gets UNAUTHENTICATED and nothing else")
    func authentication() async throws {
        try await withServer(configure: { $0.apiKeys = ["secret-1", "secret-2"] }) { _, port in
            let connection = try await TestConnection(port: port)
            defer { connection.close() }
            let none = try #require(try await connection.call(embedRequest(id: 1, texts: ["x"])))
            #expect(none.status.code == .unauthenticated)
            #expect(none.body == nil)
            var wrong = embedRequest(id: 2, texts: ["x"])
            wrong.apiKey = "secret-3"
            #expect(try #require(try await connection.call(wrong)).status.code == .unauthenticated)
            var info = Multiembed_V1_Request()
            info.id = 3
            info.info = .init()
            let infoResponse = try #require(try await connection.call(info))
            #expect(infoResponse.status.code == .unauthenticated)
            #expect(infoResponse.body == nil)
            var good = embedRequest(id: 4, texts: ["x"])
            good.apiKey = "secret-2"
            #expect(try #require(try await connection.call(good)).status.code == .ok)
        }
    }

    @Test("graceful shutdown answers every request it received and refuses new ones")
    func gracefulShutdown() async throws {
        try await withServer { server, port in
            let connection = try await TestConnection(port: port)
            defer { connection.close() }
            for id in 1...16 {
                try await connection.send(embedRequest(id: UInt64(id), texts: (0..<8).map { "shutdown text \($0) of \(id)" }))
            }
            // Let the frames reach the server, then shut down while they are being worked on.
            var health = Multiembed_V1_Request()
            health.id = 1000
            health.health = .init()
            try await connection.send(health)
            var answered: [UInt64: Multiembed_V1_Code] = [:]
            while answered[1000] == nil {
                let response = try #require(try await connection.receive())
                answered[response.id] = response.status.code
            }
            server.beginShutdown()
            // Sent after the shutdown began: refused, not lost.
            try await connection.send(embedRequest(id: 2000, texts: ["late"]))
            while answered.count < 18 {
                guard let response = try await connection.receive() else { break }
                answered[response.id] = response.status.code
            }
            #expect(answered[2000] == .unavailable)
            #expect((1...16).map { answered[UInt64($0)] } == Array(repeating: .ok, count: 16))
            // New connections are no longer accepted.
            await #expect(throws: (any Error).self) { _ = try await TestConnection(port: port).call(embedRequest(id: 1, texts: ["x"])) }
        }
    }

    @Test("closing a connection drops its queued inputs")
    func disconnectCancelsQueuedWork() async throws {
        try await withServer(configure: { $0.batching.maxBatchInputs = 4 }) { _, port in
            let leaving = try await TestConnection(port: port)
            try await leaving.send(embedRequest(id: 1, texts: (0..<256).map { "queued text number \($0)" }))
            let observer = try await TestConnection(port: port)
            defer { observer.close() }
            var health = Multiembed_V1_Request()
            health.id = 2
            health.health = .init()
            var depth: UInt32 = 0
            for _ in 0..<100 where depth == 0 {
                depth = try #require(try await observer.call(health)).health.queueDepth
                try await Task.sleep(for: .milliseconds(5))
            }
            #expect(depth > 0)
            leaving.close()
            try await Task.sleep(for: .milliseconds(300))
            #expect(try #require(try await observer.call(health)).health.queueDepth == 0)
        }
    }
}
}
