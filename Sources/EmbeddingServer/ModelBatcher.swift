import EmbeddingKernels
import Encoders
import Pages
import Foundation
import Logging
import NIOCore
import Tokenizers

/// The dynamic batcher of one model: a bounded queue of single inputs from every request and
/// connection, and one dedicated worker thread per core that takes them in batches and runs the
/// model.
///
/// Why threads of their own: a forward pass blocks for milliseconds, so it must run neither on
/// a NIO event loop nor on the cooperative Swift concurrency pool (both would stall every
/// connection). Why one per core: under load each worker runs its batch on its own core and
/// never waits for the other (see ``BatchPolicy/decide(state:target:workers:now:)``), which
/// hides the round trip of closed-loop clients and the imbalance of splitting one small batch
/// across cores; a lone input still gets every core. The results are the same bits either way:
/// a sequence's arithmetic does not depend on how its batch is split.
///
/// Batching policy (see ``BatchPolicy``): a batch takes one input of each waiting request in
/// turn (oldest request first, so a short request overtakes a long one), up to
/// `maxBatchInputs` inputs and `maxBatchTokens` tokens (or `maxBatchPatches` patches) of what
/// is queued; with a `maxWait` set, when fewer inputs are queued than the previous batch had,
/// the thread waits up to `maxWait` for more (off by default: the wait idles the worker's core).
/// Inputs whose request has expired or been cancelled are dropped before inference.
///
/// Every model kind runs here: text embedders and CLIP (texts, pages, images), ColBERT-style
/// models (query and document texts, document pages; ``computeColBERT(_:encoder:)``) and
/// ColModernVBERT (tiled images and pages, text queries; ``computeVisual(_:encoder:)``).
final class ModelBatcher: Sendable {
    let model: ServedModel
    let policy: BatchPolicy
    /// Most inputs waiting; admission beyond it is refused at once.
    let maxQueuedInputs: Int
    private let queue: BatchQueue
    private let logger: Logger
    private let metrics: ServerMetrics

    init(model: ServedModel, batching: BatchingOptions, maxQueuedInputs: Int, metrics: ServerMetrics, logger: Logger) {
        self.model = model
        self.policy = BatchPolicy(options: batching)
        self.maxQueuedInputs = maxQueuedInputs
        self.queue = BatchQueue()
        self.metrics = metrics
        self.logger = logger
    }

    /// Model worker threads: one per core.
    let workers = ComputeThreads.count

    /// Starts the model workers.
    func start() {
        for worker in 0 ..< workers {
            let thread = Thread { [self] in self.runLoop() }
            thread.name = "model \(model.name) \(worker)"
            thread.start()
        }
    }

    /// Stops the model workers once the queue is empty (call after the requests have ended).
    func stop() {
        queue.withLock { $0.stopped = true }
        queue.signal()
    }

    /// Inputs waiting for a batch.
    var queueDepth: Int { queue.withLock { $0.count } }

    /// Queues all of `items` or, when that would pass ``maxQueuedInputs``, none of them.
    func submit(_ items: [WorkItem]) throws(ServerError) {
        let accepted: (Bool, Int) = queue.withLock { state in
            guard !state.stopped else { return (false, -1) }
            guard state.count + items.count <= maxQueuedInputs else { return (false, state.count) }
            for lane in BatchLane.allCases {
                state.append(items.filter { $0.input.lane == lane }, lane: lane)
            }
            return (true, state.count)
        }
        switch accepted {
        case (true, let depth):
            metrics.queueDepth(model: model.name, depth: depth)
            queue.signal()
        case (false, -1):
            throw .unavailable("the server is shutting down")
        case (false, let depth):
            throw .resourceExhausted(
                "model \(model.name) has \(depth) inputs queued; \(items.count) more would exceed the queue limit of \(maxQueuedInputs)")
        }
    }

    /// Fails every queued request with `error` (shutdown past its grace period).
    func failQueued(with error: ServerError) {
        let requests = queue.withLock { state in state.removeAll() }
        for request in requests { request.finish(.failure(error)) }
    }

