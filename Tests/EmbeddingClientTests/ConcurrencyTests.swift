import EmbeddingClient
import Testing
import WireProtocol

@Suite("Many calls over one connection")
struct ConcurrencyTests {
    @Test("calls answered in reverse order each get their own answer, over one connection")
    func reverseOrder() async throws {
        try await withFakeServer { server, client in
            let count = 16
            let calls = Task {
                try await withThrowingTaskGroup(of: (Int, EmbedResult).self) { group in
                    for i in 0..<count {
                        group.addTask { (i, try await client.embed(texts: ["\(i)"])) }
                    }
                    var results: [Int: EmbedResult] = [:]
                    for try await (i, result) in group { results[i] = result }
                    return results
                }
            }
            let received = try await server.next(count)
            #expect(Set(received.map(\.request.id)).count == count, "ids are unique")
            #expect(!received.map(\.request.id).contains(0), "id 0 is never used")
            let connections = Set(received.map { ObjectIdentifier($0.connection.channel) })
            #expect(connections.count == 1)
            for item in received.reversed() {
                let text = item.request.embed.inputs[0].text
                let value = try #require(Float(text))
                try await item.connection.send(
                    Responses.single(id: item.request.id, pooled: Responses.vector(float32: [value, -value])))
            }
            let results = try await calls.value
            for i in 0..<count {
                #expect(results[i]?.embeddings[0].pooled?.values == [Float(i), -Float(i)])
            }
        }
    }

    @Test("concurrent first calls share one connection attempt")
    func oneConnectionForConcurrentFirstCalls() async throws {
        try await withFakeServer { server, client in
            let answering = server.answerAll(Responses.embed(answering:))
            defer { answering.cancel() }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for i in 0..<8 {
                    group.addTask {
                        let result = try await client.embed(texts: ["a", "b\(i)"])
                        #expect(result.embeddings.count == 2)
                        #expect(result.embeddings[1].pooled?.values[1] == 1)
                    }
                }
                try await group.waitForAll()
            }
        }
    }
}
