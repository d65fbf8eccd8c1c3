import Encoders
import Pages
import WireProtocol

extension EmbeddingService {
    /// Embed of Page inputs with a ColBERT-style model: each page read, then encoded as a
    /// document (its words in windows of the model's document length, marker and skip list
    /// applied, ``ColBERTPageEmbedder``) on the page threads, since the model's batcher cannot run
    /// this encoder. Such models have token vectors only: the output must be OUTPUT_MULTI_VECTOR.
    /// A page that cannot be read fails alone; its text layer comes back with its vectors.
    func embedColBERTPages(
        _ request: Multiembed_V1_EmbedRequest, model: ServedModel, encoder: ColBERTTextEncoder,
        receivedAt: ContinuousClock.Instant, reservation: AnswerReservation?
    ) async throws(ServerError) -> (Multiembed_V1_EmbedResponse, Multiembed_V1_Status, [Int: PageAttachment]) {
        guard request.inputs.count <= limits.maxInputsPerRequest else {
            throw .invalidArgument(
                "the request has \(request.inputs.count) inputs, more than max_inputs_per_request (\(limits.maxInputsPerRequest))")
        }
        let options = try EmbedOptions(request, model: model, limits: limits)
        guard options.output == .multiVector else {
            throw .invalidArgument("model \(model.name) (ColBERT) has no pooled embedding: ask for OUTPUT_MULTI_VECTOR")
        }
        if case .instruction(let text)? = request.prompt, !text.isEmpty {
            throw .invalidArgument("model \(model.name) (ColBERT): a page takes the model's document marker, not an instruction")
        }
        let pageInputs = self.pageInputs
        let read = await withTaskGroup(of: (Int, Result<PageText, ServerError>).self) { group in
            for (index, input) in request.inputs.enumerated() {
                guard case .page(let page) = input.kind else { continue }
                group.addTask { (index, await pageInputs.read(page, index: index, vision: nil, model: model.name).map { $0.text }) }
            }
            var results: [(Int, Result<PageText, ServerError>)] = []
            for await result in group { results.append(result) }
            return results.sorted { $0.0 < $1.0 }
        }
        var preparation = EmbedPreparation(failures: [])
        for (index, result) in read {
            switch result {
            case .failure(let error): preparation.failures.append((index, error))
            case .success(let page):
                preparation.ready.append((index, .page(ColBERTPageEmbedder.prepare(page, with: encoder), options.text)))
                preparation.pixels[index] = page.width * page.height
            }
        }
        let estimate = ResponseSizeEstimate(preparation, options: options, model: model)
        try estimate.check(limit: limits.maxResponseBytes, inputs: request.inputs.count)
        try await reservation?.reserve(estimate.bytes)
        if request.allOrNothing, let first = preparation.failures.first {
            var status = Multiembed_V1_Status()
            status.code = first.error.code
            status.message = "input \(first.index) failed and the request is all_or_nothing: \(first.error.message)"
            status.inputErrors = preparation.failures.map(Self.inputError)
            throw ServerError(first.error.code, status.message, cause: AllOrNothingFailure(status: status))
        }
        let started = ContinuousClock.now
        let encoded = await withTaskGroup(of: (Int, InputOutcome).self) { group in
            for (index, input) in preparation.ready {
                guard case .page(let prepared, _) = input else { continue }
                group.addTask {
                    let result = await pageInputs.run { _ in
                        Result { () throws(EmbeddingError) -> PageEmbedding in
                            try PageEmbedder.combine(prepared, windowVectors: try encoder.encodeDocuments(tokenized: prepared.windows.map(\.ids)))
                        }.mapError { ServerError(.internal, $0.description) }
                    }
                    switch result {
                    case .success(let page): return (index, .page(page))
                    case .failure(let error): return (index, .failed(error.message))
                    }
                }
            }
            var outcomes: [(Int, InputOutcome)] = []
            for await outcome in group { outcomes.append(outcome) }
            return outcomes
        }
        var completed = PendingEmbedding.Completed(
            outcomes: Array(repeating: nil, count: request.inputs.count), queueTime: started - receivedAt,
            inferenceTime: ContinuousClock.now - started)
        var attachments: [Int: PageAttachment] = [:]
        for (index, outcome) in encoded {
            completed.outcomes[index] = outcome
            if case .page(let page) = outcome { attachments[index] = page.attachment }
        }
        preparation.failures.sort { $0.index < $1.index }
        let (response, status) = Self.response(model: model, options: options, completed: completed, preparation: preparation)
        return (response, status, attachments)
    }
}

extension EmbedPreparation {
    /// A preparation filled in by hand (ColBERT pages, which skip the batcher).
    init(failures: [(index: Int, error: ServerError)]) {
        self.failures = failures
    }
}
