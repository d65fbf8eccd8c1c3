import ImageIO
import ArgumentParser
import Encoders
import Foundation
import LateInteraction
import PageReading
import Pages

extension CollectionKind: ExpressibleByArgument {}

/// `multiembed index`: multi-vector collections on disk (the local vector store).
struct IndexCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "index", abstract: "Build and manage late-interaction collections.",
        subcommands: [IndexAdd.self, IndexList.self, IndexCompact.self, IndexRebuildIndex.self, IndexDrop.self, IndexVerify.self, IndexRepair.self, IndexUpsertStream.self])
}

/// Options every collection command shares.
struct CollectionOptions: ParsableArguments {
    @Option(name: .long, help: "Collection name.")
    var collection: String

    @Option(name: .long, help: "Data directory holding the collections.")
    var dataDir = "./data"

    @Option(name: .long, help: "Keep the collections in PostgreSQL with pgvector instead of --data-dir: postgres://USER@HOST/DATABASE, or postgres://USER@/DATABASE?host=/socket/folder (scripts/start-postgres prints one).")
    var store: String?

    /// The local store at `--data-dir`, for the commands that work on its files (compact,
    /// verify, repair, salvage): refused with `--store`.
    func openStore() throws -> LocalVectorStore {
        if store != nil { throw CommandFailure("this command works on the local store's files (--data-dir) only, not on --store") }
        do { return try LocalVectorStore(directory: dataDir) } catch { throw CommandFailure(error.description) }
    }

    /// The store the collection lives in: `--store` when given, else the local one at `--data-dir`.
    func openVectorStore() throws -> any VectorStore {
        try multiembed.openVectorStore(store: store, dataDir: dataDir)
    }
}

