import EmbeddingClient
import EmbeddingServer
import EmbeddingTesting
import Encoders
import Foundation
import LateInteraction
import Testing

/// The client's late-interaction calls against the real server, in process, on loopback.
@Suite("Collections through the client", .serialized)
struct CollectionClientTests {
    /// A fresh data directory, removed after `body`.
    static func withDataDirectory<T>(_ body: (String) async throws -> T) async throws -> T {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("multiembed-client-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try await body(path)
    }

    static func rows(_ count: Int, _ dimension: Int, seed: UInt64) -> [[Float]] {
        var generator = SeededGenerator(state: seed)
        return (0..<count).map { _ in (0..<dimension).map { _ in Float.random(in: -1...1, using: &generator) } }
    }

    @Test("dense collections, pooled vectors, dense and hybrid search with metadata filters, the new limits")
    func denseAndHybrid() async throws {
        let passages = [
            ("rain", "heavy rain is expected across the north tomorrow", "weather"),
            ("sun", "a sunny and dry weekend for most of the country", "weather"),
            ("goal", "the striker scored twice in the second half", "sport"),
        ]
        try await Self.withDataDirectory { path in
            try await withRealServer(configure: {
                $0.dataDirectory = path
                $0.limits.idleTimeout = .seconds(42)
                $0.limits.maxConnectionsPerAddress = 7
            }) { client in
                let limits = try await client.info().limits
                #expect(limits.idleTimeout == .seconds(42) && limits.maxConnectionsPerAddress == 7)
                #expect(limits.maxResponseBytes > 0 && limits.maxAnswerBytesPerConnection > 0 && limits.maxFailedAuthentications > 0)
                #expect(limits.maxInFlightPerConnection == 256 && limits.frameTimeout == .seconds(30))

                var settings = CollectionSettings()
                settings.kind = .dense
                let dense = try await client.createCollection("dense", settings: settings)
                #expect(dense.kind == .dense && dense.dimension == 384)
                let documents = passages.map { CollectionDocument(id: $0.0, text: $0.1, metadata: ["topic": $0.2]) }
                _ = try await client.upsert(documents, into: "dense")
                let hits = try await client.search(.text("will it rain tomorrow"), in: "dense", topK: 3)
                #expect(hits.hits.map(\.id).first == "rain")
                let weather = try await client.search(
                    .text("football"), in: "dense", parameters: SearchParameters(filterMetadata: ["topic": "weather"]))
                #expect(Set(weather.hits.map(\.id)) == ["rain", "sun"])

                let stored = try await client.get(ids: ["goal"], from: "dense", includeVectors: true)
                let pooled = try #require(stored.first?.pooled)
                #expect(pooled.count == 384 && stored.first?.vectors == nil)
                _ = try await client.upsert([CollectionDocument(id: "given", pooled: pooled.map { -$0 })], into: "dense")
                let byVector = try await client.search(
                    nil, in: "dense", topK: 1, parameters: SearchParameters(queryPooled: pooled.map { -$0 }))
                #expect(byVector.hits.map(\.id) == ["given"])
                do {
                    _ = try await client.search(.text("rain"), in: "dense", parameters: SearchParameters(mode: .maxSim))
                    Issue.record("MaxSim on a dense collection was not refused")
                } catch let error as EmbeddingClientError {
                    #expect(error.code == .invalidArgument)
                }

                _ = try await client.createCollection("mv")
                _ = try await client.upsert(documents, into: "mv")
                let maxSim = try await client.search(.text("will it rain tomorrow"), in: "mv", topK: 2)
                let hybrid = try await client.search(
                    .text("will it rain tomorrow"), in: "mv", topK: 2, parameters: SearchParameters(mode: .hybrid, candidates: 2))
                let denseTop = try await client.search(
                    .text("will it rain tomorrow"), in: "mv", topK: 2, parameters: SearchParameters(mode: .dense, metric: .dot))
                #expect(Set(hybrid.hits.map(\.id)) == Set(denseTop.hits.map(\.id)))
                #expect(hybrid.hits.first == maxSim.hits.first)
                // A collection no larger than the candidate depth is searched exactly; a depth
                // of 2 goes through the centroid index, whose hits carry exact MaxSim scores.
                let indexed = try await client.search(
                    .text("will it rain tomorrow"), in: "mv", topK: 2, parameters: SearchParameters(mode: .indexed))
                #expect(indexed.hits == maxSim.hits)
                var shallow = SearchParameters(mode: .indexed, candidates: 2)
                shallow.probes = 1
                let throughIndex = try await client.search(.text("will it rain tomorrow"), in: "mv", topK: 2, parameters: shallow)
                #expect((1 ... 2).contains(throughIndex.hits.count), "one probe per query vector may find one document")
                if let best = throughIndex.hits.first, let exactBest = maxSim.hits.first(where: { $0.id == best.id }) {
                    #expect(best.score == exactBest.score)
                }
                _ = try await client.upsert([CollectionDocument(id: "bare", vectors: Self.rows(2, 384, seed: 1))], into: "mv")
                do {
                    _ = try await client.search(.text("rain"), in: "mv", parameters: SearchParameters(mode: .dense))
                    Issue.record("dense search over a document without a pooled vector was not refused")
                } catch let error as EmbeddingClientError {
                    #expect(error.code == .failedPrecondition)
                }
            }
        }
    }

    @Test("create, list, upsert vectors, get, search and score equal MaxSim, delete, drop")
    func vectorsLifecycle() async throws {
        let documents = (0..<8).map { CollectionDocument(id: "d\($0)", vectors: Self.rows(2 + $0 % 3, 6, seed: UInt64($0 + 1)), metadata: ["n": "\($0)"]) }
        let query = Self.rows(3, 6, seed: 42)
        try await Self.withDataDirectory { path in
            try await withRealServer(configure: { $0.dataDirectory = path }) { client in
                var settings = CollectionSettings()
                settings.vectorsOnly = true
                settings.dimension = 6
                let info = try await client.createCollection("raw", settings: settings)
                #expect(info.name == "raw")
                #expect(info.dimension == 6)
                #expect(info.model == nil)
                #expect(info.precision == .float32)

                let written = try await client.upsert(documents, into: "raw")
                #expect(written.upserted == 8)
                #expect(try await client.listCollections().map(\.documentCount) == [8])

                let fetched = try await client.get(ids: ["d5", "missing", "d0"], from: "raw", includeVectors: true)
                #expect(fetched.map(\.id) == ["d5", "d0"])
                #expect(fetched[0].metadata == ["n": "5"])
                let stored = try MultiVector(rows: Self.rows(2 + 5 % 3, 6, seed: 6)).l2Normalized(context: "d5")
                #expect(fetched[0].vectors?.flatMap { $0 } == stored.values)
                #expect(try await client.get(ids: ["d1"], from: "raw").first?.vectors == nil)

                let normalisedQuery = try MultiVector(rows: query).l2Normalized(context: "query")
                let corpus = try EncodedCorpus(
                    documents.indices.map { try MultiVector(rows: Self.rows(2 + $0 % 3, 6, seed: UInt64($0 + 1))).l2Normalized(context: "d") },
                    dimension: 6, precision: .float32)
                let expected = try MaxSim.scores(normalisedQuery, corpus.view)
                let ranking: [(String, Float)] = zip(documents.map(\.id), expected).sorted { $0.1 > $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }
                let result = try await client.search(.vectors(query), in: "raw", topK: 3)
                #expect(result.hits.map(\.id) == ranking.prefix(3).map(\.0))
                #expect(result.hits.map(\.score) == ranking.prefix(3).map(\.1))
                let defaultTopK = try await client.search(.vectors(query), in: "raw")
                #expect(defaultTopK.hits.count == 8)
                let filtered = try await client.search(.vectors(query), in: "raw", filterIDs: ["d2", "d4"])
                #expect(Set(filtered.hits.map(\.id)) == ["d2", "d4"])

                let scored = try await client.score(query: .vectors(query), documents: documents.compactMap(\.content))
                #expect(scored.scores == expected)

                #expect(try await client.delete(ids: ["d0", "d1", "zzz"], from: "raw") == 2)
                #expect(try await client.get(ids: ["d0", "d1", "d2"], from: "raw").map(\.id) == ["d2"])
                try await client.dropCollection("raw")
                #expect(try await client.listCollections().isEmpty)
            }
        }
    }

    @Test("texts and images are embedded by the collection's model; a text query finds the page")
    func inputsWithTinyClip() async throws {
        let page = try Data(contentsOf: Fixtures.url("images/document-page.png"))
        let photo = try Data(contentsOf: Fixtures.url("images/photo-kafka.jpg"))
        try await Self.withDataDirectory { path in
            try await withRealServer(models: [tinyClip], configure: { $0.dataDirectory = path }) { client in
                let info = try await client.createCollection("mixed")
                #expect(info.model == "tiny-clip")
                // The page alone: the vision tower's last bits depend on the batch an image
                // shares, so it is embedded here as alone as in the Embed call below.
                let page1 = try await client.upsert([CollectionDocument(id: "page", content: .image(page, name: "page.png"))], into: "mixed")
                #expect(page1.usage.patches > 0)
                let written = try await client.upsert([
                    CollectionDocument(id: "photo", content: .image(photo)),
                    CollectionDocument(id: "caption", text: "a photograph of a person"),
                ], into: "mixed")
                #expect(written.upserted == 2)
                #expect(written.usage.patches > 0)
                #expect(written.usage.tokens > 0)

                // The stored page holds the vectors Embed returns for it.
                var options = EmbedOptions()
                options.output = .multiVector
                let embedded = try await client.embed(images: [page], options: options).multiVectors[0]
                let stored = try await client.get(ids: ["page"], from: "mixed", includeVectors: true)
                #expect(stored.first?.vectors == embedded)

                let result = try await client.search(.text("a scanned document"), in: "mixed", topK: 3)
                #expect(Set(result.hits.map(\.id)) == ["page", "photo", "caption"])
                let byID = Dictionary(uniqueKeysWithValues: result.hits.map { ($0.id, $0.score) })
                let pageScore = try await client.score(query: .text("a scanned document"), documents: [.image(page)])
                #expect(pageScore.scores.first == byID["page"])
                let scores = try await client.score(
                    query: .text("a scanned document"), documents: [.image(page), .image(photo), .text("a photograph of a person")])
                let expected = [byID["page"], byID["photo"], byID["caption"]].compactMap { $0 }
                #expect(scores.scores.count == 3)
                #expect(zip(scores.scores, expected).allSatisfy { abs($0 - $1) < 1e-4 })
            }
        }
    }

    @Test("typed errors: NOT_FOUND, ALREADY_EXISTS, FAILED_PRECONDITION, InputErrors per document, local shape checks")
    func typedErrors() async throws {
        try await Self.withDataDirectory { path in
            try await withRealServer(configure: { $0.dataDirectory = path }) { client in
                _ = try await client.createCollection("passages")
                let exists = await clientError { try await client.createCollection("passages") }
                #expect(exists?.code == .alreadyExists)
                #expect(exists?.kind == .status)
                #expect((await clientError { try await client.dropCollection("nope") })?.code == .notFound)
                #expect((await clientError { try await client.search(.text("hi"), in: "nope") })?.code == .notFound)

                let bad = await clientError {
                    try await client.upsert([
                        CollectionDocument(id: "a", text: "fine"),
                        CollectionDocument(id: "b", vectors: Self.rows(2, 5, seed: 1)),
                    ], into: "passages")
                }
                #expect(bad?.code == .failedPrecondition)
                #expect(bad?.inputErrors.map(\.index) == [1])
                #expect(try await client.get(ids: ["a"], from: "passages").isEmpty)

                let duplicate = await clientError {
                    try await client.upsert([CollectionDocument(id: "x", text: "one"), CollectionDocument(id: "x", text: "two")], into: "passages")
                }
                #expect(duplicate?.code == .invalidArgument)
                #expect(duplicate?.inputErrors.map(\.index) == [1])

                let topK = await clientError { try await client.search(.text("hi"), in: "passages", topK: 0) }
                #expect(topK?.code == .invalidArgument)

                // Ragged rows never leave the client.
                let ragged = await clientError { try await client.score(query: .vectors([[1, 2], [3]]), documents: [.vectors([[1, 2]])]) }
                #expect(ragged?.kind == .invalidRequest)

                let info = try await client.info()
                #expect(info.limits.maxVectorsPerDocument == 4096)
                #expect(info.limits.maxTopK == 1000)
            }
        }
    }
}
