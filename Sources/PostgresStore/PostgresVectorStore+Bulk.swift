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
    /// times faster) and PostgreSQL's parallel maintenance workers.
    public func buildIndex(of collection: String, maintenanceMemory: String = "1GB") throws(LateInteractionError) {
        try pool.withConnection("build the HNSW index of collection '\(collection)'") { (session: BlockingPostgresPool.Session) throws(LateInteractionError) in
            let tables = try Self.collection(collection, in: session)
            guard tables.spec.kind == .multiVector else { return }
            try session.execute("SELECT set_config('maintenance_work_mem', \(maintenanceMemory), false)")
            try session.execute(PostgresQuery(unsafeSQL: "DROP INDEX IF EXISTS \(tables.tokens)_hnsw"))
            let ops = PGVectorFormat.innerProductOps(PGVectorFormat.columnType(tables.spec.precision) ?? "vector")
            try session.execute(PostgresQuery(unsafeSQL: "CREATE INDEX \(tables.tokens)_hnsw ON \(tables.tokens) USING hnsw (embedding \(ops))"))
            try session.execute("RESET maintenance_work_mem")
        }
    }
}
