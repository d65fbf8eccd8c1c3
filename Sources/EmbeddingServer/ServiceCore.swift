import Logging
import WireProtocol

/// Turns one decoded Request into its one Response: authentication, lifecycle, then the body.
struct RequestDispatcher: Sendable {
    static let version = "0.1.0"

    let service: EmbeddingService
    let collections: CollectionService
    let lifecycle: ServerLifecycle
    let configuration: ServerConfiguration
    let metrics: ServerMetrics
    let logger: Logger

    /// The answer to `request`, received (whole frame read) at `receivedAt`. `admitted` says
    /// whether it arrived while the server was serving (counted in flight by the caller) rather
    /// than draining; embed requests that were not are refused with UNAVAILABLE.
    ///
    /// `reservation` is the request's share of its connection's answer budget (see
    /// ``AnswerBudget``); the caller releases it once the answer is written.
    func respond(
        to request: Multiembed_V1_Request, receivedAt: ContinuousClock.Instant, admitted: Bool,
        reservation: AnswerReservation? = nil
    ) async -> Multiembed_V1_Response {
        let method = Self.method(of: request)
        let response: Multiembed_V1_Response
        do {
            response = try await answer(
                request, method: method, receivedAt: receivedAt, admitted: admitted, reservation: reservation)
        } catch {
            if error.code == .internal { logger.error("request failed", metadata: ["id": "\(request.id)", "error": "\(error)"]) }
            var failure = error.response(id: request.id)
            if let allOrNothing = error.cause as? AllOrNothingFailure { failure.status = allOrNothing.status }
            response = failure
        }
        metrics.request(method: method, code: "\(response.status.code)", duration: .now - receivedAt)
        return response
    }

    private func answer(
        _ request: Multiembed_V1_Request, method: String, receivedAt: ContinuousClock.Instant, admitted: Bool,
        reservation: AnswerReservation?
    ) async throws(ServerError) -> Multiembed_V1_Response {
        // With keys configured, nothing but UNAUTHENTICATED is said to a request without one.
        if !configuration.apiKeys.isEmpty, !Self.isValid(key: request.apiKey, among: configuration.apiKeys) {
            throw .unauthenticated
        }
        var response = Multiembed_V1_Response()
        response.id = request.id
        switch request.body {
        case .health:
            var health = Multiembed_V1_HealthResponse()
            health.status = lifecycle.phase == .serving ? .serving : (lifecycle.phase == .starting ? .notServing : .draining)
            health.queueDepth = UInt32(clamping: service.queueDepth)
            response.health = health
        case .info:
            response.info = info
        case .embed(let embed):
            guard admitted else { throw .unavailable("the server is shutting down") }
            let deadline = Self.deadline(of: request, receivedAt: receivedAt)
            let (body, status) = try await service.embed(
                embed, receivedAt: receivedAt, deadline: deadline, reservation: reservation)
            if let deadline, ContinuousClock.now > deadline { throw .deadlineExceeded }
            response.embed = body
            if status.code != .ok || !status.inputErrors.isEmpty || !status.message.isEmpty { response.status = status }
        case .score, .search, .upsert, .delete, .get, .createCollection, .listCollections, .dropCollection:
            guard admitted, let body = request.body else { throw .unavailable("the server is shutting down") }
            let (answer, status) = try await collections.respond(
                to: body, receivedAt: receivedAt, deadline: Self.deadline(of: request, receivedAt: receivedAt),
                reservation: reservation)
            response.body = answer
            if let status { response.status = status }
        case nil where request.hasUnknownBody:
            throw ServerError(.unimplemented, "the request's body is of a kind this server does not know")
        case nil:
            throw .invalidArgument("the request has no body")
        }
        return response
    }

    /// When the client stops waiting for `request`, counted from the receipt of its frame.
    static func deadline(of request: Multiembed_V1_Request, receivedAt: ContinuousClock.Instant) -> ContinuousClock.Instant? {
        request.deadlineMs > 0 ? receivedAt + .milliseconds(Int(request.deadlineMs)) : nil
    }

    /// The server's description.
    var info: Multiembed_V1_InfoResponse {
        var info = Multiembed_V1_InfoResponse()
        info.version = Self.version
        info.models = service.models.map(\.info)
        let limits = configuration.limits
        var wire = Multiembed_V1_Limits()
        wire.maxFrameBytes = UInt32(clamping: limits.maxFrameBytes)
        wire.maxInputsPerRequest = UInt32(clamping: limits.maxInputsPerRequest)
        wire.maxBatchTokens = UInt32(clamping: configuration.batching.maxBatchTokens)
        wire.maxTextBytes = UInt32(clamping: limits.maxTextBytes)
        wire.maxImageBytes = UInt32(clamping: limits.maxImageBytes)
        wire.maxImagePixels = UInt64(clamping: limits.maxImagePixels)
        wire.maxPatches = UInt32(clamping: limits.maxPatches)
        wire.maxConnections = UInt32(clamping: limits.maxConnections)
        wire.maxVectorsPerDocument = UInt32(clamping: limits.maxVectorsPerDocument)
        wire.maxTopK = UInt32(clamping: limits.maxTopK)
        wire.maxResponseBytes = UInt64(clamping: limits.maxResponseBytes)
        wire.maxConnectionsPerAddress = UInt32(clamping: limits.maxConnectionsPerAddress)
        wire.maxAnswerBytesPerConnection = UInt64(clamping: limits.maxAnswerBytesPerConnection)
        let idle = limits.idleTimeout.components
        wire.idleTimeoutMs = UInt32(clamping: idle.seconds * 1000 + idle.attoseconds / 1_000_000_000_000_000)
        wire.maxFailedAuthentications = UInt32(clamping: limits.maxFailedAuthenticationsPerConnection)
        wire.maxInFlightPerConnection = UInt32(clamping: limits.maxInFlightPerConnection)
        let frame = limits.frameTimeout.components
        wire.frameTimeoutMs = UInt32(clamping: frame.seconds * 1000 + frame.attoseconds / 1_000_000_000_000_000)
        info.limits = wire
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

    static func method(of request: Multiembed_V1_Request) -> String {
        switch request.body {
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
