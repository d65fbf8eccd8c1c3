import NIOCore
import Synchronization

/// The server's lifecycle as an explicit state machine, shared by the accept loop, the
/// connections and the shutdown sequence.
package final class ServerLifecycle: Sendable {
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
        /// Open connections per client IP address (only those with at least one).
        var connectionsByAddress: [String: Int] = [:]
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

    /// Why a connection was not admitted.
    package enum Refusal: Error, Equatable {
        /// `max_connections` are open (the count).
        case tooManyConnections(open: Int)
        /// `max_connections_per_address` are open from this address (the count).
        case tooManyFromAddress(open: Int)
    }

    /// Counts a new connection from `address` (an IP; nil when unknown, then only the total is
    /// limited); a refusal (not counted) when `limit` connections are open, or `perAddressLimit`
    /// from that address. Limits of 0 or less are no limit.
    func openConnection(limit: Int, perAddressLimit: Int, address: String?) -> Result<Int, Refusal> {
        state.withLock { state in
            guard limit <= 0 || state.connections < limit else { return .failure(.tooManyConnections(open: state.connections)) }
            if let address {
                let fromAddress = state.connectionsByAddress[address, default: 0]
                guard perAddressLimit <= 0 || fromAddress < perAddressLimit else {
                    return .failure(.tooManyFromAddress(open: fromAddress))
                }
                state.connectionsByAddress[address] = fromAddress + 1
            }
            state.connections += 1
            return .success(state.connections)
        }
    }

    /// Forgets a connection ``openConnection(limit:perAddressLimit:address:)`` admitted; returns
    /// the connections still open.
    func closeConnection(address: String?) -> Int {
        state.withLock { state in
            state.connections -= 1
            if let address, let count = state.connectionsByAddress[address] {
                state.connectionsByAddress[address] = count > 1 ? count - 1 : nil
            }
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
