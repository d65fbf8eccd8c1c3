// Conformance driver for the Swift client (EmbeddingClient): runs every case of
// Tests/Conformance/cases.json against a running server and writes the canonical results
// that Tests/Conformance/compare.py compares with the Python and C drivers' (see the README
// there for both formats).
//
// usage: conformance-driver HOST PORT API_KEY CASES_JSON OUT_JSON   (from the repository root)

import EmbeddingClient
import Foundation

/// A JSON object of the case list.
typealias JSONObject = [String: Any]

struct DriverFailure: Error, CustomStringConvertible {
    var description: String
}

/// A text input of the case list: a string, or {"repeat": s, "times": n}.
func text(_ item: Any) throws -> String {
    if let string = item as? String { return string }
    guard let object = item as? JSONObject, let unit = object["repeat"] as? String,
        let times = object["times"] as? Int
    else { throw DriverFailure(description: "bad text input \(item)") }
    return String(repeating: unit, count: times)
}

/// The bytes of an image input: {"file": path[, "take_bytes": n]} or {"hex": "..."}.
func image(_ object: JSONObject) throws -> Data {
    if let hex = object["hex"] as? String {
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            guard let byte = UInt8(hex[index..<next], radix: 16) else {
                throw DriverFailure(description: "bad hex \(hex)")
            }
            bytes.append(byte)
            index = next
        }
        return Data(bytes)
    }
    guard let path = object["file"] as? String else { throw DriverFailure(description: "bad image \(object)") }
    let data = try Data(contentsOf: URL(fileURLWithPath: path))
    if let take = object["take_bytes"] as? Int { return data.prefix(take) }
    return data
}

/// A patch grid whose values are exact in float32: ((i*7 + seed*13) % 97 - 48) / 32.
func patches(_ object: JSONObject) throws -> PatchGrid {
    guard let rows = object["rows"] as? Int, let cols = object["cols"] as? Int,
        let size = object["patch_size"] as? Int, let seed = object["seed"] as? Int
    else { throw DriverFailure(description: "bad patches \(object)") }
    let channels = object["channels"] as? Int ?? 3
    var values = (0..<(rows * cols * channels * size * size)).map { i in
        Float((i * 7 + seed * 13) % 97 - 48) / 32
    }
    if object["nan"] as? Bool == true { values[0] = .nan }
    return PatchGrid(rows: rows, cols: cols, patchSize: size, channels: channels, values: values)
}

func options(_ c: JSONObject) throws -> EmbedOptions {
    var options = EmbedOptions()
    options.model = c["model"] as? String ?? ""
    if let name = c["prompt_name"] as? String { options.prompt = .named(name) }
    if let text = c["instruction"] as? String { options.prompt = .instruction(text) }
    switch c["output"] as? String ?? "pooled" {
    case "pooled": options.output = .pooled
    case "multi_vector": options.output = .multiVector
    case "both": options.output = .both
    case let other: throw DriverFailure(description: "unknown output \(other)")
    }
    options.dimensions = c["dimensions"] as? Int
    options.normalize = c["normalize"] as? Bool
    switch c["encoding"] as? String ?? "float32" {
    case "float32": options.encoding = .float32
    case "float16": options.encoding = .float16
    case "int8": options.encoding = .int8
    case "binary": options.encoding = .binary
    case let other: throw DriverFailure(description: "unknown encoding \(other)")
    }
    switch c["truncate"] as? String ?? "end" {
    case "end": options.truncate = .end
    case "start": options.truncate = .start
    case "error": options.truncate = .error
    case let other: throw DriverFailure(description: "unknown truncate \(other)")
    }
    options.allOrNothing = c["all_or_nothing"] as? Bool ?? false
    if let milliseconds = c["deadline_ms"] as? Int { options.deadline = .milliseconds(milliseconds) }
    return options
}

func hex<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var out: [UInt8] = []
    for byte in bytes {
        out.append(digits[Int(byte >> 4)])
        out.append(digits[Int(byte & 15)])
    }
    return String(decoding: out, as: UTF8.self)
}

/// float32 little-endian bytes of decoded values.
func floatHex(_ values: [Float]) -> String {
    hex(values.flatMap { value -> [UInt8] in
        let bits = value.bitPattern
        return [UInt8(bits & 0xFF), UInt8(bits >> 8 & 0xFF), UInt8(bits >> 16 & 0xFF), UInt8(bits >> 24)]
    })
}

