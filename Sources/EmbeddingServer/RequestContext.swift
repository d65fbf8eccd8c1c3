/// What a door (the framed protocol, gRPC, HTTP) knows about a request besides its body: the
/// credential it carried, when it arrived, until when its client waits, and whose budget its
/// answer is charged to. The core decides everything else the same way whichever door the
/// request came through.
package struct RequestContext: Sendable {
    /// The API key the request carried, as its door reads it (the framed protocol: the request's
    /// `api_key` field; gRPC and HTTP: the `authorization: Bearer KEY` header); nil = none.
    package var apiKey: String?
    /// When the door had read the whole request.
    package var receivedAt: ContinuousClock.Instant
    /// When the client stops waiting; nil = it waits as long as the work takes.
    package var deadline: ContinuousClock.Instant?
    /// The request's share of its connection's answer budget (see ``AnswerBudget``), which also
    /// names its client for the batcher's turns; nil = unbounded and unattributed (in-process
    /// callers). The door releases it once the answer is written.
    package var reservation: AnswerReservation?

    package init(
        apiKey: String?, receivedAt: ContinuousClock.Instant = .now, deadline: ContinuousClock.Instant? = nil,
        reservation: AnswerReservation? = nil
    ) {
        self.apiKey = apiKey
        self.receivedAt = receivedAt
        self.deadline = deadline
        self.reservation = reservation
    }

    /// The deadline `milliseconds` after `receivedAt`; 0 = none (the protocol's "unset").
    package static func deadline(milliseconds: UInt32, after receivedAt: ContinuousClock.Instant) -> ContinuousClock.Instant? {
        milliseconds > 0 ? receivedAt + .milliseconds(Int(milliseconds)) : nil
    }
}

/// A request counted in flight by the core, so a graceful shutdown waits for its answer; or,
/// when it arrived while the server was draining, refused (its work answers UNAVAILABLE).
///
/// Why a door takes it as soon as it has read a request, before any task runs: a request read
/// before a shutdown began is served, however late its task starts. The door calls ``end()``
/// once the answer is written, so a drain that sees nothing in flight never closes a
/// connection under an answer.
package struct Admission: Sendable {
    /// False when the server was draining: only Health and Info are then answered.
    package let admitted: Bool
    fileprivate let lifecycle: ServerLifecycle

    init(lifecycle: ServerLifecycle) {
        self.lifecycle = lifecycle
        self.admitted = lifecycle.beginRequest()
    }

    /// The request's answer is written (or its connection is gone).
    package func end() {
        if admitted { lifecycle.endRequest() }
    }
}