    private func runLoop() {
        var batchNumber: UInt64 = 0
        var lastBatchSize = 1
        while true {
            guard let (batch, allCores) = nextBatch(target: lastBatchSize) else { return }
            if batch.isEmpty { continue }
            batchNumber += 1
            lastBatchSize = batch.count
            if allCores {
                run(batch, number: batchNumber)
            } else {
                ParallelRegion.run { run(batch, number: batchNumber) }
            }
            queue.finished(allCores: allCores)
        }
    }

    /// Waits for work and takes the next batch; nil when stopped and drained.
    private func nextBatch(target: Int) -> (batch: [WorkItem], allCores: Bool)? {
        let policy = self.policy, workers = self.workers
        guard let (taken, expired, allCores) = queue.waitAndTake({ state in
            policy.decide(state: &state, target: target, workers: workers, now: ContinuousClock.now)
        }) else { return nil }
        // Outside the queue's lock: finishing a request resumes its task.
        let now = ContinuousClock.now
        for request in expired { _ = request.isLive(at: now) }
        return (taken, allCores)
    }

    /// One forward pass over `batch`, longest input first (packed sequences have no padding,
    /// so the order only shapes the GEMMs; it matches the in-process embedder's order).
    private func run(_ batch: [WorkItem], number: UInt64) {
        let sorted = batch.sorted { $0.input.cost > $1.input.cost }
        let start = ContinuousClock.now
        let outcomes = compute(sorted)
        let duration = ContinuousClock.now - start
        metrics.batch(model: model.name, size: sorted.count, cost: sorted.reduce(0) { $0 + $1.input.cost }, duration: duration)
        guard outcomes.count == sorted.count else {
            // Not expected: the encoders return one result per input. Fail rather than hang.
            logger.error("model returned \(outcomes.count) results for \(sorted.count) inputs", metadata: ["model": "\(model.name)"])
            for item in sorted { item.request.finish(.failure(ServerError(.internal, "the model returned no result for an input"))) }
            return
        }
        for (item, outcome) in zip(sorted, outcomes) {
            item.request.batchStarted(number, at: start, duration: duration)
            item.request.deliver(outcome, index: item.index)
        }
        metrics.queueDepth(model: model.name, depth: queueDepth)
    }

    private func compute(_ batch: [WorkItem]) -> [InputOutcome] {
        switch model.bundle.encoders {
        case .lateInteractionText(let colbert): return Self.computeColBERT(batch, encoder: colbert)
        case .lateInteractionVisual(let visual): return Self.computeVisual(batch, encoder: visual)
        case .textEmbedder, .sharedTextImage: break
        }
        switch batch.first?.input.lane {
        case .text:
            guard let text = model.bundle.text else { return [] }
            // A page is its windows, embedded in the same pass as the texts, then put together.
            var items: [(encoding: TokenizedText, options: TextEmbeddingOptions)] = []
            for item in batch {
                switch item.input {
                case .text(let encoding, let options): items.append((encoding, options))
                case .page(let page, let options): items += page.windows.map { ($0, options) }
                case .image, .lateText, .latePage, .visualImage, .visualQuery: break
                }
            }
            let embedded = text.embedBatch(items)
            var next = 0
            return batch.map { item -> InputOutcome in
                switch item.input {
                case .text:
                    defer { next += 1 }
                    return .text(embedded[next])
                case .page(let page, let options):
                    let windows = Array(embedded[next ..< next + page.windows.count])
                    next += page.windows.count
                    do throws(EmbeddingError) {
                        return .page(try PageEmbedder.combine(page, embeddings: windows, normalize: options.normalize ?? text.pipeline.normalize))
                    } catch {
                        return .failed(error.description)
                    }
                case .image, .lateText, .latePage, .visualImage, .visualQuery:
                    return .failed("an input of another model kind in a text batch")
                }
            }
        case .image:
            guard let image = model.bundle.imageEncoder else { return [] }
            let items = batch.compactMap { item -> (grid: ClipVisionModel.PatchGrid, options: ImageEmbeddingOptions)? in
                guard case .image(let grid, let options) = item.input else { return nil }
                return (grid, options)
            }
            return image.embedBatch(items).map(InputOutcome.image)
        case nil:
            return []
        }
    }
}
