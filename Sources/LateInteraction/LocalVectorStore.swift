import EmbeddingKernels
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
///
/// A damaged collection (``CollectionDamage``: a log damaged in the middle, a `collection.json`
/// that does not decode or is missing beside a log) is never forgotten nor rewritten: every call
/// on it throws ``LateInteractionError/damaged(_:)``, `create` of its name throws
/// ``LateInteractionError/damagedCollectionExists(_:)``, and ``damagedCollections()`` lists it.
public final class LocalVectorStore: VectorStore, @unchecked Sendable {
    public let directory: String
    let lock = NSLock()
    var open: [String: LocalCollection] = [:]
    /// Logs found damaged, so that each request does not scan them again. Only this process
    /// writes the folder, so the damage stays until ``repair(_:settings:)`` (which clears it).
    var damagedLogs: [String: CollectionDamage] = [:]
    private let lockDescriptor: Int32
    let faults: WriteFaults

    /// Opens (creating if needed) the store at `directory`. `faults` is a test seam that fails
    /// log writes as a full disk would (``WriteFaults``).
    public init(directory: String, faults: WriteFaults? = nil) throws(LateInteractionError) {
        self.directory = directory
        self.faults = faults ?? WriteFaults()
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
        if spec.kind == .dense {
            guard spec.precision == .float32, spec.poolFactor == 1, spec.maxVectors == nil else {
                throw .invalidArgument(
                    "collection '\(spec.name)': a dense collection keeps one float32 vector per document, so it takes no precision, "
                        + "pool factor or max vectors")
            }
        }
        lock.lock()
        defer { lock.unlock() }
        let folder = folder(spec.name)
        switch inspect(spec.name) {
        case let .intact(existing):
            guard existing == spec else { throw .collectionExists(spec.name) }
            // Same settings: nothing to write, but a damaged log must not pass for a fresh start.
            do { _ = try collectionLocked(spec.name) } catch let .damaged(damage) { throw .damagedCollectionExists(damage) }
            return
        case let .damaged(damage):
            throw .damagedCollectionExists(damage)
        case .absent:
            break
        }
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw .io(path: folder, operation: "create directory", errno: EIO)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        guard let json = try? encoder.encode(spec) else { throw .invalidArgument("collection '\(spec.name)': settings do not encode") }
        do {
            try FileIO.writeAtomically([UInt8](json), to: folder + "/collection.json", directory: folder)
            try FileIO.syncDirectory(directory)
        } catch { throw error.namingFullDisk(collection: spec.name) }
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

    /// Collections whose settings read back, by name (a damaged log is found on first use, or by
    /// ``damagedCollections()``); damaged settings are listed by ``damagedCollections()``.
    public func list() throws(LateInteractionError) -> [CollectionSpec] {
        folderNames().compactMap { if case let .intact(spec) = inspect($0) { spec } else { nil } }
    }

    /// Every damaged collection, settings or log: opens (replays) each collection to find out.
    public func damagedCollections() throws(LateInteractionError) -> [CollectionDamage] {
        lock.lock()
        defer { lock.unlock() }
        var found: [CollectionDamage] = []
        for name in folderNames() {
            switch inspect(name) {
            case .absent: continue
            case let .damaged(damage): found.append(damage)
            case .intact:
                do { _ = try collectionLocked(name) } catch let .damaged(damage) { found.append(damage) }
            }
        }
        return found
    }

    public func spec(of collection: String) throws(LateInteractionError) -> CollectionSpec {
        try self.collection(collection).spec
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
            let attachment = entry.attachment.map { Array(UnsafeRawBufferPointer(start: documents.base + $0.lowerBound, count: $0.count)) }
            result.append(StoredDocument(
                id: id, vectors: single.vectors(0), pooled: entry.pooled, metadata: entry.metadata, attachment: attachment))
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

    public func search(
        _ query: MultiVector, in collection: String, topK: Int, filter: DocumentFilter, options: MaxSim.SearchOptions
    ) throws(LateInteractionError) -> [SearchHit] {
        guard topK > 0 else { throw .invalidTopK(topK) }
        let stored = try self.collection(collection)
        guard stored.spec.kind == .multiVector else {
            throw .invalidArgument("collection '\(collection)' is dense (one pooled vector per document): search it by dense similarity, not MaxSim")
        }
        guard query.dimension == stored.spec.dimension else {
            throw .dimensionMismatch(context: "query for collection '\(collection)'", expected: stored.spec.dimension, actual: query.dimension)
        }
        let snapshot = try stored.snapshot()
        let positions = snapshot.admitted(by: filter)
        if positions?.isEmpty == true || snapshot.count == 0 { return [] }
        return try MaxSim.search(query, snapshot.documents, k: topK, indices: positions, options: options).map { hit in
            SearchHit(id: snapshot.ids[hit.index], score: hit.score, metadata: snapshot.metadata[hit.index])
        }
    }

    public func searchIndexed(
        _ query: MultiVector, in collection: String, topK: Int, filter: DocumentFilter, depth: CentroidIndex.Depth
    ) throws(LateInteractionError) -> [SearchHit] {
        guard topK > 0 else { throw .invalidTopK(topK) }
        let stored = try self.collection(collection)
        guard stored.spec.kind == .multiVector else {
            throw .invalidArgument("collection '\(collection)' is dense (one pooled vector per document): search it by dense similarity, not an index of token vectors")
        }
        guard query.dimension == stored.spec.dimension else {
            throw .dimensionMismatch(context: "query for collection '\(collection)'", expected: stored.spec.dimension, actual: query.dimension)
        }
        let snapshot = try stored.snapshot()
        let positions = snapshot.admitted(by: filter)
        if positions?.isEmpty == true || snapshot.count == 0 { return [] }
        // No more documents than candidates: scoring them all is exact and costs no index. So
        // is a search that need not wait for an index still being built.
        guard (positions?.count ?? snapshot.count) > depth.candidates,
              let candidates = stored.centroidIndex.candidates(
                  for: query, depth: depth, in: snapshot, admitted: positions, wait: depth.waitForIndex ? .build : .exact)
        else {
            return try MaxSim.search(query, snapshot.documents, k: topK, indices: positions).map { hit in
                SearchHit(id: snapshot.ids[hit.index], score: hit.score, metadata: snapshot.metadata[hit.index])
            }
        }
        if candidates.isEmpty { return [] }
        snapshot.documents.prefetch(candidates)
        return try MaxSim.search(query, snapshot.documents, k: topK, indices: candidates).map { hit in
            SearchHit(id: snapshot.ids[hit.index], score: hit.score, metadata: snapshot.metadata[hit.index])
        }
    }

    public func searchPooled(
        _ query: [Float], in collection: String, topK: Int, filter: DocumentFilter, metric: DenseMetric
    ) throws(LateInteractionError) -> [SearchHit] {
        guard topK > 0 else { throw .invalidTopK(topK) }
        let stored = try self.collection(collection)
        guard query.count == stored.spec.dimension else {
            throw .dimensionMismatch(context: "pooled query for collection '\(collection)'", expected: stored.spec.dimension, actual: query.count)
        }
        guard query.allSatisfy(\.isFinite) else { throw .nonFiniteValue(context: "pooled query") }
        let snapshot = try stored.snapshot()
        let positions = snapshot.admitted(by: filter) ?? Array(0 ..< snapshot.count)
        let missing = positions.reduce(0) { $0 + (snapshot.hasPooled[$1] ? 0 : 1) }
        guard missing == 0 else { throw .missingPooledVectors(collection: collection, missing: missing, total: positions.count) }
        if positions.isEmpty { return [] }
        let scores = snapshot.pooledScores(VectorMath.normalized(query), positions: positions, metric: metric)
        var top = TopK(topK)
        for (score, position) in zip(scores, positions) { top.insert(ScoredDocument(index: position, score: score)) }
        return top.sorted().map { hit in
            SearchHit(id: snapshot.ids[hit.index], score: hit.score, metadata: snapshot.metadata[hit.index])
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

    func collection(_ name: String) throws(LateInteractionError) -> LocalCollection {
        lock.lock()
        defer { lock.unlock() }
        return try collectionLocked(name)
    }

    func collectionLocked(_ name: String) throws(LateInteractionError) -> LocalCollection {
        if let existing = open[name] { return existing }
        try Self.checkName(name)
        if let damage = damagedLogs[name] { throw .damaged(damage) }
        let spec: CollectionSpec
        switch inspect(name) {
        case .absent: throw .unknownCollection(name)
        case let .damaged(damage): throw .damaged(damage)
        case let .intact(found): spec = found
        }
        do {
            let collection = try LocalCollection(spec: spec, folder: folder(name), faults: faults)
            open[name] = collection
            return collection
        } catch let .damaged(damage) {
            damagedLogs[name] = damage
            throw .damaged(damage)
        }
    }

    func folder(_ name: String) -> String { directory + "/" + name }

    /// Entries of the data directory that may be collections (not LOCK, not hidden).
    private func folderNames() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { !$0.hasPrefix(".") && $0 != "LOCK" }.sorted()
    }

    /// What a collection folder holds, judged from its settings file.
    enum FolderState {
        /// No collection: no folder, or a folder a crashed `create` left before its settings
        /// (nothing in it but a `collection.json.tmp`), which holds no data.
        case absent
        case intact(CollectionSpec)
        case damaged(CollectionDamage)
    }

    /// Reads `<name>/collection.json`; a file that does not decode (or names another collection),
    /// or its absence beside any other file, is damage rather than absence, so a collection is
    /// never forgotten because its settings are unreadable.
    func inspect(_ name: String) -> FolderState {
        let folder = folder(name)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else { return .absent }
        let settings = folder + "/collection.json"
        guard let data = FileManager.default.contents(atPath: settings) else {
            let others = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0 != "collection.json.tmp" }
            if others.isEmpty { return .absent }
            return .damaged(CollectionDamage(
                collection: name, path: settings,
                reason: "the settings file is missing (or unreadable) beside \(others.sorted().joined(separator: ", "))"))
        }
        do {
            let spec = try JSONDecoder().decode(CollectionSpec.self, from: data)
            guard spec.name == name else {
                return .damaged(CollectionDamage(collection: name, path: settings, reason: "the settings name collection '\(spec.name)'"))
            }
            return .intact(spec)
        } catch {
            return .damaged(CollectionDamage(
                collection: name, path: settings, ranges: [DamagedRange(offset: 0, length: data.count, recordsLost: 0)],
                reason: "the settings file (\(data.count) bytes) does not decode: \(error)"))
        }
    }

    /// Names become folder names: letters, digits, `_`, `-`, `.`, not starting with `.`.
    static func checkName(_ name: String) throws(LateInteractionError) {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.")
        guard !name.isEmpty, name.count <= 128, !name.hasPrefix("."), name.allSatisfy(allowed.contains) else {
            throw .invalidArgument("invalid collection name '\(name)': use 1-128 letters, digits, '_', '-', '.', not starting with '.'")
        }
    }
}
