import Foundation
import LateInteraction
import PostgresNIO

/// A ``VectorStore`` in PostgreSQL with pgvector: collections live in tables of a database the
/// user already runs (and replicates, backs up and shards as they do), served through the same
/// wire methods as local collections (`multiembed serve --store postgres://...`).
///
/// Schema (README.md of this module): one table `multiembed_collections (name, key, spec)` of
/// collections, their ``CollectionSpec`` as JSON; per collection `multiembed_docs_KEY` (one row
/// per document: id, metadata jsonb, pooled `vector`, attachment bytea, vector count) and
/// `multiembed_tokens_KEY` (one row per token vector: document, position, `vector(d)` or
/// `halfvec(d)`) with an HNSW index on inner product. Tables are named by the collection's key,
/// never its name, so no name needs quoting and a collection dropped and created again by
/// another process gets tables of its own.
///
/// Search: ``search(_:in:topK:filter:options:)`` is exact MaxSim (every admitted document's
/// vectors, scored by MultiEmbed's kernels); ``searchIndexed(_:in:topK:filter:depth:)`` takes
/// candidates from the HNSW index (the nearest token vectors of each query vector) and re-scores
/// the best of them exactly; ``searchPooled(_:in:topK:filter:metric:)`` is exact, in SQL.
///
/// Every mutating call runs in one transaction and returns once PostgreSQL has committed it.
/// Calls block their thread (see ``BlockingPostgresPool`` for why that cannot deadlock): call them
/// off event loops, as the server does.
public final class PostgresVectorStore: VectorStore, @unchecked Sendable {
    /// Where exact re-scoring of candidates happens (measured both ways in README.md).
    public enum Rescoring: String, Sendable, CaseIterable {
        /// The candidates' token vectors are fetched and scored by MultiEmbed's MaxSim kernels
        /// (the default: the scores are exactly the local store's, at the collection's precision).
        case multiEmbed = "multiembed"
        /// MaxSim is computed in SQL (`max(-(t.embedding <#> q))` per query vector, summed), and
        /// only the top hits come back.
        case sql
    }

    /// Settings of the store's searches.
    public struct Options: Sendable {
        public var rescoring: Rescoring
        /// Indexed search takes `probes × t` nearest token vectors of each query vector from the
        /// HNSW index, where `t` is at least `tokensPerProbe` (see ``tokensPerQueryVector``): a
        /// probe is the graph's counterpart of a probed centroid of the local index.
        public var tokensPerProbe: Int
        /// The depth grows with the collection: a probe takes one token vector per
        /// `vectorsPerProbeToken` token vectors the collection holds, when that is more than
        /// `tokensPerProbe` (0: never more). Why: the nearest `k` token vectors of a query vector
        /// name at most `k` documents, so at a fixed `k` recall falls as more documents share each
        /// topic (measured in README.md: 64 tokens reached 92% of the exact top 10 at 10,000
        /// documents and 17.5% at 100,000). A centroid list of the local index grows with the
        /// collection by itself; this makes the graph's first stage do the same. The default
        /// (20,000) keeps 8 tokens a probe up to 160,000 token vectors and scales it in
        /// proportion above: at 30,000 documents (960,000 vectors) the default depth (8 probes,
        /// 256 candidates) found 89% of the exact top 10 with it, 52.5% without (README.md).
        public var vectorsPerProbeToken: Int
        /// Connections indexed search spreads its HNSW graph searches over (one graph search per
        /// query vector, the query vectors cut into this many runs, each run one statement on a
        /// connection of its own, all at once): PostgreSQL runs one statement on one core, so
        /// a query's graph searches use as many cores as this.
        public var searchConnections: Int
        public init(rescoring: Rescoring = .multiEmbed, tokensPerProbe: Int = 8, vectorsPerProbeToken: Int = 20_000, searchConnections: Int = 1) {
            self.rescoring = rescoring
            self.tokensPerProbe = tokensPerProbe
            self.vectorsPerProbeToken = vectorsPerProbeToken
            self.searchConnections = max(1, searchConnections)
        }

        /// The token vectors indexed search takes for each query vector at `probes`, in a
        /// collection of about `collectionVectors` token vectors.
        public func tokensPerQueryVector(probes: Int, collectionVectors: Int) -> Int {
            let scaled = vectorsPerProbeToken > 0 ? collectionVectors / vectorsPerProbeToken : 0
            return max(1, probes) * max(1, tokensPerProbe, scaled)
        }
    }

    let pool: BlockingPostgresPool
    public let options: Options
    /// The server's address without its password.
    public var address: String { pool.url.redacted }

