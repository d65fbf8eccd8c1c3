@testable import EmbeddingServer
import EmbeddingTesting
import Foundation
import LateInteraction
import Testing
import WireProtocol

#if canImport(Glibc)
import Glibc
#endif

extension ServerTests {
/// A collection damaged on disk while the server was stopped: the server starts, reports it
/// (DATA_LOSS naming the collection, file and offset, and in the list), refuses it without
/// touching its files, and serves every other collection.
@Suite("Damaged collections over the wire")
struct ServerCollectionDamageTests {
    /// Collections "raw" (five documents, one record each) and "fine", written by a server that
    /// then stopped; returns where each record of raw/log starts.
    func populate(_ directory: TemporaryDataDirectory) async throws -> [Int] {
        let log = directory.path + "/raw/log"
        return try await withCollectionServer(dataDirectory: directory) { connection in
            _ = try await connection.ok(CollectionRequest.vectorsOnly("raw", dimension: 8))
            _ = try await connection.ok(CollectionRequest.vectorsOnly("fine", dimension: 8))
            _ = try await connection.ok(CollectionRequest.upsert("fine", [("f", vectorSource(randomRows(2, 8, seed: 50)))]))
            var starts: [Int] = []
            for index in 0..<5 {
                starts.append(FileManager.default.fileExists(atPath: log) ? try Data(contentsOf: URL(fileURLWithPath: log)).count : 0)
                _ = try await connection.ok(CollectionRequest.upsert("raw", [("d\(index)", vectorSource(randomRows(3, 8, seed: UInt64(index))))]))
            }
            return starts
        }
    }

    @Test("a flipped bit in the middle of a log: DATA_LOSS with the offset, the log kept, other collections served")
    func flippedBitInTheMiddle() async throws {
        let directory = TemporaryDataDirectory()
        defer { directory.cleanup() }
        let starts = try await populate(directory)
        let logURL = URL(fileURLWithPath: directory.path + "/raw/log")
        var log = try Data(contentsOf: logURL)
        log[starts[2] + 24] ^= 0x10
        try log.write(to: logURL)
        try await withCollectionServer(dataDirectory: directory) { connection in
            let query = vectorSource(randomRows(2, 8, seed: 7))
            for request in [
                CollectionRequest.search("raw", query), CollectionRequest.get("raw", ["d0"]),
                CollectionRequest.upsert("raw", [("new", vectorSource(randomRows(1, 8, seed: 8)))]),
                CollectionRequest.delete("raw", ["d1"]), CollectionRequest.drop("raw"),
            ] {
                let answer = try await connection.answer(request)
                #expect(answer.status.code == .dataLoss, "\(answer.status)")
                #expect(answer.status.message.contains("collection 'raw'"), "\(answer.status.message)")
                #expect(answer.status.message.contains(logURL.path) && answer.status.message.contains("offset \(starts[2])"),
                        "\(answer.status.message)")
            }
            let created = try await connection.answer(CollectionRequest.vectorsOnly("raw", dimension: 8))
            #expect(created.status.code == .alreadyExists && created.status.message.contains("damaged"), "\(created.status)")

            // Listed, with a DATA_LOSS InputError at its position.
            let listed = try await connection.ok(CollectionRequest.list())
            #expect(listed.listCollections.collections.map(\.name) == ["fine", "raw"])
            #expect(listed.status.inputErrors.count == 1)
            #expect(listed.status.inputErrors.first?.index == 1)
            #expect(listed.status.inputErrors.first?.code == .dataLoss)
            #expect(listed.status.inputErrors.first?.message.contains("offset \(starts[2])") == true)

            // The other collection is served and written.
            let hits = try await connection.ok(CollectionRequest.search("fine", query)).search.hits
            #expect(hits.map(\.id) == ["f"])
            _ = try await connection.ok(CollectionRequest.upsert("fine", [("g", vectorSource(randomRows(1, 8, seed: 9)))]))
        }
        #expect(try Data(contentsOf: logURL) == log)
    }

    @Test("a damaged collection.json: listed as damaged, DATA_LOSS, create refused, files untouched")
    func damagedSettings() async throws {
        let directory = TemporaryDataDirectory()
        defer { directory.cleanup() }
        _ = try await populate(directory)
        let settingsURL = URL(fileURLWithPath: directory.path + "/raw/collection.json")
        let logURL = URL(fileURLWithPath: directory.path + "/raw/log")
        let settings = Data("{\"name\": \"raw\", \"dimen".utf8)
        try settings.write(to: settingsURL)
        let log = try Data(contentsOf: logURL)
        try await withCollectionServer(dataDirectory: directory) { connection in
            let search = try await connection.answer(CollectionRequest.search("raw", vectorSource(randomRows(1, 8, seed: 1))))
            #expect(search.status.code == .dataLoss && search.status.message.contains(settingsURL.path), "\(search.status)")
            let listed = try await connection.ok(CollectionRequest.list())
            #expect(listed.listCollections.collections.map(\.name) == ["fine", "raw"])
            #expect(listed.status.inputErrors.map(\.code) == [.dataLoss])
            for dimension in [8, 4] {
                let created = try await connection.answer(CollectionRequest.vectorsOnly("raw", dimension: dimension))
                #expect(created.status.code == .alreadyExists && created.status.message.contains("damaged"), "\(created.status)")
            }
        }
        #expect(try Data(contentsOf: settingsURL) == settings)
        #expect(try Data(contentsOf: logURL) == log)
    }

    @Test("a full disk (ENOSPC, EDQUOT) from any store call is RESOURCE_EXHAUSTED, not INTERNAL")
    func fullDiskErrnoIsResourceExhausted() {
        #expect(ServerError(LateInteractionError.io(path: "/d/c/log", operation: "write", errno: ENOSPC)).code == .resourceExhausted)
        #expect(ServerError(LateInteractionError.io(path: "/d/c/log", operation: "fsync", errno: EDQUOT)).code == .resourceExhausted)
        #expect(ServerError(LateInteractionError.io(path: "/d/c/log", operation: "write", errno: EIO)).code == .internal)
    }
}
}
