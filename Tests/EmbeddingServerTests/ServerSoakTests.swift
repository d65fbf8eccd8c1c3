import EmbeddingTesting
import Foundation
import Synchronization
import Testing
import WireProtocol

#if canImport(Glibc)
import Glibc
#endif

extension ServerTests {
/// The hardening issue's attacks, all at once for a few seconds, each from its own loopback
/// address (as separate client hosts would be), beside one well-behaved client: idle
/// connections past the per-address limit, requests pipelined past the in-flight limit, a
/// client that sends large requests and never reads, and PNG decompression bombs. The normal
/// client's every request must be answered, each within a bound (before the fixes, two bombs
/// stalled such a request for 52 s), and the process's memory must not grow past a bound.
@Suite("Soak: attacks beside a normal client", .serialized, .timeLimit(.minutes(2)))
struct ServerSoakTests {
    /// The longest a normal one-text request may take while the attacks run. Unloaded it takes
    /// about 10 ms; under the pipelining attacker's queue of up to 256 texts, about 1 s.
    static let latencyBound: Duration = .seconds(3)
    /// The most the process's resident memory may grow during the attacks.
    static let memoryBoundBytes = 1 << 30
    /// The most it may stay above its baseline once the attacks have stopped.
    static let settledBoundBytes = 256 << 20