/// `multiembed index add`: embeds files as documents and upserts them: token vectors and the
/// pooled vector of each (multi-vector collections, searched by MaxSim, dense or hybrid), or the
/// pooled vector alone (`--kind dense`).
///
/// Page images (PNG/JPEG, or folders of them) become one document each, with one vector per
/// patch, id = the file path. `--pages` reads page images and PDFs into words instead, embedded
/// by the text tower (or a ColBERT-style model's document path), see ``PageDocumentEncoder``. Text files (anything else) hold one document per non-empty line,
/// id = `path:line`, as `embed --texts` reads them: a corpus of short passages is usually one
/// file. In a `.jsonl` file each object's `"id"` (a string or an integer) is the document's id,
/// as corpora give them; objects without one get `path:line`. The collection is created on first use with the model's vector width.
struct IndexAdd: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "add", abstract: "Embed files and add them to a collection.")

    @OptionGroup var options: CollectionOptions

    @Option(name: .long, help: "Model folder.")
    var model: String

    @OptionGroup var computeOptions: ComputeOptions

    @Option(name: .long, help: "Storage precision when the collection is created: float32, float16, int8 or binary.")
    var precision = "float32"

    @Option(name: .long, help: "Token pooling factor when the collection is created (1 = none).")
    var poolFactor = 1

    @Option(name: .long, help: "When the collection is created: multi-vector (token vectors and a pooled vector per document) or dense (the pooled vector only).")
    var kind: CollectionKind = .multiVector

    @Option(name: .long, parsing: .upToNextOption, help: "Page images (PNG/JPEG) and PDFs, or folders of them: one document per page, its words read by OCR (a PDF page's own text layer when it has one) and embedded by the model's text tower; ids are file names without extension, and name#N for page N of a PDF.")
    var pages: [String] = []

    @OptionGroup var reading: PageReadingOptions

    @Option(name: .long, help: "Most tiles one image may become in a tiling model (ColModernVBERT), the global image included; a larger layout fails that image.")
    var maxTiles = ImageLimits.defaultMaxTiles

    @Argument(help: "Image files, folders of images, or text files (one document per line).")
    var files: [String] = []

    func run() throws {
        warnIfBLASIsPinned()
        guard let storage = StoragePrecision(rawValue: precision) else { throw ValidationError("unknown --precision \(precision)") }
        guard !files.isEmpty || !pages.isEmpty else { throw ValidationError("name at least one file (or --pages)") }
        let dense = kind == .dense
        if dense, storage != .float32 || poolFactor != 1 {
            throw ValidationError("a dense collection keeps float32 pooled vectors: it takes no --precision or --pool-factor")
        }
        let bundle = try loadModel(model, compute: computeOptions.compute)
        let images = try ImageFiles.collect(files.filter { Self.isImageOrFolder($0) })
        let texts = try files.filter { !Self.isImageOrFolder($0) }.flatMap { path in
            try readTextRecords(path).compactMap { record in
                record.text.trimmingCharacters(in: .whitespaces).isEmpty
                    ? nil : (id: record.id ?? "\(path):\(record.line)", text: record.text, source: path)
            }
        }
        let reader = pages.isEmpty ? nil : try reading.reader()
        let pageSources = try reader.map { try PageSource.collect(pages, reader: $0) } ?? []
        let pageEncoder = try reader.map { try PageDocumentEncoder(bundle: bundle, reader: $0, patches: reading.pagePatches) }
        if dense, let pageEncoder, !pageSources.isEmpty {
            if !pageEncoder.hasPooled { throw CommandFailure("model \(bundle.name) (ColBERT) has no pooled embedding for a dense collection") }
            if pageEncoder.patches != nil {
                throw CommandFailure("--page-patches: a dense collection keeps each page's pooled vector only, not its patch vectors")
            }
        }
        let store = try options.openVectorStore()
        let progress = ProgressBar(total: images.count + texts.count + pageSources.count, label: "indexing", minimumTotal: 2)
        var done = 0, failures = 0
        var created = false
        func upsert(_ documents: [StoredDocument]) throws {
            guard let first = documents.first else { return }
            if !created {
                // The model is recorded so `multiembed serve` can embed texts and images for the
                // collection (its name is the served model's name, the folder's).
                let spec = CollectionSpec(
                    name: options.collection, dimension: dense ? first.pooled?.count ?? 0 : first.vectors.dimension, precision: storage,
                    poolFactor: poolFactor, model: bundle.name, kind: kind)
                do throws(LateInteractionError) {
                    try store.create(spec)
                } catch .collectionExists {
                    // Made before collections recorded their model: the same settings otherwise are fine.
                    guard let existing = try? store.list().first(where: { $0.name == spec.name }), existing.model == nil,
                          CollectionSpec(name: existing.name, dimension: existing.dimension, precision: existing.precision,
                                         poolFactor: existing.poolFactor, maxVectors: existing.maxVectors, model: spec.model,
                                         kind: existing.kind) == spec
                    else { throw CommandFailure(LateInteractionError.collectionExists(spec.name).description) }
                } catch { throw CommandFailure(error.description) }
                created = true
            }
            do { try store.put(documents, into: options.collection) } catch { throw CommandFailure(error.description) }
        }
        for batch in stride(from: 0, to: texts.count, by: 64).map({ Array(texts[$0 ..< min($0 + 64, texts.count)]) }) {
            // Per text: token vectors and pooled vector, or why it failed.
            let results: [Result<(tokens: [[Float]], pooled: [Float]?), EmbeddingError>]
            if let colbert = bundle.lateInteraction {
                if dense { throw CommandFailure("model \(bundle.name) (ColBERT) has no pooled embedding for a dense collection") }
                // ColBERT-style model: document marker, skip list and the linear head.
                do {
                    results = try colbert.encodeDocuments(batch.map(\.text)).map { .success(($0, nil)) }
                } catch { throw CommandFailure(error.description) }
            } else {
                let embedder = try textEmbedder(of: bundle)
                do {
                    let output: EmbeddingOutput = dense ? .pooled : .both
                    results = try embedder.embed(batch.map(\.text), options: embedder.retrievalOptions(.document, output: output)).map {
                        $0.map { ($0.tokenVectors ?? [], $0.pooled) }
                    }
                } catch { throw CommandFailure(error.description) }
            }
            var documents: [StoredDocument] = []
            for (item, result) in zip(batch, results) {
                switch result {
                case let .success(embedding):
                    do {
                        documents.append(StoredDocument(
                            id: item.id, vectors: try Self.tokenVectors(embedding.tokens, dense: dense, pooled: embedding.pooled, context: item.id),
                            pooled: embedding.pooled, metadata: ["source": item.source, "text": String(item.text.prefix(200))]))
                    } catch { failures += 1; reportFailure(item.id, "\(error)") }
                case let .failure(error):
                    failures += 1
                    reportFailure(item.id, error.description)
                }
            }
            try upsert(documents)
            done += batch.count
            progress.update(done)
        }
        if !images.isEmpty, let visual = bundle.lateInteractionVisual {
            // A visual-document model: each image's tiles and prompt through the model, one
            // vector per token (image tokens and prompt tokens alike), as colpali-engine indexes.
            if dense { throw CommandFailure("model \(bundle.name) (a visual late-interaction model) has no pooled embedding for a dense collection") }
            for batch in stride(from: 0, to: images.count, by: 4).map({ Array(images[$0 ..< min($0 + 4, images.count)]) }) {
                var documents: [StoredDocument] = []
                for path in batch {
                    do {
                        let bytes = try ImageFiles.read(path).get()
                        let image: RGBImage
                        do { image = try ImageDecoder.decode(bytes, name: path) } catch { throw CommandFailure(error.description) }
                        let vectors = try visual.encode(image: image, maxTiles: maxTiles)
                        documents.append(StoredDocument(
                            id: path, vectors: try MultiVector(rows: vectors, context: path), metadata: ["source": path]))
                    } catch {
                        failures += 1
                        reportFailure(path, "\(error)")
                    }
                }
                try upsert(documents)
                done += batch.count
                progress.update(done)
            }
        } else if !images.isEmpty {
            guard let embedder = bundle.imageEncoder else { throw CommandFailure("model \(bundle.name) has no image encoder for \(images[0])") }
            for batch in stride(from: 0, to: images.count, by: 8).map({ Array(images[$0 ..< min($0 + 8, images.count)]) }) {
                var documents: [StoredDocument] = []
                for path in batch {
                    switch ImageFiles.read(path) {
                    case let .failure(error):
                        failures += 1
                        reportFailure(path, error.description)
                    case let .success(bytes):
                        do {
                            let result = try embedder.embed([.encoded(bytes: bytes, name: path)], options: .init(output: dense ? .pooled : .both))[0]
                            let embedding = try result.get()
                            documents.append(StoredDocument(
                                id: path, vectors: try Self.tokenVectors(embedding.tokenVectors ?? [], dense: dense, pooled: embedding.pooled, context: path),
                                pooled: embedding.pooled, metadata: ["source": path]))
                        } catch {
                            failures += 1
                            reportFailure(path, "\(error)")
                        }
                    }
                }
                try upsert(documents)
                done += batch.count
                progress.update(done)
            }
        }
        if let reader, let pageEncoder, !pageSources.isEmpty {
            let batchReader = PageBatchReader(reader: reader)
            for batch in stride(from: 0, to: pageSources.count, by: 16).map({ Array(pageSources[$0 ..< min($0 + 16, pageSources.count)]) }) {
                var read: [(source: PageSource, page: PageText)] = []
                for (source, result) in zip(batch, batchReader.read(batch)) {
                    switch result {
                    case .success(let page): read.append((source, page))
                    case .failure(let failure):
                        failures += 1
                        reportFailure(source.id, failure.description)
                    }
                }
                let embedded = try pageEncoder.embed(read.map(\.page), sources: read.map(\.source))
                var documents: [StoredDocument] = []
                for ((source, _), result) in zip(read, embedded) {
                    let page: PageEmbedding
                    switch result {
                    case .success(let embedding): page = embedding
                    case .failure(let failure):
                        failures += 1
                        reportFailure(source.id, failure.description)
                        continue
                    }
                    var metadata = ["source": source.path]
                    if let number = source.pdfPage { metadata["page"] = "\(number + 1)" }
                    if let note = page.attachment.page.note { reportFailure(source.id, "note: \(note)", isError: false) }
                    documents.append(StoredDocument(
                        id: source.id, vectors: dense ? .none(dimension: page.pooled?.count ?? 0) : page.tokens, pooled: page.pooled,
                        metadata: metadata, attachment: page.attachment.encoded()))
                }
                try upsert(documents)
                done += batch.count
                progress.update(done)
            }
        }
        progress.finish()
        print("collection=\(options.collection) added=\(done - failures) failed=\(failures) \(options.store == nil ? "data_dir=\(options.dataDir)" : "store=\(storeAddress(store))")")
        if failures > 0 { throw ExitCode(1) }
    }

    /// A document's token vectors as stored: none in a dense collection (which keeps its pooled
    /// vector alone).
    private static func tokenVectors(_ rows: [[Float]], dense: Bool, pooled: [Float]?, context: String) throws -> MultiVector {
        guard dense else { return try MultiVector(rows: rows, context: context) }
        guard let pooled else { throw CommandFailure("\(context): the model gave no pooled vector") }
        return .none(dimension: pooled.count)
    }

    private static func isImageOrFolder(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue { return true }
        return ImageFiles.extensions.contains((path as NSString).pathExtension.lowercased())
    }

    private func reportFailure(_ item: String, _ reason: String, isError: Bool = true) {
        FileHandle.standardError.write(Data("\(isError ? "error" : "warning"): \(item): \(reason)\n".utf8))
    }
}

