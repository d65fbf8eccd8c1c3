import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What ``LocalVectorStore/verify(_:settings:)`` found in one collection; nothing was changed.
public struct CollectionVerification: Sendable {
    public var collection: String
    /// The settings the log was read with (from `collection.json`, or given when it is damaged);
    /// nil when it is damaged and none were given, and the log could not be read.
    public var settings: CollectionSpec?
    /// Damage to `collection.json`, if any.
    public var settingsDamage: CollectionDamage?
    public var logPath: String
    public var logSize: Int
    /// Records that read back whole (every record, including replaced and deleted ones).
    public var intactRecords: Int
    /// Damage in the middle of the log (``LogScan`` gives the rule).
    public var damagedRanges: [DamagedRange]
    /// Records with a valid checksum that do not fit the settings (dimension, precision): the
    /// settings, not the records, are likely wrong; ``LocalVectorStore/repair(_:settings:)``
    /// refuses to drop them.
    public var misfitRecords = 0
    /// Bytes of a torn tail: an unacknowledged last append, which opening drops (not damage).
    public var tornTailBytes: Int

    public var isDamaged: Bool { settingsDamage != nil || !damagedRanges.isEmpty }
}

/// What ``LocalVectorStore/repair(_:settings:)`` did.
public struct CollectionRepair: Sendable {
    public var verification: CollectionVerification
    /// Intact records written to the repaired log (every one the damaged log held).
    public var recordsKept: Int
    /// Where the damaged originals were kept, byte for byte (`log.damaged-<time>`,
    /// `collection.json.damaged-<time>`); empty when nothing needed repair.
    public var backups: [String]
}

/// Salvage: find every damaged range of a collection, and rebuild it keeping every intact record.
extension LocalVectorStore {
    /// Reads collection `name`'s files and reports every damaged range, changing nothing (not even
    /// a torn tail). `settings` reads the log when `collection.json` is damaged.
    public func verify(_ name: String, settings: CollectionSpec? = nil) throws(LateInteractionError) -> CollectionVerification {
        try Self.checkName(name)
        lock.lock()
        defer { lock.unlock() }
        return try verifyLocked(name, settings: settings).verification
    }

