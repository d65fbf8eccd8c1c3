import WireProtocol

/// The contract's rules for names, ids and metadata (collections.proto), checked before anything
/// is embedded or written, each failure naming the value at fault.
enum CollectionRules {
    /// Longest document id, in UTF-8 bytes.
    static let maxIDBytes = 256
    /// Most metadata entries of one document.
    static let maxMetadataEntries = 64
    /// Most bytes of metadata keys and values together, per document.
    static let maxMetadataBytes = 4096

    private static let nameCharacters = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.".utf8)

    /// 1 to 128 bytes of ASCII letters, digits, '-', '_' and '.', not starting with '.': names
    /// become folder names, so nothing may escape the data directory or hide in it.
    static func checkName(_ name: String) throws(ServerError) {
        let bytes = Array(name.utf8)
        guard !bytes.isEmpty, bytes.count <= 128, bytes.first != UInt8(ascii: "."), bytes.allSatisfy(nameCharacters.contains) else {
            throw .invalidArgument(
                "invalid collection name '\(name)': use 1 to 128 ASCII letters, digits, '-', '_' and '.', not starting with '.'")
        }
    }

    /// Why the ids of an upsert's documents are bad, by document index: empty, too long, or
    /// repeated within the request.
    static func idFailures(_ ids: [String]) -> [Int: ServerError] {
        var failures: [Int: ServerError] = [:]
        var firstIndex: [String: Int] = [:]
        for (index, id) in ids.enumerated() {
            let bytes = id.utf8.count
            if bytes == 0 {
                failures[index] = .invalidArgument("document \(index): the id is empty")
            } else if bytes > maxIDBytes {
                failures[index] = .invalidArgument("document \(index): the id has \(bytes) bytes, more than \(maxIDBytes)")
            } else if let first = firstIndex[id] {
                failures[index] = .invalidArgument("document \(index): id '\(id)' is also the id of document \(first)")
            } else {
                firstIndex[id] = index
            }
        }
        return failures
    }

    /// Why a document's metadata is too large, or nil when it fits.
    static func metadataFailure(_ metadata: [String: String], index: Int) -> ServerError? {
        if metadata.count > maxMetadataEntries {
            return .invalidArgument("document \(index): \(metadata.count) metadata entries, more than \(maxMetadataEntries)")
        }
        let bytes = metadata.reduce(0) { $0 + $1.key.utf8.count + $1.value.utf8.count }
        if bytes > maxMetadataBytes {
            return .invalidArgument("document \(index): metadata of \(bytes) bytes, more than \(maxMetadataBytes)")
        }
        return nil
    }

    /// A pooled vector (a document's or a query's) must be finite and the collection's width.
    static func checkPooled(_ values: [Float], dimension: Int, name: String) throws(ServerError) {
        guard values.count == dimension else {
            throw ServerError(.failedPrecondition, "\(name): a pooled vector of \(values.count) values, expected \(dimension)")
        }
        guard values.allSatisfy(\.isFinite) else { throw .invalidArgument("\(name): the pooled vector holds NaN or infinite values") }
    }
}
