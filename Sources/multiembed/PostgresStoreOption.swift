import LateInteraction
import PostgresStore

/// The PostgreSQL store at `url` (`--store`), connected: an unreachable server or a database
/// without pgvector fails here, with the store's own message.
func openPostgresStore(_ url: String) throws -> PostgresVectorStore {
    do { return try PostgresVectorStore(url: url) } catch { throw CommandFailure("cannot open --store: \(error.description)") }
}

/// The collections' store of a command: PostgreSQL at `--store` when given, else the local
/// store at `--data-dir`.
func openVectorStore(store url: String?, dataDir: String) throws -> any VectorStore {
    if let url { return try openPostgresStore(url) }
    do { return try LocalVectorStore(directory: dataDir) } catch { throw CommandFailure(error.description) }
}

/// Where a command's collections are, for its report line.
func storeAddress(_ store: any VectorStore) -> String {
    (store as? PostgresVectorStore)?.address ?? "local"
}
