import LateInteraction
import PostgresNIO

extension PostgresVectorStore {
    /// Drops the HNSW index of a multi-vector collection, for a bulk load: inserting rows into a
    /// graph one at a time costs several times more than building it once over all of them
    /// (``buildIndex(of:maintenanceMemory:)``). Until the index is built again, indexed search
    /// reads every token row (correct, slow).
    public func dropIndex(of collection: String) throws(LateInteractionError) {
        try pool.transaction("drop the HNSW index of collection '\(collection)'") { (session: BlockingPostgresPool.Session) throws(LateInteractionError) in
            let tables = try Self.collection(collection, in: session)
            try session.execute(PostgresQuery(unsafeSQL: "DROP INDEX IF EXISTS \(tables.tokens)_hnsw"))
        }
    }

    /// (Re)builds the HNSW index of a multi-vector collection over its rows, with
    /// `maintenance_work_mem` at `maintenanceMemory` (a graph that fits in it is built several
    /// times faster: about 1 KB a 128-dimension float32 vector) and, when `workers` is given, that
    /// many parallel maintenance workers beside the leader (PostgreSQL's default is 2; one less
    /// than the cores is what they can use).
    public func buildIndex(of collection: String, maintenanceMemory: String = "1GB", workers: Int? = nil) throws(LateInteractionError) {
        try pool.withConnection("build the HNSW index of collection '\(collection)'") { (session: BlockingPostgresPool.Session) throws(LateInteractionError) in
            let tables = try Self.collection(collection, in: session)
            guard tables.spec.kind == .multiVector else { return }
            try session.execute("SELECT set_config('maintenance_work_mem', \(maintenanceMemory), false)")
            if let workers { try session.execute("SELECT set_config('max_parallel_maintenance_workers', \(String(max(0, workers))), false)") }
            try session.execute(PostgresQuery(unsafeSQL: "DROP INDEX IF EXISTS \(tables.tokens)_hnsw"))
            let ops = PGVectorFormat.innerProductOps(PGVectorFormat.columnType(tables.spec.precision) ?? "vector")
            try session.execute(PostgresQuery(unsafeSQL: "CREATE INDEX \(tables.tokens)_hnsw ON \(tables.tokens) USING hnsw (embedding \(ops))"))
            try session.execute("RESET maintenance_work_mem")
            try session.execute("RESET max_parallel_maintenance_workers")
        }
    }

    /// What a collection takes on disk, in bytes (`pg_relation_size`: the main fork of each).
    public struct StorageSizes: Sendable {
        public var documents: Int
        public var tokens: Int
        /// The HNSW index of the token vectors (0 when there is none).
        public var index: Int
        /// The token table's primary key (document, position).
        public var tokensKey: Int
    }

    /// The sizes of `collection`'s tables and indexes.
    public func storageSizes(of collection: String) throws(LateInteractionError) -> StorageSizes {
        try pool.withConnection("measure collection '\(collection)'") { (session: BlockingPostgresPool.Session) throws(LateInteractionError) -> StorageSizes in
            let tables = try Self.collection(collection, in: session)
            let rows = try session.rows("""
                SELECT pg_relation_size(\(tables.documents)::regclass), pg_relation_size(\(tables.tokens)::regclass),
                       coalesce(pg_relation_size(to_regclass(\(tables.tokens + "_hnsw"))), 0),
                       pg_relation_size(\(tables.tokens + "_pkey")::regclass)
                """)
            guard let row = rows.first else { return StorageSizes(documents: 0, tokens: 0, index: 0, tokensKey: 0) }
            func size(_ column: Int) throws(LateInteractionError) -> Int { Int(try Self.decode(row, column: column, as: Int64.self, collection)) }
            return StorageSizes(documents: try size(0), tokens: try size(1), index: try size(2), tokensKey: try size(3))
        }
    }

    /// The current value of a server setting (`current_setting`), e.g. `shared_buffers`.
    public func setting(_ name: String) throws(LateInteractionError) -> String {
        try pool.withConnection("read setting \(name)") { (session: BlockingPostgresPool.Session) throws(LateInteractionError) -> String in
            guard let row = try session.rows("SELECT current_setting(\(name))").first else { return "" }
            return try Self.decode(row, column: 0, as: String.self, name)
        }
    }
}
