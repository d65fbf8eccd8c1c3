import EmbeddingServer
import GRPCCore
import GRPCProtobuf
internal import SwiftProtobuf
import WireProtocol

/// Protos/multiembed/v1/service.proto's methods, each a thin adapter onto the ``ServiceCore``:
/// the message becomes the body the framed envelope would carry, the metadata the envelope's
/// key and deadline, and the core's answer the response message, its status or its error.
struct GRPCMethods: Sendable {
    let core: ServiceCore
    let peers: DoorPeers
    /// The open connections, for closing one after repeated failed authentication.
    let connections: GRPCConnections
    /// Most requests of one EmbedStream in flight at once.
    let streamWindow: Int
    /// Largest request message (`max_frame_bytes`).
    let maxMessageBytes: Int

    static let embedding = ServiceDescriptor(package: "multiembed.v1", service: "EmbeddingService")
    static let collections = ServiceDescriptor(package: "multiembed.v1", service: "CollectionService")

    func register<Transport: ServerTransport>(with router: inout RPCRouter<Transport>) {
        unary(&router, Self.embedding, "Embed", { (m: Multiembed_V1_EmbedRequest) in .embed(m) }) {
            if case .embed(let r) = $0 { r } else { nil }
        }
        unary(&router, Self.embedding, "Info", { (m: Multiembed_V1_InfoRequest) in .info(m) }) {
            if case .info(let r) = $0 { r } else { nil }
        }
        unary(&router, Self.embedding, "Health", { (m: Multiembed_V1_HealthRequest) in .health(m) }) {
            if case .health(let r) = $0 { r } else { nil }
        }
        unary(&router, Self.collections, "Score", { (m: Multiembed_V1_ScoreRequest) in .score(m) }) {
            if case .score(let r) = $0 { r } else { nil }
        }
        unary(&router, Self.collections, "Search", { (m: Multiembed_V1_SearchRequest) in .search(m) }) {
            if case .search(let r) = $0 { r } else { nil }
        }
        unary(&router, Self.collections, "Upsert", { (m: Multiembed_V1_UpsertRequest) in .upsert(m) }) {
            if case .upsert(let r) = $0 { r } else { nil }
        }
        unary(&router, Self.collections, "Get", { (m: Multiembed_V1_GetRequest) in .get(m) }) {
            if case .get(let r) = $0 { r } else { nil }
        }
        unary(&router, Self.collections, "Delete", { (m: Multiembed_V1_DeleteRequest) in .delete(m) }) {
            if case .delete(let r) = $0 { r } else { nil }
        }
        unary(&router, Self.collections, "CreateCollection", { (m: Multiembed_V1_CreateCollectionRequest) in .createCollection(m) }) {
            if case .createCollection(let r) = $0 { r } else { nil }
        }
        unary(&router, Self.collections, "ListCollections", { (m: Multiembed_V1_ListCollectionsRequest) in .listCollections(m) }) {
            if case .listCollections(let r) = $0 { r } else { nil }
        }
        unary(&router, Self.collections, "DropCollection", { (m: Multiembed_V1_DropCollectionRequest) in .dropCollection(m) }) {
            if case .dropCollection(let r) = $0 { r } else { nil }
        }
        router.registerHandler(
            forMethod: MethodDescriptor(service: Self.embedding, method: "EmbedStream"),
            deserializer: BoundedDeserializer<Multiembed_V1_EmbedRequest>(maxBytes: maxMessageBytes),
            serializer: ProtobufSerializer<Multiembed_V1_EmbedResponse>()
        ) { request, context in
            StreamingServerResponse { writer in
                try await embedStream(request, peer: context.remotePeer, writer: writer)
                return [:]
            }
        }
    }

    /// Registers a one-message method whose message is the envelope body `wrap` makes and whose
    /// answer is the response body `unwrap` takes.
    private func unary<Input: SwiftProtobuf.Message, Output: SwiftProtobuf.Message>(
        _ router: inout RPCRouter<some ServerTransport>, _ service: ServiceDescriptor, _ method: String,
        _ wrap: @escaping @Sendable (Input) -> Multiembed_V1_Request.OneOf_Body,
        _ unwrap: @escaping @Sendable (Multiembed_V1_Response.OneOf_Body) -> Output?
    ) {
        router.registerHandler(
            forMethod: MethodDescriptor(service: service, method: method),
            deserializer: BoundedDeserializer<Input>(maxBytes: maxMessageBytes), serializer: ProtobufSerializer<Output>()
        ) { request, context in
            let single = try await ServerRequest(stream: request)
            let answer = await respond(to: wrap(single.message), metadata: single.metadata, peer: context.remotePeer)
            return StreamingServerResponse(single: try Self.response(answer, unwrap))
        }
    }

