import Encoders
import Foundation
import LateInteraction
import Pages
import Tokenizers
import WireProtocol

/// Turns the MultiVectorSources of a request (inputs for the model, vectors the client computed,
/// or, for Score, ids of stored documents already read by ``StoredSources``) into validated, L2-normalised ``MultiVector``s, one per source, with a failure per
/// bad source rather than a failure of the whole batch, so an all-or-nothing caller can name
/// every culprit.
///
/// Inputs go through the same embed call as Embed (``EmbeddingService/embed(_:receivedAt:deadline:reservation:)``:
/// preparation off the event loops, the model's dynamic batcher, its limits), whatever the
/// model kind, so a document upserted from a text holds exactly the vectors Embed's
/// OUTPUT_MULTI_VECTOR returns for it. The call names each input as this request does, so its
/// errors need no rewording.
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

        var embedding: EmbeddingOutput {
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

    /// Embeds inputs (through its ``EmbeddingService``).
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
        _ sources: [Multiembed_V1_MultiVectorSource], name: @escaping @Sendable (Int) -> String,
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
            try await embed(inputs, model: model, name: name, receivedAt: receivedAt, deadline: deadline, into: &resolved)
        }
        resolved.failures.sort { $0.index < $1.index }
        return resolved
    }

    /// Embeds `inputs` in one embed call and stores their vectors (or failures) by index.
    private func embed(
        _ inputs: [(index: Int, input: Multiembed_V1_Input)], model: ServedModel, name: @escaping @Sendable (Int) -> String,
        receivedAt: ContinuousClock.Instant, deadline: ContinuousClock.Instant?, into resolved: inout Resolved
    ) async throws(ServerError) {
        var outputs = self.outputs
        if model.dimension == 0 {
            // Late-interaction models have token vectors only: a caller that asked for both
            // decides what a missing pooled vector means.
            guard outputs.wantsTokens else {
                throw .invalidArgument("model \(model.name) (\(model.bundle.encoders)) has no pooled embedding; it cannot embed for dense search")
            }
            outputs = .tokens
        }
        let indices = inputs.map(\.index)
        var call = EmbedCall(inputs: inputs.map { EmbedInput($0.input) })
        call.model = model.name
        call.output = outputs.embedding
        call.truncation = try TruncationPolicy(wire: truncate)
        call.prompt = prompt.embedPrompt(role: role, model: model)
        call.side = role
        call.names = InputNames { name(indices[$0]) }
        let outcome = try await collections.embedding.embed(call, receivedAt: receivedAt, deadline: deadline)
        resolved.usage.add(outcome.usage.wire)
        for (position, result) in outcome.results.enumerated() {
            let index = indices[position]
            switch result {
            case .failure(let failure):
                resolved.failures.append((index, failure.error))
            case .success(let embedded):
                if let page = embedded.page { resolved.pages[index] = page }
                resolved.pooled[index] = embedded.pooled
                guard let rows = embedded.tokens else { continue }
                let vectors: MultiVector
                do throws(LateInteractionError) {
                    vectors = try MultiVector(rows: rows, context: name(index))
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
}
