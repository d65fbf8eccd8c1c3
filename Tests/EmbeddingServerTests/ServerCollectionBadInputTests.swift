import EmbeddingServer
import Foundation
import Testing
import WireProtocol

extension ServerTests {
@Suite("Collections: bad input")
struct ServerCollectionBadInputTests {
    /// A wire MultiVectorSource with raw fields, for shapes `vectorSource` cannot build.
    static func rawVectors(count: UInt32, dimension: UInt32, values: [Float]) -> Multiembed_V1_MultiVectorSource {
        var source = vectorSource([values])
        source.vectors.count = count
        source.vectors.dimension = dimension
        return source
    }

    @Test("collection names, settings and models are checked at create")
    func createErrors() async throws {
        let directory = TemporaryDataDirectory()
        defer { directory.cleanup() }
        try await withCollectionServer(dataDirectory: directory) { connection in
            for name in ["", ".hidden", "a/b", "..", "spaces here", "é", String(repeating: "x", count: 129)] {
                let response = try await connection.answer(CollectionRequest.vectorsOnly(name, dimension: 4))
                #expect(response.status.code == .invalidArgument, "name '\(name)'")
                #expect(response.status.message.contains("collection name"))
            }
            #expect(try await connection.ok(CollectionRequest.vectorsOnly(String(repeating: "x", count: 128), dimension: 4)).status.code == .ok)
            let noDimension = try await connection.answer(CollectionRequest.create("v") { $0.vectorsOnly = true })
            #expect(noDimension.status.code == .invalidArgument)
            #expect(noDimension.status.message.contains("dimension"))
            let unknownModel = try await connection.answer(CollectionRequest.create("m") { $0.model = "no-such-model" })
            #expect(unknownModel.status.code == .notFound)
            #expect(unknownModel.status.message.contains("no-such-model"))
            let wrongDimension = try await connection.answer(CollectionRequest.create("m") { $0.dimension = 100 })
            #expect(wrongDimension.status.code == .invalidArgument)
            #expect(wrongDimension.status.message.contains("384"))
            let unknownPrecision = try await connection.answer(CollectionRequest.create("q") { $0.precision = .UNRECOGNIZED(9) })
            #expect(unknownPrecision.status.code == .invalidArgument)
        }
    }

    @Test("a bad document fails the whole upsert with an InputError naming it, and nothing is written")
    func upsertIsAllOrNothing() async throws {
        let directory = TemporaryDataDirectory()
        defer { directory.cleanup() }
        let good = randomRows(3, 4, seed: 1)
        try await withCollectionServer(dataDirectory: directory) { connection in
            _ = try await connection.ok(CollectionRequest.vectorsOnly("raw", dimension: 4))
            _ = try await connection.ok(CollectionRequest.create("passages"))
            let cases: [(String, [(id: String, content: Multiembed_V1_MultiVectorSource)], Multiembed_V1_Code, UInt32, String)] = [
                ("dimension mismatch", [("ok", vectorSource(good)), ("wide", vectorSource(randomRows(2, 5, seed: 2)))],
                 .failedPrecondition, 1, "dimension 5, expected 4"),
                ("NaN", [("ok", vectorSource(good)), ("nan", vectorSource([[1, .nan, 0, 0]]))], .invalidArgument, 1, "NaN"),
                ("infinity", [("inf", vectorSource([[1, .infinity, 0, 0]]))], .invalidArgument, 0, "infinite"),
                ("zero vector", [("zero", vectorSource([[1, 0, 0, 0], [0, 0, 0, 0]]))], .invalidArgument, 0, "vector 1 is all zeros"),
                ("duplicate id", [("same", vectorSource(good)), ("same", vectorSource(good))], .invalidArgument, 1, "also the id of document 0"),
                ("empty id", [("", vectorSource(good))], .invalidArgument, 0, "id is empty"),
                ("long id", [(String(repeating: "i", count: 257), vectorSource(good))], .invalidArgument, 0, "257 bytes"),
                ("no content", [("empty", Multiembed_V1_MultiVectorSource())], .invalidArgument, 0, "neither an input nor vectors"),
                ("count 0", [("c0", Self.rawVectors(count: 0, dimension: 4, values: []))], .invalidArgument, 0, "count 0"),
                ("short data", [("short", Self.rawVectors(count: 2, dimension: 4, values: [1, 2, 3, 4]))], .invalidArgument, 0, "16 bytes"),
                ("input to a vectors-only collection", [("text", textSource("hello"))], .invalidArgument, 0, "precomputed vectors only"),
            ]
            for (label, documents, code, index, fragment) in cases {
                let response = try await connection.answer(CollectionRequest.upsert("raw", documents))
                #expect(response.status.code == code, "\(label): \(response.status.message)")
                #expect(response.status.inputErrors.map(\.index) == [index], "\(label)")
                #expect(response.status.inputErrors.first?.message.contains(fragment) == true, "\(label): \(response.status.inputErrors)")
                #expect(response.body == nil, "\(label)")
            }
            // Not even the good documents of those requests were written.
            #expect(try await connection.ok(CollectionRequest.get("raw", ["ok", "same", "inf"])).get.documents.isEmpty)

            // Texts: an empty one is refused, by its index, before any model time.
            let emptyText = try await connection.answer(CollectionRequest.upsert("passages", [("a", textSource("fine")), ("b", textSource("  "))]))
            #expect(emptyText.status.code == .invalidArgument)
            #expect(emptyText.status.inputErrors.map(\.index) == [1])
            #expect(emptyText.status.inputErrors.first?.message.contains("document 1") == true)
            // A text over the token limit with TRUNCATE_ERROR fails by its own index.
            let long = String(repeating: "word ", count: 600)
            let tooLong = try await connection.answer(CollectionRequest.upsert("passages", [("a", textSource("fine")), ("b", textSource(long))]) {
                $0.truncate = .error
            })
            #expect(tooLong.status.code == .invalidArgument)
            #expect(tooLong.status.inputErrors.map(\.index) == [1])
            #expect(tooLong.status.inputErrors.first?.message.hasPrefix("document 1") == true, "\(tooLong.status.inputErrors)")
            #expect(try await connection.ok(CollectionRequest.get("passages", ["a", "b"])).get.documents.isEmpty)
            let unknownPrompt = try await connection.answer(CollectionRequest.upsert("passages", [("a", textSource("fine"))]) {
                $0.promptName = "nope"
            })
            #expect(unknownPrompt.status.code == .notFound)
        }
    }

