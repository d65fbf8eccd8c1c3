import EmbeddingServer
import EmbeddingTesting
import Encoders
import Foundation
import LateInteraction
import Testing
import WireProtocol

/// A fresh, empty data directory for one test, removed by `cleanup()`.
struct TemporaryDataDirectory {
    let path: String

    init() {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("multiembed-server-\(UUID().uuidString)").path
    }

    func cleanup() { try? FileManager.default.removeItem(atPath: path) }
}

/// Starts a server (as `withServer`) whose collections live in `dataDirectory`.
func withCollectionServer<Result: Sendable>(
    dataDirectory: TemporaryDataDirectory, models: [ModelBundle?] = [miniLM],
    configure: (inout ServerConfiguration) -> Void = { _ in },
    store: (any VectorStore)? = nil,
    _ body: (TestConnection) async throws -> Result
) async throws -> Result {
    try await withServer(models: models, configure: {
        $0.dataDirectory = dataDirectory.path
        configure(&$0)
    }, store: store) { _, port in
        let connection = try await TestConnection(port: port)
        defer { connection.close() }
        return try await body(connection)
    }
}

/// `rows` random vectors of `dimension` values from a seeded generator.
func randomRows(_ rows: Int, _ dimension: Int, seed: UInt64) -> [[Float]] {
    var generator = SeededGenerator(state: seed)
    return (0..<rows).map { _ in (0..<dimension).map { _ in Float.random(in: -1...1, using: &generator) } }
}

/// Rows as a wire MultiVectorSource of float32 vectors.
func vectorSource(_ rows: [[Float]]) -> Multiembed_V1_MultiVectorSource {
    var wire = Multiembed_V1_MultiVector()
    wire.count = UInt32(rows.count)
    wire.dimension = UInt32(rows.first?.count ?? 0)
    var data = Data()
    for value in rows.flatMap({ $0 }) { withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
    wire.data = data
    var source = Multiembed_V1_MultiVectorSource()
    source.vectors = wire
    return source
}

/// A stored document's id as a wire MultiVectorSource (Score only).
func storedSource(_ id: String) -> Multiembed_V1_MultiVectorSource {
    var source = Multiembed_V1_MultiVectorSource()
    source.documentID = id
    return source
}

/// A text as a wire MultiVectorSource.
func textSource(_ text: String) -> Multiembed_V1_MultiVectorSource {
    var source = Multiembed_V1_MultiVectorSource()
    source.input.text = text
    return source
}

/// What the server stores for `rows`: each row L2-normalised.
func normalised(_ rows: [[Float]]) throws -> MultiVector {
    try MultiVector(rows: rows).l2Normalized(context: "test")
}

/// Requests of the late-interaction bodies, each with id `id`.
enum CollectionRequest {
    static func create(
        _ name: String, id: UInt64 = 1, configure: (inout Multiembed_V1_CreateCollectionRequest) -> Void = { _ in }
    ) -> Multiembed_V1_Request {
        var body = Multiembed_V1_CreateCollectionRequest()
        body.name = name
        configure(&body)
        var request = Multiembed_V1_Request()
        request.id = id
        request.createCollection = body
        return request
    }

    static func vectorsOnly(_ name: String, dimension: Int, id: UInt64 = 1) -> Multiembed_V1_Request {
        create(name, id: id) {
            $0.vectorsOnly = true
            $0.dimension = UInt32(dimension)
        }
    }

    static func list(id: UInt64 = 1) -> Multiembed_V1_Request {
        var request = Multiembed_V1_Request()
        request.id = id
        request.listCollections = .init()
        return request
    }

    static func drop(_ name: String, id: UInt64 = 1) -> Multiembed_V1_Request {
        var request = Multiembed_V1_Request()
        request.id = id
        request.dropCollection.name = name
        return request
    }

    static func upsert(
        _ collection: String, _ documents: [(id: String, content: Multiembed_V1_MultiVectorSource)], id: UInt64 = 1,
        metadata: [String: String] = [:], configure: (inout Multiembed_V1_UpsertRequest) -> Void = { _ in }
    ) -> Multiembed_V1_Request {
        var body = Multiembed_V1_UpsertRequest()
        body.collection = collection
        body.documents = documents.map { document in
            var wire = Multiembed_V1_Document()
            wire.id = document.id
            wire.content = document.content
            wire.metadata = metadata
            return wire
        }
        configure(&body)
        var request = Multiembed_V1_Request()
        request.id = id
        request.upsert = body
        return request
    }

    static func get(_ collection: String, _ ids: [String], includeVectors: Bool = false, id: UInt64 = 1) -> Multiembed_V1_Request {
        var request = Multiembed_V1_Request()
        request.id = id
        request.get.collection = collection
        request.get.ids = ids
        request.get.includeVectors = includeVectors
        return request
    }

    static func delete(_ collection: String, _ ids: [String], id: UInt64 = 1) -> Multiembed_V1_Request {
        var request = Multiembed_V1_Request()
        request.id = id
        request.delete.collection = collection
        request.delete.ids = ids
        return request
    }

    static func search(
        _ collection: String, _ query: Multiembed_V1_MultiVectorSource, topK: Int32 = 10, id: UInt64 = 1,
        configure: (inout Multiembed_V1_SearchRequest) -> Void = { _ in }
    ) -> Multiembed_V1_Request {
        var body = Multiembed_V1_SearchRequest()
        body.collection = collection
        body.query = query
        body.topK = topK
        configure(&body)
        var request = Multiembed_V1_Request()
        request.id = id
        request.search = body
        return request
    }

    static func score(
        _ query: Multiembed_V1_MultiVectorSource, _ documents: [Multiembed_V1_MultiVectorSource], id: UInt64 = 1,
        configure: (inout Multiembed_V1_ScoreRequest) -> Void = { _ in }
    ) -> Multiembed_V1_Request {
        var body = Multiembed_V1_ScoreRequest()
        body.query = query
        body.documents = documents
        configure(&body)
        var request = Multiembed_V1_Request()
        request.id = id
        request.score = body
        return request
    }
}

extension TestConnection {
    /// Sends `request` and returns its answer, which must exist.
    func answer(_ request: Multiembed_V1_Request, sourceLocation: SourceLocation = #_sourceLocation) async throws -> Multiembed_V1_Response {
        try #require(try await call(request), sourceLocation: sourceLocation)
    }

    /// Sends `request` and returns its answer, which must be OK.
    func ok(_ request: Multiembed_V1_Request, sourceLocation: SourceLocation = #_sourceLocation) async throws -> Multiembed_V1_Response {
        let response = try await answer(request, sourceLocation: sourceLocation)
        #expect(response.status.code == .ok, "\(response.status.message)", sourceLocation: sourceLocation)
        return response
    }
}
