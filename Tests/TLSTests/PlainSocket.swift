import EmbeddingTesting
#if canImport(Glibc)
import Glibc
#endif

/// Sends `text` as it is (no frame prefix) on `socket`.
func send(_ socket: LoopbackSocket, _ text: String) throws {
    try send(socket, Array(text.utf8))
}

/// Sends `bytes` as they are (no frame prefix) on `socket`.
func send(_ socket: LoopbackSocket, _ bytes: [UInt8]) throws {
    var sent = 0
    while sent < bytes.count {
        let n = bytes.withUnsafeBytes { Glibc.send(socket.descriptor, $0.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL)) }
        guard n > 0 else { throw LoopbackSocket.Failure.send(errno: errno) }
        sent += n
    }
}

/// True when the server closes `socket` (end of stream within the socket's read timeout)
/// without answering in clear: whatever it sent first (a TLS alert record, content type 21)
/// is not readable text, nor a frame, nor HTTP.
func closesWithoutAnswer(_ socket: LoopbackSocket) -> Bool {
    var received: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
        let n = buffer.withUnsafeMutableBytes { recv(socket.descriptor, $0.baseAddress!, $0.count, 0) }
        if n == 0 { break }
        if n < 0 { return false }  // timed out: the connection stayed open
        received += buffer[0..<n]
        if received.count > 64 * 1024 { return false }
    }
    // Nothing, or TLS records only (an alert: 0x15; never HTTP text or a frame of ours).
    return received.isEmpty || received.first == 0x15
}
