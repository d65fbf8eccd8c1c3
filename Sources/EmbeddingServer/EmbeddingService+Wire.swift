import Encoders
import Foundation
import Tokenizers
import WireProtocol

extension EmbeddingService {
    /// Answers one EmbedRequest of the framed protocol: the request as an ``EmbedCall``, the
    /// outcome as an EmbedResponse (vectors in the requested encoding) and a status with an
    /// InputError per failed input. `deadline` is when the client stops waiting.
    ///
    /// `reservation`, when given, is charged the response's estimated size before any input is
    /// queued (waiting while the connection holds too many unread answers).
    func embed(
        _ request: Multiembed_V1_EmbedRequest, receivedAt: ContinuousClock.Instant, deadline: ContinuousClock.Instant?,
        reservation: AnswerReservation? = nil
    ) async throws(ServerError) -> (Multiembed_V1_EmbedResponse, Multiembed_V1_Status) {
        let call = try EmbedCall(request)
        let outcome = try await embed(call, receivedAt: receivedAt, deadline: deadline, reservation: reservation)
        return Self.response(outcome, encoding: request.encoding)
    }

    /// The EmbedResponse and status of an outcome: one Embedding per input in input order, an
    /// InputError per failed input, and the usage.
    static func response(_ outcome: EmbedOutcome, encoding: Multiembed_V1_Encoding) -> (Multiembed_V1_EmbedResponse, Multiembed_V1_Status) {
        var response = Multiembed_V1_EmbedResponse()
        response.model = outcome.model.name
        response.embeddings.reserveCapacity(outcome.results.count)
        var status = Multiembed_V1_Status()
        for (index, result) in outcome.results.enumerated() {
            var embedding = Multiembed_V1_Embedding()
            embedding.index = UInt32(index)
            switch result {
            case .success(let embedded):
                embedding.truncated = embedded.truncated
                if let pooled = embedded.pooled { embedding.pooled = VectorEncoding.vector(pooled, encoding: encoding) }
                if let tokens = embedded.tokens {
                    embedding.multiVector = VectorEncoding.multiVector(tokens, dimension: outcome.model.tokenDimension, encoding: encoding)
                }
                if let page = embedded.page { embedding.pageText = page.wire }
            case .failure(let failure):
                status.inputErrors.append(inputError((failure.index, failure.error)))
            }
            response.embeddings.append(embedding)
        }
        response.usage = outcome.usage.wire
        if !status.inputErrors.isEmpty {
            status.message = "\(status.inputErrors.count) of \(outcome.results.count) inputs failed"
        }
        return (response, status)
    }

    static func microseconds(_ duration: Duration) -> UInt64 {
        let (seconds, attoseconds) = duration.components
        guard seconds >= 0 else { return 0 }
        return UInt64(seconds) * 1_000_000 + UInt64(attoseconds / 1_000_000_000_000)
    }

    static func inputError(_ failure: (index: Int, error: ServerError)) -> Multiembed_V1_InputError {
        var inputError = Multiembed_V1_InputError()
        inputError.index = UInt32(failure.index)
        inputError.code = failure.error.code
        inputError.message = failure.error.message
        return inputError
    }
}

extension EmbedUsage {
    /// The framed protocol's Usage.
    var wire: Multiembed_V1_Usage {
        var usage = Multiembed_V1_Usage()
        usage.tokens = UInt64(tokens)
        usage.patches = UInt64(patches)
        usage.pixels = UInt64(pixels)
        usage.queueTimeUs = EmbeddingService.microseconds(queueTime)
        usage.inferenceTimeUs = EmbeddingService.microseconds(inferenceTime)
        return usage
    }
}

extension EmbedCall {
    /// The call an EmbedRequest asks for; an option the protocol does not know is INVALID_ARGUMENT.
    init(_ request: Multiembed_V1_EmbedRequest) throws(ServerError) {
        self.init(inputs: request.inputs.map(EmbedInput.init))
        model = request.model
        switch request.output {
        case .pooled: output = .pooled
        case .multiVector: output = .multiVector
        case .both: output = .both
        case .UNRECOGNIZED(let value): throw .invalidArgument("unknown output \(value)")
        }
        switch request.encoding {
        case .UNRECOGNIZED(let value): throw .invalidArgument("unknown encoding \(value)")
        default: encoding = request.encoding
        }
        truncation = try TruncationPolicy(wire: request.truncate)
        dimensions = request.dimensions == 0 ? nil : Int(request.dimensions)
        switch request.normalize {
        case .modelDefault: normalize = nil
        case .on: normalize = true
        case .off: normalize = false
        case .UNRECOGNIZED(let value): throw .invalidArgument("unknown normalize \(value)")
        }
        switch request.prompt {
        case nil: prompt = .modelDefault
        case .promptName(let name): prompt = .name(name)
        case .instruction(let text): prompt = .instruction(text)
        }
        allOrNothing = request.allOrNothing
    }
}

extension EmbedInput {
    init(_ input: Multiembed_V1_Input) {
        switch input.kind {
        case .text(let text): self = .text(text)
        case .image(let image): self = .image(data: image.data, name: image.name)
        case .patches(let patches):
            self = .patches(rows: patches.rows, cols: patches.cols, patchSize: patches.patchSize, channels: patches.channels, data: patches.data)
        case .page(let page): self = .page(page)
        case nil: self = .empty
        }
    }
}

extension TruncationPolicy {
    init(wire: Multiembed_V1_Truncate) throws(ServerError) {
        switch wire {
        case .end: self = .end
        case .start: self = .start
        case .error: self = .error
        case .UNRECOGNIZED(let value): throw .invalidArgument("unknown truncate \(value)")
        }
    }
}
