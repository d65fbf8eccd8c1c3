import Encoders
import Foundation
import LateInteraction
import Pages
import WireProtocol

/// Turns the MultiVectorSources of a request (inputs for the model, vectors the client computed,
/// or, for Score, ids of stored documents already read by ``StoredSources``) into validated, L2-normalised ``MultiVector``s, one per source, with a failure per
/// bad source rather than a failure of the whole batch, so an all-or-nothing caller can name
/// every culprit.
///
/// Inputs go through the same path as Embed (preparation off the event loops, the model's
/// dynamic batcher, its limits), asking for multi-vector output in float32, so a document
/// upserted from a text holds exactly the vectors Embed's OUTPUT_MULTI_VECTOR returns for it.
struct MultiVectorResolver: Sendable {
    /// The model that embeds inputs, or why inputs cannot be embedded here.
    enum Embedder: Sendable {
        case model(ServedModel)
        case unavailable(ServerError)
    }

    /// What the vectors must be like.
    struct Requirements: Sendable {
        /// Values per vector; nil = any (Score's query).
        var dimension: Int?
        /// The code of a dimension mismatch: FAILED_PRECONDITION against a collection,
        /// INVALID_ARGUMENT between the two sides of a Score.
        var mismatchCode: Multiembed_V1_Code
        /// Most vectors of one source (Limits.max_vectors_per_document).
        var maxVectors: Int
    }

    /// What an input is embedded into: its token vectors (MaxSim), its pooled embedding (dense
    /// search, the document of a dense collection), or both from one pass of the model.
    enum Outputs: Sendable {
        case tokens
        case pooled
        case both

        var wantsTokens: Bool { self != .pooled }
        var wantsPooled: Bool { self != .tokens }

        var wire: Multiembed_V1_Output {
            switch self {
            case .tokens: .multiVector
            case .pooled: .pooled
            case .both: .both
            }
        }
    }

    /// The outcome: one entry per source (nil where it failed), the failures by index, and the
    /// embedding work. `pooled` holds the pooled embedding of each input source when asked for
    /// (nil for vectors, document ids, and models without one, such as ColBERT's); `vectors` is
    /// nil for every input when only pooled embeddings were asked for.
    struct Resolved: Sendable {
        var vectors: [MultiVector?]
        var pooled: [[Float]?]
        /// Page inputs' attachments (text layer, word of each vector), by source index.
        var pages: [Int: PageAttachment] = [:]
        var failures: [(index: Int, error: ServerError)]
        var usage = Multiembed_V1_Usage()
    }

    /// Embeds inputs (through its ``EmbeddingService``) and runs ColBERT encoding off the loops.
    let collections: CollectionService
    let embedder: Embedder
    let role: RetrievalSide
    let prompt: PromptChoice
    let truncate: Multiembed_V1_Truncate
    let requirements: Requirements
    /// What inputs are embedded into.
    var outputs: Outputs = .tokens
    /// The stored documents a request's document_id sources name, read beforehand in one store
    /// call; nil where ids are not accepted (Upsert, Search), which refuses them.
    var stored: StoredSources? = nil

    /// Resolves `sources`; `name(i)` names source i in messages ("document 3", "query").
    /// Throws only what fails the request whatever its sources (an unknown prompt name, a full
    /// queue, a passed deadline).
    func resolve(
        _ sources: [Multiembed_V1_MultiVectorSource], name: (Int) -> String,
        receivedAt: ContinuousClock.Instant, deadline: ContinuousClock.Instant?
    ) async throws(ServerError) -> Resolved {
        var resolved = Resolved(
            vectors: Array(repeating: nil, count: sources.count), pooled: Array(repeating: nil, count: sources.count), failures: [])
        var inputs: [(index: Int, input: Multiembed_V1_Input)] = []
        for (index, source) in sources.enumerated() {
            switch source.kind {
            case nil:
                resolved.failures.append((index, .invalidArgument("\(name(index)) has neither an input nor vectors")))
            case .documentID(let id):
                switch stored?.vectors(of: id, name: name(index)) ?? .failure(StoredSources.refused(id, name: name(index))) {
                case .success(let vectors): resolved.vectors[index] = vectors
                case .failure(let error): resolved.failures.append((index, error))
                }
            case .vectors(let wire):
                switch decode(wire, name: name(index)) {
                case .success(let vectors): resolved.vectors[index] = vectors
                case .failure(let error): resolved.failures.append((index, error))
                }
            case .input(let input):
                if case .unavailable(let reason) = embedder {
                    resolved.failures.append((index, ServerError(reason.code, "\(name(index)): \(reason.message)")))
                } else if case .text(let text) = input.kind, text.allSatisfy(\.isWhitespace) {
                    resolved.failures.append((index, .invalidArgument("\(name(index)): the text is empty")))
                } else {
                    inputs.append((index, input))
                }
            }
        }
        if case .model(let model) = embedder, !inputs.isEmpty {
            if let colbert = model.bundle.lateInteraction {
                // ColBERT models have token vectors only: a caller that asked for both decides
                // what a missing pooled vector means.
                guard outputs.wantsTokens else {
                    throw .invalidArgument("model \(model.name) (ColBERT) has no pooled embedding; it cannot embed for dense search")
                }
                try await encode(inputs, colbert: colbert, model: model, name: name, into: &resolved)
            } else {
                try await embed(inputs, model: model, name: name, receivedAt: receivedAt, deadline: deadline, into: &resolved)
            }
        }
        resolved.failures.sort { $0.index < $1.index }
        return resolved
    }

