import EmbeddingClient
import Testing

/// `score` with stored documents (`VectorSource.stored(id:)`) against the real server.
@Suite("Score with stored documents through the client", .serialized)
struct StoredScoreClientTests {
    @Test("stored ids mix with vectors and texts; each scores what Search reports; errors name the id")
    func storedIDs() async throws {
        let documents = (0..<5).map { CollectionDocument(id: "d\($0)", vectors: CollectionClientTests.rows(2 + $0 % 3, 6, seed: UInt64(10 + $0))) }
        let query = CollectionClientTests.rows(3, 6, seed: 5)
        let other = CollectionClientTests.rows(2, 6, seed: 77)
        try await CollectionClientTests.withDataDirectory { path in
            try await withRealServer(configure: { $0.dataDirectory = path }) { client in
                var settings = CollectionSettings()
                settings.vectorsOnly = true
                settings.dimension = 6
                settings.precision = .int8
                _ = try await client.createCollection("raw", settings: settings)
                _ = try await client.upsert(documents, into: "raw")
                let hits = try await client.search(.vectors(query), in: "raw", topK: 5).hits
                let searched = Dictionary(uniqueKeysWithValues: hits.map { ($0.id, $0.score) })
                let sent = try await client.score(query: .vectors(query), documents: [.vectors(other)]).scores[0]

                let scored = try await client.score(
                    query: .vectors(query), documents: [.stored(id: "d3"), .vectors(other), .stored(id: "d0")], collection: "raw")
                #expect(scored.scores == [try #require(searched["d3"]), sent, try #require(searched["d0"])])

                let missing = await clientError {
                    try await client.score(query: .vectors(query), documents: [.stored(id: "d1"), .stored(id: "nope")], collection: "raw")
                }
                #expect(missing?.code == .notFound)
                #expect(missing?.inputErrors.map(\.index) == [1])
                #expect(missing?.inputErrors.first?.message.contains("'nope'") == true)

                let noCollection = await clientError { try await client.score(query: .vectors(query), documents: [.stored(id: "d1")]) }
                #expect(noCollection?.code == .invalidArgument)
                #expect(noCollection?.message.contains("collection") == true)

                let inSearch = await clientError { try await client.search(.stored(id: "d1"), in: "raw") }
                #expect(inSearch?.code == .invalidArgument)
                #expect(inSearch?.message.contains("document_id 'd1'") == true)
            }
        }
    }
}
