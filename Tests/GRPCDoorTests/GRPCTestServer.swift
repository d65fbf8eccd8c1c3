@testable import EmbeddingServer
import EmbeddingTesting
import Encoders
import Foundation
import GRPCCore
import GRPCDoor
import GRPCNIOTransportHTTP2
import GRPCProtobuf
import Logging
import SwiftProtobuf
import WireProtocol

/// The default model, loaded once for the whole suite.
let miniLM: ModelBundle? = try? ModelBundle.load(directory: Fixtures.defaultModel)

enum GRPCTestError: Error {
    case noModel
    case notBound
}

/// The server's ports, for tests that connect a client of their own.
struct GRPCTestPorts: Sendable {
    let framed: Int
    let grpc: Int
}

/// Starts a server with a gRPC door on free loopback ports, runs `body` with a connected gRPC
/// client and the ports, then shuts the server down.
func withGRPCServer<Result: Sendable>(
    configure: (inout ServerConfiguration) -> Void = { _ in },
    _ body: (GRPCClient<HTTP2ClientTransport.Posix>, GRPCTestPorts) async throws -> Result
) async throws -> Result {
    guard let model = miniLM else { throw GRPCTestError.noModel }
    var configuration = ServerConfiguration(host: "127.0.0.1", port: 0)
    configuration.shutdownGracePeriod = .seconds(5)
    configure(&configuration)
    var logger = Logger(label: "test.grpc")
    logger.logLevel = .warning
    let door = GRPCDoor(host: "127.0.0.1", port: 0)
    let server = EmbeddingServer(configuration: configuration, models: [model], logger: logger, doors: [door])
    let running = Task { try await server.run() }
    defer { running.cancel() }
    guard let framed = await server.listeningAddress()?.port, let port = await door.listeningPort() else {
        server.beginShutdown()
        throw GRPCTestError.notBound
    }
    let client = GRPCClient(
        transport: try .http2NIOPosix(target: .ipv4(address: "127.0.0.1", port: port), transportSecurity: .plaintext))
    let connection = Task { try await client.runConnections() }
    do {
        let result = try await body(client, GRPCTestPorts(framed: framed, grpc: port))
        client.beginGracefulShutdown()
        _ = try? await connection.value
        server.beginShutdown()
        try await running.value
        return result
    } catch {
        client.beginGracefulShutdown()
        connection.cancel()
        server.beginShutdown()
        _ = try? await running.value
        throw error
    }
}

/// What a unary call returned: its message and trailing metadata, or its error.
struct UnaryOutcome<Output: Sendable>: Sendable {
    var message: Output?
    var trailers: Metadata = [:]
    var error: RPCError?

    /// The per-input status the server put in the trailers, if any.
    var status: Multiembed_V1_Status? {
        let metadata = error?.metadata ?? trailers
        guard let bytes = metadata[binaryValues: "multiembed-status-bin"].first(where: { _ in true }) else { return nil }
        return try? Multiembed_V1_Status(serializedBytes: bytes)
    }
}

/// Calls `service/method` with `message`, as any gRPC client would (no generated stubs).
func call<Input: SwiftProtobuf.Message, Output: SwiftProtobuf.Message>(
    _ client: GRPCClient<HTTP2ClientTransport.Posix>, _ service: String, _ method: String, _ message: Input,
    as: Output.Type = Output.self, metadata: Metadata = [:], timeout: Duration? = nil
) async throws -> UnaryOutcome<Output> {
    var options = CallOptions.defaults
    options.timeout = timeout
    do {
        return try await client.unary(
            request: ClientRequest(message: message, metadata: metadata),
            descriptor: MethodDescriptor(fullyQualifiedService: service, method: method),
            serializer: ProtobufSerializer<Input>(), deserializer: ProtobufDeserializer<Output>(), options: options
        ) { response in
            switch response.accepted {
            case .success(let contents):
                return UnaryOutcome(message: try contents.message.get(), trailers: contents.trailingMetadata)
            case .failure(let error):
                return UnaryOutcome(error: error)
            }
        }
    } catch let error as RPCError {
        return UnaryOutcome(error: error)
    }
}

func embedRequest(_ texts: [String], configure: (inout Multiembed_V1_EmbedRequest) -> Void = { _ in }) -> Multiembed_V1_EmbedRequest {
    var request = Multiembed_V1_EmbedRequest()
    request.inputs = texts.map { text in
        var input = Multiembed_V1_Input()
        input.text = text
        return input
    }
    configure(&request)
    return request
}

func floats(_ data: Data) -> [Float] {
    data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
}