    @Test("limits: documents per request, vectors per document, metadata, top_k")
    func limits() async throws {
        let directory = TemporaryDataDirectory()
        defer { directory.cleanup() }
        try await withCollectionServer(dataDirectory: directory, configure: {
            $0.limits.maxInputsPerRequest = 4
            $0.limits.maxVectorsPerDocument = 8
            $0.limits.maxTopK = 20
        }) { connection in
            _ = try await connection.ok(CollectionRequest.vectorsOnly("raw", dimension: 4))
            let one = randomRows(2, 4, seed: 3)
            let tooMany = try await connection.answer(CollectionRequest.upsert("raw", (0..<5).map { ("d\($0)", vectorSource(one)) }))
            #expect(tooMany.status.code == .invalidArgument)
            #expect(tooMany.status.message.contains("max_inputs_per_request (4)"))
            let none = try await connection.answer(CollectionRequest.upsert("raw", []))
            #expect(none.status.code == .invalidArgument)

            let long = try await connection.answer(CollectionRequest.upsert("raw", [("long", vectorSource(randomRows(9, 4, seed: 4)))]))
            #expect(long.status.code == .invalidArgument)
            #expect(long.status.inputErrors.first?.message.contains("max_vectors_per_document (8)") == true)

            let bigMetadata = try await connection.answer(CollectionRequest.upsert(
                "raw", [("m", vectorSource(one))], metadata: ["k": String(repeating: "v", count: 4096)]))
            #expect(bigMetadata.status.code == .invalidArgument)
            #expect(bigMetadata.status.inputErrors.first?.message.contains("metadata") == true)
            let manyEntries = Dictionary(uniqueKeysWithValues: (0..<65).map { ("k\($0)", "v") })
            let manyMetadata = try await connection.answer(CollectionRequest.upsert("raw", [("m", vectorSource(one))], metadata: manyEntries))
            #expect(manyMetadata.status.code == .invalidArgument)
            #expect(manyMetadata.status.inputErrors.first?.message.contains("65 metadata entries") == true)

            _ = try await connection.ok(CollectionRequest.upsert("raw", [("d", vectorSource(one))]))
            for topK: Int32 in [0, -1, 21] {
                let response = try await connection.answer(CollectionRequest.search("raw", vectorSource(one), topK: topK))
                #expect(response.status.code == .invalidArgument, "top_k \(topK)")
                #expect(response.status.message.contains("top_k"))
            }
            #expect(try await connection.ok(CollectionRequest.search("raw", vectorSource(one), topK: 20)).search.hits.count == 1)
            let longQuery = try await connection.answer(CollectionRequest.search("raw", vectorSource(randomRows(9, 4, seed: 5))))
            #expect(longQuery.status.code == .invalidArgument)
            #expect(longQuery.status.message.contains("query"))
            let manyIDs = try await connection.answer(CollectionRequest.get("raw", (0..<5).map { "d\($0)" }))
            #expect(manyIDs.status.code == .invalidArgument)
        }
    }

