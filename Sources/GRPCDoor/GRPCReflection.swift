import GRPCCore
import GRPCProtobuf

/// The standard server reflection service, so grpcurl, grpc_cli, Postman and Evans can list the
/// door's services and call them without the .proto files: grpc.reflection.v1 and, for older
/// tools, grpc.reflection.v1alpha (the same messages under another package name). It answers
/// from the files the door serves (``ReflectionCatalog``), one answer per question, and asks
/// for no API key: it says only what Protos/ says, and the calls it describes still need one.
struct GRPCReflection: Sendable {
    let catalog: ReflectionCatalog
    /// Largest question message (`max_frame_bytes`).
    let maxMessageBytes: Int

    static let services = [
        ServiceDescriptor(package: "grpc.reflection.v1", service: "ServerReflection"),
        ServiceDescriptor(package: "grpc.reflection.v1alpha", service: "ServerReflection"),
    ]

    func register<Transport: ServerTransport>(with router: inout RPCRouter<Transport>) {
        let catalog = self.catalog
        for service in Self.services {
            router.registerHandler(
                forMethod: MethodDescriptor(service: service, method: "ServerReflectionInfo"),
                deserializer: BoundedDeserializer<Grpc_Reflection_V1_ServerReflectionRequest>(maxBytes: maxMessageBytes),
                serializer: ProtobufSerializer<Grpc_Reflection_V1_ServerReflectionResponse>()
            ) { request, _ in
                StreamingServerResponse { writer in
                    for try await question in request.messages {
                        try await writer.write(catalog.answer(question))
                    }
                    return [:]
                }
            }
        }
    }
}
