import EmbeddingClient
import EmbeddingServer
import EmbeddingTesting
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import GRPCProtobuf
import HummingbirdTesting
import NIOCore
import NIOSSL
import Testing
import WireProtocol

/// Every door of a server started with a certificate: TLS clients that trust its CA and expect
/// its name get the plain server's vectors; the others are refused, clearly, and a plain-text
/// client on a TLS port is closed without harming the server.
@Suite("TLS on every door (framed, gRPC, HTTP) and in the Swift client", .serialized)
struct DoorTLSTests {
    static let texts = ["a first sentence", "the second one, a little longer than the first", "3"]

    @Test("each door serves TLS and answers the vectors the plain server answers, bit for bit")
    func sameVectorsAsPlain() async throws {
        let certificates = try TestCertificates()
        defer { certificates.remove() }
        let tls = try ServerTLS.load(
            certificateChainFile: certificates.serverChainFile, privateKeyFile: certificates.serverKeyFile)
        let plain = try await withServer(tls: nil) { ports in
            let client = EmbeddingClient(host: "127.0.0.1", port: ports.framed)
            let answer = try await client.embed(texts: Self.texts)
            try await client.shutdown()
            return answer
        }
        let expected = plain.pooledVectors.map { $0 ?? [] }
        #expect(expected.count == 3 && expected.allSatisfy { $0.count == 384 })
        try await withServer(tls: tls) { ports in
            // Framed, through the Swift client.
            let framed = secureClient(port: ports.framed, certificates: certificates)
            let framedAnswer = try await framed.embed(texts: Self.texts)
            try await framed.shutdown()
            #expect(framedAnswer.pooledVectors.map { $0 ?? [] } == expected)

            // gRPC, through grpc-swift with TLS.
            let grpcVectors = try await withGRPCClient(port: ports.grpc, trusting: certificates.caFile) { client in
                let answer = try await embedThroughGRPC(client, texts: Self.texts)
                return answer.embeddings.map { floats($0.pooled.data) }
            }
            #expect(grpcVectors == expected)

            // HTTP, OpenAI's route with base64 floats, through an HTTPS client.
            let body = try await postEmbeddings(port: ports.http, trusting: certificates.caFile, model: plain.model)
            #expect(body.status == 200, "\(body.text)")
            #expect(try base64Vectors(body.text) == expected)
        }
    }

    @Test("a client that does not trust the server's CA is refused, on every door, with a clear error")
    func untrustedCA() async throws {
        let certificates = try TestCertificates()
        defer { certificates.remove() }
        let tls = try ServerTLS.load(
            certificateChainFile: certificates.serverChainFile, privateKeyFile: certificates.serverKeyFile)
        try await withServer(tls: tls) { ports in
            let stranger = secureClient(port: ports.framed, certificates: certificates, caFile: certificates.otherCAFile)
            let error = await #expect(throws: EmbeddingClientError.self) { try await stranger.embed(texts: ["x"]) }
            try await stranger.shutdown()
            #expect(error?.kind == .connectionFailed)
            #expect(error?.code == .unavailable)
            #expect(error?.message.contains("not signed by a trusted certificate authority") == true, "\(String(describing: error))")

            // The system's roots do not hold the test CA either.
            var configuration = ClientConfiguration(host: "127.0.0.1", port: ports.framed)
            configuration.tls = ClientTLS(serverName: TestCertificates.serverName)
            let system = EmbeddingClient(configuration: configuration)
            let systemError = await #expect(throws: EmbeddingClientError.self) { try await system.embed(texts: ["x"]) }
            try await system.shutdown()
            #expect(systemError?.kind == .connectionFailed)

            await #expect(throws: RPCError.self) {
                try await withGRPCClient(port: ports.grpc, trusting: certificates.otherCAFile) { client in
                    _ = try await embedThroughGRPC(client, texts: ["x"])
                }
            }
            await #expect(throws: (any Error).self) {
                _ = try await postEmbeddings(port: ports.http, trusting: certificates.otherCAFile, model: "all-MiniLM-L6-v2")
            }