/// The canonical hex of one vector: the bytes received for float32 and binary, the float32
/// bytes of the client's decoding (``EncodedVector/values``) for float16 and int8.
func canonical(_ vector: EncodedVector) -> String {
    switch vector.encoding {
    case .float32, .binary: hex(vector.data)
    case .float16, .int8: floatHex(vector.values)
    }
}

func canonical(_ rows: EncodedMultiVector) -> String {
    switch rows.encoding {
    case .float32, .binary: hex(rows.data)
    case .float16, .int8: floatHex(rows.values.flatMap { $0 })
    }
}

func run(_ c: JSONObject, client: EmbeddingClient) async -> JSONObject {
    let name = c["name"] as? String ?? "?"
    let result: EmbedResult
    do {
        var inputs: [EmbeddingInput] = []
        for item in c["texts"] as? [Any] ?? [] { inputs.append(.text(try text(item))) }
        for item in c["images"] as? [JSONObject] ?? [] { inputs.append(.image(try image(item))) }
        for item in c["patches"] as? [JSONObject] ?? [] { inputs.append(.patches(try patches(item))) }
        for item in c["pages"] as? [JSONObject] ?? [] { inputs.append(.page(try page(item))) }
        result = try await client.embed(inputs, options: try options(c))
    } catch let error as EmbeddingClientError {
        return ["name": name, "status": error.code.rawValue, "input_errors": [Any](), "embeddings": [Any]()]
    } catch {
        // Not the client's typed error: a driver bug, which fails this case only.
        return ["name": name, "status": "driver error: \(error)", "input_errors": [Any](), "embeddings": [Any]()]
    }
    let embeddings: [JSONObject] = result.embeddings.map { embedding in
        var entry: JSONObject = [
            "truncated": embedding.truncated, "pooled": NSNull(), "multi_vector": NSNull(), "page_text": pageTextJSON(embedding.pageText),
        ]
        if embedding.error == nil {
            if let pooled = embedding.pooled {
                entry["pooled"] = ["dimension": pooled.dimension, "hex": canonical(pooled)]
            }
            if let rows = embedding.multiVector {
                entry["multi_vector"] = ["count": rows.count, "dimension": rows.dimension, "hex": canonical(rows)]
            }
        }
        return entry
    }
    return [
        "name": name, "status": 0,
        "input_errors": result.inputErrors.sorted { $0.index < $1.index }.map { [$0.index, $0.code.rawValue] },
        "embeddings": embeddings,
    ]
}

// MARK: - Late-interaction cases (with an "op"): collections named by the case + "-swift"

let collectionSuffix = "-swift"

/// (count, dimension) vectors exact in float32: the patch formula's values.
func vectors(_ object: JSONObject) throws -> [[Float]] {
    guard let count = object["count"] as? Int, let dimension = object["dimension"] as? Int,
        let seed = object["seed"] as? Int
    else { throw DriverFailure(description: "bad vectors \(object)") }
    var values = (0..<(count * dimension)).map { i in Float((i * 7 + seed * 13) % 97 - 48) / 32 }
    if object["nan"] as? Bool == true, !values.isEmpty { values[0] = .nan }
    return (0..<count).map { row in Array(values[(row * dimension)..<((row + 1) * dimension)]) }
}

/// A query or document: {"text"}, {"image"}, {"patches"}, {"vectors"} or {"stored": id}.
func source(_ item: Any?) throws -> VectorSource {
    guard let object = item as? JSONObject else { throw DriverFailure(description: "bad source \(String(describing: item))") }
    if let id = object["stored"] as? String { return .stored(id: id) }
    if let value = object["text"] { return .text(try text(value)) }
    if let value = object["image"] as? JSONObject { return .image(try image(value)) }
    if let value = object["patches"] as? JSONObject { return .input(.patches(try patches(value))) }
    if let value = object["vectors"] as? JSONObject { return .vectors(try vectors(value)) }
    if let value = object["page"] as? JSONObject { return .page(try page(value)) }
    throw DriverFailure(description: "a source without text, image, patches, vectors or page: \(object)")
}

/// A page of a case: {"image_file": path} or {"pdf_file": path, "page_number", "languages"}.
func page(_ object: JSONObject) throws -> PageInput {
    let languages = object["languages"] as? [String] ?? []
    let number = object["page_number"] as? Int ?? 0
    if let path = object["image_file"] as? String {
        return PageInput(.image(try Data(contentsOf: URL(fileURLWithPath: path))), languages: languages, name: path)
    }
    if let path = object["pdf_file"] as? String {
        return PageInput(.pdf(try Data(contentsOf: URL(fileURLWithPath: path))), pageNumber: number, languages: languages, name: path)
    }
    throw DriverFailure(description: "a page without image_file or pdf_file: \(object)")
}

