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
            // Documents without an attachment go many to a statement (``batchInsertion``), one
            // with an attachment in a statement of its own; the statements keep the documents'
            // order (their keys follow it), are sent one after another without waiting (pipelined
            // on the connection), then awaited together.
            var statements: [PostgresQuery] = []
            var run: [(document: StoredDocument, vectors: MultiVector)] = []
            var runValues = 0
            func flush() throws(LateInteractionError) {
                if !run.isEmpty { statements.append(try Self.batchInsertion(run, into: tables)) }
                run.removeAll(keepingCapacity: true)
                runValues = 0
            }
            for entry in prepared {
                if entry.document.attachment != nil {
                    try flush()
                    statements.append(try Self.insertion(entry.document, vectors: entry.vectors, into: tables))
                    continue
                }
                let values = entry.vectors.values.count + (entry.document.pooled?.count ?? 0)
                if !run.isEmpty, runValues + values > Self.valuesPerStatement { try flush() }
                run.append(entry)
                runValues += values
            }
            try flush()
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

    /// How many float values (token and pooled vectors) one statement of ``batchInsertion`` sends
    /// at most, 16 MB: large enough that a statement's own cost (parse, plan, one round trip's
    /// wait) vanishes beside its rows, small enough to stay far from PostgreSQL's 1 GB limit on
    /// a value.
    static let valuesPerStatement = 4 << 20

    /// The statement that inserts several documents (none with an attachment) and all their
    /// token rows: ids, metadata and counts travel as arrays, every token vector in one float4[]
    /// and every pooled vector in another (binary, no text formatting), cut into rows by SQL
    /// array slices. The documents' keys follow their order in `documents`.
    static func batchInsertion(
        _ documents: [(document: StoredDocument, vectors: MultiVector)], into tables: CollectionTables
    ) throws(LateInteractionError) -> PostgresQuery {
        var ids: [String] = [], metadata: [String] = [], counts: [Int32] = [], firsts: [Int32] = [], pooledIndices: [Int32] = []
        var values: [Float] = [], pooled: [Float] = []
        var vectorsSoFar: Int32 = 0
        for (document, vectors) in documents {
            ids.append(document.id)
            metadata.append(try encodeMetadata(document.metadata, "collection '\(tables.spec.name)' document '\(document.id)'"))
            counts.append(Int32(vectors.count))
            firsts.append(vectorsSoFar)
            vectorsSoFar += Int32(vectors.count)
            values += vectors.values
            if let vector = document.pooled {
                pooledIndices.append(Int32(pooled.count / tables.spec.dimension))
                pooled += vector
            } else {
                pooledIndices.append(-1)
            }
        }
        let d = Int32(tables.spec.dimension)
        return """
            WITH input AS (
                SELECT * FROM unnest(\(ids)::text[], \(metadata)::text[], \(counts)::int4[], \(firsts)::int4[], \(pooledIndices)::int4[])
                    WITH ORDINALITY AS u(id, metadata, vector_count, first_vector, pooled_index, n)),
            inserted AS (
                INSERT INTO \(unescaped: tables.documents) (id, metadata, pooled, vector_count)
                SELECT id, metadata::jsonb,
                    CASE WHEN pooled_index >= 0 THEN (\(pooled)::real[])[pooled_index * \(d) + 1 : (pooled_index + 1) * \(d)]::vector END,
                    vector_count
                FROM input ORDER BY n
                RETURNING doc_key, id)
            INSERT INTO \(unescaped: tables.tokens) (doc_key, position, embedding)
            SELECT inserted.doc_key, g, (\(values)::real[])[(input.first_vector + g) * \(d) + 1 : (input.first_vector + g + 1) * \(d)]::\(unescaped: tables.tokenType)
            FROM inserted JOIN input ON input.id = inserted.id CROSS JOIN LATERAL generate_series(0, input.vector_count - 1) AS g
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
/// document's values; the caller reads them after the query's future completed. With `counts`
/// known up front, rows of other documents are skipped; without (the rows were asked for beside
/// the documents' own, in the same round trip), every row is kept and the counts are checked at
/// ``finish(collection:expecting:)``.
final class TokenCollector: @unchecked Sendable {
    private let lock = NSLock()
    private let dimension: Int
    private let half: Bool
    private let counts: [Int64: Int]?
    private var values: [Int64: [Float]] = [:]
    private var problem: String?
    private var scratch: [Float] = []

    init(counts: [Int64: Int]?, dimension: Int, half: Bool) {
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
        guard position >= 0, let bytes = vectorCell.bytes else { return }
        // Rows of documents not asked for (none in one snapshot) are skipped.
        if let counts {
            guard let count = counts[key], position < count else { return }
            if values[key] == nil { values[key] = [Float](repeating: .nan, count: count * dimension) }
        } else {
            let needed = (position + 1) * dimension
            if values[key, default: []].count < needed {
                values[key, default: []].append(contentsOf: repeatElement(.nan, count: needed - values[key, default: []].count))
            }
        }
        scratch.removeAll(keepingCapacity: true)
        guard PGVectorFormat.appendValues(of: bytes, dimension: dimension, half: half, to: &scratch) else {
            problem = "a token vector of document key \(key) is not one of \(dimension) values"
            return
        }
        values[key]!.withUnsafeMutableBufferPointer { target in
            for i in 0 ..< dimension { target[position * dimension + i] = scratch[i] }
        }
    }

    /// Each document's values, checked against the counts given at init.
    func finish(collection: String) throws(LateInteractionError) -> [Int64: [Float]] {
        try finish(collection: collection, expecting: counts ?? [:])
    }

    /// Each document's values, checked: every document of `expecting` has exactly its count of
    /// vectors (rows of other documents are dropped).
    func finish(collection: String, expecting: [Int64: Int]) throws(LateInteractionError) -> [Int64: [Float]] {
        lock.lock()
        defer { lock.unlock() }
        if let problem { throw .corrupt(path: "collection '\(collection)'", reason: problem) }
        var checked: [Int64: [Float]] = [:]
        for (key, count) in expecting where count > 0 {
            guard let found = values[key], found.count == count * dimension, !found.contains(where: \.isNaN) else {
                throw .corrupt(path: "collection '\(collection)'", reason: "document key \(key) lacks some of its \(count) token vectors")
            }
            checked[key] = found
        }
        return checked
    }
}
