import LateInteraction
import Synchronization

/// The vector store the server was given or opened, and the settings of its collections.
///
/// The local store's settings are read once and then kept in step by create and drop: its
/// folder has a single owner at a time (`LocalVectorStore` holds an exclusive lock on it), so no
/// one else can change them behind the server's back, and a request need not read a file to
/// learn its collection's dimension. A shared store (``VectorStore/isShared``: PostgreSQL, which
/// several servers may use at once) is asked every time instead, so a collection another server
/// created, dropped or re-created is seen at once, not after a restart. Every method may block
/// on disk or the network: call them off the event loops (``CollectionService/offLoop(_:)``).
final class CollectionCatalog: Sendable {
    private struct State {
        var store: (any VectorStore)?
        var specs: [String: CollectionSpec]?
        /// Damaged collections by name, found when the specs are first read (each collection is
        /// opened then, so a damaged log is known before any request touches it).
        var damage: [String: CollectionDamage] = [:]
    }

    private let state: Mutex<State>
    private let dataDirectory: String?

    /// `store` when the caller opened one (`multiembed serve` does, to fail before loading
    /// models); otherwise the store at `dataDirectory` is opened by ``open()``.
    init(store: (any VectorStore)?, dataDirectory: String?) {
        self.state = Mutex(State(store: store))
        self.dataDirectory = dataDirectory
    }

    /// Opens the local store at the data directory unless one was given.
    func open() throws(ServerError) {
        guard let dataDirectory, state.withLock({ $0.store == nil }) else { return }
        do throws(LateInteractionError) {
            let store = try LocalVectorStore(directory: dataDirectory)
            state.withLock { $0.store = store }
        } catch {
            throw ServerError(.failedPrecondition, "cannot open data directory \(dataDirectory): \(error.description)", cause: error)
        }
    }

    /// Lets go of the store, which releases its data directory (its lock) for the next owner,
    /// such as a server restarted in the same process.
    func close() {
        state.withLock { $0 = State() }
    }

    /// The store; FAILED_PRECONDITION when the server has none.
    var store: any VectorStore {
        get throws(ServerError) {
            guard let store = state.withLock({ $0.store }) else {
                throw ServerError(.failedPrecondition, "this server has no data directory for collections (start it with --data-dir)")
            }
            return store
        }
    }

    /// The settings of collection `name`; NOT_FOUND when there is none, DATA_LOSS when it is
    /// damaged (reads and writes are refused, see ``CollectionDamage``).
    func spec(of name: String) throws(ServerError) -> CollectionSpec {
        let store = try self.store
        if store.isShared {
            do throws(LateInteractionError) {
                return try store.spec(of: name)
            } catch .unknownCollection {
                throw .notFound("unknown collection '\(name)'")
            } catch { throw ServerError(error) }
        }
        let specs = try specs()
        if let damage = state.withLock({ $0.damage[name] }) { throw ServerError(LateInteractionError.damaged(damage)) }
        guard let spec = specs[name] else { throw .notFound("unknown collection '\(name)'") }
        return spec
    }

    /// Damaged collections, by name (read with the specs).
    func damage() throws(ServerError) -> [String: CollectionDamage] {
        _ = try specs()
        return state.withLock { $0.damage }
    }

    /// Records damage found after start (a store that found it on first use), so later
    /// requests and the list report it.
    func noteDamage(_ damage: CollectionDamage) {
        state.withLock { $0.damage[damage.collection] = damage }
    }

    /// Every collection's settings, by name.
    func specs() throws(ServerError) -> [String: CollectionSpec] {
        let store = try self.store
        return try state.withLock { (state: inout State) throws(ServerError) -> [String: CollectionSpec] in
            if let specs = state.specs, !store.isShared { return specs }
            let listed: [CollectionSpec]
            let damaged: [CollectionDamage]
            do throws(LateInteractionError) {
                listed = try store.list()
                damaged = try store.damagedCollections()
            } catch { throw ServerError(error) }
            let specs = Dictionary(listed.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
            state.specs = specs
            state.damage = Dictionary(damaged.map { ($0.collection, $0) }, uniquingKeysWith: { first, _ in first })
            return specs
        }
    }

    /// Creates collection `spec.name`, durably; ALREADY_EXISTS when the name is taken. Holds the
    /// catalog's lock throughout, so two creates of one name cannot both succeed.
    func create(_ spec: CollectionSpec) throws(ServerError) {
        let store = try self.store
        if store.isShared {
            // The store is the arbiter (two servers may create at once); its create of a name
            // that exists with the same settings succeeds, so the name is checked first.
            if (try? store.spec(of: spec.name)) != nil { throw ServerError(.alreadyExists, "collection '\(spec.name)' already exists") }
            do throws(LateInteractionError) { try store.create(spec) } catch { throw ServerError(error) }
            return
        }
        _ = try specs()
        try state.withLock { (state: inout State) throws(ServerError) -> Void in
            if let damage = state.damage[spec.name] { throw ServerError(LateInteractionError.damagedCollectionExists(damage)) }
            guard state.specs?[spec.name] == nil else { throw ServerError(.alreadyExists, "collection '\(spec.name)' already exists") }
            do throws(LateInteractionError) { try store.create(spec) } catch { throw ServerError(error) }
            state.specs?[spec.name] = spec
        }
    }

    /// Deletes collection `name` and its documents, durably; NOT_FOUND when there is none.
    func drop(_ name: String) throws(ServerError) {
        let store = try self.store
        _ = try spec(of: name)
        try state.withLock { (state: inout State) throws(ServerError) -> Void in
            do throws(LateInteractionError) { try store.drop(name) } catch { throw ServerError(error) }
            state.specs?[name] = nil
        }
    }
}
