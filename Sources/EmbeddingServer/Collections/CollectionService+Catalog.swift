import LateInteraction
import WireProtocol

extension CollectionService {
    /// CreateCollection: settings checked against the contract and the model, then created
    /// durably; ALREADY_EXISTS when the name is taken.
    func createCollection(_ request: Multiembed_V1_CreateCollectionRequest) async throws(ServerError) -> Multiembed_V1_CreateCollectionResponse {
        try CollectionRules.checkName(request.name)
        let precision = try StoragePrecision(wire: request.precision)
        var dimension = Int(request.dimension)
        var model: String?
        if request.vectorsOnly {
            guard dimension > 0 else {
                throw .invalidArgument("collection '\(request.name)' is vectors_only: set its dimension")
            }
        } else {
            let served = try embedding.model(named: request.model)
            guard served.tokenDimension > 0 else {
                throw .invalidArgument(
                    "model \(served.name) has no multi-vector output (token_dimension 0); create a vectors_only collection instead")
            }
            if dimension == 0 { dimension = served.tokenDimension }
            guard dimension == served.tokenDimension else {
                throw .invalidArgument(
                    "collection '\(request.name)': dimension \(dimension) differs from model \(served.name)'s token_dimension \(served.tokenDimension)")
            }
            model = served.name
        }
        let spec = CollectionSpec(
            name: request.name, dimension: dimension, precision: precision, poolFactor: max(1, Int(request.poolFactor)),
            maxVectors: request.maxVectors == 0 ? nil : Int(request.maxVectors), model: model)
        let catalog = self.catalog
        try await offLoop { () throws(ServerError) in try catalog.create(spec) }
        var response = Multiembed_V1_CreateCollectionResponse()
        response.collection = spec.wireInfo(documentCount: 0)
        return response
    }

    /// ListCollections: every collection, by name, with its live document count.
    func listCollections() async throws(ServerError) -> Multiembed_V1_ListCollectionsResponse {
        let catalog = self.catalog
        return try await offLoop { () throws(ServerError) in
            let store = try catalog.store
            var response = Multiembed_V1_ListCollectionsResponse()
            for spec in try catalog.specs().values.sorted(by: { $0.name < $1.name }) {
                let count: Int
                do throws(LateInteractionError) { count = try store.documentCount(in: spec.name) } catch { throw ServerError(error) }
                response.collections.append(spec.wireInfo(documentCount: count))
            }
            return response
        }
    }

    /// DropCollection: the collection and its documents, gone durably; NOT_FOUND when there is
    /// none of that name.
    func dropCollection(_ request: Multiembed_V1_DropCollectionRequest) async throws(ServerError) -> Multiembed_V1_DropCollectionResponse {
        try CollectionRules.checkName(request.name)
        let catalog = self.catalog, name = request.name
        try await offLoop { () throws(ServerError) in try catalog.drop(name) }
        return Multiembed_V1_DropCollectionResponse()
    }
}
