import EmbeddingTesting
import Foundation
import Testing
@testable import LateInteraction

#if canImport(Glibc)
import Glibc
#endif

/// `verify` and `repair` (the salvage of `multiembed index verify/repair`), the damage report of
/// ``LocalVectorStore/damagedCollections()``, and a full disk.
@Suite struct SalvageTests {
    @Test func damagedCollectionsListsLogAndSettingsDamage() throws {
        let fixture = try DamagedLog(count: 6)
        try fixture.flipBit(inRecord: 3)
        try FileManager.default.createDirectory(atPath: fixture.directory + "/broken", withIntermediateDirectories: true)
        try Data("{not json".utf8).write(to: URL(fileURLWithPath: fixture.directory + "/broken/collection.json"))
        let store = try LocalVectorStore(directory: fixture.directory)
        let damage = try store.damagedCollections()
        #expect(damage.map(\.collection) == ["broken", "pages"])
        #expect(damage[1].path == fixture.logPath)
        #expect(damage[1].ranges.map(\.offset) == [fixture.recordStarts[3]])
        #expect(damage[1].ranges[0].length == fixture.recordStarts[4] - fixture.recordStarts[3])
        #expect(damage[1].ranges[0].recordsLost == 1)
        #expect(throws: LateInteractionError.damaged(damage[1])) { try store.get(["doc0"], from: "pages") }
        #expect(throws: LateInteractionError.damagedCollectionExists(damage[1])) { try store.create(DamagedLog.spec) }
    }

