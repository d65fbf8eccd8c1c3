import EmbeddingServer
import WireProtocol

/// The server's configuration: HummingbirdCore has a type of the same name.
package typealias CoreConfiguration = ServerConfiguration

/// What the door hands the core for one request, read from its HTTP head: the framed envelope's
/// key and deadline, carried in headers instead.
///
/// This file imports no Hummingbird on purpose: both it and the core name a type
/// `RequestContext`, and the core's is the one meant here.
struct CoreCall: Sendable {
    /// The key of `Authorization: Bearer KEY`; nil = none.
    var apiKey: String?
    /// `X-Request-Timeout-Ms`, when the client gave a positive one.
    var timeoutMilliseconds: UInt32?
    /// The connection the request came on (its remote address and port), for its answer budget
    /// and the batcher's turns between clients.
    var peer: String

    /// The key of an `Authorization` header value: "Bearer KEY" (scheme case-insensitive, blanks
    /// around the key ignored); nil for any other scheme, so the core answers UNAUTHENTICATED
    /// where keys are required.
    static func bearerKey(_ authorization: String?) -> String? {
        guard let authorization else { return nil }
        let parts = authorization.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let key = parts[1].trimmingBlanks()
        return key.isEmpty ? nil : String(key)
    }

    /// `X-Request-Timeout-Ms` as a count of milliseconds: digits only, at least 1; nil when
    /// absent, zero or malformed (then nothing is enforced, as the framed protocol's 0).
    static func timeout(_ header: String?) -> UInt32? {
        guard let header else { return nil }
        let digits = header.trimmingBlanks()
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let value = UInt32(digits), value > 0
        else { return nil }
        return value
    }
}

extension StringProtocol {
    /// Without the spaces and tabs around it.
    fileprivate func trimmingBlanks() -> Substring {
        var text = self[...]
        while let first = text.first, first == " " || first == "\t" { text = text.dropFirst() }
        while let last = text.last, last == " " || last == "\t" { text = text.dropLast() }
        return Substring(text)
    }
}

/// The door's one way into the core: every route ends here, so authentication, admission,
/// limits, deadlines and metrics are the core's, exactly as for the framed and gRPC doors.
struct CoreGateway: Sendable {
    let core: ServiceCore
    let peers: DoorPeers

    /// The core's answer to `body`, with the key, deadline and connection of `call`.
    func respond(to body: Multiembed_V1_Request.OneOf_Body, call: CoreCall) async -> CoreAnswer {
        let receivedAt = ContinuousClock.now
        let reservation = peers.begin(peer: call.peer)
        // HTTP/1.1 answers a connection's requests one at a time and the answer is a buffer in
        // hand once the core returns: the reservation ends here, not after the socket write.
        defer { peers.end(reservation, peer: call.peer) }
        let context = RequestContext(
            apiKey: call.apiKey, receivedAt: receivedAt,
            deadline: RequestContext.deadline(milliseconds: call.timeoutMilliseconds ?? 0, after: receivedAt),
            reservation: reservation)
        let admission = core.admit()
        defer { admission.end() }
        return await core.respond(to: body, context: context, admission: admission)
    }

    /// Serving, starting or draining: for `GET /health`, which needs no key.
    var health: Multiembed_V1_HealthResponse { core.health }
}
