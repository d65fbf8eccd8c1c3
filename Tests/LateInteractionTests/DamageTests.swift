import EmbeddingTesting
import Foundation
import Testing
@testable import LateInteraction

/// Damage that is not a torn tail must never be cut off or forgotten: the store keeps the
/// files byte for byte and refuses the damaged collection with an error naming the collection,
/// the file and the byte offset, while every other collection goes on.
@Suite struct DamageTests {
    /// The error `body` throws, as text.
    func failure(_ body: () throws -> Void) -> String? {
        do {
            try body()
            return nil
        } catch { return "\(error)" }
    }

    @Test func flippedBitInTheMiddleIsReportedAndTheLogKeptByteForByte() throws {
        let fixture = try DamagedLog()
        let damaged = try fixture.flipBit(inRecord: 10)
        let store = try LocalVectorStore(directory: fixture.directory)
        // Reads and writes are refused (the choice: a lost record may have been a delete or a
        // newer version of a later document), naming collection, file and offset.
        let offset = fixture.recordStarts[10]
        let refusals = [
            failure { _ = try store.get(["doc0"], from: "pages") },
            failure { _ = try store.search(LocalVectorStoreTests.query(seed: 2), in: "pages", topK: 3, filter: nil) },
            failure { try store.put(LocalVectorStoreTests.documents(1, seed: 9, prefix: "new"), into: "pages") },
            failure { _ = try store.delete(["doc1"], from: "pages") },
            failure { _ = try store.documentCount(in: "pages") },
            failure { try store.compact("pages") },
            failure { try store.drop("pages") },
        ]
        for refusal in refusals {
            let message = try #require(refusal)
            #expect(message.contains("collection 'pages' is damaged"), "\(message)")
            #expect(message.contains(fixture.logPath) && message.contains("offset \(offset)"), "\(message)")
        }
        #expect(try fixture.bytes(fixture.logPath) == damaged)
        // The same name cannot be created over it, with the same settings or others.
        let again = failure { try store.create(DamagedLog.spec) }
        #expect(again?.contains("damaged") == true, "\(again ?? "created")")
        #expect(failure { try store.create(CollectionSpec(name: "pages", dimension: 9)) } != nil)
        // The other collection is served and written.
        #expect(try store.get(["o0", "o1", "o2"], from: "other").count == 3)
        try store.put(LocalVectorStoreTests.documents(1, seed: 13, prefix: "more"), into: "other")
        #expect(try fixture.bytes(fixture.logPath) == damaged)
        #expect(try DamagedLog.fileSize(fixture.logPath) == fixture.size)
    }

    @Test func damagedHeaderLengthInTheMiddleIsDamageNotATornTail() throws {
        let fixture = try DamagedLog(count: 6)
        // The length field of record 2 now points past the end of the file.
        let damaged = try fixture.flipBit(inRecord: 2, at: 7)
        let store = try LocalVectorStore(directory: fixture.directory)
        let message = try #require(failure { _ = try store.get(["doc0"], from: "pages") })
        #expect(message.contains("offset \(fixture.recordStarts[2])"), "\(message)")
        #expect(try fixture.bytes(fixture.logPath) == damaged)
    }

    /// The torn tail of a crash is still dropped silently, even just after damage was repaired
    /// away, and a bad last record alone is a torn tail.
    @Test func tornTailAfterIntactRecordsIsStillDroppedSilently() throws {
        let fixture = try DamagedLog(count: 5)
        let full = try fixture.bytes(fixture.logPath)
        try full.prefix(fixture.recordStarts[4] + 30).write(to: URL(fileURLWithPath: fixture.logPath))
        let store = try LocalVectorStore(directory: fixture.directory)
        #expect(try store.documentCount(in: "pages") == 4)
        #expect(try DamagedLog.fileSize(fixture.logPath) == fixture.recordStarts[4])
    }

