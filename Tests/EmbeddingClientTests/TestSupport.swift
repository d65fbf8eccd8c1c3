import EmbeddingClient
import Testing
import WireProtocol

/// Runs `body` with a fake server and a client connected to it, then shuts both down.
func withFakeServer<T: Sendable>(
    configure: (inout ClientConfiguration) -> Void = { _ in },
    _ body: (FakeServer, EmbeddingClient) async throws -> T
) async throws -> T {
    let server = try await FakeServer.start()
    var configuration = ClientConfiguration(host: "127.0.0.1", port: server.port, timeout: .seconds(10))
    configure(&configuration)
    let client = EmbeddingClient(configuration: configuration)
    do {
        let result = try await body(server, client)
        try await client.shutdown()
        try await server.shutdown()
        return result
    } catch {
        try? await client.shutdown()
        try? await server.shutdown()
        throw error
    }
}

/// The EmbeddingClientError `body` throws, or an issue when it succeeds or throws another error.
func clientError<T>(
    _ body: () async throws -> T,
    sourceLocation: SourceLocation = #_sourceLocation
) async -> EmbeddingClientError? {
    do {
        _ = try await body()
        Issue.record("expected an EmbeddingClientError", sourceLocation: sourceLocation)
        return nil
    } catch let error as EmbeddingClientError {
        return error
    } catch {
        Issue.record("expected an EmbeddingClientError, got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

/// A failed Response to request `id`.
func failure(id: UInt64, code: Multiembed_V1_Code, message: String) -> Multiembed_V1_Response {
    .failure(id: id, code: code, message: message)
}
