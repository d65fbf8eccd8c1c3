import Foundation
import LateInteraction
import NIOCore
import PostgresNIO

extension PostgresVectorStore {
    public func put(_ documents: [StoredDocument], into collection: String) throws(LateInteractionError) {
        try pool.transaction("put documents into collection '\(collection)'") {
            (session: BlockingPostgresPool.Session) throws(LateInteractionError) in
            let tables = try Self.collection(collection, in: session)
            let prepared = try Self.prepare(documents, for: tables.spec)
            if prepared.isEmpty { return }
            try session.execute("DELETE FROM \(unescaped: tables.documents) WHERE id = ANY(\(prepared.map(\.document.id)))")
            // One statement per document inserts it and its token rows; they are sent one after
            // another without waiting (pipelined on the connection), then awaited together.
            var statements: [PostgresQuery] = []
            for (document, vectors) in prepared {
                statements.append(try Self.insertion(document, vectors: vectors, into: tables))
            }
            try session.pipeline(statements)
        }
    }

    @discardableResult
    public func delete(_ ids: [String], from collection: String) throws(LateInteractionError) -> Int {
        try pool.transaction("delete documents from collection '\(collection)'") {
            (session: BlockingPostgresPool.Session) throws(LateInteractionError) -> Int in
            let tables = try Self.collection(collection, in: session)
            if ids.isEmpty { return 0 }
            return try session.rows("DELETE FROM \(unescaped: tables.documents) WHERE id = ANY(\(Array(Set(ids)))) RETURNING 1").count
        }
    }

    public func get(_ ids: [String], from collection: String) throws(LateInteractionError) -> [StoredDocument] {
        try pool.snapshot("get documents of collection '\(collection)'") {
            (session: BlockingPostgresPool.Session) throws(LateInteractionError) -> [StoredDocument] in
            let tables = try Self.collection(collection, in: session)
            if ids.isEmpty { return [] }
            let rows = try session.rows("""
                SELECT doc_key, id, metadata::text, pooled, attachment, vector_count FROM \(unescaped: tables.documents)
                WHERE id = ANY(\(Array(Set(ids))))
                """)
            var found: [String: (key: Int64, metadata: [String: String], pooled: [Float]?, attachment: [UInt8]?, count: Int)] = [:]
            for row in rows {
                let cells = row.makeRandomAccess()
                let id = try Self.decode(row, column: 1, as: String.self, collection)
                let context = "collection '\(collection)' document '\(id)'"
                var pooled: [Float]?
                if let bytes = cells[3].bytes {
                    var values: [Float] = []
                    guard PGVectorFormat.appendValues(of: bytes, dimension: tables.spec.dimension, half: false, to: &values) else {
                        throw .corrupt(path: context, reason: "the pooled vector is not one of \(tables.spec.dimension) values")
                    }
                    pooled = values
                }
                found[id] = (
                    try Self.decode(row, column: 0, as: Int64.self, context),
                    try Self.decodeMetadata(try Self.decode(row, column: 2, as: String.self, context), context),
                    pooled,
                    cells[4].bytes.map { Array($0.readableBytesView) },
                    Int(try Self.decode(row, column: 5, as: Int32.self, context)))
            }
            let vectors = try Self.tokenVectors(
                of: Dictionary(found.values.map { ($0.key, $0.count) }, uniquingKeysWith: { first, _ in first }), in: tables,
                session: session)
            var documents: [StoredDocument] = []
            for id in ids {
                guard let entry = found[id] else { continue }
                let context = "collection '\(collection)' document '\(id)'"
                documents.append(StoredDocument(
                    id: id, vectors: try Self.multiVector(vectors[entry.key] ?? [], tables.spec.dimension, context),
                    pooled: entry.pooled, metadata: entry.metadata, attachment: entry.attachment))
            }
            return documents
        }
    }

