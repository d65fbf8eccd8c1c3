import EmbeddingTesting
import Foundation
import Testing
import WireProtocol

#if canImport(Glibc)
import Glibc
#endif

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

        var sockets: [Int32] = []
        defer { for socket in sockets { close(socket) } }
        for _ in 0..<cap { sockets.append(try connectTo(serverPort)) }
        // Past the cap, and past the file limit in all (96 + 80 > 160): each answered
        // RESOURCE_EXHAUSTED (id 0) and closed, within seconds, never left unaccepted.
        for _ in 0..<80 {
            let extra = try connectTo(serverPort)
            defer { close(extra) }
            let frame = try #require(readFrame(extra), "no answer past the cap")
            let response = try Multiembed_V1_Response(serializedBytes: frame)
            #expect(response.id == 0)
            #expect(response.status.code == .resourceExhausted)
            var byte: UInt8 = 0
            #expect(recv(extra, &byte, 1, 0) == 0, "the connection past the cap stays open")
        }
    }

    /// A blocking loopback connection whose reads give up after 10 seconds.
    private func connectTo(_ port: UInt16) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EMFILE) }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(fd)
            throw POSIXError(.ECONNREFUSED)
        }
        return fd
    }

    /// One frame's payload, or nil when the connection ends or times out first.
    private func readFrame(_ fd: Int32) -> [UInt8]? {
        guard let prefix = readExactly(fd, 4) else { return nil }
        let length = prefix.reduce(0) { $0 << 8 | Int($1) }
        return readExactly(fd, length)
    }

    private func readExactly(_ fd: Int32, _ count: Int) -> [UInt8]? {
        var bytes = [UInt8](repeating: 0, count: count)
        var got = 0
        while got < count {
            let n = bytes.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + got, count - got, 0) }
            if n <= 0 { return nil }
            got += n
        }
        return bytes
    }
}