    @Test func verifyReportsEveryDamagedRangeAndChangesNothing() throws {
        let fixture = try DamagedLog(count: 12)
        try fixture.flipBit(inRecord: 2)
        // Two adjacent records, one damaged range.
        try fixture.flipBit(inRecord: 7)
        let damaged = try fixture.flipBit(inRecord: 8)
        let store = try LocalVectorStore(directory: fixture.directory)
        let report = try store.verify("pages")
        #expect(report.isDamaged)
        #expect(report.intactRecords == 9)
        #expect(report.damagedRanges == [
            DamagedRange(offset: fixture.recordStarts[2], length: fixture.recordStarts[3] - fixture.recordStarts[2], recordsLost: 1),
            DamagedRange(offset: fixture.recordStarts[7], length: fixture.recordStarts[9] - fixture.recordStarts[7], recordsLost: 2),
        ])
        #expect(report.tornTailBytes == 0 && report.logSize == fixture.size)
        #expect(try fixture.bytes(fixture.logPath) == damaged)
        #expect(try !store.verify("other").isDamaged)
    }

    /// Repair keeps every intact record, including those after the damage, and the damaged
    /// original beside the new log; the collection then serves and takes writes.
    @Test(arguments: [StoragePrecision.float32, .int8, .binary])
    func repairKeepsEveryIntactRecord(_ precision: StoragePrecision) throws {
        let fixture = try DamagedLog(count: 40, precision: precision)
        let reference: [StoredDocument]
        do {
            let store = try LocalVectorStore(directory: fixture.directory)
            reference = try store.get(fixture.documents.map(\.id), from: "pages")
            // A delete after the damage must still apply after repair.
            #expect(try store.delete(["doc30"], from: "pages") == 1)
        }
        let damaged = try fixture.flipBit(inRecord: 10, at: 40)
        let expected = reference.filter { $0.id != "doc10" && $0.id != "doc30" }
        do {
            let store = try LocalVectorStore(directory: fixture.directory)
            let repair = try store.repair("pages")
            #expect(repair.recordsKept == 40)  // 39 upserts and the delete
            #expect(repair.backups.count == 1)
            let backup = try #require(repair.backups.first)
            #expect(backup.hasPrefix(fixture.directory + "/pages/log.damaged-"))
            #expect(try fixture.bytes(backup) == damaged)
            #expect(try store.documentCount(in: "pages") == 38)
            #expect(try store.get(fixture.documents.map(\.id), from: "pages") == expected)
            #expect(try !store.verify("pages").isDamaged)
            try store.put(LocalVectorStoreTests.documents(1, seed: 21, prefix: "after"), into: "pages")
        }
        // And it all reads back after a reopen.
        let reopened = try LocalVectorStore(directory: fixture.directory)
        #expect(try reopened.documentCount(in: "pages") == 39)
        #expect(try reopened.get(fixture.documents.map(\.id), from: "pages") == expected)
    }

    @Test func repairRebuildsDamagedSettingsFromTheGivenOnesAndKeepsTheOriginal() throws {
        let fixture = try DamagedLog(count: 5)
        try Data("garbage".utf8).write(to: URL(fileURLWithPath: fixture.settingsPath))
        let store = try LocalVectorStore(directory: fixture.directory)
        #expect(try store.verify("pages").settings == nil)
        #expect(throws: LateInteractionError.self) { try store.repair("pages") }  // settings needed
        #expect(try fixture.bytes(fixture.settingsPath) == Data("garbage".utf8))
        let repair = try store.repair("pages", settings: DamagedLog.spec)
        #expect(repair.backups.count == 1)
        #expect(try fixture.bytes(repair.backups[0]) == Data("garbage".utf8))
        #expect(try store.documentCount(in: "pages") == 5)
        #expect(try store.list().map(\.name) == ["other", "pages"])
    }

    /// Wrong settings given for a damaged collection.json would make every record look damaged:
    /// repair refuses rather than write an empty log.
    @Test func repairWithSettingsThatDoNotFitTheLogChangesNothing() throws {
        let fixture = try DamagedLog(count: 5)
        try Data("garbage".utf8).write(to: URL(fileURLWithPath: fixture.settingsPath))
        let log = try fixture.bytes(fixture.logPath)
        let store = try LocalVectorStore(directory: fixture.directory)
        let wrong = CollectionSpec(name: "pages", dimension: LocalVectorStoreTests.dimension, precision: .float16)
        #expect(try store.verify("pages", settings: wrong).misfitRecords == 5)
        #expect(throws: LateInteractionError.self) { try store.repair("pages", settings: wrong) }
        #expect(try fixture.bytes(fixture.logPath) == log)
        #expect(try fixture.bytes(fixture.settingsPath) == Data("garbage".utf8))
        #expect(try FileManager.default.contentsOfDirectory(atPath: fixture.directory + "/pages").sorted() == ["collection.json", "log"])
    }

    /// A full disk (ENOSPC, EDQUOT) on write or fsync: a clear error naming the collection, the
    /// write not acknowledged and not in the log, and the log open cleanly afterwards.
    @Test(arguments: [(ENOSPC, true), (EDQUOT, true), (ENOSPC, false)])
    func fullDiskIsReportedAndLeavesTheLogRecoverable(_ code: Int32, _ duringWrite: Bool) throws {
        let temporary = try TemporaryDirectory()
        let path = temporary.url.path
        let faults = WriteFaults(
            write: { path, count in duringWrite && path.hasSuffix("/full/log") && count > 1000 ? (count / 2, code) : nil },
            sync: { path in !duringWrite && path.hasSuffix("/full/log") ? code : nil })
        do {
            let store = try LocalVectorStore(directory: path, faults: faults)
            try store.create(CollectionSpec(name: "full", dimension: LocalVectorStoreTests.dimension))
            let small = LocalVectorStoreTests.documents(1, seed: 1, prefix: "small")
            if duringWrite { try store.put(small, into: "full") }
            let sizeBefore = try DamagedLog.fileSize(path + "/full/log")
            let big = LocalVectorStoreTests.documents(60, seed: 2)
            do {
                try store.put(big, into: "full")
                Issue.record("the write was acknowledged")
            } catch let error {
                guard case let .diskFull(collection, file, _, errno) = error else {
                    Issue.record("\(error)")
                    return
                }
                #expect(collection == "full" && file == path + "/full/log" && errno == code)
                #expect(error.description.contains("the disk is full") && error.description.contains("collection 'full'"))
            }
            #expect(try DamagedLog.fileSize(path + "/full/log") == sizeBefore)
            #expect(try store.get(big.map(\.id), from: "full").isEmpty)
        }
        let store = try LocalVectorStore(directory: path)
        #expect(try store.damagedCollections().isEmpty)
        #expect(try store.documentCount(in: "full") == (duringWrite ? 1 : 0))
        try store.put(LocalVectorStoreTests.documents(2, seed: 3, prefix: "later"), into: "full")
        #expect(try store.documentCount(in: "full") == (duringWrite ? 3 : 2))
    }

    /// When the failed append cannot even be cut back (the process dies first), what is left
    /// is a torn tail: dropped at the next open, not reported as damage.
    @Test func aPartialAppendLeftBehindIsATornTailNotDamage() throws {
        let fixture = try DamagedLog(count: 5)
        var log = try fixture.bytes(fixture.logPath)
        var extra: [UInt8] = []
        let document = LocalVectorStoreTests.documents(1, seed: 30, prefix: "partial")[0]
        var encoded: [UInt8] = []
        VectorCodec.encode(document.vectors, as: .float32, into: &encoded)
        encoded.withUnsafeBytes {
            LogRecord.appendUpsert(
                id: document.id, metadata: [:], pooled: nil, vectorCount: document.vectors.count, encodedVectors: $0,
                fileOffset: log.count, to: &extra)
        }
        log.append(contentsOf: extra.prefix(extra.count - 5))
        try log.write(to: URL(fileURLWithPath: fixture.logPath))
        let store = try LocalVectorStore(directory: fixture.directory)
        #expect(try store.damagedCollections().isEmpty)
        #expect(try store.documentCount(in: "pages") == 5)
        #expect(try DamagedLog.fileSize(fixture.logPath) == fixture.size)
    }
}