    public func scanBlocks(of collection: String, documentsPerBlock: Int, _ body: (DocumentBlock) -> Void) throws(LateInteractionError) {
        guard documentsPerBlock > 0 else { throw .invalidArgument("documents per block must be positive") }
        try pool.snapshot("scan collection '\(collection)'") { (session: BlockingPostgresPool.Session) throws(LateInteractionError) in
            let tables = try Self.collection(collection, in: session)
            var last: Int64 = 0
            while true {
                let rows = try session.rows("""
                    SELECT doc_key, id, vector_count FROM \(unescaped: tables.documents)
                    WHERE doc_key > \(last) ORDER BY doc_key LIMIT \(Int64(documentsPerBlock))
                    """)
                if rows.isEmpty { return }
                var keys: [Int64] = [], ids: [String] = [], counts: [Int64: Int] = [:]
                for row in rows {
                    let key = try Self.decode(row, column: 0, as: Int64.self, collection)
                    keys.append(key)
                    ids.append(try Self.decode(row, column: 1, as: String.self, collection))
                    counts[key] = Int(try Self.decode(row, column: 2, as: Int32.self, collection))
                }
                let vectors = try Self.tokenVectors(of: counts, in: tables, session: session)
                let corpus = try Self.corpus(keys.map { vectors[$0] ?? [] }, spec: tables.spec)
                body(DocumentBlock(ids: ids, documents: corpus.view))
                last = keys[keys.count - 1]
            }
        }
    }

    // MARK: Helpers

    /// The checks and the pooling/truncation every store applies at upsert, in the same words.
    static func prepare(_ documents: [StoredDocument], for spec: CollectionSpec) throws(LateInteractionError) -> [(document: StoredDocument, vectors: MultiVector)] {
        try spec.preparedForUpsert(documents)
    }

    /// The statement that inserts one document and, in the same statement, its token rows: the
    /// vectors travel as one float4[] (binary, no text formatting) cut into rows by SQL.
    static func insertion(_ document: StoredDocument, vectors: MultiVector, into tables: CollectionTables) throws(LateInteractionError) -> PostgresQuery {
        let metadata = try encodeMetadata(document.metadata, "collection '\(tables.spec.name)' document '\(document.id)'")
        let attachment = document.attachment.map { ByteBuffer(bytes: $0) }
        let count = Int32(vectors.count)
        if count == 0 {
            return """
                INSERT INTO \(unescaped: tables.documents) (id, metadata, pooled, attachment, vector_count)
                VALUES (\(document.id), \(metadata)::jsonb, \(document.pooled)::real[]::vector, \(attachment), 0)
                """
        }
        return """
            WITH inserted AS (
                INSERT INTO \(unescaped: tables.documents) (id, metadata, pooled, attachment, vector_count)
                VALUES (\(document.id), \(metadata)::jsonb, \(document.pooled)::real[]::vector, \(attachment), \(count))
                RETURNING doc_key)
            INSERT INTO \(unescaped: tables.tokens) (doc_key, position, embedding)
            SELECT inserted.doc_key, g, (\(vectors.values)::real[])[g * \(Int32(vectors.dimension)) + 1 : (g + 1) * \(Int32(vectors.dimension))]::\(unescaped: tables.tokenType)
            FROM inserted, generate_series(0, \(count) - 1) AS g
            """
    }

    /// The token vectors of documents (by key, with their vector counts), each as `count × d`
    /// values in position order; documents without vectors are absent.
    static func tokenVectors(
        of counts: [Int64: Int], in tables: CollectionTables, session: BlockingPostgresPool.Session
    ) throws(LateInteractionError) -> [Int64: [Float]] {
        let keys = counts.filter { $0.value > 0 }.map(\.key)
        if keys.isEmpty { return [:] }
        let collector = TokenCollector(counts: counts, dimension: tables.spec.dimension, half: tables.isHalf)
        try session.stream("""
            SELECT doc_key, position, embedding FROM \(unescaped: tables.tokens) WHERE doc_key = ANY(\(keys))
            """) { row in try collector.add(row) }
        return try collector.finish(collection: tables.spec.name)
    }

