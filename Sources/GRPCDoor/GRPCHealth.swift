import EmbeddingServer
import GRPCCore
import GRPCProtobuf
import WireProtocol

/// The standard grpc.health.v1.Health service, for load balancers and probes: SERVING while the
/// server takes requests, NOT_SERVING while it starts or drains. Known services are "" (the
/// server), multiembed.v1.EmbeddingService and multiembed.v1.CollectionService. It asks for no
/// API key, as probes carry none, and says nothing but the serving state.
struct GRPCHealth: Sendable {
    let core: ServiceCore

    static let service = ServiceDescriptor(package: "grpc.health.v1", service: "Health")
    static let knownServices: Set<String> = [
        "", GRPCMethods.embedding.fullyQualifiedService, GRPCMethods.collections.fullyQualifiedService,
    ]

    /// How often Watch looks for a change of state.
    static let watchInterval: Duration = .milliseconds(250)

    func register<Transport: ServerTransport>(with router: inout RPCRouter<Transport>) {
        router.registerHandler(
            forMethod: MethodDescriptor(service: Self.service, method: "Check"),
            deserializer: ProtobufDeserializer<Grpc_Health_V1_HealthCheckRequest>(),
            serializer: ProtobufSerializer<Grpc_Health_V1_HealthCheckResponse>()
        ) { request, _ in
            let single = try await ServerRequest(stream: request)
            guard Self.knownServices.contains(single.message.service) else {
                throw RPCError(code: .notFound, message: "unknown service '\(single.message.service)'")
            }
            return StreamingServerResponse(single: ServerResponse(message: status))
        }
        router.registerHandler(
            forMethod: MethodDescriptor(service: Self.service, method: "Watch"),
            deserializer: ProtobufDeserializer<Grpc_Health_V1_HealthCheckRequest>(),
            serializer: ProtobufSerializer<Grpc_Health_V1_HealthCheckResponse>()
        ) { request, _ in
            let single = try await ServerRequest(stream: request)
            return StreamingServerResponse { writer in
                guard Self.knownServices.contains(single.message.service) else {
                    var unknown = Grpc_Health_V1_HealthCheckResponse()
                    unknown.status = .serviceUnknown
                    try await writer.write(unknown)
                    return [:]
                }
                var last: Grpc_Health_V1_HealthCheckResponse?
                while true {
                    let now = status
                    if now != last {
                        try await writer.write(now)
                        last = now
                    }
                    // A draining server ends its watches, so they do not hold its shutdown.
                    if core.health.status == .draining { return [:] }
                    try await Task.sleep(for: Self.watchInterval)
                }
            }
        }
    }

    private var status: Grpc_Health_V1_HealthCheckResponse {
        var response = Grpc_Health_V1_HealthCheckResponse()
        response.status = core.health.status == .serving ? .serving : .notServing
        return response
    }
}
