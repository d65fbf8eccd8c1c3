import Synchronization

/// What the framed protocol keeps per connection, kept by the other doors per peer (one HTTP/2 or
/// HTTP/1.1 connection, named by its remote address and port): the answer budget its requests
/// share and its key for the batcher's turns between clients. An entry lives while the peer has
/// requests in flight.
package final class DoorPeers: Sendable {
    private struct Peer {
        let budget: AnswerBudget
        let client: ClientKey
        var calls: Int
    }

    private let peers = Mutex<[String: Peer]>([:])
    private let capacity: Int
    private let total: HeldAnswerBytes

    package init(capacity: Int, total: HeldAnswerBytes) {
        self.capacity = capacity
        self.total = total
    }

    /// A reservation on `peer`'s budget for one request; give it back with ``end(_:peer:)``.
    package func begin(peer: String) -> AnswerReservation {
        peers.withLock { peers in
            var entry = peers[peer] ?? Peer(budget: AnswerBudget(capacity: capacity, total: total), client: .next(), calls: 0)
            entry.calls += 1
            peers[peer] = entry
            return AnswerReservation(budget: entry.budget, client: entry.client)
        }
    }

    /// Releases the request's reservation and forgets the peer once its last request has ended.
    package func end(_ reservation: AnswerReservation, peer: String) {
        reservation.release()
        peers.withLock { peers in
            guard var entry = peers[peer] else { return }
            entry.calls -= 1
            peers[peer] = entry.calls > 0 ? entry : nil
        }
    }
}
