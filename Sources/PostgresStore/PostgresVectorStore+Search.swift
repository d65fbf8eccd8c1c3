import Foundation
import LateInteraction
import NIOCore
import PostgresNIO

extension PostgresVectorStore {
    /// Exact MaxSim over every admitted document (the same contract and scores as the local
    /// store's exact search): their token vectors are read in one scan and scored by MultiEmbed's
    /// kernels, or in SQL (``Rescoring/sql``). `options` only concerns binary collections, which
    /// this store does not hold.
    public func search(
        _ query: MultiVector, in collection: String, topK: Int, filter: DocumentFilter, options: MaxSim.SearchOptions
    ) throws(LateInteractionError) -> [SearchHit] {
        guard topK > 0 else { throw .invalidTopK(topK) }
        return try pool.snapshot("search collection '\(collection)'") { (session: BlockingPostgresPool.Session) throws(LateInteractionError) -> [SearchHit] in
            let tables = try Self.collection(collection, in: session)
            try Self.checkTokenQuery(query, tables)
            let admitted = try Self.admittedDocuments(filter, in: tables, session: session)
            if admitted.isEmpty { return [] }
            return try rescore(query, admitted, topK: topK, in: tables, session: session, everyDocument: filter.admitsEverything)
        }
    }

    /// Candidates from the HNSW index, re-scored exactly: each query vector takes its nearest
    /// token vectors (inner product) from the index, `depth.probes` times a number that grows
    /// with the collection (``Options/tokensPerQueryVector(probes:collectionVectors:)``); a
    /// document's first-stage score is, per query vector, its best similarity among those found
    /// (or, when none of its vectors was found, the lowest similarity found for that query
    /// vector, a bound on what it could have), summed; the `depth.candidates` best are re-scored
    /// by exact MaxSim. When the admitted documents are no more than `depth.candidates`, they are
    /// all scored exactly (no index). A filter is applied inside the index scan
    /// (`hnsw.iterative_scan = relaxed_order`, so the scan goes on past non-admitted vectors).
    public func searchIndexed(
        _ query: MultiVector, in collection: String, topK: Int, filter: DocumentFilter, depth: CentroidIndex.Depth
    ) throws(LateInteractionError) -> [SearchHit] {
        guard topK > 0 else { throw .invalidTopK(topK) }
        guard depth.probes > 0, depth.candidates > 0 else {
            throw .invalidArgument("the probes and candidates of an indexed search must be positive, got \(depth.probes) and \(depth.candidates)")
        }
        return try pool.snapshot("search collection '\(collection)' by its HNSW index") {
            (session: BlockingPostgresPool.Session) throws(LateInteractionError) -> [SearchHit] in
            let tables = try Self.collection(collection, in: session)
            try Self.checkTokenQuery(query, tables)
            var admitted: [AdmittedDocument]?
            let enough: Bool
            if filter.admitsEverything {
                // Only whether there are more documents than candidates matters: counted up to
                // one more than that (a full count of a large table is a scan of it).
                let rows = try session.rows(PostgresQuery(
                    unsafeSQL: "SELECT count(*) FROM (SELECT 1 FROM \(tables.documents) LIMIT \(depth.candidates + 1)) AS few"))
                let count = try rows.first.map { (row: PostgresRow) throws(LateInteractionError) -> Int64 in
                    try Self.decode(row, column: 0, as: Int64.self, collection)
                } ?? 0
                if count == 0 { return [] }
                enough = count <= depth.candidates
            } else {
                admitted = try Self.admittedDocuments(filter, in: tables, session: session)
                if admitted!.isEmpty { return [] }
                enough = admitted!.count <= depth.candidates
            }
            if enough {
                // No more documents than candidates: scoring them all is exact and needs no index.
                let all: [AdmittedDocument]
                if let admitted { all = admitted } else { all = try Self.admittedDocuments(filter, in: tables, session: session) }
                return try rescore(query, all, topK: topK, in: tables, session: session, everyDocument: filter.admitsEverything)
            }
            let tokensPerVector = options.tokensPerQueryVector(
                probes: depth.probes, collectionVectors: try Self.estimatedTokenRows(in: tables, session: session))
            let connections = min(options.searchConnections, query.count)
            let candidates = try pool.withExtraConnections(connections - 1, "search collection '\(collection)' by its HNSW index") {
                (others: [BlockingPostgresPool.Session]) throws(LateInteractionError) -> [Int64] in
                try Self.indexCandidates(
                    query, tokensPerVector: tokensPerVector, keep: max(depth.candidates, topK),
                    admitted: admitted.map { $0.map(\.key) }, in: tables, sessions: [session] + others)
            }
            if candidates.isEmpty { return [] }
            if options.rescoring == .multiEmbed {
                let (documents, vectors) = try Self.documentsWithVectors(candidates, in: tables, session: session)
                return try Self.rescoreInMultiEmbed(query, documents, vectors: vectors, topK: topK, spec: tables.spec)
            }
            let documents = try Self.documents(candidates, in: tables, session: session)
            return try rescore(query, documents, topK: topK, in: tables, session: session, everyDocument: false)
        }
    }

