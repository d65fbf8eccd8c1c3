/// Where a collection's files cannot be trusted, precisely enough to find the bytes: which
/// collection, which file, which byte ranges.
///
/// Finding damage changes nothing on disk: the store keeps the file byte for byte and refuses
/// the collection (reads and writes) until `multiembed index repair` salvages it, because a
/// damaged record may have been a delete or a newer version of a document that a later, intact
/// record still shows: serving the rest could hand out deleted or stale documents.
public struct CollectionDamage: Sendable, Equatable, CustomStringConvertible {
    /// The collection (its folder name).
    public var collection: String
    /// The damaged file.
    public var path: String
    /// Damaged byte ranges of `path`; empty when the whole file is unusable (a `collection.json`
    /// that does not decode, or is missing beside a log).
    public var ranges: [DamagedRange]
    /// What is wrong, for people.
    public var reason: String

    public init(collection: String, path: String, ranges: [DamagedRange] = [], reason: String) {
        self.collection = collection
        self.path = path
        self.ranges = ranges
        self.reason = reason
    }

    public var description: String {
        let where_ = ranges.isEmpty
            ? path
            : path + " " + ranges.map { "at byte offset \($0.offset) (\($0.length) bytes, about \($0.recordsLost) record(s))" }
                .joined(separator: ", ")
        return "collection '\(collection)' is damaged: \(where_): \(reason); the files are kept as they are and the collection "
            + "refuses reads and writes: stop the server, then run `multiembed index verify --collection \(collection)` and "
            + "`multiembed index repair --collection \(collection)`"
    }
}

/// One damaged stretch of a collection log: from a record that fails its checksum (or does not
/// fit the collection's settings) to the next valid record boundary.
public struct DamagedRange: Sendable, Equatable {
    /// Byte offset of the first damaged byte (the start of the first unreadable record).
    public var offset: Int
    /// Bytes up to the next valid record.
    public var length: Int
    /// Record headers that start in the range (at least 1): the records the range loses. An
    /// estimate when the damage hit a header itself, or vector bytes happen to spell the magic.
    public var recordsLost: Int

    public init(offset: Int, length: Int, recordsLost: Int) {
        self.offset = offset
        self.length = length
        self.recordsLost = recordsLost
    }
}