/// `multiembed index list`: the collections of a data directory, or of a PostgreSQL store.
struct IndexList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List collections.")

    @Option(name: .long, help: "Data directory holding the collections.")
    var dataDir = "./data"

    @Option(name: .long, help: "List the collections of this PostgreSQL store instead of --data-dir (postgres://...; scripts/start-postgres prints one).")
    var store: String?

    func run() throws {
        let store = try openVectorStore(store: self.store, dataDir: dataDir)
        do {
            // Damaged collections are listed too (never silently missing); exit 1 if any.
            let damaged = Dictionary(try store.damagedCollections().map { ($0.collection, $0) }, uniquingKeysWith: { first, _ in first })
            for spec in try store.list() where damaged[spec.name] == nil {
                let documents = try store.documentCount(in: spec.name)
                print("\(spec.name) dimension=\(spec.dimension) precision=\(spec.precision.rawValue) documents=\(documents) kind=\(spec.kind.rawValue)")
            }
            for damage in damaged.values.sorted(by: { $0.collection < $1.collection }) {
                print("\(damage.collection) damaged: \(damage.description)")
            }
            if !damaged.isEmpty { throw ExitCode(1) }
        } catch let error as LateInteractionError { throw CommandFailure(error.description) }
    }
}

/// `multiembed index compact`: reclaims the space of deleted and replaced documents.
struct IndexCompact: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "compact", abstract: "Rewrite a collection without dead records.")

    @OptionGroup var options: CollectionOptions

    func run() throws {
        let store = try options.openStore()
        do { try store.compact(options.collection) } catch { throw CommandFailure(error.description) }
    }
}

