#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Everything that can go wrong in late-interaction scoring and storage, with the context a user
/// needs to fix it (which collection, which file, which document).
///
/// Bad input is always reported through this type, never by trapping: a server must survive any
/// request a client sends.
public enum LateInteractionError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A vector set whose values do not split into rows of the expected width.
    case dimensionMismatch(context: String, expected: Int, actual: Int)
    /// A NaN or infinite value, which would poison every maximum it takes part in.
    case nonFiniteValue(context: String)
    /// A query or document without a single vector.
    case empty(context: String)
    /// top_k of zero or less.
    case invalidTopK(Int)
    /// A parameter out of range (pool factor, rescoring depth, collection name, ...).
    case invalidArgument(String)
    /// No collection of that name under the data directory.
    case unknownCollection(String)
    /// `create` of a name that exists with different settings.
    case collectionExists(String)
    /// The same id twice in one upsert.
    case duplicateID(collection: String, id: String)
    /// A system call on a store file failed.
    case io(path: String, operation: String, errno: Int32)
    /// A store file whose contents cannot be read back (not a torn tail, which recovery skips).
    case corrupt(path: String, reason: String)
    /// A collection whose files are damaged (see ``CollectionDamage``): refused, files untouched.
    case damaged(CollectionDamage)
    /// `create` of a name whose folder holds a damaged collection: refused, nothing written.
    case damagedCollectionExists(CollectionDamage)
    /// A write or fsync that failed because the disk (or the user's quota) is full: ENOSPC or
    /// EDQUOT. The write was not acknowledged and is not in the log.
    case diskFull(collection: String, path: String, operation: String, errno: Int32)
    /// A dense or hybrid search of a collection some of whose (admitted) documents have no pooled
    /// vector: they could never be found, so the search is refused rather than silently partial.
    case missingPooledVectors(collection: String, missing: Int, total: Int)
    /// An external store (a database server) that cannot be reached or lost the connection:
    /// `store` is its address without a password. Nothing was acknowledged; retrying later may
    /// succeed.
    case storeUnavailable(store: String, reason: String)
    /// An external store refused or failed a statement (a permission, a missing extension, a
    /// value it cannot hold): `operation` names the call and its collection.
    case storeFailed(store: String, operation: String, reason: String)

    /// This error, with a failed write or fsync for lack of space (ENOSPC, EDQUOT) turned into
    /// ``diskFull(collection:path:operation:errno:)`` naming `collection`.
    func namingFullDisk(collection: String) -> LateInteractionError {
        guard case let .io(path, operation, code) = self, Self.isFullDisk(code) else { return self }
        return .diskFull(collection: collection, path: path, operation: operation, errno: code)
    }

    /// ENOSPC or EDQUOT: no space left for this writer.
    public static func isFullDisk(_ code: Int32) -> Bool { code == ENOSPC || code == EDQUOT }

    public var description: String {
        switch self {
        case let .dimensionMismatch(context, expected, actual):
            "\(context): expected dimension \(expected), got \(actual)"
        case let .nonFiniteValue(context): "\(context): contains NaN or infinite values"
        case let .empty(context): "\(context): has no vectors"
        case let .invalidTopK(k): "top_k must be positive, got \(k)"
        case let .invalidArgument(message): message
        case let .unknownCollection(name): "unknown collection '\(name)'"
        case let .collectionExists(name): "collection '\(name)' already exists with other settings"
        case let .duplicateID(collection, id): "collection '\(collection)': id '\(id)' appears twice in one upsert"
        case let .io(path, operation, code): "\(path): \(operation) failed (errno \(code))"
        case let .corrupt(path, reason): "\(path): \(reason)"
        case let .damaged(damage): damage.description
        case let .damagedCollectionExists(damage): "cannot create collection '\(damage.collection)': its folder already holds it, "
            + "damaged; nothing was written. \(damage.description)"
        case let .diskFull(collection, path, operation, code):
            "collection '\(collection)': the disk is full (\(path): \(operation) failed, errno \(code)); nothing was written"
        case let .missingPooledVectors(collection, missing, total):
            "collection '\(collection)': \(missing) of \(total) documents have no pooled vector (upserted as vectors without one), "
                + "so dense and hybrid search cannot rank them; upsert them again with a pooled vector, or search by MaxSim"
        case let .storeUnavailable(store, reason): "the vector store \(store) is unavailable: \(reason)"
        case let .storeFailed(store, operation, reason): "the vector store \(store) failed to \(operation): \(reason)"
        }
    }
}