    /// Connects to `url` (``PostgresURL``) and makes sure pgvector and the collections table
    /// exist: an unreachable server or a database without pgvector is an error here, at start.
    public init(url: String, options: Options = .init()) throws(LateInteractionError) {
        let parsed = try PostgresURL(url)
        pool = try BlockingPostgresPool(url: parsed)
        self.options = options
        try pool.transaction("prepare the store (CREATE EXTENSION vector, the collections table)") {
            (session: BlockingPostgresPool.Session) throws(LateInteractionError) in
            // `IF NOT EXISTS` is no guard against two stores starting at once on a new database
            // (both see no table, the second fails on a duplicate type): one at a time.
            try session.execute("SELECT pg_advisory_xact_lock(hashtext('multiembed_collections'))")
            try session.execute("CREATE EXTENSION IF NOT EXISTS vector")
            try session.execute("""
                CREATE TABLE IF NOT EXISTS multiembed_collections (
                    name text PRIMARY KEY,
                    key bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
                    spec jsonb NOT NULL)
                """)
        }
    }

    /// Several servers may use one database: each sees the others' collections as they change.
    public var isShared: Bool { true }

    /// Closes the store's connections; later calls fail as unavailable.
    public func close() { pool.close() }

    // MARK: Collections

    public func create(_ spec: CollectionSpec) throws(LateInteractionError) {
        try Self.check(spec)
        let json = try Self.encode(spec)
        try pool.transaction("create collection '\(spec.name)'") { (session: BlockingPostgresPool.Session) throws(LateInteractionError) in
            let inserted = try session.rows("""
                INSERT INTO multiembed_collections (name, spec) VALUES (\(spec.name), \(json)::jsonb)
                ON CONFLICT (name) DO NOTHING RETURNING key
                """)
            guard let row = inserted.first else {
                let existing = try Self.collection(spec.name, in: session)
                guard existing.spec == spec else { throw .collectionExists(spec.name) }
                return
            }
            let tables = CollectionTables(spec: spec, key: try Self.decode(row, column: 0, as: Int64.self, spec.name))
            for statement in tables.creation { try session.execute(PostgresQuery(unsafeSQL: statement)) }
        }
    }

    public func drop(_ name: String) throws(LateInteractionError) {
        try pool.transaction("drop collection '\(name)'") { (session: BlockingPostgresPool.Session) throws(LateInteractionError) in
            let tables = try Self.collection(name, in: session)
            try session.execute("DELETE FROM multiembed_collections WHERE name = \(name)")
            try session.execute(PostgresQuery(unsafeSQL: "DROP TABLE IF EXISTS \(tables.tokens), \(tables.documents)"))
        }
    }

    public func list() throws(LateInteractionError) -> [CollectionSpec] {
        try pool.withConnection("list collections") { (session: BlockingPostgresPool.Session) throws(LateInteractionError) in
            var specs: [CollectionSpec] = []
            for row in try session.rows("SELECT name, spec::text FROM multiembed_collections ORDER BY name") {
                let name = try Self.decode(row, column: 0, as: String.self, "the collections table")
                specs.append(try Self.decodeSpec(try Self.decode(row, column: 1, as: String.self, name), name: name))
            }
            return specs
        }
    }

    public func spec(of collection: String) throws(LateInteractionError) -> CollectionSpec {
        try tables(of: collection).spec
    }

    public func documentCount(in collection: String) throws(LateInteractionError) -> Int {
        try pool.withConnection("count the documents of collection '\(collection)'") {
            (session: BlockingPostgresPool.Session) throws(LateInteractionError) -> Int in
            let tables = try Self.collection(collection, in: session)
            let rows = try session.rows(PostgresQuery(unsafeSQL: "SELECT count(*) FROM \(tables.documents)"))
            guard let row = rows.first else { return 0 }
            return Int(try Self.decode(row, column: 0, as: Int64.self, collection))
        }
    }

    // MARK: Helpers

    /// The tables of `collection` (``LateInteractionError/unknownCollection(_:)`` if none).
    func tables(of collection: String) throws(LateInteractionError) -> CollectionTables {
        try pool.withConnection("read collection '\(collection)'") {
            (session: BlockingPostgresPool.Session) throws(LateInteractionError) -> CollectionTables in
            try Self.collection(collection, in: session)
        }
    }

    static func collection(_ name: String, in session: BlockingPostgresPool.Session) throws(LateInteractionError) -> CollectionTables {
        let rows = try session.rows("SELECT key, spec::text FROM multiembed_collections WHERE name = \(name)")
        guard let row = rows.first else { throw .unknownCollection(name) }
        let key = try decode(row, column: 0, as: Int64.self, name)
        let spec = try decodeSpec(try decode(row, column: 1, as: String.self, name), name: name)
        return CollectionTables(spec: spec, key: key)
    }