    @Test("search and score: unknown collection, missing or empty query, mismatched dimensions")
    func searchAndScoreErrors() async throws {
        let directory = TemporaryDataDirectory()
        defer { directory.cleanup() }
        let rows = randomRows(2, 4, seed: 6)
        try await withCollectionServer(dataDirectory: directory) { connection in
            _ = try await connection.ok(CollectionRequest.vectorsOnly("raw", dimension: 4))
            _ = try await connection.ok(CollectionRequest.create("passages"))
            for request in [
                CollectionRequest.search("nope", vectorSource(rows)), CollectionRequest.upsert("nope", [("a", vectorSource(rows))]),
                CollectionRequest.delete("nope", ["a"]), CollectionRequest.get("nope", ["a"]),
            ] {
                let response = try await connection.answer(request)
                #expect(response.status.code == .notFound)
                #expect(response.status.message.contains("'nope'"))
            }
            var noQuery = CollectionRequest.search("raw", vectorSource(rows))
            noQuery.search.clearQuery()
            #expect(try await connection.answer(noQuery).status.code == .invalidArgument)
            let empty = try await connection.answer(CollectionRequest.search("passages", textSource("")))
            #expect(empty.status.code == .invalidArgument)
            #expect(empty.status.message.contains("query: the text is empty"))
            let mismatch = try await connection.answer(CollectionRequest.search("raw", vectorSource(randomRows(2, 6, seed: 7))))
            #expect(mismatch.status.code == .failedPrecondition)
            #expect(mismatch.status.message.contains("query"))
            let nan = try await connection.answer(CollectionRequest.search("raw", vectorSource([[.nan, 1, 1, 1]])))
            #expect(nan.status.code == .invalidArgument)

            let scoreMismatch = try await connection.answer(CollectionRequest.score(
                vectorSource(rows), [vectorSource(rows), vectorSource(randomRows(1, 3, seed: 8))]))
            #expect(scoreMismatch.status.code == .invalidArgument)
            #expect(scoreMismatch.status.inputErrors.map(\.index) == [1])
            let noDocuments = try await connection.answer(CollectionRequest.score(vectorSource(rows), []))
            #expect(noDocuments.status.code == .invalidArgument)
            let unknownModel = try await connection.answer(CollectionRequest.score(vectorSource(rows), [vectorSource(rows)]) { $0.model = "nope" })
            #expect(unknownModel.status.code == .notFound)
            // A text query against vector documents of the model's dimension works.
            let mixed = try await connection.ok(CollectionRequest.score(textSource("hello"), [vectorSource(randomRows(3, 384, seed: 9))]))
            #expect(mixed.score.scores.count == 1)
        }
    }

    @Test("without a data directory the collection methods are FAILED_PRECONDITION, Score still works")
    func noDataDirectory() async throws {
        try await withServer { _, port in
            let connection = try await TestConnection(port: port)
            defer { connection.close() }
            let response = try await connection.answer(CollectionRequest.list())
            #expect(response.status.code == .failedPrecondition)
            #expect(response.status.message.contains("data directory"))
            let rows = randomRows(2, 4, seed: 1)
            #expect(try await connection.ok(CollectionRequest.score(vectorSource(rows), [vectorSource(rows)])).score.scores.count == 1)
        }
    }

    @Test("a second server on the same data directory fails to start, naming the directory")
    func dataDirectoryInUse() async throws {
        let directory = TemporaryDataDirectory()
        defer { directory.cleanup() }
        try await withCollectionServer(dataDirectory: directory) { _ in
            let second = EmbeddingServer(
                configuration: ServerConfiguration(host: "127.0.0.1", port: 0, dataDirectory: directory.path), models: [try #require(miniLM)])
            do {
                try await second.run()
                Issue.record("the second server started")
            } catch let error as ServerError {
                #expect(error.code == .failedPrecondition)
                #expect(error.message.contains(directory.path))
            }
        }
    }
}
}
