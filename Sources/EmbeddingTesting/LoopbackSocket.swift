#if canImport(Glibc)
import Glibc
#endif

/// A blocking TCP connection to a port on 127.0.0.1 that reads only when asked: a client that
/// does not read (NIO clients read ahead into their own buffers), or that counts exactly what
/// arrives, for tests of what a server does to such clients.
public final class LoopbackSocket {
    public let descriptor: Int32

    public enum Failure: Error {
        case socket(errno: Int32)
        case connect(errno: Int32)
        case send(errno: Int32)
    }

    /// Connects; reads give up after `readTimeoutSeconds`. `source` is the local address to
    /// connect from (another of 127.0.0.0/8, to look like another client host), or the default.
    public init(port: Int, readTimeoutSeconds: Int = 10, source: String? = nil) throws(Failure) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw .socket(errno: errno) }
        if let source {
            let bound = Self.withAddress(source, port: 0) { bind(fd, $0, $1) }
            guard bound == 0 else {
                let code = errno
                close(fd)
                throw .connect(errno: code)
            }
        }
        var timeout = timeval(tv_sec: readTimeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let connected = Self.withAddress("127.0.0.1", port: port) { connect(fd, $0, $1) }
        guard connected == 0 else {
            let code = errno
            close(fd)
            throw .connect(errno: code)
        }
        descriptor = fd
    }

    deinit { close(descriptor) }

    /// Calls `body` with an IPv4 socket address for `ip` and `port`, as bind and connect take it.
    private static func withAddress(
        _ ip: String, port: Int, _ body: (UnsafePointer<sockaddr>, socklen_t) -> Int32
    ) -> Int32 {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr(ip)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
    }

    /// Sends `payload` as one frame: its length as 4 bytes big-endian, then the bytes.
    public func sendFrame(_ payload: [UInt8]) throws(Failure) {
        let length = UInt32(payload.count)
        let bytes = [UInt8(length >> 24), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF)] + payload
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes { send(descriptor, $0.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw .send(errno: errno) }
            sent += n
        }
    }

    /// One frame's payload, or nil when the connection ends or the read times out first.
    public func readFrame() -> [UInt8]? {
        guard let prefix = readExactly(4) else { return nil }
        return readExactly(prefix.reduce(0) { $0 << 8 | Int($1) })
    }

    /// True when the peer has closed the connection (a read returns end of stream).
    public func isClosedByPeer() -> Bool {
        var byte: UInt8 = 0
        return recv(descriptor, &byte, 1, 0) == 0
    }

    private func readExactly(_ count: Int) -> [UInt8]? {
        var bytes = [UInt8](repeating: 0, count: count)
        var got = 0
        while got < count {
            let n = bytes.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress! + got, count - got, 0) }
            if n <= 0 { return nil }
            got += n
        }
        return bytes
    }
}