/// A text layer as the canonical result gives it: text, source and word count.
func pageTextJSON(_ page: PageText?) -> Any {
    guard let page else { return NSNull() }
    return ["text": page.text, "source": page.source, "words": page.words.count] as JSONObject
}

func precisionNumber(_ precision: CollectionPrecision) -> Int {
    switch precision {
    case .float32: 0
    case .float16: 1
    case .int8: 2
    case .binary: 3
    case .unknown(let value): value
    }
}

func collectionJSON(_ info: CollectionInfo) -> JSONObject {
    [
        "name": String(info.name.dropLast(collectionSuffix.count)), "dimension": info.dimension,
        "precision": precisionNumber(info.precision), "pool_factor": info.poolFactor,
        "max_vectors": info.maxVectors ?? 0, "model": info.model ?? "", "document_count": info.documentCount,
        "kind": kindNumber(info.kind),
    ]
}

func kindNumber(_ kind: CollectionKind) -> Int {
    switch kind {
    case .multiVector: 0
    case .dense: 1
    case .unknown(let value): value
    }
}

/// A `pooled` or `query_pooled` vector of a case: `dimension` values by the patches' formula.
func pooledVector(_ value: Any?) throws -> [Float]? {
    guard let object = value as? JSONObject else { return nil }
    guard let dimension = object["dimension"] as? Int else { throw DriverFailure(description: "a pooled vector without dimension") }
    let seed = object["seed"] as? Int ?? 0
    return (0..<dimension).map { Float(((($0 * 7 + seed * 13) % 97) - 48)) / 32 }
}

func searchParameters(_ c: JSONObject) throws -> SearchParameters {
    var parameters = SearchParameters()
    switch c["mode"] as? String {
    case nil: parameters.mode = .collectionDefault
    case "maxsim": parameters.mode = .maxSim
    case "dense": parameters.mode = .dense
    case "hybrid": parameters.mode = .hybrid
    case let other?: throw DriverFailure(description: "unknown mode \(other)")
    }
    switch c["metric"] as? String {
    case nil, "cosine": parameters.metric = .cosine
    case "dot": parameters.metric = .dot
    case let other?: throw DriverFailure(description: "unknown metric \(other)")
    }
    parameters.candidates = c["candidates"] as? Int
    parameters.filterMetadata = c["filter_metadata"] as? [String: String] ?? [:]
    parameters.queryPooled = try pooledVector(c["query_pooled"])
    parameters.includeMatches = c["include_matches"] as? Bool ?? false
    return parameters
}

func settings(_ c: JSONObject) throws -> CollectionSettings {
    var settings = CollectionSettings()
    settings.model = c["model"] as? String ?? ""
    settings.dimension = c["dimension"] as? Int
    switch c["precision"] as? String ?? "float32" {
    case "float32": settings.precision = .float32
    case "float16": settings.precision = .float16
    case "int8": settings.precision = .int8
    case "binary": settings.precision = .binary
    case let other: throw DriverFailure(description: "unknown precision \(other)")
    }
    settings.poolFactor = c["pool_factor"] as? Int ?? 1
    settings.maxVectors = c["max_vectors"] as? Int
    settings.vectorsOnly = c["vectors_only"] as? Bool ?? false
    switch c["kind"] as? String ?? "multi_vector" {
    case "multi_vector": settings.kind = .multiVector
    case "dense": settings.kind = .dense
    case let other: throw DriverFailure(description: "unknown kind \(other)")
    }
    return settings
}

func lateOptions(_ c: JSONObject) -> LateInteractionOptions {
    var options = LateInteractionOptions()
    options.model = c["model"] as? String ?? ""
    var prompt: EmbedOptions.Prompt? = nil
    if let name = c["prompt_name"] as? String { prompt = .named(name) }
    if let text = c["instruction"] as? String { prompt = .instruction(text) }
    options.queryPrompt = prompt
    options.documentPrompt = prompt
    return options
}

