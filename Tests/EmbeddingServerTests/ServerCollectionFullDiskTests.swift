@testable import EmbeddingServer
import EmbeddingTesting
import Foundation
import LateInteraction
import Synchronization
import Testing
import WireProtocol

#if canImport(Glibc)
import Glibc
#endif

extension ServerTests {
@Suite("A full disk over the wire")
struct ServerCollectionFullDiskTests {
    @Test("ENOSPC on an upsert answers RESOURCE_EXHAUSTED saying the disk is full; nothing is stored")
    func fullDisk() async throws {
        let directory = TemporaryDataDirectory()
        defer { directory.cleanup() }
        let full = Mutex(false)
        let store = try LocalVectorStore(directory: directory.path, faults: WriteFaults(write: { _, count in
            full.withLock { $0 } ? (count / 3, ENOSPC) : nil
        }))
        try await withCollectionServer(dataDirectory: directory, store: store) { connection in
            _ = try await connection.ok(CollectionRequest.vectorsOnly("raw", dimension: 8))
            _ = try await connection.ok(CollectionRequest.upsert("raw", [("a", vectorSource(randomRows(2, 8, seed: 1)))]))
            full.withLock { $0 = true }
            let answer = try await connection.answer(CollectionRequest.upsert("raw", [("b", vectorSource(randomRows(2, 8, seed: 2)))]))
            #expect(answer.status.code == .resourceExhausted, "\(answer.status)")
            #expect(answer.status.message.contains("disk is full") && answer.status.message.contains("collection 'raw'"),
                    "\(answer.status.message)")
            full.withLock { $0 = false }
            let got = try await connection.ok(CollectionRequest.get("raw", ["a", "b"])).get.documents
            #expect(got.map(\.id) == ["a"])
        }
    }

    @Test("the status the contract gives each store error")
    func statusCodes() {
        let damage = CollectionDamage(collection: "c", path: "/d/c/log", ranges: [DamagedRange(offset: 64, length: 10, recordsLost: 1)], reason: "x")
        #expect(ServerError(LateInteractionError.damaged(damage)).code == .dataLoss)
        #expect(ServerError(LateInteractionError.damagedCollectionExists(damage)).code == .alreadyExists)
        #expect(ServerError(LateInteractionError.diskFull(collection: "c", path: "/d/c/log", operation: "write", errno: ENOSPC)).code
            == .resourceExhausted)
    }
}
}
