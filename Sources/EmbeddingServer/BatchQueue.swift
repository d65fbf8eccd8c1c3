import Foundation
import NIOCore

/// The batcher's queue: one FIFO lane per kind of forward pass, under a lock with a condition
/// the model workers sleep on.
///
/// `NSCondition` rather than an async primitive because its only waiters are dedicated threads
/// that must block (see ``ModelBatcher``); its lock also guards the state, which is only ever
/// touched inside ``withLock(_:)``, ``waitAndTake(_:)`` and ``finished(allCores:)``.
final class BatchQueue: @unchecked Sendable {
    /// The inputs of one request for one lane, in a request-by-request round robin.
    struct Slot {
        let request: PendingEmbedding
        var items: CircularBuffer<WorkItem>
        /// When the request's inputs were queued.
        let enqueuedAt: ContinuousClock.Instant
    }

    struct State {
        /// Per lane, the requests with inputs waiting, oldest first. A batch takes one input
        /// of each request in turn, so a short request is not stuck behind a long one.
        var lanes: [BatchLane: CircularBuffer<Slot>] = [.text: [], .image: []]
        /// Inputs queued, all lanes.
        var count = 0
        /// Cost (tokens or patches) queued, per lane.
        var costs: [BatchLane: Int] = [.text: 0, .image: 0]
        var stopped = false
        /// Model workers computing a batch right now.
        var busyWorkers = 0
        /// True while one worker's batch runs on every core: the other workers must not start
        /// one, or they would fight it for the cores.
        var exclusive = false

        /// Queues one request's inputs (all of one lane).
        mutating func append(_ items: [WorkItem], lane: BatchLane) {
            guard let first = items.first else { return }
            lanes[lane, default: []].append(Slot(request: first.request, items: CircularBuffer(items), enqueuedAt: first.enqueuedAt))
            count += items.count
            costs[lane, default: 0] += items.reduce(0) { $0 + $1.input.cost }
        }

        /// Removes the front request's slot of `lane` entirely.
        mutating func dropFront(of lane: BatchLane) -> Slot? {
            guard let slot = lanes[lane]?.popFirst() else { return nil }
            count -= slot.items.count
            costs[lane, default: 0] -= slot.items.reduce(0) { $0 + $1.input.cost }
            return slot
        }

        /// Takes one input of the front request of `lane` and moves that request to the back.
        mutating func takeOne(of lane: BatchLane) -> WorkItem? {
            guard var slot = lanes[lane]?.popFirst(), let item = slot.items.popFirst() else { return nil }
            count -= 1
            costs[lane, default: 0] -= item.input.cost
            if !slot.items.isEmpty { lanes[lane, default: []].append(slot) }
            return item
        }

        mutating func removeAll() -> [PendingEmbedding] {
            let requests = lanes.values.flatMap { $0.map(\.request) }
            lanes = [.text: [], .image: []]
            costs = [.text: 0, .image: 0]
            count = 0
            return requests
        }
    }

    /// What a model worker does next.
    enum Decision {
        /// Run these inputs (on every core, or on the worker's own); finish these requests as
        /// expired.
        case take([WorkItem], expired: [PendingEmbedding], allCores: Bool)
        /// Sleep until woken or until the instant (nil: until woken).
        case wait(until: ContinuousClock.Instant?)
        /// The queue is stopped and empty: end the thread.
        case stop
    }

    private let condition = NSCondition()
    // Guarded by `condition`.
    private var state = State()

    func withLock<Result>(_ body: (inout State) -> Result) -> Result {
        condition.lock()
        defer { condition.unlock() }
        return body(&state)
    }

    /// Wakes every model worker: each decides for itself whether there is work for it.
    func signal() {
        condition.lock()
        condition.broadcast()
        condition.unlock()
    }

    /// Blocks until `decide` takes a batch or says stop. Returns nil for stop. A taken batch
    /// counts its worker busy (and, for `allCores`, makes it exclusive) until ``finished(allCores:)``.
    func waitAndTake(_ decide: (inout State) -> Decision) -> (items: [WorkItem], expired: [PendingEmbedding], allCores: Bool)? {
        condition.lock()
        defer { condition.unlock() }
        while true {
            switch decide(&state) {
            case .take(let items, let expired, let allCores):
                if !items.isEmpty {
                    state.busyWorkers += 1
                    if allCores { state.exclusive = true }
                }
                // Another worker may have work now (the rest of the queue, or an expired batch).
                condition.broadcast()
                return (items, expired, allCores)
            case .stop:
                return nil
            case .wait(nil):
                condition.wait()
            case .wait(let instant?):
                let remaining = instant - .now
                guard remaining > .zero else { continue }
                let seconds = Double(remaining.components.seconds) + Double(remaining.components.attoseconds) * 1e-18
                _ = condition.wait(until: Date(timeIntervalSinceNow: seconds))
            }
        }
    }

    /// A worker's batch from ``waitAndTake(_:)`` is done: the cores it held are free again.
    func finished(allCores: Bool) {
        condition.lock()
        state.busyWorkers -= 1
        if allCores { state.exclusive = false }
        condition.broadcast()
        condition.unlock()
    }
}
