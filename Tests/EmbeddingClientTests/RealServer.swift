import EmbeddingClient
import EmbeddingServer
import EmbeddingTesting
import Encoders
import Logging
import NIOCore

/// The default model, loaded once for the whole suite (nil when `models/` has not been fetched).
let miniLM: ModelBundle? = try? ModelBundle.load(directory: Fixtures.defaultModel)
/// The small random-weight CLIP of the fixtures.
let tinyClip: ModelBundle? = try? ModelBundle.load(directory: Fixtures.url("tiny-clip"))

enum RealServerError: Error {
    case noModel
    case notBound
}

/// Starts the real server in process on a free loopback port, runs `body` with a client
/// connected to it, then shuts the client and the server down and waits for both.
func withRealServer<T: Sendable>(
    models: [ModelBundle?] = [miniLM],
    configure: (inout ServerConfiguration) -> Void = { _ in },
    client configureClient: (inout ClientConfiguration) -> Void = { _ in },
    _ body: (EmbeddingClient) async throws -> T
) async throws -> T {
    let loaded = models.compactMap { $0 }
    guard loaded.count == models.count, !loaded.isEmpty else { throw RealServerError.noModel }
    var configuration = ServerConfiguration(host: "127.0.0.1", port: 0)
    configuration.shutdownGracePeriod = .seconds(5)
    configure(&configuration)
    var logger = Logger(label: "test.server")
    logger.logLevel = .warning
    let server = EmbeddingServer(configuration: configuration, models: loaded, logger: logger)
    let running = Task { try await server.run() }
    guard let port = await server.listeningAddress()?.port else {
        running.cancel()
        throw RealServerError.notBound
    }
    var clientConfiguration = ClientConfiguration(host: "127.0.0.1", port: port, timeout: .seconds(30))
    configureClient(&clientConfiguration)
    let client = EmbeddingClient(configuration: clientConfiguration)
    do {
        let result = try await body(client)
        try await client.shutdown()
        server.beginShutdown()
        try await running.value
        return result
    } catch {
        try? await client.shutdown()
        server.beginShutdown()
        _ = try? await running.value
        throw error
    }
}