/// The answer of one late-interaction call, as its canonical result's fields.
func operationBody(_ c: JSONObject, client: EmbeddingClient) async throws -> JSONObject {
    let collection = (c["collection"] as? String ?? "") + collectionSuffix
    switch c["op"] as? String ?? "" {
    case "create_collection":
        return ["collection": collectionJSON(try await client.createCollection(collection, settings: try settings(c)))]
    case "list_collections":
        let mine = try await client.listCollections().filter { $0.name.hasSuffix(collectionSuffix) }
        return ["collections": mine.map(collectionJSON).sorted { ($0["name"] as! String) < ($1["name"] as! String) }]
    case "drop_collection":
        try await client.dropCollection(collection)
        return [:]
    case "upsert":
        var documents: [CollectionDocument] = []
        for item in c["documents"] as? [JSONObject] ?? [] {
            guard let id = item["id"] as? String else { throw DriverFailure(description: "a document without id") }
            let metadata = item["metadata"] as? [String: String] ?? [:]
            let pooled = try pooledVector(item["pooled"])
            if let pooled, ["text", "image", "patches", "vectors", "stored"].allSatisfy({ item[$0] == nil }) {
                documents.append(CollectionDocument(id: id, pooled: pooled, metadata: metadata))
            } else {
                documents.append(CollectionDocument(id: id, content: try source(item), pooled: pooled, metadata: metadata))
            }
        }
        return ["upserted": try await client.upsert(documents, into: collection, options: lateOptions(c)).upserted]
    case "delete":
        return ["deleted": try await client.delete(ids: c["ids"] as? [String] ?? [], from: collection)]
    case "get":
        let documents = try await client.get(
            ids: c["ids"] as? [String] ?? [], from: collection, includeVectors: c["include_vectors"] as? Bool ?? false)
        return ["documents": documents.map { document -> JSONObject in
            var vectors: Any = NSNull()
            if let rows = document.vectors {
                vectors = ["count": rows.count, "dimension": rows.first?.count ?? 0, "hex": floatHex(rows.flatMap { $0 })]
            }
            var pooled: Any = NSNull()
            if let values = document.pooled { pooled = ["dimension": values.count, "hex": floatHex(values)] }
            return ["id": document.id, "metadata": document.metadata, "vectors": vectors, "pooled": pooled, "page_text": pageTextJSON(document.pageText)]
        }]
    case "search":
        let result = try await client.search(
            c["query"] == nil ? nil : try source(c["query"]), in: collection, topK: c["top_k"] as? Int ?? 10,
            filterIDs: c["filter_ids"] as? [String] ?? [], parameters: try searchParameters(c), options: lateOptions(c))
        let withMatches = c["include_matches"] as? Bool ?? false
        return ["hits": result.hits.map { hit -> JSONObject in
            var entry: JSONObject = ["id": hit.id, "score": floatHex([hit.score]), "metadata": hit.metadata]
            if withMatches { entry["matches"] = hit.matches.map(\.word.text) }
            return entry
        }]
    case "score":
        var documents: [VectorSource] = []
        for item in c["documents"] as? [Any] ?? [] { documents.append(try source(item)) }
        let result = try await client.score(
            query: try source(c["query"]), documents: documents, collection: c["collection"] == nil ? nil : collection,
            options: lateOptions(c))
        return ["scores": result.scores.map { floatHex([$0]) }]
    case let other:
        throw DriverFailure(description: "unknown op \(other)")
    }
}

func runOperation(_ c: JSONObject, client: EmbeddingClient) async -> JSONObject {
    let name = c["name"] as? String ?? "?"
    do {
        return try await operationBody(c, client: client).merging(["name": name, "status": 0]) { $1 }
    } catch let error as EmbeddingClientError {
        return ["name": name, "status": error.code.rawValue]
    } catch {
        return ["name": name, "status": "driver error: \(error)"]
    }
}

let arguments = CommandLine.arguments
guard arguments.count == 6, let port = Int(arguments[2]) else {
    FileHandle.standardError.write(Data("usage: conformance-driver HOST PORT API_KEY CASES_JSON OUT_JSON\n".utf8))
    exit(2)
}
let host = arguments[1]
let apiKey = arguments[3]
let document = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: arguments[4])))
guard let cases = (document as? JSONObject)?["cases"] as? [JSONObject] else {
    FileHandle.standardError.write(Data("\(arguments[4]) has no \"cases\" list\n".utf8))
    exit(2)
}

let client = EmbeddingClient(host: host, port: port, apiKey: apiKey, timeout: .seconds(60))
var results: [JSONObject] = []
for c in cases {
    if c["op"] != nil {
        results.append(await runOperation(c, client: client))
    } else if let key = c["api_key"] as? String {
        // A client of its own, with that key ("" = none).
        let other = EmbeddingClient(host: host, port: port, apiKey: key.isEmpty ? nil : key, timeout: .seconds(60))
        results.append(await run(c, client: other))
        try await other.shutdown()
    } else {
        results.append(await run(c, client: client))
    }
}
try await client.shutdown()
let output = try JSONSerialization.data(withJSONObject: ["client": "swift", "results": results])
try output.write(to: URL(fileURLWithPath: arguments[5]))