    /// Embeds `inputs` in one EmbedRequest and stores their vectors (or failures) by index.
    private func embed(
        _ inputs: [(index: Int, input: Multiembed_V1_Input)], model: ServedModel, name: (Int) -> String,
        receivedAt: ContinuousClock.Instant, deadline: ContinuousClock.Instant?, into resolved: inout Resolved
    ) async throws(ServerError) {
        var request = Multiembed_V1_EmbedRequest()
        request.model = model.name
        request.inputs = inputs.map(\.input)
        request.output = outputs.wire
        request.encoding = .float32
        request.truncate = truncate
        request.prompt = prompt.embedPrompt(role: role, model: model)
        let (response, status, pages) = try await collections.embedding.embedWithPages(request, receivedAt: receivedAt, deadline: deadline)
        resolved.usage.add(response.usage)
        for (position, attachment) in pages where inputs.indices.contains(position) {
            resolved.pages[inputs[position].index] = attachment
        }
        for failure in status.inputErrors {
            let position = Int(failure.index)
            guard inputs.indices.contains(position) else { continue }
            let index = inputs[position].index
            resolved.failures.append((index, ServerError(failure.code, Self.renamed(failure.message, position: position, as: name(index)))))
        }
        for (position, embedding) in response.embeddings.enumerated() where embedding.hasPooled {
            resolved.pooled[inputs[position].index] = EmbedPreparation.littleEndianFloats(embedding.pooled.data)
        }
        for (position, embedding) in response.embeddings.enumerated() where embedding.hasMultiVector {
            let index = inputs[position].index
            let wire = embedding.multiVector
            let values = EmbedPreparation.littleEndianFloats(wire.data)
            let vectors: MultiVector
            do throws(LateInteractionError) {
                vectors = try MultiVector(dimension: Int(wire.dimension), values: values, context: name(index))
            } catch {
                resolved.failures.append((index, .invalidArgument(error.description)))
                continue
            }
            if let failure = check(count: vectors.count, dimension: vectors.dimension, name: name(index), embedded: true) {
                resolved.failures.append((index, failure))
            } else {
                resolved.vectors[index] = vectors
            }
        }
    }

    /// Vectors the client sent: shape, size, finiteness, then normalised.
    private func decode(_ wire: Multiembed_V1_MultiVector, name: String) -> Result<MultiVector, ServerError> {
        let count = Int(wire.count), dimension = Int(wire.dimension)
        guard dimension > 0 else { return .failure(.invalidArgument("\(name): the vectors' dimension is 0")) }
        guard count > 0 else { return .failure(.invalidArgument("\(name): no vectors (count 0)")) }
        if let failure = check(count: count, dimension: dimension, name: name, embedded: false) { return .failure(failure) }
        // count and dimension are at most 2^32 each: the product fits in 64 bits.
        let expectedBytes = 4 * count * dimension
        guard wire.data.count == expectedBytes else {
            return .failure(.invalidArgument(
                "\(name): vector data has \(wire.data.count) bytes; \(count) float32 vectors of \(dimension) values take \(expectedBytes)"))
        }
        do throws(LateInteractionError) {
            let vectors = try MultiVector(dimension: dimension, values: EmbedPreparation.littleEndianFloats(wire.data), context: name)
            return .success(try vectors.l2Normalized(context: name))
        } catch {
            return .failure(.invalidArgument(error.description))
        }
    }

    /// The limit on vectors per source and the required dimension.
    func check(count: Int, dimension: Int, name: String, embedded: Bool) -> ServerError? {
        if count > requirements.maxVectors {
            return .invalidArgument(
                "\(name): \(count) vectors\(embedded ? " once embedded" : ""), more than max_vectors_per_document (\(requirements.maxVectors))")
        }
        if let expected = requirements.dimension, expected != dimension {
            return ServerError(requirements.mismatchCode, "\(name): vectors of dimension \(dimension), expected \(expected)")
        }
        return nil
    }

    /// An Embed input error names the input by its position in the EmbedRequest built here;
    /// the client knows it by its place in its own request.
    static func renamed(_ message: String, position: Int, as name: String) -> String {
        let prefix = "input \(position)"
        guard message.hasPrefix(prefix) else { return "\(name): \(message)" }
        return name + message.dropFirst(prefix.count)
    }
}
