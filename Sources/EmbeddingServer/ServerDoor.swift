/// A way in to the server beside its framed-protocol listener (gRPC; HTTP): a thin adapter that
/// reads requests in its own wire format, hands them to the ``ServiceCore`` and writes back its
/// answers. The server runs every door for as long as it serves and begins each door's shutdown
/// when it drains; the core counts the doors' requests in flight, so a drain waits for them too.
package protocol ServerDoor: Sendable {
    /// For logs: "grpc", "http".
    var name: String { get }

    /// Binds and serves through `core` until ``beginShutdown()`` has run its course (or the task
    /// is cancelled). Throws when it cannot bind, which fails the server's start.
    func run(core: ServiceCore, server: DoorContext) async throws

    /// Stops taking connections and requests; those in flight finish.
    func beginShutdown()
}

/// What a door shares with the rest of the server: its limits, its answer bytes and its
/// connection count.
package struct DoorContext: Sendable {
    package let configuration: ServerConfiguration
    /// Answer bytes held over all doors' connections (see ``AnswerBudget``).
    package let answerBytes: HeldAnswerBytes
    let lifecycle: ServerLifecycle

    /// Counts a connection a door accepted from `address` against `max_connections` and
    /// `max_connections_per_address`, which hold over every door together; a refusal says
    /// which limit is full. Call ``closeConnection(address:)`` when an admitted one closes.
    package func openConnection(address: String?) -> Result<Int, ServerLifecycle.Refusal> {
        lifecycle.openConnection(
            limit: configuration.limits.maxConnections, perAddressLimit: configuration.limits.maxConnectionsPerAddress,
            address: address)
    }

    package func closeConnection(address: String?) {
        _ = lifecycle.closeConnection(address: address)
    }
}
