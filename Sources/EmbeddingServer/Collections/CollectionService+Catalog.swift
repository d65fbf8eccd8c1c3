import LateInteraction
import WireProtocol

extension CollectionService {
    /// CreateCollection: settings checked against the contract and the model, then created
    /// durably; ALREADY_EXISTS when the name is taken.
    func createCollection(_ request: Multiembed_V1_CreateCollectionRequest) async throws(ServerError) -> Multiembed_V1_CreateCollectionResponse {
        try CollectionRules.checkName(request.name)
        let precision = try StoragePrecision(wire: request.precision)
        let kind = try CollectionKind(wire: request.kind)
        if kind == .dense {
            guard request.precision == .float32, request.poolFactor <= 1, request.maxVectors == 0 else {
                throw .invalidArgument(
                    "collection '\(request.name)' is dense: it keeps one float32 vector per document and takes no precision, "
                        + "pool_factor or max_vectors")
            }
        }
        var dimension = Int(request.dimension)
        var model: String?
        if request.vectorsOnly {
            guard dimension > 0 else {
                throw .invalidArgument("collection '\(request.name)' is vectors_only: set its dimension")
            }
        } else {
            let served = try embedding.model(named: request.model)
            // A dense collection holds the model's pooled embeddings; a multi-vector one its
            // token vectors.
            let (modelDimension, what) = kind == .dense ? (served.dimension, "dimension") : (served.tokenDimension, "token_dimension")
            if kind == .dense, served.dimension == 0 {
                throw .invalidArgument("model \(served.name) (\(served.bundle.encoders)) has no pooled embedding; a dense collection needs one")
            }
            guard modelDimension > 0 else {
                throw .invalidArgument(
                    "model \(served.name) has no multi-vector output (token_dimension 0); create a vectors_only or dense collection instead")
            }
            if dimension == 0 { dimension = modelDimension }
            guard dimension == modelDimension else {
                throw .invalidArgument(
                    "collection '\(request.name)': dimension \(dimension) differs from model \(served.name)'s \(what) \(modelDimension)")
            }
            model = served.name
        }
        let spec = CollectionSpec(
            name: request.name, dimension: dimension, precision: precision, poolFactor: max(1, Int(request.poolFactor)),
            maxVectors: request.maxVectors == 0 ? nil : Int(request.maxVectors), model: model, kind: kind)
        let catalog = self.catalog
        try await offLoop { () throws(ServerError) in try catalog.create(spec) }
        var response = Multiembed_V1_CreateCollectionResponse()
        response.collection = spec.wireInfo(documentCount: 0)
        return response
    }

    /// ListCollections: every collection, by name, with its live document count. A damaged
    /// collection is listed too (its name, and its settings when they read back) with an
    /// InputError (index = its position, DATA_LOSS, the damage's file and offsets) in the OK
    /// status, so it is never silently missing from the list.
    func listCollections() async throws(ServerError) -> (Multiembed_V1_ListCollectionsResponse, Multiembed_V1_Status?) {
        let catalog = self.catalog
        return try await offLoop { () throws(ServerError) in
            let store = try catalog.store
            let specs = try catalog.specs()
            var damage = try catalog.damage()
            var response = Multiembed_V1_ListCollectionsResponse()
            var status = Multiembed_V1_Status()
            for name in Set(specs.keys).union(damage.keys).sorted() {
                var info = specs[name]?.wireInfo(documentCount: 0) ?? Multiembed_V1_CollectionInfo()
                info.name = name
                if damage[name] == nil, specs[name] != nil {
                    do throws(LateInteractionError) {
                        info.documentCount = UInt64(clamping: try store.documentCount(in: name))
                    } catch let .damaged(found) {
                        catalog.noteDamage(found)
                        damage[name] = found
                    } catch { throw ServerError(error) }
                }
                if let found = damage[name] {
                    var error = Multiembed_V1_InputError()
                    error.index = UInt32(response.collections.count)
                    error.code = .dataLoss
                    error.message = found.description
                    status.inputErrors.append(error)
                }
                response.collections.append(info)
            }
            guard !status.inputErrors.isEmpty else { return (response, nil) }
            status.message = "\(status.inputErrors.count) of \(response.collections.count) collections are damaged"
            return (response, status)
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
