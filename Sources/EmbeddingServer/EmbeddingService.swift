import Encoders
import Logging
import NIOPosix
import Pages
import WireProtocol

/// Serves embed requests: checks them against the model and the limits, prepares the inputs
/// off the event loops, queues them in the model's batcher, and turns the results into a
/// response. Transport-independent, so it can be tested without sockets.
final class EmbeddingService: Sendable {
    /// The models, in the order given; the first is the default.
    let models: [ServedModel]
    let batchers: [String: ModelBatcher]
    let limits: ServerLimits
    /// Threads that tokenise texts and decode images: blocking work that must stay off the
    /// event loops and the cooperative pool, and off the model threads' critical path.
    private let preparationPool: NIOThreadPool
    /// Reads Page inputs (OCR, PDFs) on threads of its own.
    let pageInputs: PageInputReader
    private let metrics: ServerMetrics

    init(models: [ServedModel], configuration: ServerConfiguration, metrics: ServerMetrics, logger: Logger) {
        self.models = models
        self.limits = configuration.limits
        self.metrics = metrics
        var batchers: [String: ModelBatcher] = [:]
        for model in models {
            batchers[model.name] = ModelBatcher(
                model: model, batching: configuration.batching, maxQueuedInputs: configuration.limits.maxQueuedInputsPerModel,
                metrics: metrics, logger: logger)
        }
        self.batchers = batchers
        self.preparationPool = NIOThreadPool(numberOfThreads: 2)
        self.pageInputs = PageInputReader(options: configuration.pageReading, limits: configuration.limits)
    }

    func start() {
        preparationPool.start()
        pageInputs.start()
        for batcher in batchers.values { batcher.start() }
    }

    /// Stops the model threads and the preparation pool (after the requests have ended).
    func stop() async {
        for batcher in batchers.values { batcher.stop() }
        try? await preparationPool.shutdownGracefully()
        await pageInputs.stop()
    }

    /// Inputs waiting for a batch, all models.
    var queueDepth: Int { batchers.values.reduce(0) { $0 + $1.queueDepth } }

    /// Answers one EmbedRequest. `deadline` is when the client stops waiting.
    ///
    /// `reservation`, when given, is charged the response's estimated size before any input is
    /// queued (waiting while the connection holds too many unread answers).
    func embed(
        _ request: Multiembed_V1_EmbedRequest, receivedAt: ContinuousClock.Instant, deadline: ContinuousClock.Instant?,
        reservation: AnswerReservation? = nil
    ) async throws(ServerError) -> (Multiembed_V1_EmbedResponse, Multiembed_V1_Status) {
        let (response, status, _) = try await embedWithPages(request, receivedAt: receivedAt, deadline: deadline, reservation: reservation)
        return (response, status)
    }

    /// `embed`, also returning each Page input's attachment (its text layer and the word of each
    /// token vector), which collections store beside the page's vectors.
    func embedWithPages(
        _ request: Multiembed_V1_EmbedRequest, receivedAt: ContinuousClock.Instant, deadline: ContinuousClock.Instant?,
        reservation: AnswerReservation? = nil
    ) async throws(ServerError) -> (Multiembed_V1_EmbedResponse, Multiembed_V1_Status, [Int: PageAttachment]) {
        let model = try self.model(named: request.model)
        if let colbert = model.bundle.lateInteraction {
            // A page is always a document, so its markers are known; a text could be either.
            guard !request.inputs.isEmpty, request.inputs.allSatisfy({ if case .page = $0.kind { true } else { false } }) else {
                throw ServerError(
                    .unimplemented,
                    "model \(model.name) is a ColBERT-style model: embed texts through Score, Search and Upsert, which apply its query and document markers (Embed takes its Page inputs only, as documents)")
            }
            return try await embedColBERTPages(request, model: model, encoder: colbert, receivedAt: receivedAt, reservation: reservation)
        }
        guard let batcher = batchers[model.name] else { throw ServerError(.internal, "model \(model.name) has no batcher") }
        guard !request.inputs.isEmpty else { throw .invalidArgument("the request has no inputs") }
        guard request.inputs.count <= limits.maxInputsPerRequest else {
            throw .invalidArgument(
                "the request has \(request.inputs.count) inputs, more than max_inputs_per_request (\(limits.maxInputsPerRequest))")
        }
        let options = try EmbedOptions(request, model: model, limits: limits)
        let limits = self.limits
        let prepared: Result<EmbedPreparation, ServerError>
        do {
            prepared = try await preparationPool.runIfActive {
                Result { () throws(ServerError) in try EmbedPreparation(request, model: model, options: options, limits: limits) }
            }
        } catch {
            throw .unavailable("the server is shutting down")
        }
        var preparation = try prepared.get()
        if !preparation.pages.isEmpty { await readPages(into: &preparation, model: model, options: options) }
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
        var completed = PendingEmbedding.Completed(
            outcomes: Array(repeating: nil, count: request.inputs.count), queueTime: .zero, inferenceTime: .zero)
        if !preparation.ready.isEmpty {
            let pending = PendingEmbedding(
                inputCount: request.inputs.count, queuedCount: preparation.ready.count, receivedAt: receivedAt,
                deadline: deadline, client: reservation?.client ?? .unattributed)
            let now = ContinuousClock.now
            try batcher.submit(preparation.ready.map { WorkItem(request: pending, index: $0.index, input: $0.input, enqueuedAt: now) })
            completed = try await pending.result().get()
        }
        let (response, status) = Self.response(model: model, options: options, completed: completed, preparation: preparation)
        var attachments: [Int: PageAttachment] = [:]
        for (index, outcome) in completed.outcomes.enumerated() {
            if case .page(let page)? = outcome { attachments[index] = page.attachment }
        }
        return (response, status, attachments)
    }