    @Test func damagedSettingsAreReportedNotForgottenAndNeverOverwritten() throws {
        let fixture = try DamagedLog(count: 8)
        var settings = try fixture.bytes(fixture.settingsPath)
        settings[settings.count / 2] = UInt8(ascii: "}")
        try settings.write(to: URL(fileURLWithPath: fixture.settingsPath))
        let log = try fixture.bytes(fixture.logPath)
        let store = try LocalVectorStore(directory: fixture.directory)
        let read = try #require(failure { _ = try store.get(["doc0"], from: "pages") })
        #expect(read.contains("collection 'pages' is damaged") && read.contains(fixture.settingsPath), "\(read)")
        // Re-creating the name, with the old settings or others, is refused and writes nothing.
        for spec in [DamagedLog.spec, CollectionSpec(name: "pages", dimension: 3)] {
            let message = try #require(failure { try store.create(spec) }, "create \(spec) was accepted")
            #expect(message.contains("damaged"), "\(message)")
        }
        #expect(failure { try store.drop("pages") } != nil)
        #expect(try fixture.bytes(fixture.settingsPath) == settings)
        #expect(try fixture.bytes(fixture.logPath) == log)
        #expect(try store.list().map(\.name) == ["other"])
    }

    /// Settings that decode but do not fit the log (a flipped digit in the dimension) must not
    /// make the whole log look like a torn tail.
    @Test func settingsThatDoNotFitTheLogNeverTruncateIt() throws {
        let fixture = try DamagedLog(count: 8)
        let text = try String(decoding: fixture.bytes(fixture.settingsPath), as: UTF8.self)
        let wrong = text.replacingOccurrences(of: "\"dimension\" : 8", with: "\"dimension\" : 9")
        #expect(wrong != text)
        try Data(wrong.utf8).write(to: URL(fileURLWithPath: fixture.settingsPath))
        let log = try fixture.bytes(fixture.logPath)
        let store = try LocalVectorStore(directory: fixture.directory)
        let message = try #require(failure { _ = try store.documentCount(in: "pages") })
        #expect(message.contains("collection 'pages' is damaged") && message.contains("offset 0"), "\(message)")
        #expect(try fixture.bytes(fixture.logPath) == log)
    }

    @Test func missingSettingsBesideALogAreDamageAndCreateDoesNotTruncateTheLog() throws {
        let fixture = try DamagedLog(count: 8)
        try FileManager.default.removeItem(atPath: fixture.settingsPath)
        let log = try fixture.bytes(fixture.logPath)
        let store = try LocalVectorStore(directory: fixture.directory)
        let message = try #require(failure { try store.create(CollectionSpec(name: "pages", dimension: 5)) }, "create was accepted")
        #expect(message.contains("damaged") && message.contains("collection.json"), "\(message)")
        #expect(failure { _ = try store.get(["doc1"], from: "pages") }?.contains("damaged") == true)
        #expect(try fixture.bytes(fixture.logPath) == log)
        #expect(!FileManager.default.fileExists(atPath: fixture.settingsPath))
    }

    /// The store's other files are scratch or a lock: garbage in them changes nothing, and a
    /// folder left by a create that crashed before its settings holds no data and may be created.
    @Test func damagedScratchFilesAreNeverReadAndAnEmptyCreateLeftoverIsNotACollection() throws {
        let fixture = try DamagedLog(count: 4)
        let garbage = Data(repeating: 0xA5, count: 300)
        for name in ["pages/collection.json.tmp", "pages/log.compact", "pages/log.repair", "LOCK"] {
            try garbage.write(to: URL(fileURLWithPath: fixture.directory + "/" + name))
        }
        try FileManager.default.createDirectory(atPath: fixture.directory + "/half", withIntermediateDirectories: true)
        try garbage.write(to: URL(fileURLWithPath: fixture.directory + "/half/collection.json.tmp"))
        let log = try fixture.bytes(fixture.logPath)
        let store = try LocalVectorStore(directory: fixture.directory)
        #expect(try store.documentCount(in: "pages") == 4)
        #expect(try store.list().map(\.name) == ["other", "pages"])
        #expect(try fixture.bytes(fixture.logPath) == log)
        try store.compact("pages")
        #expect(try store.get(fixture.documents.map(\.id), from: "pages").count == 4)
        try store.create(CollectionSpec(name: "half", dimension: 4))
        #expect(try store.list().map(\.name) == ["half", "other", "pages"])
    }
}
