import EmbeddingServer
import EmbeddingTesting
import Foundation
import LateInteraction
import Testing
import WireProtocol

extension ServerTests {
@Suite("Dense and hybrid search over the wire")
struct ServerDenseSearchTests {
    static let passages = [
        ("rain", "heavy rain is expected across the north tomorrow", "weather"),
        ("sun", "a sunny and dry weekend for most of the country", "weather"),
        ("rates", "interest rates rose again as inflation stayed high", "money"),
        ("goal", "the striker scored twice in the second half", "sport"),
    ]
    static let query = "will it rain tomorrow"

    static func upsertPassages(_ collection: String) -> Multiembed_V1_Request {
        var request = CollectionRequest.upsert(collection, passages.map { ($0.0, textSource($0.1)) })
        for index in passages.indices { request.upsert.documents[index].metadata = ["topic": passages[index].2] }
        return request
    }

    /// The model's pooled embeddings of `texts` through Embed (no prompt: MiniLM has none).
    static func pooled(_ texts: [String], connection: TestConnection) async throws -> [[Float]] {
        let response = try await connection.ok(embedRequest(id: 9, texts: texts))
        return response.embed.embeddings.map { floats($0.pooled.data) }
    }

    static func cosine(_ a: [Float], _ b: [Float]) -> Double {
        let dot = zip(a, b).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        let norms = a.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot() * b.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
        return dot / norms
    }

