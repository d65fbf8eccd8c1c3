import EmbeddingTesting
import Foundation
import Testing
import WireProtocol

/// `multiembed serve` under an open-file limit below its connection limit: it says so at
/// start-up and serves fewer connections, so the ones past the cap are answered and closed
/// instead of hanging unaccepted while the accept loop spins on EMFILE.
@Suite("multiembed serve under ulimit -n", .serialized, .timeLimit(.minutes(2)))
struct ServeFileLimitTests {
    @Test func connectionsPastTheFileLimitAreAnsweredAndClosed() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        let binary = ServeKillDurabilityTests.binary.path
        let data = try TemporaryDirectory()
        process.arguments = [
            "-c",
            "ulimit -n 160 && exec \"$0\" serve --model \"$1\" --port 0 --data-dir \"$2\" --max-connections 400",
            binary, Fixtures.url("tiny-clip").path, data.url.path,
        ]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        defer {
            process.terminate()
            process.waitUntilExit()
        }
        var text = ""
        var port: UInt16?
        while port == nil {
            let chunk = errors.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
            if let line = text.split(separator: "\n").first(where: { $0.hasPrefix("listening on ") }) {
                port = line.split(separator: ":").last.flatMap { UInt16($0) }
            }
        }
        errors.fileHandleForReading.readabilityHandler = { _ = $0.availableData }
        let cap = 160 - 64
        #expect(text.contains("serving at most \(cap) connections"), "\(text)")
        let serverPort = try #require(port, "no port in: \(text)")

        var sockets: [LoopbackSocket] = []
        for _ in 0..<cap { sockets.append(try LoopbackSocket(port: Int(serverPort))) }
        // Past the cap, and past the file limit in all (96 + 80 > 160): each answered
        // RESOURCE_EXHAUSTED (id 0) and closed, within seconds, never left unaccepted.
        for _ in 0..<80 {
            let extra = try LoopbackSocket(port: Int(serverPort))
            let frame = try #require(extra.readFrame(), "no answer past the cap")
            let response = try Multiembed_V1_Response(serializedBytes: frame)
            #expect(response.id == 0)
            #expect(response.status.code == .resourceExhausted)
            #expect(extra.isClosedByPeer(), "the connection past the cap stays open")
        }
        #expect(sockets.count == cap)
    }
}