            // The server is unharmed: a client that trusts the CA is served.
            let trusted = secureClient(port: ports.framed, certificates: certificates)
            #expect(try await trusted.embed(texts: ["x"]).pooledVectors.count == 1)
            try await trusted.shutdown()
        }
    }

    @Test("a certificate for another name is refused: the client checks the host name")
    func wrongHostname() async throws {
        let certificates = try TestCertificates()
        defer { certificates.remove() }
        let tls = try ServerTLS.load(
            certificateChainFile: certificates.serverChainFile, privateKeyFile: certificates.serverKeyFile)
        try await withServer(tls: tls) { ports in
            let wrongName = secureClient(port: ports.framed, certificates: certificates, serverName: "embeddings.example.com")
            let error = await #expect(throws: EmbeddingClientError.self) { try await wrongName.embed(texts: ["x"]) }
            try await wrongName.shutdown()
            #expect(error?.kind == .connectionFailed)
            #expect(error?.message.contains("not valid for the name embeddings.example.com") == true, "\(String(describing: error))")

            // By address: the certificate names localhost, not 127.0.0.1.
            var configuration = ClientConfiguration(host: "127.0.0.1", port: ports.framed)
            configuration.tls = ClientTLS(trustRoots: .certificateFile(certificates.caFile))
            let byAddress = EmbeddingClient(configuration: configuration)
            let addressError = await #expect(throws: EmbeddingClientError.self) { try await byAddress.embed(texts: ["x"]) }
            try await byAddress.shutdown()
            #expect(addressError?.kind == .connectionFailed)

            // By the name itself: localhost resolves to the server.
            var byName = ClientConfiguration(host: "localhost", port: ports.framed)
            byName.tls = ClientTLS(trustRoots: .certificateFile(certificates.caFile))
            let named = EmbeddingClient(configuration: byName)
            #expect(try await named.embed(texts: ["x"]).pooledVectors.count == 1)
            try await named.shutdown()
        }
    }

    @Test("plain text on a TLS port is closed, on every door, and the server goes on serving TLS")
    func plainTextOnTLSPort() async throws {
        let certificates = try TestCertificates()
        defer { certificates.remove() }
        let tls = try ServerTLS.load(
            certificateChainFile: certificates.serverChainFile, privateKeyFile: certificates.serverKeyFile)
        try await withServer(tls: tls) { ports in
            // A framed request in clear.
            var request = Multiembed_V1_Request()
            request.id = 1
            request.info = Multiembed_V1_InfoRequest()
            let framed = try LoopbackSocket(port: ports.framed)
            try framed.sendFrame(try request.serializedBytes())
            #expect(closesWithoutAnswer(framed), "the framed TLS port answered plain text")
            // An HTTP request and the HTTP/2 preface in clear.
            let http = try LoopbackSocket(port: ports.http)
            try send(http, "GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n")
            #expect(closesWithoutAnswer(http), "the HTTP TLS port answered plain text")
            let grpc = try LoopbackSocket(port: ports.grpc)
            try send(grpc, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
            #expect(closesWithoutAnswer(grpc), "the gRPC TLS port answered plain text")

            // The Swift client without TLS gets an error, not a hang.
            let plainClient = EmbeddingClient(host: "127.0.0.1", port: ports.framed, timeout: .seconds(10))
            let error = await #expect(throws: EmbeddingClientError.self) { try await plainClient.embed(texts: ["x"]) }
            try await plainClient.shutdown()
            #expect(error?.kind != .timedOut)

            // Every door still serves TLS.
            let client = secureClient(port: ports.framed, certificates: certificates)
            #expect(try await client.embed(texts: ["x"]).pooledVectors.count == 1)
            try await client.shutdown()
            let grpcCount = try await withGRPCClient(port: ports.grpc, trusting: certificates.caFile) { client in
                try await embedThroughGRPC(client, texts: ["x"]).embeddings.count
            }
            #expect(grpcCount == 1)
            let answer = try await postEmbeddings(port: ports.http, trusting: certificates.caFile, model: "all-MiniLM-L6-v2")
            #expect(answer.status == 200, "\(answer.text)")
        }
    }

    @Test("a TLS handshake that stalls is closed after --frame-timeout, on every door, even with no idle timeout")
    func stalledHandshakeIsClosed() async throws {
        let certificates = try TestCertificates()
        defer { certificates.remove() }
        let tls = try ServerTLS.load(
            certificateChainFile: certificates.serverChainFile, privateKeyFile: certificates.serverKeyFile)
        try await withServer(tls: tls, limits: { $0.frameTimeout = .seconds(1); $0.idleTimeout = .zero }) { ports in
            for (door, port) in [("framed", ports.framed), ("gRPC", ports.grpc), ("HTTP", ports.http)] {
                // Nothing at all, and the first bytes of a ClientHello record that never ends.
                let silent = try LoopbackSocket(port: port, readTimeoutSeconds: 8)
                let partial = try LoopbackSocket(port: port, readTimeoutSeconds: 8)
                try send(partial, [0x16, 0x03, 0x01, 0x02, 0x00, 0x01])
                let start = ContinuousClock.now
                #expect(closesWithoutAnswer(silent), "the \(door) door kept a connection that never began its handshake")
                #expect(closesWithoutAnswer(partial), "the \(door) door kept a connection whose handshake stalled")
                #expect(ContinuousClock.now - start < .seconds(8))
            }
            // A client that completes its handshake in time is served as before.
            let client = secureClient(port: ports.framed, certificates: certificates)
            #expect(try await client.embed(texts: ["x"]).pooledVectors.count == 1)
            try await client.shutdown()
        }
    }

    @Test("a TLS client on a plain port fails to connect with a clear error")
    func tlsClientOnPlainPort() async throws {
        let certificates = try TestCertificates()
        defer { certificates.remove() }
        try await withServer(tls: nil) { ports in
            let client = secureClient(port: ports.framed, certificates: certificates)
            let error = await #expect(throws: EmbeddingClientError.self) { try await client.embed(texts: ["x"]) }
            try await client.shutdown()
            #expect(error?.kind == .connectionFailed)
            #expect(error?.message.contains("with TLS") == true, "\(String(describing: error))")
        }
    }

    @Test("a CA file the client cannot read is an error naming it, before connecting")
    func missingCAFile() async throws {
        var configuration = ClientConfiguration(host: "127.0.0.1", port: 1)
        configuration.tls = ClientTLS(trustRoots: .certificateFile("/nonexistent/ca.pem"))
        let client = EmbeddingClient(configuration: configuration)
        let error = await #expect(throws: EmbeddingClientError.self) { try await client.embed(texts: ["x"]) }
        try await client.shutdown()
        #expect(error?.message == "cannot read the TLS CA file /nonexistent/ca.pem: no such file")
    }
}

