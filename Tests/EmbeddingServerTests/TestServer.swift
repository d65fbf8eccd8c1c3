import EmbeddingServer
import EmbeddingTesting
import Encoders
import Foundation
import LateInteraction
import Logging
import NIOCore
import ServiceLifecycle
import Testing
import WireProtocol

/// The default model, loaded once for the whole suite.
let miniLM: ModelBundle? = try? ModelBundle.load(directory: Fixtures.defaultModel)
let tinyClip: ModelBundle? = try? ModelBundle.load(directory: Fixtures.url("tiny-clip"))

enum TestServerError: Error {
    case noModel
    case notBound
}

/// Starts an in-process server on a free loopback port, runs `body` with the port, then shuts
/// the server down gracefully and waits for it to stop.
func withServer<Result: Sendable>(
    models: [ModelBundle?] = [miniLM],
    configure: (inout ServerConfiguration) -> Void = { _ in },
    store: (any VectorStore)? = nil,
    _ body: (EmbeddingServer, Int) async throws -> Result
) async throws -> Result {
    let loaded = models.compactMap { $0 }
    guard loaded.count == models.count, !loaded.isEmpty else { throw TestServerError.noModel }
    var configuration = ServerConfiguration(host: "127.0.0.1", port: 0)
    configuration.shutdownGracePeriod = .seconds(5)
    configure(&configuration)
    var logger = Logger(label: "test.server")
    logger.logLevel = .warning
    let server = EmbeddingServer(configuration: configuration, models: loaded, store: store, logger: logger)
    let running = Task { try await server.run() }
    guard let address = await server.listeningAddress(), let port = address.port else {
        running.cancel()
        throw TestServerError.notBound
    }
    do {
        let result = try await body(server, port)
        server.beginShutdown()
        try await running.value
        return result
    } catch {
        server.beginShutdown()
        _ = try? await running.value
        throw error
    }
}

/// A request embedding `texts` with the default model.
func embedRequest(id: UInt64, texts: [String], configure: (inout Multiembed_V1_EmbedRequest) -> Void = { _ in }) -> Multiembed_V1_Request {
    var request = Multiembed_V1_Request()
    request.id = id
    var embed = Multiembed_V1_EmbedRequest()
    embed.inputs = texts.map { text in
        var input = Multiembed_V1_Input()
        input.text = text
        return input
    }
    configure(&embed)
    request.embed = embed
    return request
}

/// float32 little-endian bytes as values.
func floats(_ data: Data) -> [Float] {
    data.withUnsafeBytes { raw in
        (0..<(raw.count / 4)).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }
    }
}

let sampleTexts = [
    "A man is eating food.", "A man is riding a horse.", "The new movie is awesome.",
    "Swift concurrency makes data races compile-time errors.", "hi", "",
    "Embeddings map text and images into one vector space where similar things are close together.",
    "Ein Mann isst Essen.",
]
