import EmbeddingTesting
import Foundation
import Testing
@testable import LateInteraction

/// Attachments (a page's text layer): kept with their document through reopening, compaction
/// and salvage, and absent from logs whose documents have none (those stay byte for byte the
/// format of earlier versions).
@Suite struct AttachmentTests {
    static func documents(_ count: Int) -> [StoredDocument] {
        LocalVectorStoreTests.documents(count, seed: 31).enumerated().map { index, document in
            var copy = document
            // Every other document carries bytes of a length that is not a multiple of anything.
            if index % 2 == 0 { copy.attachment = Array("{\"page\": \(index), \"words\": [\"w\(index)\"]}".utf8) + [0, 255, UInt8(index)] }
            return copy
        }
    }

    static func fileSize(_ path: String) throws -> Int { try Data(contentsOf: URL(fileURLWithPath: path)).count }

    @Test func attachmentsSurviveReopeningCompactionAndRepair() throws {
        let temporary = try TemporaryDirectory()
        let documents = Self.documents(12)
        let ids = documents.map(\.id)
        let log = temporary.url.path + "/pages/log"
        var starts: [Int] = []
        do {
            let store = try LocalVectorStore(directory: temporary.url.path)
            try store.create(CollectionSpec(name: "pages", dimension: LocalVectorStoreTests.dimension, precision: .float16))
            for document in documents {
                starts.append(FileManager.default.fileExists(atPath: log) ? try Self.fileSize(log) : 0)
                try store.put([document], into: "pages")
            }
            #expect(try store.get(ids, from: "pages").map(\.attachment) == documents.map(\.attachment))
        }
        do {
            let store = try LocalVectorStore(directory: temporary.url.path)
            #expect(try store.get(ids, from: "pages").map(\.attachment) == documents.map(\.attachment))
            try store.delete(["doc1"], from: "pages")
            try store.compact("pages")
            let kept = documents.filter { $0.id != "doc1" }
            #expect(try store.get(ids, from: "pages").map(\.attachment) == kept.map(\.attachment))
            // Search is unaffected by attachments: the same hits as the documents without them.
            let hits = try store.search(LocalVectorStoreTests.query(seed: 4), in: "pages", topK: 5, filter: nil)
            #expect(hits.count == 5)
        }
        // Damage the record of doc5 in a log of records written one by one, then salvage.
        let fresh = try TemporaryDirectory()
        let freshLog = fresh.url.path + "/pages/log"
        starts = []
        do {
            let store = try LocalVectorStore(directory: fresh.url.path)
            try store.create(CollectionSpec(name: "pages", dimension: LocalVectorStoreTests.dimension))
            for document in documents {
                starts.append(FileManager.default.fileExists(atPath: freshLog) ? try Self.fileSize(freshLog) : 0)
                try store.put([document], into: "pages")
            }
        }
        var bytes = try Data(contentsOf: URL(fileURLWithPath: freshLog))
        bytes[starts[5] + 20] ^= 0x10
        try bytes.write(to: URL(fileURLWithPath: freshLog))
        let store = try LocalVectorStore(directory: fresh.url.path)
        let repair = try store.repair("pages")
        #expect(repair.recordsKept == documents.count - 1)
        let survivors = documents.filter { $0.id != "doc5" }
        #expect(try store.get(ids, from: "pages").map(\.attachment) == survivors.map(\.attachment))
    }

    @Test func documentsWithoutAttachmentsAreWrittenAsBefore() throws {
        let temporary = try TemporaryDirectory()
        let store = try LocalVectorStore(directory: temporary.url.path)
        try store.create(CollectionSpec(name: "plain", dimension: LocalVectorStoreTests.dimension))
        try store.put(LocalVectorStoreTests.documents(3, seed: 2), into: "plain")
        let log = try Data(contentsOf: URL(fileURLWithPath: temporary.url.path + "/plain/log"))
        // Every record header's kind byte (offset 12) is 1, the plain upsert of earlier versions.
        var offset = 0, kinds: [UInt8] = []
        while offset + 16 <= log.count {
            kinds.append(log[offset + 12])
            offset += 16 + Int(log.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self) })
        }
        #expect(kinds == [1, 1, 1])
        #expect(try store.get(["doc0"], from: "plain").first?.attachment == nil)
    }
}
