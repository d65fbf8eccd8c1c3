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
        }
    }
}