    /// The local store's rules for settings, and what pgvector can hold.
    static func check(_ spec: CollectionSpec) throws(LateInteractionError) {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.")
        guard !spec.name.isEmpty, spec.name.count <= 128, !spec.name.hasPrefix("."), spec.name.allSatisfy(allowed.contains) else {
            throw .invalidArgument("invalid collection name '\(spec.name)': use 1-128 letters, digits, '_', '-', '.', not starting with '.'")
        }
        guard spec.poolFactor >= 1 else { throw .invalidArgument("collection '\(spec.name)': pool factor must be at least 1") }
        if let limit = spec.maxVectors, limit < 1 { throw .invalidArgument("collection '\(spec.name)': max vectors must be positive") }
        switch spec.kind {
        case .dense:
            guard spec.precision == .float32, spec.poolFactor == 1, spec.maxVectors == nil else {
                throw .invalidArgument(
                    "collection '\(spec.name)': a dense collection keeps one float32 vector per document, so it takes no precision, "
                        + "pool factor or max vectors")
            }
            // pgvector's `vector` column holds up to 16,000 dimensions (dense search is exact: no index).
            guard spec.dimension > 0, spec.dimension <= 16000 else {
                throw .invalidArgument("collection '\(spec.name)': dimension must be 1 to 16000 in the PostgreSQL store (pgvector's vector)")
            }
        case .multiVector:
            guard PGVectorFormat.columnType(spec.precision) != nil else {
                throw .invalidArgument(
                    "collection '\(spec.name)': the PostgreSQL store keeps token vectors as float32 (pgvector's vector) or float16 "
                        + "(halfvec); \(spec.precision.rawValue) has no pgvector type with an inner-product index")
            }
            let limit = PGVectorFormat.maxIndexedDimension(spec.precision)
            guard spec.dimension > 0, spec.dimension <= limit else {
                throw .invalidArgument(
                    "collection '\(spec.name)': dimension must be 1 to \(limit) at \(spec.precision.rawValue) in the PostgreSQL store "
                        + "(the most pgvector's HNSW index takes)")
            }
        }
    }

    static func encode(_ spec: CollectionSpec) throws(LateInteractionError) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let data = try? encoder.encode(spec) else { throw .invalidArgument("collection '\(spec.name)': settings do not encode") }
        return String(decoding: data, as: UTF8.self)
    }

    static func decodeSpec(_ json: String, name: String) throws(LateInteractionError) -> CollectionSpec {
        do {
            return try JSONDecoder().decode(CollectionSpec.self, from: Data(json.utf8))
        } catch {
            throw .corrupt(path: "multiembed_collections row '\(name)'", reason: "the settings do not decode: \(error)")
        }
    }

    static func decode<Value: PostgresDecodable>(
        _ row: PostgresRow, column: Int, as type: Value.Type, _ context: String
    ) throws(LateInteractionError) -> Value {
        do {
            return try row.makeRandomAccess()[column].decode(Value.self)
        } catch {
            throw .corrupt(path: context, reason: "column \(column) of a row does not decode as \(Value.self): \(String(reflecting: error))")
        }
    }
}

/// A collection's settings and the names of its tables.
struct CollectionTables: Sendable {
    let spec: CollectionSpec
    let key: Int64

    var documents: String { "multiembed_docs_\(key)" }
    var tokens: String { "multiembed_tokens_\(key)" }
    /// The SQL type of a token vector: `vector(d)` or `halfvec(d)`.
    var tokenType: String { "\(PGVectorFormat.columnType(spec.precision) ?? "vector")(\(spec.dimension))" }
    var isHalf: Bool { spec.precision == .float16 }

    /// The statements that make the tables (in the transaction that records the collection).
    /// Documents get a surrogate key (`doc_key`, in insertion order) so token rows stay small and
    /// a replaced document's rows are removed with it (`ON DELETE CASCADE`).
    var creation: [String] {
        var statements = [
            """
            CREATE TABLE \(documents) (
                doc_key bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                id text NOT NULL UNIQUE,
                metadata jsonb NOT NULL,
                pooled vector(\(spec.dimension)),
                attachment bytea,
                vector_count integer NOT NULL)
            """,
            """
            CREATE TABLE \(tokens) (
                doc_key bigint NOT NULL REFERENCES \(documents) (doc_key) ON DELETE CASCADE,
                position integer NOT NULL,
                embedding \(tokenType) NOT NULL,
                PRIMARY KEY (doc_key, position))
            """,
        ]
        if spec.kind == .multiVector {
            let ops = PGVectorFormat.innerProductOps(PGVectorFormat.columnType(spec.precision) ?? "vector")
            statements.append("CREATE INDEX \(tokens)_hnsw ON \(tokens) USING hnsw (embedding \(ops))")
        }
        return statements
    }
}