    /// Every token vector of a collection (an exact search without a filter): one sequential
    /// scan, no list of keys.
    static func allTokenVectors(
        counts: [Int64: Int], in tables: CollectionTables, session: BlockingPostgresPool.Session
    ) throws(LateInteractionError) -> [Int64: [Float]] {
        let collector = TokenCollector(counts: counts, dimension: tables.spec.dimension, half: tables.isHalf)
        try session.stream("SELECT doc_key, position, embedding FROM \(unescaped: tables.tokens)") { row in try collector.add(row) }
        return try collector.finish(collection: tables.spec.name)
    }

    static func multiVector(_ values: [Float], _ dimension: Int, _ context: String) throws(LateInteractionError) -> MultiVector {
        values.isEmpty ? .none(dimension: dimension) : try MultiVector(dimension: dimension, values: values, context: context)
    }

    /// Documents' vectors encoded at the collection's precision, for MaxSim's kernels.
    static func corpus(_ documents: [[Float]], spec: CollectionSpec) throws(LateInteractionError) -> EncodedCorpus {
        let vectors = try documents.map { (values: [Float]) throws(LateInteractionError) -> MultiVector in
            try multiVector(values, spec.dimension, "collection '\(spec.name)'")
        }
        return try EncodedCorpus(vectors, dimension: spec.dimension, precision: spec.precision)
    }

    static func encodeMetadata(_ metadata: [String: String], _ context: String) throws(LateInteractionError) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let data = try? encoder.encode(metadata) else { throw .invalidArgument("\(context): metadata does not encode as JSON") }
        return String(decoding: data, as: UTF8.self)
    }

    static func decodeMetadata(_ json: String, _ context: String) throws(LateInteractionError) -> [String: String] {
        guard let metadata = try? JSONDecoder().decode([String: String].self, from: Data(json.utf8)) else {
            throw .corrupt(path: context, reason: "the metadata is not an object of strings")
        }
        return metadata
    }
}

/// Token rows as they stream in (on the pool's event loop), placed by position into each
/// document's values; the caller reads them after the query's future completed.
final class TokenCollector: @unchecked Sendable {
    private let lock = NSLock()
    private let dimension: Int
    private let half: Bool
    private let counts: [Int64: Int]
    private var values: [Int64: [Float]] = [:]
    private var problem: String?
    private var scratch: [Float] = []

    init(counts: [Int64: Int], dimension: Int, half: Bool) {
        self.counts = counts
        self.dimension = dimension
        self.half = half
    }

    func add(_ row: PostgresRow) throws {
        var cells = row.makeIterator()
        guard let keyCell = cells.next(), let positionCell = cells.next(), let vectorCell = cells.next() else { return }
        let key = try keyCell.decode(Int64.self)
        let position = Int(try positionCell.decode(Int32.self))
        lock.lock()
        defer { lock.unlock() }
        // Rows of documents not asked for (none in one snapshot) are skipped.
        guard let count = counts[key], position < count, let bytes = vectorCell.bytes else { return }
        scratch.removeAll(keepingCapacity: true)
        guard PGVectorFormat.appendValues(of: bytes, dimension: dimension, half: half, to: &scratch) else {
            problem = "a token vector of document key \(key) is not one of \(dimension) values"
            return
        }
        if values[key] == nil { values[key] = [Float](repeating: .nan, count: count * dimension) }
        values[key]!.withUnsafeMutableBufferPointer { target in
            for i in 0 ..< dimension { target[position * dimension + i] = scratch[i] }
        }
    }

    func finish(collection: String) throws(LateInteractionError) -> [Int64: [Float]] {
        lock.lock()
        defer { lock.unlock() }
        if let problem { throw .corrupt(path: "collection '\(collection)'", reason: problem) }
        for (key, count) in counts where count > 0 {
            guard let found = values[key], !found.contains(where: \.isNaN) else {
                throw .corrupt(path: "collection '\(collection)'", reason: "document key \(key) lacks some of its \(count) token vectors")
            }
        }
        return values
    }
}
