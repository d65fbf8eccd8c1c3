import Foundation
import Hummingbird
import WireProtocol

/// OpenAI's embeddings API (https://platform.openai.com/docs/api-reference/embeddings) on the
/// core, so that OpenAI's SDKs and the embedders built on them (LangChain, LlamaIndex) work
/// unchanged with `base_url` pointed here:
///
/// - `POST /v1/embeddings`: `input` a string or an array of strings (token arrays are refused),
///   `model` one of ours (unknown: 404 `model_not_found`), `encoding_format` float (default) or
///   base64, `dimensions` (Matryoshka truncation, where the model allows it), `user` ignored.
///   Every input through one Embed, all or nothing: any bad input fails the request (400, the
///   message naming the input by index), as OpenAI has no per-input errors.
/// - `GET /v1/models` and `GET /v1/models/{id}`: our models as OpenAI's model objects.
struct OpenAIRoutes: Sendable {
    let routes: HTTPRoutes

    func register(on router: Router<DoorRequestContext>) {
        router.post("/v1/embeddings") { request, context in
            await answer { () async throws(HTTPFailure) in try await embeddings(request, context: context) }
        }
        router.get("/v1/models") { request, context in
            await answer { () async throws(HTTPFailure) in try await models(request, context: context, id: nil) }
        }
        router.get("/v1/models/{id}") { request, context in
            await answer { () async throws(HTTPFailure) in
                try await models(request, context: context, id: context.parameters.get("id") ?? "")
            }
        }
    }

    /// The route's response, or its failure as OpenAI's error object.
    private func answer(_ work: () async throws(HTTPFailure) -> Response) async -> Response {
        do {
            return try await work()
        } catch {
            return error.response(includingStatus: false)
        }
    }

    private func embeddings(_ request: Request, context: DoorRequestContext) async throws(HTTPFailure) -> Response {
        let body = try await routes.body(of: request)
        let embedding = try OpenAIEmbeddingRequest.decode(Data(body.readableBytesView))
        let answer = await routes.gateway.respond(to: .embed(embedding.embedRequest), call: routes.call(for: request, context: context))
        guard case .embed(let response) = answer.body, answer.status?.inputErrors.isEmpty ?? true else {
            throw Self.failure(answer.status ?? Multiembed_V1_Status(), model: embedding.model)
        }
        return HTTPDoorResponse.json(Self.json(response, format: embedding.encodingFormat))
    }

    /// `{"object": "list", "data": [...], "model", "usage"}`, written by hand: the vectors are
    /// most of it, and each float is printed as the shortest decimal that reads back as the
    /// same float32, so a client gets the framed protocol's vector bit for bit.
    static func json(_ response: Multiembed_V1_EmbedResponse, format: OpenAIEmbeddingRequest.EncodingFormat) -> String {
        var json = #"{"object":"list","data":["#
        for (position, embedding) in response.embeddings.enumerated() {
            if position > 0 { json += "," }
            json += #"{"object":"embedding","index":\#(embedding.index),"embedding":"#
            switch format {
            case .base64:
                json += "\"" + embedding.pooled.data.base64EncodedString() + "\""
            case .float:
                json += "["
                embedding.pooled.data.withUnsafeBytes { raw in
                    for index in 0..<(raw.count / 4) {
                        if index > 0 { json += "," }
                        let bits = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: index * 4, as: UInt32.self))
                        json += JSONText.number(Float(bitPattern: bits))
                    }
                }
                json += "]"
            }
            json += "}"
        }
        let tokens = response.usage.tokens
        json += #"],"model":\#(JSONText.string(response.model)),"#
        json += #""usage":{"prompt_tokens":\#(tokens),"total_tokens":\#(tokens)}}"#
        return json
    }

    /// A failed Embed as OpenAI says it: an unknown model is `model_not_found` (the only
    /// NOT_FOUND this route can meet: it sends no prompt names).
    static func failure(_ status: Multiembed_V1_Status, model: String) -> HTTPFailure {
        var failure = HTTPFailure(core: status)
        if status.code == .notFound {
            failure.message = "The model '\(model)' does not exist (GET /v1/models lists this server's models)"
            failure.param = "model"
            failure.code = "model_not_found"
        }
        return failure
    }

    /// The models Info lists, as OpenAI's model objects; one when `id` is given.
    private func models(_ request: Request, context: DoorRequestContext, id: String?) async throws(HTTPFailure) -> Response {
        let answer = await routes.gateway.respond(to: .info(Multiembed_V1_InfoRequest()), call: routes.call(for: request, context: context))
        guard case .info(let info) = answer.body else { throw HTTPFailure(core: answer.status ?? Multiembed_V1_Status()) }
        let objects = info.models.map { model in
            #"{"id":\#(JSONText.string(model.name)),"object":"model","created":\#(routes.startedAt),"owned_by":"multiembed"}"#
        }
        guard let id else {
            return HTTPDoorResponse.json(#"{"object":"list","data":[\#(objects.joined(separator: ","))]}"#)
        }
        guard let index = info.models.firstIndex(where: { $0.name == id }) else {
            throw HTTPFailure(.notFound, "The model '\(id)' does not exist", param: "model", code: "model_not_found")
        }
        return HTTPDoorResponse.json(objects[index])
    }
}
