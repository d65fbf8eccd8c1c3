import LateInteraction
import NIOPosix
import WireProtocol

/// Serves the late-interaction bodies (collections.proto): Score, Search, Upsert, Delete, Get
/// and the collection methods.
///
/// Inputs are embedded by the models' batchers through ``EmbeddingService``, like Embed's.
/// Everything that blocks — the store's writes and their fsync, reading and scoring documents
/// by MaxSim — runs on threads of its own (``offLoop(_:)``), never on a NIO event loop or the
/// cooperative pool, where it would stall every connection. The store is reached only through
/// the ``VectorStore`` protocol, so another engine can take the local store's place.
final class CollectionService: Sendable {
    let embedding: EmbeddingService
    let catalog: CollectionCatalog
    let limits: ServerLimits
    /// Threads for store and scoring work. Two: one long search must not hold up every write,
    /// and MaxSim already spreads a large search over the cores itself.
    private let workers: NIOThreadPool

    init(embedding: EmbeddingService, configuration: ServerConfiguration, store: (any VectorStore)?) {
        self.embedding = embedding
        self.catalog = CollectionCatalog(store: store, dataDirectory: configuration.dataDirectory)
        self.limits = configuration.limits
        self.workers = NIOThreadPool(numberOfThreads: 2)
    }

    /// Starts the worker threads and opens the data directory; fails when another process holds
    /// it. Damaged collections do not stop it: they are reported (``damagedAtStart()``) and
    /// refused one by one.
    func start() throws(ServerError) {
        workers.start()
        try catalog.open()
    }

    /// Stops the worker threads (after the requests have ended) and releases the data directory.
    func stop() async {
        try? await workers.shutdownGracefully()
        catalog.close()
    }

    /// Runs blocking `work` on the worker threads and returns its result to the calling task.
    func offLoop<T: Sendable>(_ work: @escaping @Sendable () throws(ServerError) -> T) async throws(ServerError) -> T {
        let result: Result<T, ServerError>
        do {
            result = try await workers.runIfActive { Result { () throws(ServerError) in try work() } }
        } catch {
            throw .unavailable("the server is shutting down")
        }
        return try result.get()
    }

    /// The answer to one late-interaction body, and an OK status to send with it when it has
    /// something to say (ListCollections' damaged collections). `deadline` bounds the embedding
    /// work; a write that has begun is finished and acknowledged, since the client may not retry
    /// it blindly.
    func respond(
        to body: Multiembed_V1_Request.OneOf_Body, receivedAt: ContinuousClock.Instant, deadline: ContinuousClock.Instant?,
        reservation: AnswerReservation? = nil
    ) async throws(ServerError) -> (Multiembed_V1_Response.OneOf_Body, Multiembed_V1_Status?) {
        if case .listCollections = body {
            let (list, status) = try await listCollections()
            return (.listCollections(list), status)
        }
        let answer: Multiembed_V1_Response.OneOf_Body = switch body {
        case .createCollection(let request): .createCollection(try await createCollection(request))
        case .listCollections: throw ServerError(.internal, "answered above")
        case .dropCollection(let request): .dropCollection(try await dropCollection(request))
        case .upsert(let request): .upsert(try await upsert(request, receivedAt: receivedAt, deadline: deadline))
        case .delete(let request): .delete(try await delete(request))
        case .get(let request): .get(try await get(request, reservation: reservation))
        case .search(let request): .search(try await search(request, receivedAt: receivedAt, deadline: deadline))
        case .score(let request): .score(try await score(request, receivedAt: receivedAt, deadline: deadline))
        case .embed, .info, .health: throw ServerError(.internal, "not a late-interaction request")
        }
        return (answer, nil)
    }

    /// Damaged collections found at start, for the server's start-up log; empty without a store.
    func damagedAtStart() -> [CollectionDamage] {
        guard let damage = try? catalog.damage() else { return [] }
        return damage.values.sorted { $0.collection < $1.collection }
    }

    /// The model that embeds the inputs of collection `spec`, or why its inputs cannot be
    /// embedded by this server.
    func embedder(for spec: CollectionSpec) -> MultiVectorResolver.Embedder {
        guard let name = spec.model else {
            return .unavailable(.invalidArgument(
                "collection '\(spec.name)' takes precomputed vectors only (it has no model); send vectors"))
        }
        guard let model = embedding.models.first(where: { $0.name == name }) else {
            return .unavailable(ServerError(
                .failedPrecondition, "collection '\(spec.name)' holds vectors of model '\(name)', which this server does not serve"))
        }
        return .model(model)
    }

    /// Requirements on the vectors of collection `spec`'s documents and queries.
    func requirements(for spec: CollectionSpec) -> MultiVectorResolver.Requirements {
        .init(dimension: spec.dimension, mismatchCode: .failedPrecondition, maxVectors: limits.maxVectorsPerDocument)
    }

    /// Refuses a request carrying more items than max_inputs_per_request.
    func checkCount(_ count: Int, of items: String) throws(ServerError) {
        guard count <= limits.maxInputsPerRequest else {
            throw .invalidArgument(
                "the request has \(count) \(items), more than max_inputs_per_request (\(limits.maxInputsPerRequest))")
        }
    }

    /// The failure of an all-or-nothing request: the first culprit's code, and an InputError
    /// per culprit (index = its position in the request).
    static func batchFailure(_ failures: [(index: Int, error: ServerError)], of total: Int, items: String) -> ServerError {
        var status = Multiembed_V1_Status()
        status.code = failures[0].error.code
        status.message = failures.count == 1
            ? failures[0].error.message
            : "\(failures.count) of \(total) \(items) are bad, nothing was done; first: \(failures[0].error.message)"
        status.inputErrors = failures.map(EmbeddingService.inputError)
        return ServerError(status.code, status.message, cause: AllOrNothingFailure(status: status))
    }
}
