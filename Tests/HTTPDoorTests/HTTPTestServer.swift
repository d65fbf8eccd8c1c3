@testable import EmbeddingServer
import EmbeddingTesting
import Encoders
import Foundation
import HTTPDoor
import HTTPTypes
import HummingbirdTesting
import Logging
import NIOCore
import WireProtocol

/// The default model and the tiny CLIP fixture (texts and images), loaded once for the suite.
let miniLM: ModelBundle? = try? ModelBundle.load(directory: Fixtures.defaultModel)
let tinyClip: ModelBundle? = try? ModelBundle.load(directory: Fixtures.url("tiny-clip"))

enum HTTPTestError: Error {
    case noModel
    case notBound
}

/// A server with an HTTP door on free loopback ports, as a test sees it.
struct HTTPTestServer: Sendable {
    let httpPort: Int
    let framedPort: Int
    let server: EmbeddingServer

    /// Sends one request on a new connection with Hummingbird's live-test HTTP/1.1 client (on
    /// NIO) and returns the status and the body.
    func send(
        _ method: HTTPRequest.Method, _ path: String, json: String? = nil, headers: HTTPFields = [:]
    ) async throws -> HTTPAnswer {
        var headers = headers
        var body: ByteBuffer?
        if let json {
            headers[.contentType] = "application/json"
            body = ByteBuffer(string: json)
        }
        let request = TestClient.Request(path, method: method, headers: headers, body: body)
        let response = try await TestClient.withClient(host: "127.0.0.1", port: httpPort) { client in
            try await client.execute(request)
        }
        return HTTPAnswer(status: response.status.code, headers: response.headers, body: response.body.map { String(buffer: $0) } ?? "")
    }
}

/// What a request was answered.
struct HTTPAnswer: Sendable {
    var status: Int
    var headers: HTTPFields
    var body: String

    /// The body as a JSON object (empty when it is not one).
    var object: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:]
    }

    /// OpenAI's error object of the body.
    var error: [String: Any] { object["error"] as? [String: Any] ?? [:] }
}

/// Starts a server with an HTTP door, runs `body`, then shuts the server down.
func withHTTPServer<Result: Sendable>(
    models: [ModelBundle?] = [miniLM],
    configure: (inout ServerConfiguration) -> Void = { _ in },
    _ body: (HTTPTestServer) async throws -> Result
) async throws -> Result {
    let loaded = models.compactMap { $0 }
    guard loaded.count == models.count, !loaded.isEmpty else { throw HTTPTestError.noModel }
    var configuration = ServerConfiguration(host: "127.0.0.1", port: 0)
    configuration.shutdownGracePeriod = .seconds(5)
    configure(&configuration)
    var logger = Logger(label: "test.http")
    logger.logLevel = .warning
    let door = HTTPDoor(host: "127.0.0.1", port: 0)
    let server = EmbeddingServer(configuration: configuration, models: loaded, logger: logger, doors: [door])
    let running = Task { try await server.run() }
    defer { running.cancel() }
    guard let framed = await server.listeningAddress()?.port, let port = await door.listeningPort() else {
        server.beginShutdown()
        throw HTTPTestError.notBound
    }
    do {
        let result = try await body(HTTPTestServer(httpPort: port, framedPort: framed, server: server))
        server.beginShutdown()
        try await running.value
        return result
    } catch {
        server.beginShutdown()
        _ = try? await running.value
        throw error
    }
}

/// The floats of little-endian float32 bytes.
func floats(_ data: Data) -> [Float] {
    let bytes = [UInt8](data)
    return stride(from: 0, to: bytes.count - 3, by: 4).map { offset -> Float in
        var bits = UInt32(bytes[offset])
        bits |= UInt32(bytes[offset + 1]) << 8
        bits |= UInt32(bytes[offset + 2]) << 16
        bits |= UInt32(bytes[offset + 3]) << 24
        return Float(bitPattern: bits)
    }
}

/// A JSON string literal of `text`.
func quoted(_ text: String) -> String {
    String(decoding: try! JSONSerialization.data(withJSONObject: [text]), as: UTF8.self).dropFirst().dropLast().description
}

/// Writes `bytes` to the socket, ignoring a peer that has already closed (no SIGPIPE).
func rawSend(_ socket: LoopbackSocket, _ bytes: [UInt8]) {
    _ = bytes.withUnsafeBytes { send(socket.descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
}

/// What the server sent until it paused after a whole JSON answer, or closed (the socket's read
/// timeout bounds the wait).
func rawReceive(_ socket: LoopbackSocket) async -> String {
    await receive(from: socket.descriptor) { received in
        guard let text = String(bytes: received, encoding: .utf8) else { return false }
        return text.contains("\r\n\r\n") && text.hasSuffix("}")
    }.text
}

/// Everything the server sent until it closed the connection; nil if it was still open when
/// the socket's read timeout ran out.
func rawReceiveUntilClosed(_ socket: LoopbackSocket) async -> String? {
    let received = await receive(from: socket.descriptor) { _ in false }
    return received.closed ? received.text : nil
}

/// Reads `descriptor` until `done` says so, the peer closes, or the read timeout runs out.
///
/// On a thread of its own: a blocking `recv` on one of Swift concurrency's few threads (two on
/// these machines) would starve the server under test, whose routes run on the same pool.
private func receive(
    from descriptor: Int32, until done: @escaping @Sendable ([UInt8]) -> Bool
) async -> (text: String, closed: Bool) {
    await withCheckedContinuation { continuation in
        Thread.detachNewThread {
            var received: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 4096)
            var closed = false
            while true {
                let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
                if count == 0 { closed = true }
                guard count > 0 else { break }
                received += buffer[0..<count]
                if done(received) { break }
            }
            continuation.resume(returning: (String(decoding: received, as: UTF8.self), closed))
        }
    }
}
