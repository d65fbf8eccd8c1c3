import Synchronization

/// A counting semaphore for tasks: at most `capacity` holders at once; others wait, first come
/// first served, and a waiting task that is cancelled leaves the queue with CancellationError.
/// EmbedStream uses it to keep a stream's requests in flight within
/// `max_in_flight_per_connection` while answers are written in order.
final class AsyncSlots: Sendable {
    private struct State {
        var free: Int
        var waiters: [(id: UInt64, continuation: CheckedContinuation<Void, any Error>)] = []
        var nextID: UInt64 = 0
    }

    private let state: Mutex<State>

    private enum Outcome { case granted, cancelled, waiting }

    init(capacity: Int) {
        state = Mutex(State(free: max(1, capacity)))
    }

    /// Takes a slot, waiting for one if none is free.
    func acquire() async throws {
        let id = state.withLock { state -> UInt64 in
            defer { state.nextID += 1 }
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                // Decided under the lock that onCancel takes too, so a continuation is resumed once.
                let outcome = state.withLock { state -> Outcome in
                    if Task.isCancelled { return .cancelled }
                    if state.free > 0, state.waiters.isEmpty {
                        state.free -= 1
                        return .granted
                    }
                    state.waiters.append((id, continuation))
                    return .waiting
                }
                switch outcome {
                case .granted: continuation.resume()
                case .cancelled: continuation.resume(throwing: CancellationError())
                case .waiting: break
                }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Void, any Error>? in
                guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return state.waiters.remove(at: index).continuation
            }
            waiter?.resume(throwing: CancellationError())
        }
    }

    /// Gives a slot back, to the longest waiter if there is one.
    func release() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, any Error>? in
            guard !state.waiters.isEmpty else {
                state.free += 1
                return nil
            }
            return state.waiters.removeFirst().continuation
        }
        waiter?.resume()
    }
}