/// A Swift client with TLS to 127.0.0.1:`port`, trusting `caFile` (the test CA unless given)
/// and expecting `serverName`.
func secureClient(
    port: Int, certificates: TestCertificates, caFile: String? = nil, serverName: String = TestCertificates.serverName
) -> EmbeddingClient {
    var configuration = ClientConfiguration(host: "127.0.0.1", port: port, timeout: .seconds(30))
    configuration.tls = ClientTLS(trustRoots: .certificateFile(caFile ?? certificates.caFile), serverName: serverName)
    return EmbeddingClient(configuration: configuration)
}

/// Runs `body` with a gRPC client over TLS to 127.0.0.1:`port` that trusts `caFile` and
/// expects the test certificate's name.
func withGRPCClient<Result: Sendable>(
    port: Int, trusting caFile: String, _ body: (GRPCClient<HTTP2ClientTransport.Posix>) async throws -> Result
) async throws -> Result {
    var config = HTTP2ClientTransport.Posix.Config.defaults
    config.http2.authority = TestCertificates.serverName
    let transport = try HTTP2ClientTransport.Posix(
        target: .ipv4(address: "127.0.0.1", port: port),
        transportSecurity: .tls { tls in tls.trustRoots = .certificates([.file(path: caFile, format: .pem)]) },
        config: config)
    let client = GRPCClient(transport: transport)
    let connections = Task { try await client.runConnections() }
    defer {
        client.beginGracefulShutdown()
        connections.cancel()
    }
    return try await body(client)
}

/// EmbeddingService/Embed of `texts`, as any gRPC client calls it; throws the RPC's error.
func embedThroughGRPC(
    _ client: GRPCClient<HTTP2ClientTransport.Posix>, texts: [String]
) async throws -> Multiembed_V1_EmbedResponse {
    var request = Multiembed_V1_EmbedRequest()
    request.inputs = texts.map { text in
        var input = Multiembed_V1_Input()
        input.text = text
        return input
    }
    var options = CallOptions.defaults
    options.timeout = .seconds(20)
    return try await client.unary(
        request: ClientRequest(message: request),
        descriptor: MethodDescriptor(fullyQualifiedService: "multiembed.v1.EmbeddingService", method: "Embed"),
        serializer: ProtobufSerializer<Multiembed_V1_EmbedRequest>(),
        deserializer: ProtobufDeserializer<Multiembed_V1_EmbedResponse>(), options: options
    ) { response in try response.message }
}

/// An HTTP answer's status and body.
struct HTTPSAnswer: Sendable {
    let status: Int
    let text: String
}

/// POST /v1/embeddings of the suite's texts, base64 floats, over TLS trusting `caFile`.
func postEmbeddings(port: Int, trusting caFile: String, model: String) async throws -> HTTPSAnswer {
    var tls = TLSConfiguration.makeClientConfiguration()
    tls.trustRoots = .file(caFile)
    let input = try String(decoding: JSONSerialization.data(withJSONObject: DoorTLSTests.texts), as: UTF8.self)
    let json = #"{"model":"\#(model)","input":\#(input),"encoding_format":"base64"}"#
    let request = TestClient.Request(
        "/v1/embeddings", method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: json))
    let response = try await TestClient.withClient(
        host: "127.0.0.1", port: port,
        configuration: .init(tlsConfiguration: tls, serverName: TestCertificates.serverName)
    ) { client in
        try await client.execute(request)
    }
    return HTTPSAnswer(status: response.status.code, text: response.body.map { String(buffer: $0) } ?? "")
}

/// The vectors of an OpenAI embeddings answer with base64 float32 data.
func base64Vectors(_ body: String) throws -> [[Float]] {
    let object = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
    let data = try #require(object["data"] as? [[String: Any]])
    return try data.map { item in
        let text = try #require(item["embedding"] as? String)
        return floats(try #require(Data(base64Encoded: text)))
    }
}

/// The floats of little-endian float32 bytes.
func floats(_ data: Data) -> [Float] {
    let bytes = [UInt8](data)
    return stride(from: 0, to: bytes.count - 3, by: 4).map { offset -> Float in
        Float(bitPattern: UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8
            | UInt32(bytes[offset + 2]) << 16 | UInt32(bytes[offset + 3]) << 24)
    }
}