    /// Reads the Page inputs of `preparation` (at once, each on a page reader's thread) and makes
    /// them ready: windows of the page's words, with token and pooled vectors (a page's vectors
    /// are assembled from its windows' whatever the request's output), and the image's patch
    /// vectors when the page asks for them. A page that cannot be read fails alone.
    private func readPages(into preparation: inout EmbedPreparation, model: ServedModel, options: EmbedOptions) async {
        let pages = preparation.pages
        preparation.pages = []
        let pageInputs = self.pageInputs, vision = model.bundle.image, name = model.name
        typealias Read = Result<(text: PageText, patches: PagePatchVectors?), ServerError>
        let read = await withTaskGroup(of: (Int, Read).self) { group in
            for (index, page) in pages {
                group.addTask { (index, await pageInputs.read(page, index: index, vision: vision, model: name)) }
            }
            var results: [(Int, Read)] = []
            for await result in group { results.append(result) }
            return results.sorted { $0.0 < $1.0 }
        }
        guard let text = model.bundle.text else { return }
        var pageOptions = options.text
        pageOptions.output = .both
        for (index, result) in read {
            switch result {
            case .failure(let error):
                preparation.failures.append((index, error))
            case .success(let (page, patches)):
                do throws(EmbeddingError) {
                    var prepared = try PageEmbedder.prepare(page, with: text, options: pageOptions)
                    // The image's vectors, computed on the page thread, follow the words'.
                    prepared.patches = patches
                    preparation.ready.append((index, .page(prepared, pageOptions)))
                    preparation.pixels[index] = page.width * page.height
                } catch {
                    preparation.failures.append((index, .invalidArgument("input \(index): \(error.description)")))
                }
            }
        }
        preparation.failures.sort { $0.index < $1.index }
    }

    /// The model `name` names; "" is the default model.
    func model(named name: String) throws(ServerError) -> ServedModel {
        if name.isEmpty, let first = models.first { return first }
        guard let model = models.first(where: { $0.name == name }) else {
            throw .notFound(
                "unknown model '\(name)'; this server has " + models.map { "'\($0.name)'" }.joined(separator: ", "))
        }
        return model
    }

    /// Fails every queued request (shutdown past its grace period).
    func failQueued(with error: ServerError) {
        for batcher in batchers.values { batcher.failQueued(with: error) }
    }

    static func inputError(_ failure: (index: Int, error: ServerError)) -> Multiembed_V1_InputError {
        var inputError = Multiembed_V1_InputError()
        inputError.index = UInt32(failure.index)
        inputError.code = failure.error.code
        inputError.message = failure.error.message
        return inputError
    }
}

/// The full status of an all-or-nothing request that failed, carried as a ``ServerError``'s
/// cause so the dispatcher can send its per-input errors.
struct AllOrNothingFailure: Error, Sendable {
    let status: Multiembed_V1_Status
}
