import NIOCore
import Synchronization

/// The server's lifecycle as an explicit state machine, shared by the accept loop, the
/// connections and the shutdown sequence.
final class ServerLifecycle: Sendable {
    enum Phase: Sendable, Equatable {
        /// Models loading, socket not bound yet.
        case starting
        /// Taking requests.
        case serving
        /// Shutting down: no new connections or requests; in-flight work finishing.
        case draining
        /// Done.
        case stopped
    }

    private struct State {
        var phase = Phase.starting
        var connections = 0
        var requestsInFlight = 0
        var boundAddress: SocketAddress?
        var serverChannel: (any Channel)?
        var addressWaiters: [CheckedContinuation<SocketAddress?, Never>] = []
    }

    private let state = Mutex(State())

    var phase: Phase { state.withLock { $0.phase } }

    /// Records the bound socket and wakes those waiting for it.
    func bound(_ channel: any Channel) {
        let (waiters, draining) = state.withLock { state in
            // A shutdown that began before the bind closes the socket at once.
            let draining = state.phase == .draining
            if !draining { state.phase = .serving }
            state.boundAddress = channel.localAddress
            state.serverChannel = channel
            defer { state.addressWaiters = [] }
            return (state.addressWaiters, draining)
        }
        if draining { channel.close(promise: nil) }
        for waiter in waiters { waiter.resume(returning: channel.localAddress) }
    }

    /// The bound address, once bound; nil if the server stopped before binding.
    func boundAddress() async -> SocketAddress? {
        await withCheckedContinuation { continuation in
            let ready: SocketAddress?? = state.withLock { state in
                if let address = state.boundAddress { return .some(address) }
                if state.phase == .stopped { return .some(nil) }
                state.addressWaiters.append(continuation)
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    /// Moves to draining and closes the listening socket. Returns false if already draining.
    @discardableResult
    func beginDraining() -> Bool {
        let channel: (any Channel)?? = state.withLock { state in
            guard state.phase == .serving || state.phase == .starting else { return nil }
            state.phase = .draining
            return .some(state.serverChannel)
        }
        guard let channel else { return false }
        channel?.close(promise: nil)
        return true
    }

    func stopped() {
        let waiters = state.withLock { state in
            state.phase = .stopped
            defer { state.addressWaiters = [] }
            return state.addressWaiters
        }
        for waiter in waiters { waiter.resume(returning: nil) }
    }

    /// Counts a new connection; false (not counted) when `limit` connections are open.
    func openConnection(limit: Int) -> (accepted: Bool, open: Int) {
        state.withLock { state in
            guard limit <= 0 || state.connections < limit else { return (false, state.connections) }
            state.connections += 1
            return (true, state.connections)
        }
    }

    func closeConnection() -> Int {
        state.withLock { state in
            state.connections -= 1
            return state.connections
        }
    }

    /// Counts a request in flight; false when draining (the request is then refused).
    func beginRequest() -> Bool {
        state.withLock { state in
            guard state.phase == .serving else { return false }
            state.requestsInFlight += 1
            return true
        }
    }

    func endRequest() {
        state.withLock { $0.requestsInFlight -= 1 }
    }

    var requestsInFlight: Int { state.withLock { $0.requestsInFlight } }
}
