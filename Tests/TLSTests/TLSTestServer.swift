@testable import EmbeddingServer
import EmbeddingTesting
import Encoders
import Foundation
import GRPCDoor
import HTTPDoor
import Logging

/// The default model, loaded once for the whole suite.
let miniLM: ModelBundle? = try? ModelBundle.load(directory: Fixtures.defaultModel)

enum TLSTestError: Error {
    case noModel
    case notBound
}

/// The ports of a running server's three doors.
struct DoorPorts: Sendable {
    let framed: Int
    let grpc: Int
    let http: Int
}

/// Starts a server with all three doors on free loopback ports, serving TLS with `tls` (plain
/// without), runs `body` with their ports, then shuts the server down.
func withServer<Result: Sendable>(
    tls: ServerTLS?, limits: (inout ServerLimits) -> Void = { _ in }, _ body: (DoorPorts) async throws -> Result
) async throws -> Result {
    guard let model = miniLM else { throw TLSTestError.noModel }
    var configuration = ServerConfiguration(host: "127.0.0.1", port: 0)
    configuration.shutdownGracePeriod = .seconds(5)
    configuration.tls = tls
    limits(&configuration.limits)
    var logger = Logger(label: "test.tls")
    logger.logLevel = .warning
    let grpc = GRPCDoor(host: "127.0.0.1", port: 0)
    let http = HTTPDoor(host: "127.0.0.1", port: 0)
    let server = EmbeddingServer(configuration: configuration, models: [model], logger: logger, doors: [grpc, http])
    let running = Task { try await server.run() }
    defer { running.cancel() }
    guard let framed = await server.listeningAddress()?.port, let grpcPort = await grpc.listeningPort(),
          let httpPort = await http.listeningPort()
    else {
        server.beginShutdown()
        throw TLSTestError.notBound
    }
    do {
        let result = try await body(DoorPorts(framed: framed, grpc: grpcPort, http: httpPort))
        server.beginShutdown()
        try await running.value
        return result
    } catch {
        server.beginShutdown()
        _ = try? await running.value
        throw error
    }
}
