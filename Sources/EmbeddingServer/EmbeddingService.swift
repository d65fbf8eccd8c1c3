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

    /// Answers one embed call, whatever transport it came through: checks it against the model
    /// and the limits, prepares the inputs off the event loops, queues them in the model's
    /// batcher (every model kind: its queue limit, deadline, cancellation and turns between
    /// clients), and returns one result per input. `deadline` is when the caller stops waiting.
    ///
    /// `reservation`, when given, is charged the response's estimated size before any input is
    /// queued (waiting while the connection holds too many unread answers).
    func embed(
        _ call: EmbedCall, receivedAt: ContinuousClock.Instant, deadline: ContinuousClock.Instant?,
        reservation: AnswerReservation? = nil
    ) async throws(ServerError) -> EmbedOutcome {
        let model = try self.model(named: call.model)
        guard let batcher = batchers[model.name] else { throw ServerError(.internal, "model \(model.name) has no batcher") }
        guard !call.inputs.isEmpty else { throw .invalidArgument("the request has no inputs") }
        guard call.inputs.count <= limits.maxInputsPerRequest else {
            throw .invalidArgument(
                "the request has \(call.inputs.count) inputs, more than max_inputs_per_request (\(limits.maxInputsPerRequest))")
        }
        let options = try EmbedOptions(call, model: model, limits: limits)
        let names = call.names
        var preparation = try await prepare(call, model: model, options: options)
        if !preparation.pages.isEmpty { await readPages(into: &preparation, model: model, options: options, names: names) }
        let estimate = ResponseSizeEstimate(preparation, options: options, model: model)
        try estimate.check(limit: limits.maxResponseBytes, inputs: call.inputs.count)
        try await reservation?.reserve(estimate.bytes)
        if call.allOrNothing, !preparation.failures.isEmpty {
            let failure = AllOrNothingFailure(failures: preparation.failures.map { InputFailure(index: $0.index, error: $0.error) })
            throw ServerError(failure.status.code, failure.status.message, cause: failure)
        }
        var completed = PendingEmbedding.Completed(
            outcomes: Array(repeating: nil, count: call.inputs.count), queueTime: .zero, inferenceTime: .zero)
        if !preparation.ready.isEmpty {
            let pending = PendingEmbedding(
                inputCount: call.inputs.count, queuedCount: preparation.ready.count, receivedAt: receivedAt,
                deadline: deadline, client: reservation?.client ?? .unattributed)
            let now = ContinuousClock.now
            try batcher.submit(preparation.ready.map { WorkItem(request: pending, index: $0.index, input: $0.input, enqueuedAt: now) })
            completed = try await pending.result().get()
        }
        return Self.outcome(model: model, options: options, completed: completed, preparation: preparation, names: names)
    }

    /// Texts of at most this many UTF-8 bytes in all are tokenised on the calling task:
    /// that takes tens of microseconds, less than the two thread hand-offs of the preparation
    /// pool (wake its thread, then resume the task), which on a machine whose cores are busy
    /// with model batches each preempt a model worker.
    static let inlinePreparationBytes = 4096

    /// The call's inputs made ready for the batcher: small text-only calls on the calling task,
    /// anything larger (or any image, patches or page) on the preparation pool.
    private func prepare(_ call: EmbedCall, model: ServedModel, options: EmbedOptions) async throws(ServerError) -> EmbedPreparation {
        let limits = self.limits, inputs = call.inputs, names = call.names
        if Self.isSmallText(inputs) {
            return try EmbedPreparation(inputs, names: names, model: model, options: options, limits: limits)
        }
        let prepared: Result<EmbedPreparation, ServerError>
        do {
            prepared = try await preparationPool.runIfActive {
                Result { () throws(ServerError) in
                    try EmbedPreparation(inputs, names: names, model: model, options: options, limits: limits)
                }
            }
        } catch {
            throw .unavailable("the server is shutting down")
        }
        return try prepared.get()
    }

    /// Whether `inputs` are all texts of at most ``inlinePreparationBytes`` in all.
    static func isSmallText(_ inputs: [EmbedInput]) -> Bool {
        var bytes = 0
        for input in inputs {
            guard case .text(let text) = input else { return false }
            bytes += text.utf8.count
            if bytes > inlinePreparationBytes { return false }
        }
        return true
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
}