    /// Rebuilds a damaged collection keeping every intact record, including those after the
    /// damage (found at the next valid record boundary), in their order, so the collection's
    /// state is what it was except for the records inside damaged ranges.
    ///
    /// The repaired log is written to `log.repair` and fsynced; the damaged log is kept as a hard
    /// link `log.damaged-<time>`; only then is `log.repair` renamed over `log` (atomic: `log` is
    /// at every moment either the original or the repaired file) and the folder fsynced. A damaged
    /// `collection.json` is kept the same way and rewritten from `settings`, which must then be
    /// given (its dimension and precision are what the log is read with).
    public func repair(_ name: String, settings: CollectionSpec? = nil) throws(LateInteractionError) -> CollectionRepair {
        try Self.checkName(name)
        lock.lock()
        defer { lock.unlock() }
        open[name] = nil
        let (verification, records, mapped) = try verifyLocked(name, settings: settings)
        guard let spec = verification.settings else {
            throw .invalidArgument(
                "collection '\(name)': \(verification.settingsDamage?.description ?? "its settings are unreadable"); "
                    + "give the settings it was created with (dimension, precision, pool factor, max vectors, model) to repair it")
        }
        guard spec.name == name else { throw .invalidArgument("collection '\(name)': the settings given name '\(spec.name)'") }
        guard verification.misfitRecords == 0 else {
            throw .invalidArgument(
                "collection '\(name)': \(verification.misfitRecords) records of \(verification.logPath) are whole (their checksums "
                    + "match) but do not fit dimension \(spec.dimension) / precision \(spec.precision.rawValue): the settings are "
                    + "wrong, not the records; nothing was changed")
        }
        let folder = folder(name)
        let stamp = Self.backupStamp()
        var backups: [String] = []
        if !verification.damagedRanges.isEmpty {
            var bytes: [UInt8] = []
            for (_, record) in records {
                switch record.kind {
                case .delete:
                    LogRecord.appendDelete(id: record.id, to: &bytes)
                case .upsert, .upsertWithAttachment:
                    let size = spec.precision.encodedSize(count: record.vectorCount, dimension: spec.dimension)
                    LogRecord.appendUpsert(
                        id: record.id, metadata: record.metadata, pooled: record.pooled, vectorCount: record.vectorCount,
                        attachment: record.attachment.map { UnsafeRawBufferPointer(start: mapped.base! + $0.lowerBound, count: $0.count) },
                        encodedVectors: UnsafeRawBufferPointer(start: mapped.base! + record.vectorOffset, count: size),
                        fileOffset: 0, to: &bytes)
                }
            }
            // Read the new log back before it replaces anything.
            let check = bytes.withUnsafeBytes { LogScan($0, dimension: spec.dimension, precision: spec.precision) }
            guard check.damaged.isEmpty, check.tornTailBytes == 0, check.records.count == records.count else {
                throw .corrupt(path: folder + "/log.repair", reason: "the repaired log does not read back; nothing was replaced")
            }
            let temporary = folder + "/log.repair"
            do { try FileIO.writeScratch(bytes, to: temporary) } catch { throw error.namingFullDisk(collection: name) }
            let backup = try Self.keep(verification.logPath, as: "log.damaged-\(stamp)", in: folder)
            backups.append(backup)
            try FileIO.syncDirectory(folder)
            try FileIO.rename(temporary, verification.logPath)
            try FileIO.syncDirectory(folder)
        }
        if verification.settingsDamage != nil {
            let settingsPath = folder + "/collection.json"
            if FileManager.default.fileExists(atPath: settingsPath) {
                backups.append(try Self.keep(settingsPath, as: "collection.json.damaged-\(stamp)", in: folder))
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            guard let json = try? encoder.encode(spec) else { throw .invalidArgument("collection '\(name)': settings do not encode") }
            try FileIO.writeAtomically([UInt8](json), to: settingsPath, directory: folder)
        }
        damagedLogs[name] = nil
        _ = try collectionLocked(name)
        return CollectionRepair(verification: verification, recordsKept: records.count, backups: backups)
    }

    /// The verification, the intact records and the map they point into.
    private func verifyLocked(
        _ name: String, settings given: CollectionSpec?
    ) throws(LateInteractionError) -> (verification: CollectionVerification, records: [(offset: Int, record: LogRecord.Parsed)], map: MappedFile) {
        let folder = folder(name)
        var settingsDamage: CollectionDamage?
        var settings = given
        switch inspect(name) {
        case .absent: throw .unknownCollection(name)
        case let .intact(spec):
            if let given, given != spec {
                throw .invalidArgument("collection '\(name)': its collection.json is intact and differs from the settings given")
            }
            settings = spec
        case let .damaged(damage): settingsDamage = damage
        }
        let logPath = folder + "/log"
        var verification = CollectionVerification(
            collection: name, settings: settings, settingsDamage: settingsDamage, logPath: logPath, logSize: 0, intactRecords: 0,
            damagedRanges: [], tornTailBytes: 0)
        guard FileManager.default.fileExists(atPath: logPath) else {
            return (verification, [], try MappedFile(descriptor: -1, size: 0, path: logPath))
        }
        let descriptor = try FileIO.open(logPath, flags: O_RDONLY)
        defer { close(descriptor) }
        let size = try FileIO.size(descriptor, path: logPath)
        let mapped = try MappedFile(descriptor: descriptor, size: size, path: logPath)
        verification.logSize = size
        guard let spec = settings else { return (verification, [], mapped) }
        let scan = LogScan(mapped.bytes, dimension: spec.dimension, precision: spec.precision)
        verification.intactRecords = scan.records.count
        verification.damagedRanges = scan.damaged
        verification.tornTailBytes = scan.tornTailBytes
        verification.misfitRecords = scan.misfits
        return (verification, scan.records, mapped)
    }

    /// Keeps `path` byte for byte under a new name beside it (a hard link: no copy, and the
    /// original name is untouched until it is replaced); returns the backup's path.
    private static func keep(_ path: String, as backupName: String, in folder: String) throws(LateInteractionError) -> String {
        var backup = folder + "/" + backupName
        var attempt = 1
        while link(path, backup) != 0 {
            guard errno == EEXIST, attempt < 100 else { throw .io(path: backup, operation: "link from \(path)", errno: errno) }
            attempt += 1
            backup = folder + "/" + backupName + "-\(attempt)"
        }
        return backup
    }

    /// UTC time for backup names, sortable: 20261206T101614Z.
    private static func backupStamp() -> String {
        var now = time(nil)
        var parts = tm()
        gmtime_r(&now, &parts)
        return String(
            format: "%04d%02d%02dT%02d%02d%02dZ", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday),
            Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec))
    }
}