/// `multiembed index rebuild-index`: trains a collection's centroid index (indexed search) anew
/// and writes it beside the log, whatever state the old one was in.
struct IndexRebuildIndex: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rebuild-index", abstract: "Re-train a collection's centroid index (indexed search) and write it beside its log.")

    @OptionGroup var options: CollectionOptions

    @Option(name: .long, help: "Centroids (default: the automatic count, a power of two near 4 sqrt(vectors)).")
    var centroids: Int?

    func run() throws {
        let store = try options.openStore()
        let bar = SharedProgressBar(total: (try? store.documentCount(in: options.collection)) ?? 0, label: "indexing")
        let start = ContinuousClock.now
        do {
            let report = try store.rebuildIndex(options.collection, options: .init(centroids: centroids)) { bar.update($0) }
            bar.finish()
            print(String(
                format: "%@: %d documents, %d centroids, %.0f MiB in memory, built in %.1f s",
                report.path, report.documents, report.centroids, Double(report.residentBytes) / 1_048_576, secondsSince(start)))
        } catch { throw CommandFailure(error.description) }
    }
}

/// `multiembed index drop`: deletes a collection.
struct IndexDrop: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "drop", abstract: "Delete a collection.")

    @OptionGroup var options: CollectionOptions

    func run() throws {
        let store = try options.openVectorStore()
        do { try store.drop(options.collection) } catch { throw CommandFailure(error.description) }
    }
}

/// `multiembed index upsert-stream` (hidden): the writer of the kill -9 durability test.
///
/// Upserts `count` synthetic documents (vectors derived from the id, see
/// ``SyntheticDocuments``) in batches, and prints each id on stdout only after the `put` that
/// wrote it returned, i.e. after fsync. A test kills the process at a random moment and checks
/// that every printed id survived intact. stdout is written unbuffered, so a printed id is never
/// lost in a buffer when the process dies.
struct IndexUpsertStream: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "upsert-stream", abstract: "Upsert synthetic documents, acknowledging each id after fsync (crash testing).",
        shouldDisplay: false)

    @OptionGroup var options: CollectionOptions

    @Option(name: .long, help: "Id prefix; ids are PREFIX-0, PREFIX-1, ...")
    var prefix = "doc"

    @Option(name: .long, help: "Documents to upsert.")
    var count = 1000

    @Option(name: .long, help: "Documents per upsert.")
    var batch = 1

    @Option(name: .long, help: "Vector width (the collection is created with it).")
    var dimension = 16

    @Option(name: .long, help: "Storage precision of the collection.")
    var precision = "float32"

    func run() throws {
        guard let storage = StoragePrecision(rawValue: precision) else { throw ValidationError("unknown --precision \(precision)") }
        guard count >= 0, batch > 0, dimension > 0 else { throw ValidationError("--count, --batch and --dimension must be positive") }
        let store = try options.openVectorStore()
        do {
            try store.create(CollectionSpec(name: options.collection, dimension: dimension, precision: storage))
            var start = 0
            while start < count {
                let ids = (start ..< min(start + batch, count)).map { "\(prefix)-\($0)" }
                try store.put(
                    ids.map { StoredDocument(id: $0, vectors: SyntheticDocuments.vectors(id: $0, dimension: dimension), metadata: ["n": $0]) },
                    into: options.collection)
                FileHandle.standardOutput.write(Data(ids.map { $0 + "\n" }.joined().utf8))
                start += ids.count
            }
        } catch { throw CommandFailure(error.description) }
    }
}
