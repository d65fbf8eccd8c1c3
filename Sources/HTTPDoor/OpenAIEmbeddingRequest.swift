import Foundation
import WireProtocol

/// The body of OpenAI's `POST /v1/embeddings`
/// (https://platform.openai.com/docs/api-reference/embeddings/create), read strictly: a field
/// of the wrong type is a 400 naming it, as OpenAI answers.
struct OpenAIEmbeddingRequest: Decodable, Sendable {
    /// The texts to embed, in order.
    var input: [String]
    var model: String
    var encodingFormat: EncodingFormat
    /// Matryoshka truncation (EmbedRequest.dimensions); nil = the model's full dimension.
    var dimensions: UInt32?

    /// How the vectors are written: float arrays, or base64 of their little-endian float32 bytes.
    enum EncodingFormat: String, Sendable {
        case float
        case base64
    }

    private enum CodingKeys: String, CodingKey {
        case input, model, user, dimensions
        case encodingFormat = "encoding_format"
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        guard container.contains(.input), try !container.decodeNil(forKey: .input) else {
            throw HTTPFailure.badRequest("you must provide an 'input' parameter", param: "input")
        }
        input = try Self.texts(in: container)
        guard container.contains(.model), let model = try? container.decode(String.self, forKey: .model), !model.isEmpty else {
            throw HTTPFailure.badRequest("you must provide a 'model' parameter (a string: a name GET /v1/models lists)", param: "model")
        }
        self.model = model
        if container.contains(.encodingFormat), try !container.decodeNil(forKey: .encodingFormat) {
            let name = try? container.decode(String.self, forKey: .encodingFormat)
            guard let name, let format = EncodingFormat(rawValue: name) else {
                throw HTTPFailure.badRequest(
                    "'encoding_format' must be \"float\" or \"base64\"", param: "encoding_format")
            }
            encodingFormat = format
        } else {
            encodingFormat = .float
        }
        if container.contains(.dimensions), try !container.decodeNil(forKey: .dimensions) {
            guard let value = try? container.decode(Int.self, forKey: .dimensions), value >= 1, value <= Int(UInt32.max) else {
                throw HTTPFailure.badRequest("'dimensions' must be an integer of at least 1", param: "dimensions")
            }
            dimensions = UInt32(value)
        }
        if container.contains(.user), try !container.decodeNil(forKey: .user),
            (try? container.decode(String.self, forKey: .user)) == nil
        {
            throw HTTPFailure.badRequest("'user' must be a string", param: "user")
        }
    }

    /// `input`: a string or an array of strings. Token arrays (OpenAI's arrays of integers) are
    /// valid OpenAI but name tokens of OpenAI's tokenizers, not of our models: refused, saying so.
    private static func texts(in container: KeyedDecodingContainer<CodingKeys>) throws -> [String] {
        if let text = try? container.decode(String.self, forKey: .input) {
            guard !text.isEmpty else { throw HTTPFailure.badRequest("'input' must not be an empty string", param: "input") }
            return [text]
        }
        if let texts = try? container.decode([String].self, forKey: .input) {
            guard !texts.isEmpty else { throw HTTPFailure.badRequest("'input' must not be an empty array", param: "input") }
            if let empty = texts.firstIndex(of: "") {
                throw HTTPFailure.badRequest("input \(empty): 'input' must not contain an empty string", param: "input")
            }
            return texts
        }
        if (try? container.decode([Int].self, forKey: .input)) != nil || (try? container.decode([[Int]].self, forKey: .input)) != nil {
            throw HTTPFailure.badRequest(
                "token-array inputs are not supported: send the text as a string (this server tokenises with each model's own tokenizer; LangChain's OpenAIEmbeddings sends strings when made with check_embedding_ctx_length=False)",
                param: "input")
        }
        throw HTTPFailure.badRequest("'input' must be a string or an array of strings", param: "input")
    }

    /// The request through the core: an Embed of the texts, all or nothing (OpenAI has no
    /// per-input errors), pooled float32 vectors.
    var embedRequest: Multiembed_V1_EmbedRequest {
        var request = Multiembed_V1_EmbedRequest()
        request.model = model
        request.inputs = input.map { text in
            var input = Multiembed_V1_Input()
            input.text = text
            return input
        }
        request.output = .pooled
        request.encoding = .float32
        request.dimensions = dimensions ?? 0
        request.allOrNothing = true
        return request
    }

    /// Reads `body`; malformed JSON or anything but an object is a 400.
    static func decode(_ body: Data) throws(HTTPFailure) -> OpenAIEmbeddingRequest {
        do {
            return try JSONDecoder().decode(OpenAIEmbeddingRequest.self, from: body)
        } catch let failure as HTTPFailure {
            throw failure
        } catch DecodingError.typeMismatch(_, let context) where context.codingPath.isEmpty {
            throw .badRequest("the request body must be a JSON object")
        } catch {
            throw .badRequest("the request body is not valid JSON: \(JSONProblem.describe(error))")
        }
    }
}

/// A short description of why JSON did not parse.
enum JSONProblem {
    static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.dataCorrupted(let context):
            let underlying = (context.underlyingError as? NSError)?.userInfo[NSDebugDescriptionErrorKey] as? String
            return underlying ?? context.debugDescription
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            return context.debugDescription
        default:
            return "\(error)"
        }
    }
}
