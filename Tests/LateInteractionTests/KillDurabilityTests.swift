import EmbeddingTesting
import Foundation
import Testing
@testable import LateInteraction

#if canImport(Glibc)
import Glibc
#endif

/// The "done when": a process streaming upserts into a collection is killed with SIGKILL
/// at random moments; afterwards every id it acknowledged is present and bit-equal to what it
/// wrote, nothing in the store is corrupt, and the store takes writes again.
///
/// The writer is the built `multiembed index upsert-stream`, which prints an id only after the
/// `put` holding it returned (after fsync). Each run reopens the same data directory, so every
/// run after the first also checks that the store "starts again" after a kill.
@Suite struct KillDurabilityTests {
    static let dimension = 16

    /// The `multiembed` binary built beside the test bundle.
    static var binary: URL {
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("multiembed")
    }

    /// Starts a writer, kills it after `delay`, and returns the ids it acknowledged (complete
    /// lines only: a line cut by the kill was never fully acknowledged).
    static func killedWriter(dataDirectory: String, prefix: String, batch: Int, precision: String, delayMilliseconds: Int) throws -> [String] {
        let process = Process()
        process.executableURL = binary
        process.arguments = [
            "index", "upsert-stream", "--data-dir", dataDirectory, "--collection", "stream", "--prefix", prefix,
            "--count", "100000", "--batch", "\(batch)", "--dimension", "\(dimension)", "--precision", precision,
        ]
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        Thread.sleep(forTimeInterval: Double(delayMilliseconds) / 1000)
        kill(process.processIdentifier, SIGKILL)
        let printed = out.fileHandleForReading.readDataToEndOfFile()
        let errors = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        // Killed, or it failed on its own: the latter is a test failure with its message.
        #expect(process.terminationReason == .uncaughtSignal, "writer exited by itself: \(errors)")
        let text = String(decoding: printed, as: UTF8.self)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        if !text.hasSuffix("\n"), !lines.isEmpty { lines.removeLast() }
        return lines
    }

    @Test(arguments: ["float32", "int8"])
    func acknowledgedUpsertsSurviveKill9(_ precision: String) throws {
        let temporary = try TemporaryDirectory()
        let path = temporary.url.path
        var generator = SeededGenerator(state: precision == "float32" ? 7 : 8)
        var acknowledged: [String] = []
        for run in 0 ..< 5 {
            let delay = Int.random(in: 60 ... 260, using: &generator)
            let ids = try Self.killedWriter(
                dataDirectory: path, prefix: "r\(run)", batch: 1 + run % 3, precision: precision, delayMilliseconds: delay)
            acknowledged += ids
            // Reopen as the restarted server would: every acknowledged id so far is there, intact.
            let store = try LocalVectorStore(directory: path)
            guard try store.list().contains(where: { $0.name == "stream" }) else {
                #expect(acknowledged.isEmpty, "ids were acknowledged but the collection does not exist")
                continue
            }
            let found = try store.get(acknowledged, from: "stream")
            #expect(found.map(\.id) == acknowledged, "run \(run): acknowledged ids missing after kill -9")
            for document in found { try Self.expectIntact(document, precision: precision) }
            // Nothing else in the store is damaged either (writes completed but not yet printed).
            var scanned = 0
            try store.scanBlocks(of: "stream", documentsPerBlock: 64) { block in
                for index in block.ids.indices {
                    scanned += 1
                    let expected = Self.stored(SyntheticDocuments.vectors(id: block.ids[index], dimension: Self.dimension), precision: precision)
                    #expect(block.documents.vectors(index) == expected, "\(block.ids[index]) is corrupt")
                }
            }
            #expect(scanned >= acknowledged.count)
            // And the store accepts new writes.
            let probe = "probe-\(run)"
            try store.put([StoredDocument(id: probe, vectors: SyntheticDocuments.vectors(id: probe, dimension: Self.dimension))], into: "stream")
            #expect(try store.get([probe], from: "stream").count == 1)
        }
        #expect(acknowledged.count > 0, "no writer got as far as one acknowledged upsert")
    }

    static func expectIntact(_ document: StoredDocument, precision: String) throws {
        let written = SyntheticDocuments.vectors(id: document.id, dimension: dimension)
        #expect(document.vectors == stored(written, precision: precision), "\(document.id) is not what was written")
        #expect(document.metadata == ["n": document.id])
    }

    /// What the store keeps of `vectors` at `precision` (float32: the same bits).
    static func stored(_ vectors: MultiVector, precision: String) -> MultiVector {
        guard let storage = StoragePrecision(rawValue: precision), storage != .float32,
              let corpus = try? EncodedCorpus([vectors], dimension: vectors.dimension, precision: storage)
        else { return vectors }
        return corpus.view.vectors(0)
    }
}
