import EmbeddingClient
import EmbeddingTesting
import Foundation
import LateInteraction
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The server's durability promise end to end: a real `multiembed serve` process takes
/// concurrent upserts from a client and is killed with SIGKILL at a random moment; restarted on
/// the same data directory, it still has every document whose upsert was acknowledged, intact
/// (same vectors, same metadata), and takes writes again.
@Suite("multiembed serve survives kill -9", .serialized, .timeLimit(.minutes(3)))
struct ServeKillDurabilityTests {
    static let dimension = 16

    /// The `multiembed` binary built beside the test bundle.
    static var binary: URL {
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("multiembed")
    }

    /// A running `multiembed serve` and the port it printed.
    struct ServerProcess {
        let process: Process
        let port: Int
    }

    /// Starts a server on a free port with the tiny CLIP (quick to load) and waits for its
    /// "listening on HOST:PORT" line.
    static func startServer(dataDirectory: String) throws -> ServerProcess {
        let process = Process()
        process.executableURL = binary
        process.arguments = [
            "serve", "--model", Fixtures.url("tiny-clip").path, "--port", "0", "--data-dir", dataDirectory, "--log-level", "warning",
        ]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        var text = ""
        let handle = errors.fileHandleForReading
        while true {
            let chunk = handle.availableData
            if chunk.isEmpty { throw ServeError.noPort(text) }
            text += String(decoding: chunk, as: UTF8.self)
            if let line = text.split(separator: "\n").first(where: { $0.hasPrefix("listening on ") }),
               let port = line.split(separator: ":").last.flatMap({ Int($0) }) {
                // Keep draining stderr so the server never blocks on a full pipe.
                handle.readabilityHandler = { _ = $0.availableData }
                return ServerProcess(process: process, port: port)
            }
        }
    }

    /// Ids whose upsert returned OK, shared by the writer tasks.
    final class Acknowledged: Sendable {
        let ids = Mutex<[String]>([])
    }

    enum ServeError: Error {
        case noPort(String)
    }

    /// Document `id`'s vectors: derived from the id, so any reader can check them.
    static func vectors(_ id: String) -> [[Float]] {
        let multi = SyntheticDocuments.vectors(id: id, dimension: dimension, maxVectors: 6)
        return (0..<multi.count).map(multi.row)
    }

    @Test("every acknowledged upsert is present and intact after kill -9 and a restart")
    func acknowledgedUpsertsSurvive() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("multiembed-serve-kill-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var generator = SeededGenerator(state: 17)
        var acknowledged: [String] = []
        for run in 0..<4 {
            let server = try Self.startServer(dataDirectory: directory)
            let client = EmbeddingClient(host: "127.0.0.1", port: server.port, timeout: .seconds(20))
            // Everything acknowledged so far, in earlier runs, survived the kills.
            if run > 0 {
                try await Self.expectIntact(acknowledged, client: client, run: run)
            } else {
                var settings = CollectionSettings()
                settings.vectorsOnly = true
                settings.dimension = Self.dimension
                _ = try await client.createCollection("stream", settings: settings)
            }
            // Four writers stream batches of 1-3 documents until the server dies under them.
            let acks = Acknowledged()
            let delay = Int.random(in: 150...600, using: &generator)
            let writers = Task {
                await withTaskGroup(of: Void.self) { group in
                    for writer in 0..<4 {
                        group.addTask {
                            var sequence = 0
                            while !Task.isCancelled {
                                let ids = (0..<(1 + (sequence + writer) % 3)).map { "r\(run)-w\(writer)-\(sequence)-\($0)" }
                                sequence += 1
                                do {
                                    _ = try await client.upsert(
                                        ids.map { CollectionDocument(id: $0, vectors: Self.vectors($0), metadata: ["id": $0]) }, into: "stream")
                                    acks.ids.withLock { $0 += ids }
                                } catch {
                                    return  // the server is gone
                                }
                            }
                        }
                    }
                }
            }
            // The kill comes `delay` after the first acknowledgement, not after the start: on a
            // loaded machine (the whole suite in parallel) the first upsert can take longer
            // than the delay itself.
            let waitEnd = ContinuousClock.now + .seconds(60)
            while acks.ids.withLock({ $0.isEmpty }), ContinuousClock.now < waitEnd {
                try await Task.sleep(for: .milliseconds(5))
            }
            try await Task.sleep(for: .milliseconds(delay))
            kill(server.process.processIdentifier, SIGKILL)
            server.process.waitUntilExit()
            #expect(server.process.terminationReason == .uncaughtSignal)
            await writers.value
            try? await client.shutdown()
            let written = acks.ids.withLock { $0 }
            #expect(!written.isEmpty, "run \(run): no upsert was acknowledged in 60 s")
            acknowledged += written
        }
        // A last restart: everything is there, and the server takes writes again.
        let server = try Self.startServer(dataDirectory: directory)
        defer {
            server.process.terminate()
            server.process.waitUntilExit()
        }
        let client = EmbeddingClient(host: "127.0.0.1", port: server.port, timeout: .seconds(20))
        try await Self.expectIntact(acknowledged, client: client, run: 4)
        _ = try await client.upsert([CollectionDocument(id: "probe", vectors: Self.vectors("probe"))], into: "stream")
        #expect(try await client.get(ids: ["probe"], from: "stream").count == 1)
        try await client.shutdown()
    }

    /// Every id of `ids` is in the collection with the vectors and metadata it was written with.
    static func expectIntact(_ ids: [String], client: EmbeddingClient, run: Int) async throws {
        let limit = 1024
        for start in stride(from: 0, to: ids.count, by: limit) {
            let chunk = Array(ids[start..<min(start + limit, ids.count)])
            let found = try await client.get(ids: chunk, from: "stream", includeVectors: true)
            #expect(found.map(\.id) == chunk, "run \(run): acknowledged ids are missing after kill -9")
            for document in found {
                let expected = try MultiVector(rows: vectors(document.id)).l2Normalized(context: document.id)
                #expect(document.vectors?.flatMap { $0 } == expected.values, "\(document.id) is not what was written")
                #expect(document.metadata == ["id": document.id])
            }
        }
    }
}
