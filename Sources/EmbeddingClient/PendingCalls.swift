internal import NIOCore
internal import Synchronization
internal import WireProtocol

/// The calls of one connection waiting for their answers, by request id.
///
/// Shared by the callers (who register and may time out or be cancelled) and the connection's
/// reader (which completes calls as answers arrive, in any order), so it is a lock-protected
/// map. Every continuation is resumed exactly once: whoever removes an entry under the lock
/// resumes it; once the connection has failed, the map stays empty and new calls fail at once.
final class PendingCalls: Sendable {
    typealias Continuation = CheckedContinuation<
        Result<Multiembed_V1_Response, EmbeddingClientError>, Never
    >

    private struct Entry {
        var continuation: Continuation
        var timeout: Scheduled<Void>?
    }

    private struct State {
        var nextID: UInt64 = 1
        var entries: [UInt64: Entry] = [:]
        /// Set once the connection has failed; every later call fails with it.
        var failure: EmbeddingClientError?
    }

    private let state = Mutex(State())

    /// A fresh request id, from 1 (id 0 is the server's "unknown request").
    func nextID() -> UInt64 {
        self.state.withLock { state in
            defer { state.nextID &+= 1 }
            return state.nextID
        }
    }

    /// Registers the call `id`. Returns false, having resumed `continuation` with the
    /// connection's failure, when the connection has already failed.
    func register(id: UInt64, continuation: Continuation) -> Bool {
        let failure: EmbeddingClientError? = self.state.withLock { state in
            if let failure = state.failure { return failure }
            state.entries[id] = Entry(continuation: continuation, timeout: nil)
            return nil
        }
        if let failure {
            continuation.resume(returning: .failure(failure))
            return false
        }
        return true
    }

    /// Attaches the timer that fails call `id` on timeout, cancelling it at once if the call
    /// has already completed.
    func attach(timeout: Scheduled<Void>, to id: UInt64) {
        let attached = self.state.withLock { state in
            guard state.entries[id] != nil else { return false }
            state.entries[id]?.timeout = timeout
            return true
        }
        if !attached { timeout.cancel() }
    }

    /// Completes call `id` with `result`. Returns false when no such call waits (it timed out,
    /// was cancelled, or the server sent an id it was never given).
    @discardableResult
    func complete(
        id: UInt64, with result: Result<Multiembed_V1_Response, EmbeddingClientError>
    ) -> Bool {
        guard let entry = self.state.withLock({ $0.entries.removeValue(forKey: id) }) else {
            return false
        }
        entry.timeout?.cancel()
        entry.continuation.resume(returning: result)
        return true
    }

    /// Fails every waiting call with `error`, and every later one too. The first failure
    /// sticks: a later one (the close that follows a protocol error) changes nothing.
    func failAll(with error: EmbeddingClientError) {
        let entries: [Entry] = self.state.withLock { state in
            if state.failure == nil { state.failure = error }
            defer { state.entries.removeAll() }
            return Array(state.entries.values)
        }
        for entry in entries {
            entry.timeout?.cancel()
            entry.continuation.resume(returning: .failure(error))
        }
    }

    /// Whether the connection has failed.
    var hasFailed: Bool { self.state.withLock { $0.failure != nil } }

    /// Number of calls waiting (for tests and metrics).
    var count: Int { self.state.withLock { $0.entries.count } }
}