    @Test("a dense collection embeds texts into pooled vectors and ranks by their cosine with the query's")
    func denseCollectionFromTexts() async throws {
        let directory = TemporaryDataDirectory()
        defer { directory.cleanup() }
        try await withCollectionServer(dataDirectory: directory) { connection in
            let created = try await connection.ok(CollectionRequest.create("dense") { $0.kind = .dense }).createCollection.collection
            #expect(created.kind == .dense && created.dimension == 384 && created.model == "all-MiniLM-L6-v2")
            #expect(try await connection.ok(Self.upsertPassages("dense")).upsert.upserted == 4)

            let embeddings = try await Self.pooled([Self.query] + Self.passages.map(\.1), connection: connection)
            let expected = Self.passages.indices.map { (Self.passages[$0].0, Self.cosine(embeddings[0], embeddings[$0 + 1])) }
                .sorted { $0.1 > $1.1 }
            let response = try await connection.ok(CollectionRequest.search("dense", textSource(Self.query), topK: 4))
            #expect(response.search.hits.map(\.id) == expected.map(\.0))
            #expect(response.search.hits.first?.id == "rain")
            for (hit, reference) in zip(response.search.hits, expected) { #expect(abs(Double(hit.score) - reference.1) < 1e-5) }
            #expect(response.search.usage.tokens > 0)

            // Stored as embedded: Get returns the pooled vector and no token vectors.
            let got = try await connection.ok(CollectionRequest.get("dense", ["sun"], includeVectors: true)).get.documents
            #expect(got.first?.hasContent == false)
            #expect(zip(got.first?.pooled ?? [], embeddings[2]).allSatisfy { abs($0 - $1) < 1e-5 })

            // A document given as its pooled vector; the query given as one too.
            var given = CollectionRequest.upsert("dense", [])
            var document = Multiembed_V1_Document()
            document.id = "given"
            document.pooled = embeddings[3].map { -$0 }
            given.upsert.documents = [document]
            _ = try await connection.ok(given)
            let byVector = try await connection.ok(CollectionRequest.search("dense", textSource("unused"), topK: 1) {
                $0.clearQuery()
                $0.queryPooled = embeddings[3].map { -2 * $0 }
            })
            #expect(byVector.search.hits.map(\.id) == ["given"])
            #expect(abs(byVector.search.hits[0].score - 1) < 1e-5)

            // Metadata equality filters, and the dot metric.
            let weather = try await connection.ok(CollectionRequest.search("dense", textSource("football"), topK: 10) {
                $0.filterMetadata = ["topic": "weather"]
            })
            #expect(Set(weather.search.hits.map(\.id)) == ["rain", "sun"])
            let dot = try await connection.ok(CollectionRequest.search("dense", textSource(Self.query), topK: 1) { $0.metric = .dot })
            #expect(dot.search.hits.map(\.id) == ["rain"])
        }
    }

    @Test("a multi-vector collection keeps each text's pooled embedding: dense and hybrid search on it")
    func multiVectorCollectionSearchedDenseAndHybrid() async throws {
        let directory = TemporaryDataDirectory()
        defer { directory.cleanup() }
        try await withCollectionServer(dataDirectory: directory) { connection in
            _ = try await connection.ok(CollectionRequest.create("mv"))
            _ = try await connection.ok(Self.upsertPassages("mv"))
            let embeddings = try await Self.pooled(Self.passages.map(\.1), connection: connection)
            let got = try await connection.ok(CollectionRequest.get("mv", ["rates"], includeVectors: true)).get.documents
            #expect(got.first?.content.vectors.count ?? 0 > 1)
            #expect(zip(got.first?.pooled ?? [], embeddings[2]).allSatisfy { abs($0 - $1) < 1e-5 })
            #expect(got.first?.pooled.count == 384)

            let dense = try await connection.ok(CollectionRequest.search("mv", textSource(Self.query), topK: 4) { $0.mode = .dense })
            #expect(dense.search.hits.first?.id == "rain")
            let maxSim = try await connection.ok(CollectionRequest.search("mv", textSource(Self.query), topK: 4))
            let hybridAll = try await connection.ok(CollectionRequest.search("mv", textSource(Self.query), topK: 4) { $0.mode = .hybrid })
            #expect(hybridAll.search.hits == maxSim.search.hits)
            // Two candidates: the dense top two, re-ranked with their MaxSim scores.
            let hybridTwo = try await connection.ok(CollectionRequest.search("mv", textSource(Self.query), topK: 2) {
                $0.mode = .hybrid
                $0.candidates = 2
            })
            let denseTwo = Set(dense.search.hits.prefix(2).map(\.id))
            #expect(Set(hybridTwo.search.hits.map(\.id)) == denseTwo)
            #expect(hybridTwo.search.hits == maxSim.search.hits.filter { denseTwo.contains($0.id) })

            // A document without a pooled vector makes dense search refuse, naming the count.
            _ = try await connection.ok(CollectionRequest.upsert("mv", [("bare", vectorSource(randomRows(2, 384, seed: 3)))]))
            let refused = try await connection.answer(CollectionRequest.search("mv", textSource(Self.query)) { $0.mode = .dense })
            #expect(refused.status.code == .failedPrecondition)
            #expect(refused.status.message.contains("1 of 5 documents"))
            // ... unless a filter leaves it out; MaxSim is unaffected.
            let filtered = try await connection.ok(CollectionRequest.search("mv", textSource(Self.query)) {
                $0.mode = .hybrid
                $0.filterIds = ["rain", "goal"]
            })
            #expect(Set(filtered.search.hits.map(\.id)) == ["rain", "goal"])
            #expect(try await connection.ok(CollectionRequest.search("mv", textSource(Self.query))).search.hits.count == 5)
        }
    }

    @Test("requests that do not fit the collection's kind or mode are refused, naming why")
    func refusals() async throws {
        let directory = TemporaryDataDirectory()
        defer { directory.cleanup() }
        try await withCollectionServer(dataDirectory: directory) { connection in
            let binary = try await connection.answer(CollectionRequest.create("d2") {
                $0.kind = .dense
                $0.precision = .binary
            })
            #expect(binary.status.code == .invalidArgument)
            _ = try await connection.ok(CollectionRequest.create("dense") { $0.kind = .dense })
            _ = try await connection.ok(CollectionRequest.create("mv"))

            let vectors = try await connection.answer(CollectionRequest.upsert("dense", [("v", vectorSource(randomRows(1, 384, seed: 1)))]))
            #expect(vectors.status.code == .invalidArgument)
            #expect(vectors.status.inputErrors.map(\.index) == [0])
            #expect(vectors.status.message.contains("pooled"))

            var short = CollectionRequest.upsert("dense", [])
            var document = Multiembed_V1_Document()
            document.id = "short"
            document.pooled = [1, 2, 3]
            short.upsert.documents = [document]
            let wrongLength = try await connection.answer(short)
            #expect(wrongLength.status.code == .failedPrecondition)
            #expect(wrongLength.status.message.contains("3 values, expected 384"))

            var both = CollectionRequest.upsert("dense", [("both", textSource("text"))])
            both.upsert.documents[0].pooled = Array(repeating: 0.1, count: 384)
            #expect(try await connection.answer(both).status.code == .invalidArgument)

            let maxSimOnDense = try await connection.answer(CollectionRequest.search("dense", textSource("x")) { $0.mode = .maxsim })
            #expect(maxSimOnDense.status.code == .invalidArgument)
            #expect(maxSimOnDense.status.message.contains("dense"))

            let hybridVectors = try await connection.answer(CollectionRequest.search("mv", vectorSource(randomRows(2, 384, seed: 4))) {
                $0.mode = .hybrid
            })
            #expect(hybridVectors.status.code == .invalidArgument)
            #expect(hybridVectors.status.message.contains("query_pooled"))

            let unknownMode = try await connection.answer(CollectionRequest.search("mv", textSource("x")) { $0.mode = .UNRECOGNIZED(9) })
            #expect(unknownMode.status.code == .invalidArgument)

            let pooledQueryLength = try await connection.answer(CollectionRequest.search("dense", textSource("x")) {
                $0.queryPooled = [1, 2]
            })
            #expect(pooledQueryLength.status.code == .failedPrecondition)
        }
    }
}
}
