import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The on-disk ``VectorStore``: one folder per collection under a data directory (see
/// ``LocalCollection`` for the log format and recovery).
///
/// One process owns a data directory at a time (an exclusive `flock` on `<dir>/LOCK`), since two
/// writers appending to one log would interleave records.
public final class LocalVectorStore: VectorStore, @unchecked Sendable {
    public let directory: String
    private let lock = NSLock()
    private var open: [String: LocalCollection] = [:]
    private let lockDescriptor: Int32

    /// Opens (creating if needed) the store at `directory`.
    public init(directory: String) throws(LateInteractionError) {
        self.directory = directory
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw .io(path: directory, operation: "create directory", errno: EIO)
        }
        lockDescriptor = try FileIO.open(directory + "/LOCK", flags: O_RDWR | O_CREAT)
        guard flock(lockDescriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(lockDescriptor)
            throw .io(path: directory + "/LOCK", operation: "lock (is another multiembed using this data directory?)", errno: errno)
        }
    }

    deinit { close(lockDescriptor) }

    public func create(_ spec: CollectionSpec) throws(LateInteractionError) {
        try Self.checkName(spec.name)
        guard spec.dimension > 0, spec.dimension <= 65536 else { throw .invalidArgument("collection '\(spec.name)': dimension must be 1 to 65536") }
        guard spec.poolFactor >= 1 else { throw .invalidArgument("collection '\(spec.name)': pool factor must be at least 1") }
        if let limit = spec.maxVectors, limit < 1 { throw .invalidArgument("collection '\(spec.name)': max vectors must be positive") }
        lock.lock()
        defer { lock.unlock() }
        let folder = folder(spec.name)
        if let existing = try? readSpec(folder) {
            guard existing == spec else { throw .collectionExists(spec.name) }
            return
        }
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw .io(path: folder, operation: "create directory", errno: EIO)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        guard let json = try? encoder.encode(spec) else { throw .invalidArgument("collection '\(spec.name)': settings do not encode") }
        try FileIO.writeAtomically([UInt8](json), to: folder + "/collection.json", directory: folder)
        try FileIO.syncDirectory(directory)
    }

    /// Removes the collection: renamed away first (atomic), then deleted, so a crash midway never
    /// leaves a half-deleted collection under its name.
    public func drop(_ name: String) throws(LateInteractionError) {
        lock.lock()
        defer { lock.unlock() }
        _ = try collectionLocked(name)
        open[name] = nil
        let trash = directory + "/.dropped-\(name)-\(UInt64.random(in: 0 ... .max))"
        try FileIO.rename(folder(name), trash)
        try FileIO.syncDirectory(directory)
        try? FileManager.default.removeItem(atPath: trash)
    }

    public func list() throws(LateInteractionError) -> [CollectionSpec] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted().compactMap { try? readSpec(folder($0)) }
    }

    public func documentCount(in collection: String) throws(LateInteractionError) -> Int {
        try self.collection(collection).liveCount
    }

    public func put(_ documents: [StoredDocument], into collection: String) throws(LateInteractionError) {
        try self.collection(collection).put(documents)
    }

    @discardableResult
    public func delete(_ ids: [String], from collection: String) throws(LateInteractionError) -> Int {
        try self.collection(collection).delete(ids)
    }

    public func get(_ ids: [String], from collection: String) throws(LateInteractionError) -> [StoredDocument] {
        let stored = try self.collection(collection)
        let (_, documents) = try stored.view()
        var result: [StoredDocument] = []
        for id in ids {
            guard let entry = stored.entry(id) else { continue }
            let single = EncodedDocuments(
                base: documents.base, slots: [entry.slot], dimension: documents.dimension, precision: documents.precision,
                owner: documents.owner)
            result.append(StoredDocument(id: id, vectors: single.vectors(0), pooled: entry.pooled, metadata: entry.metadata))
        }
        return result
    }

    public func scanBlocks(of collection: String, documentsPerBlock: Int, _ body: (DocumentBlock) -> Void) throws(LateInteractionError) {
        guard documentsPerBlock > 0 else { throw .invalidArgument("documents per block must be positive") }
        let (ids, documents) = try self.collection(collection).view()
        var start = 0
        while start < ids.count {
            let range = start ..< min(start + documentsPerBlock, ids.count)
            body(DocumentBlock(
                ids: Array(ids[range]),
                documents: EncodedDocuments(
                    base: documents.base, slots: Array(documents.slots[range]), dimension: documents.dimension,
                    precision: documents.precision, owner: documents.owner)))
            start = range.upperBound
        }
    }

    public func search(_ query: MultiVector, in collection: String, topK: Int, filter: Set<String>?) throws(LateInteractionError) -> [SearchHit] {
        guard topK > 0 else { throw .invalidTopK(topK) }
        let stored = try self.collection(collection)
        guard query.dimension == stored.spec.dimension else {
            throw .dimensionMismatch(context: "query for collection '\(collection)'", expected: stored.spec.dimension, actual: query.dimension)
        }
        let (ids, documents) = try stored.view()
        let indices = filter.map { allowed in ids.indices.filter { allowed.contains(ids[$0]) } }
        if indices?.isEmpty == true || ids.isEmpty { return [] }
        return try MaxSim.search(query, documents, k: topK, indices: indices).map { hit in
            SearchHit(id: ids[hit.index], score: hit.score, metadata: stored.entry(ids[hit.index])?.metadata ?? [:])
        }
    }

    /// Rewrites a collection's log without deleted and replaced records.
    public func compact(_ name: String) throws(LateInteractionError) {
        try collection(name).compact()
    }

    /// Live documents and reclaimable bytes of a collection.
    public func statistics(_ name: String) throws(LateInteractionError) -> (documents: Int, reclaimableBytes: Int) {
        let stored = try collection(name)
        return (stored.liveCount, stored.reclaimableBytes)
    }

    private func collection(_ name: String) throws(LateInteractionError) -> LocalCollection {
        lock.lock()
        defer { lock.unlock() }
        return try collectionLocked(name)
    }

    private func collectionLocked(_ name: String) throws(LateInteractionError) -> LocalCollection {
        if let existing = open[name] { return existing }
        try Self.checkName(name)
        guard let spec = try? readSpec(folder(name)) else { throw .unknownCollection(name) }
        let collection = try LocalCollection(spec: spec, folder: folder(name))
        open[name] = collection
        return collection
    }

    private func folder(_ name: String) -> String { directory + "/" + name }

    private func readSpec(_ folder: String) throws -> CollectionSpec {
        try JSONDecoder().decode(CollectionSpec.self, from: Data(contentsOf: URL(fileURLWithPath: folder + "/collection.json")))
    }

    /// Names become folder names: letters, digits, `_`, `-`, `.`, not starting with `.`.
    static func checkName(_ name: String) throws(LateInteractionError) {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.")
        guard !name.isEmpty, name.count <= 128, !name.hasPrefix("."), name.allSatisfy(allowed.contains) else {
            throw .invalidArgument("invalid collection name '\(name)': use 1-128 letters, digits, '_', '-', '.', not starting with '.'")
        }
    }
}