    /// The core's answer to `body`, with the key and deadline of `metadata`. The deadline counts
    /// from `callStartedAt`, the start of the whole call, as gRPC's deadlines do: a stream's
    /// later messages get what is left of it, not a fresh one each.
    private func respond(
        to body: Multiembed_V1_Request.OneOf_Body, metadata: Metadata, peer: String,
        callStartedAt: ContinuousClock.Instant? = nil
    ) async -> CoreAnswer {
        let receivedAt = ContinuousClock.now
        let reservation = peers.begin(peer: peer)
        defer { peers.end(reservation, peer: peer) }
        let context = RequestContext(
            apiKey: GRPCMetadata.apiKey(in: metadata), receivedAt: receivedAt,
            deadline: GRPCMetadata.deadline(in: metadata, receivedAt: callStartedAt ?? receivedAt), reservation: reservation)
        let admission = core.admit()
        defer { admission.end() }
        let answer = await core.respond(to: body, context: context, admission: admission)
        if answer.status?.code == .unauthenticated { connections.failedAuthentication(peer: peer) }
        return answer
    }

    /// The gRPC response for `answer`: its message with its status in the trailers, or the error
    /// it failed with.
    static func response<Output>(
        _ answer: CoreAnswer, _ unwrap: (Multiembed_V1_Response.OneOf_Body) -> Output?
    ) throws(RPCError) -> ServerResponse<Output> {
        guard let body = answer.body else {
            throw GRPCStatus.error(for: answer.status ?? Multiembed_V1_Status())
        }
        guard let message = unwrap(body) else {
            throw RPCError(code: .internalError, message: "the server answered with a body of another method")
        }
        return ServerResponse(message: message, trailingMetadata: GRPCStatus.trailingMetadata(for: answer.status))
    }

    /// EmbedStream: each request of the stream answered in order, as soon as it and those before
    /// it are done; up to ``streamWindow`` at once. Reading, answering and writing run side by
    /// side, so a client that waits for each answer before sending the next is served as well
    /// as one that sends everything first.
    private func embedStream(
        _ request: StreamingServerRequest<Multiembed_V1_EmbedRequest>, peer: String,
        writer: RPCWriter<Multiembed_V1_EmbedResponse>
    ) async throws {
        let startedAt = ContinuousClock.now
        let slots = AsyncSlots(capacity: streamWindow)
        let (messages, messageSink) = AsyncStream.makeStream(of: Multiembed_V1_EmbedRequest.self)
        let (answers, answerSink) = AsyncStream.makeStream(of: StreamAnswer.self)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                defer { messageSink.finish() }
                for try await message in request.messages {
                    try await slots.acquire()
                    messageSink.yield(message)
                }
            }
            group.addTask {
                // Answers arrive in any order and leave in the order of their requests.
                var ready: [Int: CoreAnswer] = [:]
                var written = 0
                var expected: Int?
                for await answer in answers {
                    switch answer {
                    case .answered(let index, let value): ready[index] = value
                    case .total(let count): expected = count
                    }
                    while let next = ready.removeValue(forKey: written) {
                        do {
                            try await writer.write(try Self.response(next) { if case .embed(let r) = $0 { r } else { nil } }.message)
                        } catch {
                            messageSink.finish()
                            throw error
                        }
                        written += 1
                        slots.release()
                    }
                    if written == expected { return }
                }
            }
            var index = 0
            for await message in messages {
                let position = index
                index += 1
                group.addTask {
                    let answer = await respond(to: .embed(message), metadata: request.metadata, peer: peer, callStartedAt: startedAt)
                    answerSink.yield(.answered(position, answer))
                }
            }
            answerSink.yield(.total(index))
            try await group.waitForAll()
        }
    }

    private enum StreamAnswer: Sendable {
        case answered(Int, CoreAnswer)
        case total(Int)
    }
}
