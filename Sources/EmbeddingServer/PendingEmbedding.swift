import Synchronization

/// Collects the results of one embed request whose inputs are spread over model batches, and
/// hands them to the waiting request task once all are done.
///
/// A model worker delivers results; the request task awaits them; a disconnect or the
/// deadline can end the request early. All of that meets in one small state machine under a
/// lock, so a request is finished exactly once, whichever comes first.
final class PendingEmbedding: Sendable {
    /// What the request task gets back.
    struct Completed: Sendable {
        /// Results by input index; nil for inputs that were not queued (they failed earlier).
        var outcomes: [InputOutcome?]
        /// From receipt until the first batch with one of its inputs started.
        var queueTime: Duration
        /// Wall time of the distinct batches that computed its inputs, summed.
        var inferenceTime: Duration
    }

    private struct State {
        var outcomes: [InputOutcome?]
        var remaining: Int
        var firstBatchStart: ContinuousClock.Instant?
        var inferenceTime: Duration = .zero
        var lastBatch: UInt64 = .max
        var finished: Result<Completed, ServerError>?
        var continuation: CheckedContinuation<Result<Completed, ServerError>, Never>?
    }

    /// When the server had the whole request frame.
    let receivedAt: ContinuousClock.Instant
    /// When the client stops waiting; nil = never.
    let deadline: ContinuousClock.Instant?
    /// Whose request it is: the batcher gives clients turns in rotation.
    let client: ClientKey
    private let state: Mutex<State>

    /// - Parameters:
    ///   - inputCount: the request's number of inputs.
    ///   - queuedCount: how many of them will be delivered by the batcher.
    init(
        inputCount: Int, queuedCount: Int, receivedAt: ContinuousClock.Instant, deadline: ContinuousClock.Instant?,
        client: ClientKey = .unattributed
    ) {
        self.receivedAt = receivedAt
        self.deadline = deadline
        self.client = client
        self.state = Mutex(State(outcomes: Array(repeating: nil, count: inputCount), remaining: queuedCount))
    }

    /// Whether queued inputs of this request are still worth computing at `now`. When the
    /// deadline has passed, the request is finished with DEADLINE_EXCEEDED here and false is
    /// returned, so the batcher drops its inputs before inference.
    func isLive(at now: ContinuousClock.Instant) -> Bool {
        if let deadline, now >= deadline {
            finish(.failure(.deadlineExceeded))
            return false
        }
        return state.withLock { $0.finished == nil }
    }

    /// Notes that batch `batch`, started at `start`, holds inputs of this request.
    func batchStarted(_ batch: UInt64, at start: ContinuousClock.Instant, duration: Duration) {
        state.withLock { state in
            if state.firstBatchStart == nil { state.firstBatchStart = start }
            if state.lastBatch != batch {
                state.lastBatch = batch
                state.inferenceTime += duration
            }
        }
    }

    /// Stores the result of input `index`; the last one finishes the request.
    func deliver(_ outcome: InputOutcome, index: Int) {
        let completed: Completed? = state.withLock { state in
            guard state.finished == nil, state.outcomes.indices.contains(index), state.outcomes[index] == nil else { return nil }
            state.outcomes[index] = outcome
            state.remaining -= 1
            guard state.remaining == 0 else { return nil }
            let queueTime = (state.firstBatchStart ?? receivedAt) - receivedAt
            return Completed(outcomes: state.outcomes, queueTime: queueTime, inferenceTime: state.inferenceTime)
        }
        if let completed { finish(.success(completed)) }
    }

    /// Ends the request with `result` unless it has already ended.
    func finish(_ result: Result<Completed, ServerError>) {
        let continuation: CheckedContinuation<Result<Completed, ServerError>, Never>? = state.withLock { state in
            guard state.finished == nil else { return nil }
            state.finished = result
            if case .failure = result { state.outcomes = [] }  // drop partial results early
            defer { state.continuation = nil }
            return state.continuation
        }
        continuation?.resume(returning: result)
    }

    /// Whether the request has ended (answered, expired or cancelled).
    var isFinished: Bool { state.withLock { $0.finished != nil } }

    /// Waits for the request's end. Cancelling the waiting task (its client disconnected)
    /// finishes the request as cancelled, so the batcher drops its queued inputs.
    func result() async -> Result<Completed, ServerError> {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Result<Completed, ServerError>, Never>) in
                let ready: Result<Completed, ServerError>? = state.withLock { state in
                    if let finished = state.finished { return finished }
                    state.continuation = continuation
                    return nil
                }
                if let ready { continuation.resume(returning: ready) }
            }
        } onCancel: {
            finish(.failure(ServerError(.cancelled, "the client disconnected")))
        }
    }
}
