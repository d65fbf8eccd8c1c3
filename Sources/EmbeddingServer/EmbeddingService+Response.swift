import Encoders
import Pages
import WireProtocol

extension EmbeddingService {
    /// The EmbedResponse and status of a request whose inputs are done: one Embedding per input
    /// in input order, an InputError per failed input, and the usage.
    static func response(
        model: ServedModel, options: EmbedOptions, completed: PendingEmbedding.Completed, preparation: EmbedPreparation
    ) -> (Multiembed_V1_EmbedResponse, Multiembed_V1_Status) {
        var response = Multiembed_V1_EmbedResponse()
        response.model = model.name
        var usage = Multiembed_V1_Usage()
        var lateFailures: [Multiembed_V1_InputError] = []
        response.embeddings.reserveCapacity(completed.outcomes.count)
        for (index, outcome) in completed.outcomes.enumerated() {
            var embedding = Multiembed_V1_Embedding()
            embedding.index = UInt32(index)
            switch outcome {
            case .text(let text)?:
                usage.tokens += UInt64(text.tokenCount)
                embedding.truncated = text.truncated
                if let pooled = text.pooled { embedding.pooled = VectorEncoding.vector(pooled, encoding: options.encoding) }
                if let tokens = text.tokenVectors {
                    embedding.multiVector = VectorEncoding.multiVector(
                        tokens, dimension: model.tokenDimension, encoding: options.encoding)
                }
            case .image(let image)?:
                usage.patches += UInt64(image.patchCount)
                usage.pixels += UInt64(preparation.pixels[index] ?? 0)
                if let pooled = image.pooled { embedding.pooled = VectorEncoding.vector(pooled, encoding: options.encoding) }
                if let tokens = image.tokenVectors {
                    // The wire's multi-vector holds the patches only: the class token comes first.
                    embedding.multiVector = VectorEncoding.multiVector(
                        Array(tokens.dropFirst()), dimension: model.tokenDimension, encoding: options.encoding)
                }
            case .page(let page)?:
                usage.tokens += UInt64(page.tokenCount)
                usage.pixels += UInt64(preparation.pixels[index] ?? 0)
                if options.output.wantsPooledVector, let pooled = page.pooled {
                    embedding.pooled = VectorEncoding.vector(pooled, encoding: options.encoding)
                }
                if options.output.wantsTokenVectors {
                    let rows = (0 ..< page.tokens.count).map { page.tokens.row($0) }
                    embedding.multiVector = VectorEncoding.multiVector(rows, dimension: model.tokenDimension, encoding: options.encoding)
                }
                embedding.pageText = page.attachment.wire
                usage.patches += UInt64(page.attachment.patches.map { $0.count - $0.leading } ?? 0)
            case .failed(let message)?:
                var failure = Multiembed_V1_InputError()
                failure.index = UInt32(index)
                failure.code = .internal
                failure.message = "input \(index): \(message)"
                lateFailures.append(failure)
            case nil:
                break
            }
            response.embeddings.append(embedding)
        }
        usage.queueTimeUs = microseconds(completed.queueTime)
        usage.inferenceTimeUs = microseconds(completed.inferenceTime)
        response.usage = usage
        var status = Multiembed_V1_Status()
        status.inputErrors = (preparation.failures.map(inputError) + lateFailures).sorted { $0.index < $1.index }
        if !status.inputErrors.isEmpty {
            status.message = "\(status.inputErrors.count) of \(completed.outcomes.count) inputs failed"
        }
        return (response, status)
    }

    static func microseconds(_ duration: Duration) -> UInt64 {
        let (seconds, attoseconds) = duration.components
        guard seconds >= 0 else { return 0 }
        return UInt64(seconds) * 1_000_000 + UInt64(attoseconds / 1_000_000_000_000)
    }
}
