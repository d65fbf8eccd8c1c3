import Synchronization

/// The bytes of answers one connection may hold at once: being computed, or computed and not yet
/// taken by its socket.
///
/// Why: a client that sends requests and never reads its answers would otherwise make the server
/// compute and keep every one of them (up to 256 requests of up to `max_response_bytes` each).
/// An Embed request reserves its response's estimated size (``ResponseSizeEstimate``) before its
/// inputs are queued for the model, and gives it back once its answer is written to the socket.
/// A request that does not fit waits, first come first served, until earlier answers are read:
/// a client that does not read is slowed, and the server's memory for it stays bounded.
package final class AnswerBudget: Sendable {
    /// Bytes the connection may hold; a single reservation larger than this takes all of it.
    let capacity: Int
    private let total: HeldAnswerBytes

    private struct Waiter {
        let id: UInt64
        let bytes: Int
        let continuation: CheckedContinuation<Bool, Never>
    }

    private struct State {
        var available: Int
        var waiters: [Waiter] = []
        var nextID: UInt64 = 0
    }

    private let state: Mutex<State>

    package init(capacity: Int, total: HeldAnswerBytes) {
        self.capacity = max(1, capacity)
        self.total = total
        state = Mutex(State(available: max(1, capacity)))
    }

    /// Waits until `bytes` (at most ``capacity``) are free and takes them; returns how many were
    /// taken, or nil when the task was cancelled first (the connection closed).
    func reserve(_ bytes: Int) async -> Int? {
        let bytes = min(max(bytes, 0), capacity)
        let id = state.withLock { state in
            defer { state.nextID += 1 }
            return state.nextID
        }
        let granted = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                let answer: Bool? = state.withLock { state in
                    if state.waiters.isEmpty, state.available >= bytes {
                        state.available -= bytes
                        return true
                    }
                    if Task.isCancelled { return false }
                    state.waiters.append(Waiter(id: id, bytes: bytes, continuation: continuation))
                    return nil
                }
                if let answer { continuation.resume(returning: answer) }
            }
        } onCancel: {
            let waiter = state.withLock { state -> Waiter? in
                guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return state.waiters.remove(at: index)
            }
            waiter?.continuation.resume(returning: false)
            // Whoever was behind it may fit now.
            release(0)
        }
        guard granted else { return nil }
        total.add(bytes)
        return bytes
    }

    /// Gives back `bytes` taken by ``reserve(_:)`` and wakes the waiters that now fit, in order.
    func release(_ bytes: Int) {
        if bytes > 0 { total.add(-bytes) }
        let woken = state.withLock { state -> [Waiter] in
            state.available += bytes
            var woken: [Waiter] = []
            while let first = state.waiters.first, first.bytes <= state.available {
                state.available -= first.bytes
                woken.append(state.waiters.removeFirst())
            }
            return woken
        }
        for waiter in woken { waiter.continuation.resume(returning: true) }
    }
}

/// The answer bytes all connections hold, for the `multiembed_answer_bytes_held` metric and
/// ``EmbeddingServer/answerBytesHeld``.
package final class HeldAnswerBytes: Sendable {
    private let value = Atomic<Int>(0)

    func add(_ bytes: Int) { value.add(bytes, ordering: .relaxed) }
    var current: Int { value.load(ordering: .relaxed) }
}

/// One request's share of its connection's ``AnswerBudget``: reserved by the service once the
/// answer's size is known, released by the connection once the answer is written.
package final class AnswerReservation: Sendable {
    let budget: AnswerBudget
    /// The connection the request came on, for the batcher's turns between clients.
    let client: ClientKey
    private let held = Atomic<Int>(0)

    package init(budget: AnswerBudget, client: ClientKey = .unattributed) {
        self.budget = budget
        self.client = client
    }

    /// Reserves `bytes`; CANCELLED when the connection went away while waiting.
    func reserve(_ bytes: Int) async throws(ServerError) {
        guard let taken = await budget.reserve(bytes) else { throw ServerError(.cancelled, "the connection closed") }
        held.add(taken, ordering: .relaxed)
    }

    /// Gives back whatever was reserved (nothing, if nothing was).
    package func release() {
        let bytes = held.exchange(0, ordering: .relaxed)
        if bytes > 0 { budget.release(bytes) }
    }
}
