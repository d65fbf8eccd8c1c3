import GRPCCore
import GRPCNIOTransportHTTP2
import GRPCProtobuf
import WireProtocol

extension BenchServer {
    /// One closed-loop client of the gRPC door (`serve --grpc-port`), on its own HTTP/2
    /// connection: the same requests as the framed client, through
    /// `multiembed.v1.EmbeddingService/Embed`.
    static func grpcClient(
        host: String, port: Int, model: String, apiKey: String, inputs: [String], counter: RequestCounter
    ) async throws -> LoadResult {
        let client = GRPCClient(
            transport: try .http2NIOPosix(target: .ipv4(address: host, port: port), transportSecurity: .plaintext))
        return try await withThrowingTaskGroup(of: LoadResult?.self) { group in
            group.addTask {
                try await client.runConnections()
                return nil
            }
            defer { client.beginGracefulShutdown() }
            let embed = MethodDescriptor(fullyQualifiedService: "multiembed.v1.EmbeddingService", method: "Embed")
            let metadata: Metadata = apiKey.isEmpty ? [:] : ["authorization": "Bearer \(apiKey)"]
            var result = LoadResult()
            while let number = counter.next() {
                var request = Multiembed_V1_EmbedRequest()
                request.model = model
                var input = Multiembed_V1_Input()
                input.text = inputs[number % inputs.count]
                request.inputs = [input]
                let sent = ContinuousClock.now
                let failure: String? = try await client.unary(
                    request: ClientRequest(message: request, metadata: metadata), descriptor: embed,
                    serializer: ProtobufSerializer<Multiembed_V1_EmbedRequest>(),
                    deserializer: ProtobufDeserializer<Multiembed_V1_EmbedResponse>(), options: .defaults
                ) { response in
                    switch response.accepted {
                    case .success(let contents):
                        if contents.trailingMetadata[binaryValues: "multiembed-status-bin"].contains(where: { _ in true }) {
                            return "per-input errors"
                        }
                        _ = try contents.message.get()
                        return nil
                    case .failure(let error):
                        return "\(error.code): \(error.message)"
                    }
                }
                result.latencies.append(secondsSince(sent))
                if let failure {
                    result.errors += 1
                    result.firstError = result.firstError ?? failure
                }
            }
            return result
        }
    }
}
