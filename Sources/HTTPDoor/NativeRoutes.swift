import Foundation
import Hummingbird
internal import SwiftProtobuf
import WireProtocol

/// The framed protocol's methods as JSON, for what OpenAI's API cannot say: images (base64
/// bytes), patches, pages, prompts and instructions, multi-vector output, output encodings,
/// per-input errors and the collections.
///
/// `POST /v1/native/{method}` takes the method's request message in proto3 JSON (the body may
/// be empty for a message with nothing to set) and answers the framed protocol's Response in
/// proto3 JSON, without its id: `{"embed": EmbedResponse}` (the body's field is named after the
/// method), with `"status"` beside it when it is anything but a plain OK (per-input errors). A
/// request that fails as a whole gets the HTTP status of its code and
/// `{"error": {...}, "status": Status}`. `GET /v1/native/info` is Info.
struct NativeRoutes: Sendable {
    let routes: HTTPRoutes

    /// Each method's path under /v1/native/, with the envelope body its message makes.
    func register(on router: Router<DoorRequestContext>) {
        route(router, "embed") { (message: Multiembed_V1_EmbedRequest) in .embed(message) }
        route(router, "score") { (message: Multiembed_V1_ScoreRequest) in .score(message) }
        route(router, "search") { (message: Multiembed_V1_SearchRequest) in .search(message) }
        route(router, "upsert") { (message: Multiembed_V1_UpsertRequest) in .upsert(message) }
        route(router, "get") { (message: Multiembed_V1_GetRequest) in .get(message) }
        route(router, "delete") { (message: Multiembed_V1_DeleteRequest) in .delete(message) }
        route(router, "create_collection") { (message: Multiembed_V1_CreateCollectionRequest) in .createCollection(message) }
        route(router, "list_collections") { (message: Multiembed_V1_ListCollectionsRequest) in .listCollections(message) }
        route(router, "drop_collection") { (message: Multiembed_V1_DropCollectionRequest) in .dropCollection(message) }
        route(router, "info") { (message: Multiembed_V1_InfoRequest) in .info(message) }
        router.get("/v1/native/info") { request, context in
            await respond(to: .info(Multiembed_V1_InfoRequest()), request: request, context: context)
        }
    }

    private func route<Message: SwiftProtobuf.Message>(
        _ router: Router<DoorRequestContext>, _ method: String,
        _ wrap: @escaping @Sendable (Message) -> Multiembed_V1_Request.OneOf_Body
    ) {
        router.post(RouterPath("/v1/native/\(method)")) { request, context in
            let message: Message
            do throws(HTTPFailure) {
                message = try Self.message(try await routes.body(of: request))
            } catch {
                return error.response(includingStatus: false)
            }
            return await respond(to: wrap(message), request: request, context: context)
        }
    }

    /// The core's answer as the framed Response in JSON, or its failure.
    private func respond(to body: Multiembed_V1_Request.OneOf_Body, request: Request, context: DoorRequestContext) async -> Response {
        let answer = await routes.gateway.respond(to: body, call: routes.call(for: request, context: context))
        guard answer.body != nil else {
            return HTTPFailure(core: answer.status ?? Multiembed_V1_Status()).response(includingStatus: true)
        }
        var response = Multiembed_V1_Response()
        response.body = answer.body
        if let status = answer.status { response.status = status }
        do {
            return HTTPDoorResponse.json(try response.jsonString(options: NativeJSON.encoding))
        } catch {
            return HTTPFailure(.internalServerError, type: "server_error", "the answer could not be written as JSON: \(error)", code: "internal")
                .response(includingStatus: false)
        }
    }

    /// The request message in `body` (proto3 JSON); an empty body is the message with nothing
    /// set. Malformed JSON, a wrong type or an unknown field is a 400 that says which.
    static func message<Message: SwiftProtobuf.Message>(_ body: ByteBuffer) throws(HTTPFailure) -> Message {
        var bytes = Data(body.readableBytesView)
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { return Message() }
        bytes = DataURIs.strippingPrefixes(bytes)
        do {
            return try Message(jsonUTF8Bytes: bytes, options: NativeJSON.decoding)
        } catch {
            throw .badRequest("the request body is not a valid \(Message.protoMessageName) in proto3 JSON: \(error)")
        }
    }
}

/// Browsers and many SDKs hand images over as data URIs (`data:image/png;base64,...`); proto3
/// JSON wants the base64 alone. A `data` field (ImageBytes, Patches, Page) whose value is a
/// base64 data URI is read as its base64 part. Text inputs are never touched: their field is
/// `text`.
enum DataURIs {
    static func strippingPrefixes(_ json: Data) -> Data {
        // Most bodies have none: look before building a string.
        guard json.range(of: Data("\"data:".utf8)) != nil, let text = String(data: json, encoding: .utf8) else { return json }
        let stripped = text.replacing(#/"data"(\s*):(\s*)"data:[^",]*;base64,/#) { match in
            "\"data\"\(match.output.1):\(match.output.2)\""
        }
        return Data(stripped.utf8)
    }
}
