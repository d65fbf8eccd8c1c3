import EmbeddingKernels
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One collection of the local store: `collection.json` (its settings) and `log` (append-only
/// records, see ``LogRecord``) in its own folder.
///
/// The log is the only copy of the data. Opening replays it into an in-memory index (id →
/// where its vectors sit in the file) and cuts off a torn tail, but refuses to open a log damaged
/// in the middle (``LogScan`` gives the rule) and leaves it as it is; search reads the vectors through
/// a memory map of the log. Writers are serialised by a lock; search takes a snapshot view under
/// the lock and scores outside it.
final class LocalCollection: @unchecked Sendable {
    struct Entry {
        var sequence: Int
        var metadata: [String: String]
        var pooled: [Float]?
        /// File offsets of the attachment, read from the map on `get`.
        var attachment: Range<Int>?
        var slot: DocumentSlot
    }

    let spec: CollectionSpec
    let folder: String
    var logPath: String { folder + "/log" }
    private let lock = NSLock()
    private var descriptor: Int32
    private var end = 0
    private var entries: [String: Entry] = [:]
    private var sequence = 0
    private var deadBytes = 0
    private var map: MappedFile?
    private var cachedSnapshot: CollectionSnapshot?
    /// Counts compactions, which renumber ``Entry/sequence``: an index keyed by sequences is
    /// rebuilt when it changes.
    private var generation = 0
    /// Indexed search's candidates, loaded or built on first use (see ``CentroidIndexCache``).
    let centroidIndex: CentroidIndexCache
    private let faults: WriteFaults
    /// True when a failed append could not be cut back off the log: the file holds bytes past
    /// `end` that must go before anything is appended after them, or they could read back later
    /// as records of a write that was never acknowledged.
    private var strayTail = false

    /// Opens the log (creating an empty one if there is none) and replays it; throws
    /// ``LateInteractionError/damaged(_:)`` for a log damaged in the middle, without changing it.
    init(spec: CollectionSpec, folder: String, faults: WriteFaults = WriteFaults()) throws(LateInteractionError) {
        self.spec = spec
        self.folder = folder
        self.faults = faults
        centroidIndex = CentroidIndexCache(folder: folder)
        descriptor = try FileIO.open(folder + "/log", flags: O_RDWR | O_CREAT)
        do { try replay() } catch {
            close(descriptor)
            throw error
        }
    }

    deinit { close(descriptor) }

    /// Reads every valid record. A torn tail (see ``LogScan``: no valid record after it) is cut
    /// off, so later appends follow good data: only a crash mid-append leaves one, and that append
    /// was never acknowledged. Damage in the middle is refused and the file left byte for byte,
    /// since intact, acknowledged records follow it.
    private func replay() throws(LateInteractionError) {
        let size = try FileIO.size(descriptor, path: logPath)
        let mapped = try MappedFile(descriptor: descriptor, size: size, path: logPath)
        let scan = LogScan(mapped.bytes, dimension: spec.dimension, precision: spec.precision)
        guard scan.damaged.isEmpty else {
            throw .damaged(CollectionDamage(
                collection: spec.name, path: logPath, ranges: scan.damaged,
                reason: "records fail their checksum (or do not fit the collection's settings) and valid records follow, "
                    + "so this is not the torn tail of a crash; \(scan.records.count) intact records"))
        }
        entries = [:]
        deadBytes = 0
        for (offset, record) in scan.records { apply(record, at: offset) }
        let offset = scan.intactEnd
        if offset < size {
            try FileIO.truncate(descriptor, to: offset, path: logPath)
            try FileIO.sync(descriptor, path: logPath)
        }
        end = offset
        map = nil
        cachedSnapshot = nil
    }

    private func apply(_ record: LogRecord.Parsed, at offset: Int) {
        if let old = entries.removeValue(forKey: record.id) {
            deadBytes += spec.precision.encodedSize(count: old.slot.count, dimension: spec.dimension)
        }
        switch record.kind {
        case .upsert, .upsertWithAttachment:
            sequence += 1
            entries[record.id] = Entry(
                sequence: sequence, metadata: record.metadata, pooled: record.pooled, attachment: record.attachment,
                slot: DocumentSlot(offset: record.vectorOffset, count: record.vectorCount))
        case .delete:
            deadBytes += record.end - offset
        }
    }

    /// Validates, applies the collection's pooling/truncation, encodes, appends in one write and
    /// fsyncs before returning.
    func put(_ documents: [StoredDocument]) throws(LateInteractionError) {
        let prepared = try spec.preparedForUpsert(documents)
        lock.lock()
        defer { lock.unlock() }
        var bytes: [UInt8] = []
        var encoded: [UInt8] = []
        let fileOffset = end
        for (document, vectors) in prepared {
            encoded.removeAll(keepingCapacity: true)
            VectorCodec.encode(vectors, as: spec.precision, into: &encoded)
            encoded.withUnsafeBytes { encodedVectors in
                let append = { (attachment: UnsafeRawBufferPointer?) in
                    LogRecord.appendUpsert(
                        id: document.id, metadata: document.metadata, pooled: document.pooled, vectorCount: vectors.count,
                        attachment: attachment, encodedVectors: encodedVectors, fileOffset: fileOffset, to: &bytes)
                }
                if let attachment = document.attachment { attachment.withUnsafeBytes { append($0) } } else { append(nil) }
            }
        }
        try append(bytes)
    }

    /// Appends delete records for the ids that exist; returns their number.
    func delete(_ ids: [String]) throws(LateInteractionError) -> Int {
        lock.lock()
        defer { lock.unlock() }
        var bytes: [UInt8] = []
        var count = 0
        for id in Set(ids) where entries[id] != nil {
            LogRecord.appendDelete(id: id, to: &bytes)
            count += 1
        }
        if count > 0 { try append(bytes) }
        return count
    }

    /// Writes, fsyncs, then applies the new records to the index by parsing them back from the
    /// file, so the in-memory state is exactly what a replay would build. A failed write or fsync
    /// is cut back off the log (and, if even that fails, is a torn tail the next open drops,
    /// since nothing valid follows it), so it is never acknowledged nor mistaken for damage; a
    /// full disk is reported as ``LateInteractionError/diskFull(collection:path:operation:errno:)``.
    private func append(_ bytes: [UInt8]) throws(LateInteractionError) {
        let start = end
        if strayTail {
            do {
                try FileIO.truncate(descriptor, to: start, path: logPath)
                try FileIO.sync(descriptor, path: logPath)
            } catch { throw error.namingFullDisk(collection: spec.name) }
            strayTail = false
        }
        do {
            try faults.write(descriptor, bytes, at: start, path: logPath)
            try faults.sync(descriptor, path: logPath)
        } catch {
            // Leave no partial record behind for the next append to follow.
            do {
                try FileIO.truncate(descriptor, to: start, path: logPath)
                try FileIO.sync(descriptor, path: logPath)
            } catch { strayTail = true }
            throw error.namingFullDisk(collection: spec.name)
        }
        end = start + bytes.count
        // Parse the buffer as it now sits in the file (offsets shifted by `start`).
        let records: [LogRecord.Parsed]? = bytes.withUnsafeBytes { raw in
            var parsed: [LogRecord.Parsed] = []
            var offset = 0
            while offset < raw.count {
                guard let record = LogRecord.parse(raw, at: offset, dimension: spec.dimension, precision: spec.precision, shift: start)
                else { return nil }
                parsed.append(record)
                offset = record.end
            }
            return parsed
        }
        guard let records else { throw .corrupt(path: logPath, reason: "record just written does not read back") }
        var offset = start
        for var record in records {
            record.vectorOffset += start
            record.end += start
            record.attachment = record.attachment.map { $0.lowerBound + start ..< $0.upperBound + start }
            apply(record, at: offset)
            offset = record.end
        }
        cachedSnapshot = nil
    }

    /// Live documents in insertion order (stable ids → positions for a search), mapped.
    func view() throws(LateInteractionError) -> (ids: [String], documents: EncodedDocuments) {
        let snapshot = try self.snapshot()
        return (snapshot.ids, snapshot.documents)
    }

    /// Live documents with their metadata and pooled vectors, as one search scores them.
    func snapshot() throws(LateInteractionError) -> CollectionSnapshot {
        lock.lock()
        defer { lock.unlock() }
        return try snapshotLocked()
    }

    /// Built once per change of the log and shared by every search until the next change.
    private func snapshotLocked() throws(LateInteractionError) -> CollectionSnapshot {
        if let cachedSnapshot { return cachedSnapshot }
        if map == nil || map!.size < end { map = try MappedFile(descriptor: descriptor, size: end, path: logPath) }
        let live = entries.sorted { $0.value.sequence < $1.value.sequence }
        let mapped = map!
        let documents = EncodedDocuments(
            base: mapped.base ?? UnsafeRawPointer(bitPattern: 64)!, slots: live.map(\.value.slot),
            dimension: spec.dimension, precision: spec.precision, owner: mapped)
        let dimension = spec.dimension
        // No pooled rows at all when no document has one: a million documents of token vectors
        // only would otherwise keep half a gigabyte of zeros per snapshot.
        let anyPooled = live.contains { $0.value.pooled != nil }
        var pooled = [Float](repeating: 0, count: anyPooled ? live.count * dimension : 0)
        var norms = [Float](repeating: 0, count: live.count)
        var hasPooled = [Bool](repeating: false, count: live.count)
        for (position, entry) in live.enumerated() {
            guard let vector = entry.value.pooled, vector.count == dimension else { continue }
            pooled.replaceSubrange(position * dimension ..< (position + 1) * dimension, with: vector)
            norms[position] = Float(vector.withUnsafeBufferPointer { VectorMath.dot($0.baseAddress!, $0.baseAddress!, count: dimension) }.squareRoot())
            hasPooled[position] = true
        }
        let snapshot = CollectionSnapshot(
            ids: live.map(\.key), documents: documents, metadata: live.map(\.value.metadata), pooled: pooled, pooledNorms: norms,
            hasPooled: hasPooled, sequences: live.map(\.value.sequence), generation: generation, logLength: end)
        cachedSnapshot = snapshot
        return snapshot
    }

    func entry(_ id: String) -> Entry? {
        lock.lock()
        defer { lock.unlock() }
        return entries[id]
    }

    var liveCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return entries.count
    }

    /// Rewrites the live records into a new log and renames it over the old one (atomic), which
    /// reclaims deleted and replaced records. A crash before the rename leaves the old log whole.
    func compact() throws(LateInteractionError) {
        lock.lock()
        defer { lock.unlock() }
        let snapshot = try snapshotLocked()
        let (ids, documents) = (snapshot.ids, snapshot.documents)
        let temporary = folder + "/log.compact"
        var bytes: [UInt8] = []
        for (index, id) in ids.enumerated() {
            guard let entry = entries[id] else { continue }
            let slot = documents.slots[index]
            let size = spec.precision.encodedSize(count: slot.count, dimension: spec.dimension)
            LogRecord.appendUpsert(
                id: id, metadata: entry.metadata, pooled: entry.pooled, vectorCount: slot.count,
                attachment: entry.attachment.map { UnsafeRawBufferPointer(start: documents.base + $0.lowerBound, count: $0.count) },
                encodedVectors: UnsafeRawBufferPointer(start: documents.base + slot.offset, count: size), fileOffset: 0, to: &bytes)
        }
        // On failure only the scratch file this call created goes; the log is untouched.
        do { try FileIO.writeScratch(bytes, to: temporary) } catch { throw error.namingFullDisk(collection: spec.name) }
        // The index names documents by their place in this log, which the rename renumbers: its
        // file goes first, so no crash can leave it beside the new log (its log state would not
        // match anyway; this only spares the check).
        centroidIndex.invalidate()
        try FileIO.rename(temporary, logPath)
        try FileIO.syncDirectory(folder)
        close(descriptor)
        descriptor = try FileIO.open(logPath, flags: O_RDWR)
        sequence = 0
        generation += 1
        try replay()
    }

    /// Bytes of the log taken by deleted or replaced records.
    var reclaimableBytes: Int {
        lock.lock()
        defer { lock.unlock() }
        return deadBytes
    }
}
