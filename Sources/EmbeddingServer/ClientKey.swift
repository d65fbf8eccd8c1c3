import Synchronization

/// Who a queued request belongs to, for fairness between clients: one key per connection.
///
/// Why: the batcher takes inputs request by request in turn, so a client with 256 requests in
/// flight would otherwise get 256 turns for every one of a client with a single request. With
/// a key per connection, turns go client by client first, then request by request within a
/// client. Requests without a client (those collections make on their own behalf) share the key
/// ``ClientKey/unattributed``.
package struct ClientKey: Hashable, Sendable {
    let value: UInt64

    /// Requests not made by a connection's client.
    static let unattributed = ClientKey(value: 0)

    private static let counter = Atomic<UInt64>(0)

    /// A key no other connection has.
    package static func next() -> ClientKey {
        ClientKey(value: counter.add(1, ordering: .relaxed).newValue)
    }
}