    @Test func normalRequestsAreAnsweredWithinTheBoundWhileAttacked() async throws {
        try await withServer(models: [miniLM, tinyClip]) { server, port in
            let normal = try await TestConnection(port: port)
            defer { normal.close() }
            var info = Multiembed_V1_Request()
            info.id = 1
            info.info = .init()
            let imageModel = try #require(try await normal.call(info)).info.models[1].name
            let baseline = Self.residentBytes()
            let stop = Flag()

            var latencies: [Duration] = []
            var peak = 0
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await Self.onThread { try Self.idleConnections(port: port, source: "127.0.0.2", count: 200, until: stop) } }
                group.addTask { try await Self.onThread { try Self.pipeline(port: port, source: "127.0.0.3", count: 300) } }
                group.addTask { try await Self.onThread { try Self.neverRead(port: port, source: "127.0.0.4") } }
                group.addTask { try await Self.onThread { try Self.bombs(port: port, source: "127.0.0.5", model: imageModel, until: stop) } }
                // The normal client, on this task, while the attacks run on the others.
                for id in 100..<140 {
                    try await Task.sleep(for: .milliseconds(150))
                    let start = ContinuousClock.now
                    let answer = try #require(try await normal.call(embedRequest(id: UInt64(id), texts: ["a normal request \(id)"])))
                    latencies.append(ContinuousClock.now - start)
                    #expect(answer.status.code == .ok, "\(answer.status.message)")
                    peak = max(peak, Self.residentBytes())
                }
                stop.set()
                try await group.waitForAll()
            }
            #expect(peak - baseline < Self.memoryBoundBytes, "resident memory grew by \(peak - baseline) bytes")
            // Once the attackers are gone, what they made the server hold is given back: the
            // answers, queues and connections. (glibc keeps some freed memory in its arenas,
            // so "back" means within a bound of the baseline, not to the byte.)
            var settled = Self.residentBytes()
            for _ in 0..<30 where settled - baseline >= Self.settledBoundBytes {
                try await Task.sleep(for: .milliseconds(100))
                settled = Self.residentBytes()
            }
            print("soak: resident memory baseline \(baseline >> 20) MiB, peak +\((peak - baseline) >> 20) MiB, after +\((settled - baseline) >> 20) MiB")
            #expect(settled - baseline < Self.settledBoundBytes, "resident memory stayed \(settled - baseline) bytes above its baseline")
            #expect(latencies.count == 40)
            let worst = latencies.max() ?? .zero
            #expect(worst < Self.latencyBound, "a normal request took \(worst) while the attacks ran")
            _ = server
        }
    }

    /// Runs blocking socket code on a thread of its own. On the cooperative pool (one thread per
    /// core) the attackers' blocking reads would take the threads the in-process server's own
    /// tasks need, and nothing would be answered.
    static func onThread(_ body: @escaping @Sendable () throws -> Void) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let thread = Thread {
                do {
                    try body()
                    continuation.resume()
                } catch {
                    continuation.resume(throwing: error)
                }
            }
            thread.start()
        }
    }

    /// A stop signal the attack loops poll.
    final class Flag: Sendable {
        private let value = Atomic<Bool>(false)
        func set() { value.store(true, ordering: .relaxed) }
        var isSet: Bool { value.load(ordering: .relaxed) }
    }

    /// Opens `count` connections and sends nothing on them, until told to stop.
    static func idleConnections(port: Int, source: String, count: Int, until stop: Flag) throws {
        var sockets: [LoopbackSocket] = []
        for _ in 0..<count { sockets.append(try LoopbackSocket(port: port, source: source)) }
        while !stop.isSet { usleep(50_000) }
        #expect(sockets.count == count)
    }

    /// Sends `count` one-text requests without reading, then reads every answer: each is OK or
    /// RESOURCE_EXHAUSTED (past the in-flight limit), none is lost. The answers are binary (about
    /// 80 bytes each) so that all of them fit the sockets' buffers while nothing is read: with
    /// larger ones the server, rightly, stops reading a client that does not read, and a sender
    /// that never reads would wait for it forever.
    static func pipeline(port: Int, source: String, count: Int) throws {
        let socket = try LoopbackSocket(port: port, readTimeoutSeconds: 20, source: source)
        for id in 1...count {
            let request = embedRequest(id: UInt64(id), texts: ["pipelined \(id)"]) { $0.encoding = .binary }
            try socket.sendFrame(Array(try request.serializedData()))
        }
        for _ in 1...count {
            let frame = try #require(socket.readFrame(), "a pipelined request got no answer")
            let code = try Multiembed_V1_Response(serializedBytes: frame).status.code
            #expect(code == .ok || code == .resourceExhausted)
        }
    }

    /// Sends 4 requests whose answers are large multi-vectors and never reads. Few: the suite
    /// shares the machine with the other tests, whose timing must not suffer from it.
    static func neverRead(port: Int, source: String) throws {
        let socket = try LoopbackSocket(port: port, source: source)
        let texts = (0..<64).map { "text \($0) of a request whose answer is never read" }
        for id in 1...4 {
            try socket.sendFrame(Array(try embedRequest(id: UInt64(id), texts: texts) { $0.output = .multiVector }.serializedData()))
        }
        withExtendedLifetime(socket) {}
    }

    /// PNGs declaring 1x1 pixels whose image data inflates to 100 MB, one after another.
    static func bombs(port: Int, source: String, model: String, until stop: Flag) throws {
        let builder = PNGBuilder(width: 1, height: 1, colorType: .rgb, bitDepth: 8, samples: [0, 0, 0])
        let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        let bomb = signature + PNGBuilder.chunk("IHDR", builder.ihdr())
            + PNGBuilder.chunk("IDAT", Zlib.zeroBomb(repeats: 400_000)) + PNGBuilder.chunk("IEND", [])
        let socket = try LoopbackSocket(port: port, readTimeoutSeconds: 20, source: source)
        var id: UInt64 = 0
        while !stop.isSet {
            id += 1
            var request = embedRequest(id: id, texts: []) { $0.model = model }
            var input = Multiembed_V1_Input()
            input.image.data = Data(bomb)
            input.image.name = "bomb"
            request.embed.inputs = [input]
            try socket.sendFrame(Array(try request.serializedData()))
            let frame = try #require(socket.readFrame(), "a bomb got no answer")
            _ = try Multiembed_V1_Response(serializedBytes: frame)
        }
    }

    /// The process's resident memory, from /proc/self/statm.
    static func residentBytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let pages = text.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}
}
