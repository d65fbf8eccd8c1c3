import EmbeddingTesting
import Foundation
@testable import LateInteraction

/// A data directory holding collection "pages" (and an untouched "other"), written one document
/// per record so that each record's offset is known, then closed, for tests that damage files.
struct DamagedLog {
    let temporary: TemporaryDirectory
    /// Where each record of pages/log starts, and the file's size (the end of the last one).
    let recordStarts: [Int]
    let size: Int
    let documents: [StoredDocument]

    var directory: String { temporary.url.path }
    var logPath: String { directory + "/pages/log" }
    var settingsPath: String { directory + "/pages/collection.json" }
    static let spec = CollectionSpec(name: "pages", dimension: LocalVectorStoreTests.dimension, precision: .float32)

    /// `count` documents doc0... in pages, one put each, and one in "other".
    init(count: Int = 40, precision: StoragePrecision = .float32) throws {
        temporary = try TemporaryDirectory()
        documents = LocalVectorStoreTests.documents(count, seed: 11)
        var starts: [Int] = []
        let store = try LocalVectorStore(directory: temporary.url.path)
        try store.create(CollectionSpec(name: "pages", dimension: LocalVectorStoreTests.dimension, precision: precision))
        try store.create(CollectionSpec(name: "other", dimension: LocalVectorStoreTests.dimension))
        try store.put(LocalVectorStoreTests.documents(3, seed: 12, prefix: "o"), into: "other")
        for document in documents {
            starts.append(try Self.fileSize(temporary.url.path + "/pages/log"))
            try store.put([document], into: "pages")
        }
        recordStarts = starts
        size = try Self.fileSize(temporary.url.path + "/pages/log")
    }

    /// The file's size; 0 when it does not exist (a log is created on the collection's first use).
    static func fileSize(_ path: String) throws -> Int {
        FileManager.default.fileExists(atPath: path) ? try Data(contentsOf: URL(fileURLWithPath: path)).count : 0
    }

    func bytes(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }

    /// Flips one bit inside record `index`'s payload (past its 16-byte header) and returns the
    /// damaged file's bytes.
    @discardableResult
    func flipBit(inRecord index: Int, at byte: Int = 20) throws -> Data {
        var log = try bytes(logPath)
        log[recordStarts[index] + byte] ^= 0x04
        try log.write(to: URL(fileURLWithPath: logPath))
        return log
    }
}
