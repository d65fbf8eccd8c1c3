import Logging
import WireProtocol

/// The server's one place of decision, shared by every door: authentication, admission during a
/// drain, the methods' bodies, and metrics. A door (the framed protocol today) reads a request,
/// says what it knows in a ``RequestContext``, takes an ``Admission`` and sends back the
/// ``CoreAnswer``; it decides nothing about the request itself, so the same request gets the
/// same vectors, limits and status whichever door it came through.
///
/// The vocabulary is the messages of Protos/multiembed/v1 (generated Swift values, free of any
/// transport): a door whose wire format differs (JSON) translates to and from them.
package struct ServiceCore: Sendable {
    static let version = "0.1.0"

    let service: EmbeddingService
    let collections: CollectionService
    let lifecycle: ServerLifecycle
    let configuration: ServerConfiguration
    let metrics: ServerMetrics
    let logger: Logger

    /// Counts a request the door has just read in flight (see ``Admission``).
    package func admit() -> Admission {
        Admission(lifecycle: lifecycle)
    }

    /// The answer to `body`: never throws, a failure is a status without a body. Logged and
    /// counted in the metrics under the body's method.
    package func respond(
        to body: Multiembed_V1_Request.OneOf_Body?, isUnknown: Bool = false, context: RequestContext, admission: Admission
    ) async -> CoreAnswer {
        let method = Self.method(of: body)
        let answer: CoreAnswer
        do {
            answer = try await self.answer(body, isUnknown: isUnknown, context: context, admitted: admission.admitted)
        } catch {
            if error.code == .internal { logger.error("request failed", metadata: ["method": "\(method)", "error": "\(error)"]) }
            answer = CoreAnswer(failure: error)
        }
        metrics.request(method: method, code: "\(answer.code)", duration: .now - context.receivedAt)
        return answer
    }

    private func answer(
        _ body: Multiembed_V1_Request.OneOf_Body?, isUnknown: Bool, context: RequestContext, admitted: Bool
    ) async throws(ServerError) -> CoreAnswer {
        // With keys configured, nothing but UNAUTHENTICATED is said to a request without one.
        if !configuration.apiKeys.isEmpty, !Self.isValid(key: context.apiKey ?? "", among: configuration.apiKeys) {
            throw .unauthenticated
        }
        switch body {
        case .health:
            return CoreAnswer(body: .health(health))
        case .info:
            return CoreAnswer(body: .info(info))
        case .embed(let embed):
            guard admitted else { throw .unavailable("the server is shutting down") }
            let (answer, status) = try await service.embed(
                embed, receivedAt: context.receivedAt, deadline: context.deadline, reservation: context.reservation)
            if let deadline = context.deadline, ContinuousClock.now > deadline { throw .deadlineExceeded }
            let partial = status.code != .ok || !status.inputErrors.isEmpty || !status.message.isEmpty
            return CoreAnswer(body: .embed(answer), status: partial ? status : nil)
        case .score, .search, .upsert, .delete, .get, .createCollection, .listCollections, .dropCollection:
            guard admitted, let body else { throw .unavailable("the server is shutting down") }
            let (answer, status) = try await collections.respond(
                to: body, receivedAt: context.receivedAt, deadline: context.deadline, reservation: context.reservation)
            return CoreAnswer(body: answer, status: status)
        case nil where isUnknown:
            throw ServerError(.unimplemented, "the request's body is of a kind this server does not know")
        case nil:
            throw .invalidArgument("the request has no body")
        }
    }

    /// Serving, starting or draining, and the inputs queued. Doors' own health checks (gRPC's
    /// standard one, which probes call without credentials) read it without authentication.
    package var health: Multiembed_V1_HealthResponse {
        var health = Multiembed_V1_HealthResponse()
        health.status = lifecycle.phase == .serving ? .serving : (lifecycle.phase == .starting ? .notServing : .draining)
        health.queueDepth = UInt32(clamping: service.queueDepth)
        return health
    }

    /// The server's description.
    var info: Multiembed_V1_InfoResponse {
        var info = Multiembed_V1_InfoResponse()
        info.version = Self.version
        info.models = service.models.map(\.info)
        info.limits = configuration.wireLimits
        return info
    }

    /// Compares in time independent of where the key differs, so response timing does not
    /// leak how much of a key was right.
    static func isValid(key: String, among keys: Set<String>) -> Bool {
        guard !key.isEmpty else { return false }
        let candidate = Array(key.utf8)
        var found = false
        for accepted in keys {
            let bytes = Array(accepted.utf8)
            var difference = UInt8(bytes.count == candidate.count ? 0 : 1)
            for i in 0..<bytes.count { difference |= bytes[i] ^ (i < candidate.count ? candidate[i] : 0) }
            if difference == 0 { found = true }
        }
        return found
    }

    /// The method's name in metrics and logs.
    package static func method(of body: Multiembed_V1_Request.OneOf_Body?) -> String {
        switch body {
        case .embed: "embed"
        case .info: "info"
        case .health: "health"
        case .score: "score"
        case .search: "search"
        case .upsert: "upsert"
        case .delete: "delete"
        case .get: "get"
        case .createCollection: "create_collection"
        case .listCollections: "list_collections"
        case .dropCollection: "drop_collection"
        case nil: "unknown"
        }
    }
}

/// The core's answer to one request, for a door to send in its own form: a body, or none when
/// the request failed as a whole; and a status when it is anything but a plain OK (a failure,
/// or per-input errors beside the body).
package struct CoreAnswer: Sendable {
    package var body: Multiembed_V1_Response.OneOf_Body?
    /// nil = OK with nothing to add.
    package var status: Multiembed_V1_Status?

    package init(body: Multiembed_V1_Response.OneOf_Body?, status: Multiembed_V1_Status? = nil) {
        self.body = body
        self.status = status
    }

    /// A request that failed as a whole; an all-or-nothing Embed keeps its per-input errors.
    package init(failure error: ServerError) {
        body = nil
        if let allOrNothing = error.cause as? AllOrNothingFailure {
            status = allOrNothing.status
        } else {
            var status = Multiembed_V1_Status()
            status.code = error.code
            status.message = error.message
            self.status = status
        }
    }

    /// The answer's status code.
    package var code: Multiembed_V1_Code { status?.code ?? .ok }

    /// The framed protocol's Response to request `id`.
    func response(id: UInt64) -> Multiembed_V1_Response {
        var response = Multiembed_V1_Response()
        response.id = id
        response.body = body
        if let status { response.status = status }
        return response
    }
}