    /// Exact dense search in SQL over the pooled vectors (pgvector's `<=>` and `<#>` in a
    /// sequential scan: the contract is exact, so no approximate index is used).
    public func searchPooled(
        _ query: [Float], in collection: String, topK: Int, filter: DocumentFilter, metric: DenseMetric
    ) throws(LateInteractionError) -> [SearchHit] {
        guard topK > 0 else { throw .invalidTopK(topK) }
        return try pool.snapshot("search the pooled vectors of collection '\(collection)'") {
            (session: BlockingPostgresPool.Session) throws(LateInteractionError) -> [SearchHit] in
            let tables = try Self.collection(collection, in: session)
            guard query.count == tables.spec.dimension else {
                throw .dimensionMismatch(context: "pooled query for collection '\(collection)'", expected: tables.spec.dimension, actual: query.count)
            }
            guard query.allSatisfy(\.isFinite) else { throw .nonFiniteValue(context: "pooled query") }
            var binds = PostgresBindings()
            let condition = try Self.condition(filter, binds: &binds)
            let counted = try session.rows(PostgresQuery(
                unsafeSQL: "SELECT count(*), count(*) FILTER (WHERE pooled IS NULL) FROM \(tables.documents) WHERE \(condition)", binds: binds))
            guard let row = counted.first else { return [] }
            let total = Int(try Self.decode(row, column: 0, as: Int64.self, collection))
            let missing = Int(try Self.decode(row, column: 1, as: Int64.self, collection))
            guard missing == 0 else { throw .missingPooledVectors(collection: collection, missing: missing, total: total) }
            if total == 0 { return [] }
            // As the local store: the query L2-normalised; cosine divides by the stored vector's norm.
            let normalized = Self.normalized(query)
            let score = metric == .cosine ? "1 - (pooled <=> $\(binds.count + 1)::real[]::vector)" : "-(pooled <#> $\(binds.count + 1)::real[]::vector)"
            binds.append(normalized)
            binds.append(Int64(topK))
            let rows = try session.rows(PostgresQuery(
                unsafeSQL: """
                    SELECT id, metadata::text, (\(score))::real AS score FROM \(tables.documents) WHERE \(condition)
                    ORDER BY score DESC LIMIT $\(binds.count)
                    """, binds: binds))
            return try rows.map { (row: PostgresRow) throws(LateInteractionError) -> SearchHit in
                let id = try Self.decode(row, column: 0, as: String.self, collection)
                return SearchHit(
                    id: id, score: try Self.decode(row, column: 2, as: Float.self, collection),
                    metadata: try Self.decodeMetadata(try Self.decode(row, column: 1, as: String.self, collection), "collection '\(collection)' document '\(id)'"))
            }
        }
    }

    // MARK: Stages

    /// A document that may be a hit: its key, id, metadata and number of token vectors.
    struct AdmittedDocument: Sendable {
        var key: Int64
        var id: String
        var metadata: [String: String]
        var vectorCount: Int
    }

    /// Exact MaxSim of `documents`, the `topK` best, where ``Options/rescoring`` says.
    func rescore(
        _ query: MultiVector, _ documents: [AdmittedDocument], topK: Int, in tables: CollectionTables,
        session: BlockingPostgresPool.Session, everyDocument: Bool
    ) throws(LateInteractionError) -> [SearchHit] {
        switch options.rescoring {
        case .multiEmbed:
            let counts = Dictionary(documents.map { ($0.key, $0.vectorCount) }, uniquingKeysWith: { first, _ in first })
            let vectors = everyDocument
                ? try Self.allTokenVectors(counts: counts, in: tables, session: session)
                : try Self.tokenVectors(of: counts, in: tables, session: session)
            return try Self.rescoreInMultiEmbed(query, documents, vectors: vectors, topK: topK, spec: tables.spec)
        case .sql:
            return try Self.rescoreInSQL(query, documents, topK: topK, in: tables, session: session)
        }
    }

