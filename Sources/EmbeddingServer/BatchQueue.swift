import Foundation
import NIOCore

/// The batcher's queue: one lane per kind of forward pass, taken client by client in turn, under a lock with a condition
/// the model workers sleep on.
///
/// `NSCondition` rather than an async primitive because its only waiters are dedicated threads
/// that must block (see ``ModelBatcher``); its lock also guards the state, which is only ever
/// touched inside ``withLock(_:)``, ``waitAndTake(_:)`` and ``finished(allCores:)``.
final class BatchQueue: @unchecked Sendable {
    /// The inputs of one request for one lane.
    struct Slot {
        let request: PendingEmbedding
        var items: CircularBuffer<WorkItem>
        /// When the request's inputs were queued.
        let enqueuedAt: ContinuousClock.Instant
    }

    /// One client's requests with inputs waiting in a lane, in a request-by-request round robin.
    struct ClientTurns {
        let client: ClientKey
        var slots: CircularBuffer<Slot>
    }

    struct State {
        /// Per lane, the clients with inputs waiting, in turn. A batch takes one input of each
        /// client in turn, and within a client one input of each request in turn, so a short
        /// request is not stuck behind a long one, nor a client with one request behind a
        /// client with hundreds.
        var lanes: [BatchLane: CircularBuffer<ClientTurns>] = [.text: [], .image: []]
        /// Inputs queued, all lanes.
        var count = 0
        /// Inputs queued, per lane.
        var counts: [BatchLane: Int] = [.text: 0, .image: 0]
        /// Cost (tokens or patches) queued, per lane.
        var costs: [BatchLane: Int] = [.text: 0, .image: 0]
        var stopped = false
        /// Model workers computing a batch right now.
        var busyWorkers = 0
        /// True while one worker's batch runs on every core: the other workers must not start
        /// one, or they would fight it for the cores.
        var exclusive = false

        /// Queues one request's inputs (all of one lane), behind the client's other requests.
        mutating func append(_ items: [WorkItem], lane: BatchLane) {
            guard let first = items.first else { return }
            let slot = Slot(request: first.request, items: CircularBuffer(items), enqueuedAt: first.enqueuedAt)
            let client = first.request.client
            var turns = lanes[lane, default: []]
            if let index = turns.firstIndex(where: { $0.client == client }) {
                turns[index].slots.append(slot)
            } else {
                turns.append(ClientTurns(client: client, slots: [slot]))
            }
            lanes[lane] = turns
            count += items.count
            counts[lane, default: 0] += items.count
            costs[lane, default: 0] += items.reduce(0) { $0 + $1.input.cost }
        }

        /// The request whose input the next ``takeOne(of:)`` of `lane` takes.
        func front(of lane: BatchLane) -> Slot? { lanes[lane]?.first?.slots.first }

        /// When the oldest request waiting in `lane` was queued.
        func oldest(in lane: BatchLane) -> ContinuousClock.Instant? {
            lanes[lane]?.reduce(nil) { oldest, turns in
                turns.slots.reduce(oldest) { oldest, slot in oldest.map { min($0, slot.enqueuedAt) } ?? slot.enqueuedAt }
            }
        }

        /// Removes the ``front(of:)`` request's slot entirely.
        mutating func dropFront(of lane: BatchLane) -> Slot? {
            guard var turns = lanes[lane]?.popFirst() else { return nil }
            guard let slot = turns.slots.popFirst() else { return nil }
            // The client keeps its turn: the next of its requests is now its front.
            if !turns.slots.isEmpty { lanes[lane]?.prepend(turns) }
            count -= slot.items.count
            counts[lane, default: 0] -= slot.items.count
            costs[lane, default: 0] -= slot.items.reduce(0) { $0 + $1.input.cost }
            return slot
        }

        /// Takes one input of the ``front(of:)`` request, then moves that request to the back of
        /// its client's turns and the client to the back of the lane.
        mutating func takeOne(of lane: BatchLane) -> WorkItem? {
            guard var turns = lanes[lane]?.popFirst() else { return nil }
            guard var slot = turns.slots.popFirst(), let item = slot.items.popFirst() else { return nil }
            count -= 1
            counts[lane, default: 0] -= 1
            costs[lane, default: 0] -= item.input.cost
            if !slot.items.isEmpty { turns.slots.append(slot) }
            if !turns.slots.isEmpty { lanes[lane, default: []].append(turns) }
            return item
        }

        mutating func removeAll() -> [PendingEmbedding] {
            let requests = lanes.values.flatMap { $0.flatMap { $0.slots.map(\.request) } }
            lanes = [.text: [], .image: []]
            counts = [.text: 0, .image: 0]
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
