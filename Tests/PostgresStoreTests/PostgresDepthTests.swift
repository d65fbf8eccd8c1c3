import LateInteraction
import PostgresStore
import Testing

/// Indexed search's first stage takes more nearest token vectors per query vector as the
/// collection grows (``PostgresVectorStore/Options/vectorsPerProbeToken``), so its recall does
/// not fall with the collection's size at a fixed depth.
@Suite struct PostgresDepthRuleTests {
    @Test func depthIsTheFloorUntilTheCollectionOutgrowsIt() {
        let options = PostgresVectorStore.Options()
        #expect(options.tokensPerQueryVector(probes: 8, collectionVectors: 0) == 64)
        #expect(options.tokensPerQueryVector(probes: 8, collectionVectors: 160_000) == 64)
        #expect(options.tokensPerQueryVector(probes: 8, collectionVectors: 960_000) == 384)
        #expect(options.tokensPerQueryVector(probes: 8, collectionVectors: 3_200_000) == 1280)
        #expect(options.tokensPerQueryVector(probes: 0, collectionVectors: 3_200_000) == 160)
        let fixed = PostgresVectorStore.Options(vectorsPerProbeToken: 0)
        #expect(fixed.tokensPerQueryVector(probes: 8, collectionVectors: 3_200_000) == 64)
    }
}

@Suite(.enabled(if: TestPostgres.available, "needs MULTIEMBED_TEST_POSTGRES_URL (scripts/start-postgres)"))
struct PostgresDepthTests {
    /// With one token a probe per stored vector, the depth is the collection's row count as
    /// PostgreSQL estimates it after an index build, beyond pgvector's `ef_search` cap of 1,000
    /// (so the search goes on by iterative scan): every vector is found, so the first stage's
    /// scores are exact MaxSim and the hits are exact search's.
    @Test func deepSearchBeyondEfSearchIsExact() throws {
        let store = try PostgresVectorStore(url: TestPostgres.url!, options: .init(vectorsPerProbeToken: 1))
        let name = "depth-\(UInt32.random(in: 0 ... .max))"
        try store.create(CollectionSpec(name: name, dimension: CollectionContract.dimension))
        defer { try? store.drop(name) }
        let documents = CollectionContract.documents(500, seed: 5)
        try store.put(documents, into: name)
        try store.dropIndex(of: name)
        try store.buildIndex(of: name)
        let rows = documents.reduce(0) { $0 + $1.vectors.count }
        #expect(rows > 1000)
        #expect(try store.tokensPerQueryVector(in: name, probes: 2) == 2 * rows)
        for seed in UInt64(1) ... 3 {
            let query = CollectionContract.unitVectors(4, seed: 900 + seed)
            let exact = try CollectionContract.exact(query, documents, precision: .float32, k: 10)
            CollectionContract.expectSame(
                try store.searchIndexed(query, in: name, topK: 10, filter: .none, depth: .init(probes: 2, candidates: documents.count - 1)),
                exact, "indexed search, \(2 * rows) tokens a query vector")
        }
    }
}