    /// Exact MaxSim of `documents` (their `vectors` by key) by MultiEmbed's kernels, at the
    /// collection's precision.
    static func rescoreInMultiEmbed(
        _ query: MultiVector, _ documents: [AdmittedDocument], vectors: [Int64: [Float]], topK: Int, spec: CollectionSpec
    ) throws(LateInteractionError) -> [SearchHit] {
        let corpus = try Self.corpus(documents.map { vectors[$0.key] ?? [] }, spec: spec)
        return try MaxSim.search(query, corpus.view, k: topK).map { hit in
            SearchHit(id: documents[hit.index].id, score: hit.score, metadata: documents[hit.index].metadata)
        }
    }

    /// MaxSim in SQL: for each query vector, each document's best inner product, summed; the
    /// query stays float32 (`vector`), half-precision rows are widened to it. Documents without
    /// vectors score 0.
    static func rescoreInSQL(
        _ query: MultiVector, _ documents: [AdmittedDocument], topK: Int, in tables: CollectionTables,
        session: BlockingPostgresPool.Session
    ) throws(LateInteractionError) -> [SearchHit] {
        let embedding = tables.isHalf ? "t.embedding::vector" : "t.embedding"
        let rows = try session.rows("""
            WITH q AS (
                SELECT i, (\(query.values)::real[])[i * \(Int32(query.dimension)) + 1 : (i + 1) * \(Int32(query.dimension))]::vector AS v
                FROM generate_series(0, \(Int32(query.count)) - 1) AS i),
            best AS (
                SELECT t.doc_key, max(-(\(unescaped: embedding) <#> q.v)) AS similarity
                FROM \(unescaped: tables.tokens) t CROSS JOIN q
                WHERE t.doc_key = ANY(\(documents.map(\.key)))
                GROUP BY t.doc_key, q.i)
            SELECT doc_key, sum(similarity)::real AS score FROM best GROUP BY doc_key ORDER BY score DESC LIMIT \(Int64(topK))
            """)
        let byKey = Dictionary(documents.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        var hits: [SearchHit] = []
        for row in rows {
            let key = try decode(row, column: 0, as: Int64.self, tables.spec.name)
            guard let document = byKey[key] else { continue }
            hits.append(SearchHit(id: document.id, score: try decode(row, column: 1, as: Float.self, tables.spec.name), metadata: document.metadata))
        }
        // Documents without vectors have no token rows: they score 0, as MaxSim of nothing.
        if hits.count < topK {
            for document in documents where document.vectorCount == 0 && hits.count < topK {
                hits.append(SearchHit(id: document.id, score: 0, metadata: document.metadata))
            }
            hits.sort { $0.score > $1.score }
        }
        return hits
    }

    /// The first stage of indexed search: the keys of the `keep` best documents by the summed
    /// best similarity of each query vector's nearest token vectors in the HNSW index.
    ///
    /// One graph search per query vector (a `LATERAL` join over the query vectors, so one
    /// statement does them all); the query vectors are cut into as many runs as `sessions`, each
    /// run sent on its own connection and all awaited together, so PostgreSQL runs them on as
    /// many cores at once. The first session is the caller's (in its snapshot); the others run
    /// their statement in a transaction of their own, which for a first stage (candidates only,
    /// re-scored in the caller's snapshot, where a document gone since is simply not found) is
    /// as good. `hnsw.ef_search` is the number of nearest vectors asked (40 to 1,000), set for
    /// that transaction only.
    /// The token vectors indexed search at `probes` takes for each query vector in `collection`
    /// as it is now (for reports: the depth grows with the collection).
    public func tokensPerQueryVector(in collection: String, probes: Int) throws(LateInteractionError) -> Int {
        try pool.snapshot("estimate the size of collection '\(collection)'") {
            (session: BlockingPostgresPool.Session) throws(LateInteractionError) -> Int in
            let tables = try Self.collection(collection, in: session)
            return options.tokensPerQueryVector(probes: probes, collectionVectors: try Self.estimatedTokenRows(in: tables, session: session))
        }
    }

    /// pgvector's largest `hnsw.ef_search`: one graph search returns at most that many rows, so
    /// a deeper search (or one whose filter drops rows) goes on with an iterative scan.
    static let largestEfSearch = 1000

    /// PostgreSQL's estimate of the token rows of a collection (`pg_class.reltuples`, kept by
    /// ANALYZE, autovacuum and index builds): a catalog read, where `count(*)` would scan the
    /// table. 0 before the first estimate (a new table), which leaves the depth at its floor.
    static func estimatedTokenRows(in tables: CollectionTables, session: BlockingPostgresPool.Session) throws(LateInteractionError) -> Int {
        let rows = try session.rows(PostgresQuery(
            unsafeSQL: "SELECT greatest(reltuples, 0)::bigint FROM pg_class WHERE oid = '\(tables.tokens)'::regclass"))
        return try rows.first.map { (row: PostgresRow) throws(LateInteractionError) -> Int in
            Int(try Self.decode(row, column: 0, as: Int64.self, tables.spec.name))
        } ?? 0
    }

    static func indexCandidates(
        _ query: MultiVector, tokensPerVector: Int, keep: Int, admitted: [Int64]?, in tables: CollectionTables,
        sessions: [BlockingPostgresPool.Session]
    ) throws(LateInteractionError) -> [Int64] {
        let limit = max(1, tokensPerVector)
        let settings: PostgresQuery = """
            SELECT set_config('hnsw.ef_search', \(String(min(Self.largestEfSearch, max(40, limit)))), true),
                   set_config('hnsw.iterative_scan', \(admitted == nil && limit <= Self.largestEfSearch ? "off" : "relaxed_order"), true),
                   set_config('hnsw.max_scan_tuples', \(String(max(20_000, 4 * limit))), true)
            """
        let restriction = admitted == nil ? "" : "WHERE t.doc_key = ANY($2)"
        let queryType = tables.isHalf ? "halfvec" : "vector"
        func search(_ run: Range<Int>) -> PostgresQuery {
            var binds = PostgresBindings()
            binds.append(query.values)
            if let admitted { binds.append(admitted) }
            return PostgresQuery(
                unsafeSQL: """
                    WITH q AS (
                        SELECT i, ($1::real[])[i * \(query.dimension) + 1 : (i + 1) * \(query.dimension)]::\(queryType) AS v
                        FROM generate_series(\(run.lowerBound), \(run.upperBound - 1)) AS i)
                    SELECT q.i, near.doc_key, near.similarity::real FROM q CROSS JOIN LATERAL (
                        SELECT t.doc_key, -(t.embedding <#> q.v) AS similarity FROM \(tables.tokens) t \(restriction)
                        ORDER BY t.embedding <#> q.v LIMIT \(limit)) AS near
                    """, binds: binds)
        }
        let runs = sessions.count
        var searches: [EventLoopFuture<PostgresQueryResult>] = []
        var others: [EventLoopFuture<PostgresQueryResult>] = []
        for (n, session) in sessions.enumerated() {
            let run = query.count * n / runs ..< query.count * (n + 1) / runs
            if run.isEmpty { continue }
            if n == 0 {
                let sent = session.send([settings, search(run)])
                others.append(sent[0])
                searches.append(sent[1])
            } else {
                let sent = session.send(["BEGIN READ ONLY", settings, search(run), "COMMIT"])
                others += [sent[0], sent[1], sent[3]]
                searches.append(sent[2])
            }
        }
        let pool = sessions[0].pool, operation = sessions[0].operation
        let results = try pool.results(of: searches, operation: operation)
        _ = try pool.results(of: others, operation: operation)
        var best: [Int64: [Float]] = [:]
        var lowest = [Float](repeating: .infinity, count: query.count)
        for result in results {
            for row in result.rows {
                let cells = row.makeRandomAccess()
                guard let i = try? Int(cells[0].decode(Int32.self)), let key = try? cells[1].decode(Int64.self),
                    let similarity = try? cells[2].decode(Float.self), i >= 0, i < query.count
                else { throw .corrupt(path: "collection '\(tables.spec.name)'", reason: "a row of the index search does not decode") }
                lowest[i] = min(lowest[i], similarity)
                var scores = best[key] ?? [Float](repeating: -.infinity, count: query.count)
                scores[i] = max(scores[i], similarity)
                best[key] = scores
            }
        }
        let bounds: [Float] = lowest.map { $0.isFinite ? $0 : 0 }
        var ranked: [(key: Int64, score: Float)] = []
        ranked.reserveCapacity(best.count)
        for (key, scores) in best {
            var total: Float = 0
            for i in 0 ..< scores.count { total += scores[i].isFinite ? scores[i] : bounds[i] }
            ranked.append((key, total))
        }
        ranked.sort { $0.score > $1.score || ($0.score == $1.score && $0.key < $1.key) }
        return ranked.prefix(keep).map { $0.key }
    }

    /// The admitted documents of `filter` (all when it admits everything).
    static func admittedDocuments(
        _ filter: DocumentFilter, in tables: CollectionTables, session: BlockingPostgresPool.Session
    ) throws(LateInteractionError) -> [AdmittedDocument] {
        var binds = PostgresBindings()
        let condition = try condition(filter, binds: &binds)
        return try documentRows(PostgresQuery(
            unsafeSQL: "SELECT doc_key, id, metadata::text, vector_count FROM \(tables.documents) WHERE \(condition)", binds: binds),
            tables, session)
    }

    /// The documents of `keys`, in that order.
    static func documents(_ keys: [Int64], in tables: CollectionTables, session: BlockingPostgresPool.Session) throws(LateInteractionError) -> [AdmittedDocument] {
        let found = try documentRows(
            "SELECT doc_key, id, metadata::text, vector_count FROM \(unescaped: tables.documents) WHERE doc_key = ANY(\(keys))", tables, session)
        let byKey = Dictionary(found.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        return keys.compactMap { byKey[$0] }
    }

    /// The documents of `keys` (in that order) and their token vectors: the two statements are
    /// sent together, one round trip.
    static func documentsWithVectors(
        _ keys: [Int64], in tables: CollectionTables, session: BlockingPostgresPool.Session
    ) throws(LateInteractionError) -> ([AdmittedDocument], [Int64: [Float]]) {
        let collector = TokenCollector(counts: nil, dimension: tables.spec.dimension, half: tables.isHalf)
        let rows = session.send([
            "SELECT doc_key, id, metadata::text, vector_count FROM \(unescaped: tables.documents) WHERE doc_key = ANY(\(keys))"
        ])
        let tokens = session.sendStreaming(
            "SELECT doc_key, position, embedding FROM \(unescaped: tables.tokens) WHERE doc_key = ANY(\(keys))") { row in try collector.add(row) }
        let found = try session.pool.results(of: rows, operation: session.operation)
        _ = try session.pool.results(of: [tokens], operation: session.operation)
        let documents = try documentRows(found[0].rows, tables)
        let byKey = Dictionary(documents.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        let ordered = keys.compactMap { byKey[$0] }
        let vectors = try collector.finish(
            collection: tables.spec.name, expecting: Dictionary(ordered.map { ($0.key, $0.vectorCount) }, uniquingKeysWith: { first, _ in first }))
        return (ordered, vectors)
    }

    private static func documentRows(
        _ query: PostgresQuery, _ tables: CollectionTables, _ session: BlockingPostgresPool.Session
    ) throws(LateInteractionError) -> [AdmittedDocument] {
        try documentRows(try session.rows(query), tables)
    }

    private static func documentRows(_ rows: [PostgresRow], _ tables: CollectionTables) throws(LateInteractionError) -> [AdmittedDocument] {
        let name = tables.spec.name
        return try rows.map { (row: PostgresRow) throws(LateInteractionError) -> AdmittedDocument in
            let id = try decode(row, column: 1, as: String.self, name)
            return AdmittedDocument(
                key: try decode(row, column: 0, as: Int64.self, name), id: id,
                metadata: try decodeMetadata(try decode(row, column: 2, as: String.self, name), "collection '\(name)' document '\(id)'"),
                vectorCount: Int(try decode(row, column: 3, as: Int32.self, name)))
        }
    }

    /// The SQL condition of `filter` on the documents table, its values appended to `binds`:
    /// ids by `= ANY`, metadata by jsonb containment (`@>`: every key with exactly that string).
    static func condition(_ filter: DocumentFilter, binds: inout PostgresBindings) throws(LateInteractionError) -> String {
        var parts: [String] = ["true"]
        if let ids = filter.ids {
            binds.append(Array(ids))
            parts.append("id = ANY($\(binds.count))")
        }
        if !filter.metadata.isEmpty {
            binds.append(try encodeMetadata(filter.metadata, "the metadata filter"))
            parts.append("metadata @> $\(binds.count)::jsonb")
        }
        return parts.joined(separator: " AND ")
    }

    static func checkTokenQuery(_ query: MultiVector, _ tables: CollectionTables) throws(LateInteractionError) {
        let name = tables.spec.name
        guard tables.spec.kind == .multiVector else {
            throw .invalidArgument("collection '\(name)' is dense (one pooled vector per document): search it by dense similarity, not MaxSim")
        }
        guard query.dimension == tables.spec.dimension else {
            throw .dimensionMismatch(context: "query for collection '\(name)'", expected: tables.spec.dimension, actual: query.dimension)
        }
    }

    static func normalized(_ vector: [Float]) -> [Float] {
        let norm = vector.reduce(Float(0)) { $0 + $1 * $1 }.squareRoot()
        return norm > 0 ? vector.map { $0 / norm } : vector
    }
}
