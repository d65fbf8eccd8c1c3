import ArgumentParser
import Encoders
import Foundation
import LateInteraction

extension StoragePrecision: ExpressibleByArgument {}

/// `multiembed bench search`: indexed MaxSim search on a collection of the local store (on disk,
/// its vectors memory-mapped, as a server searches it) against exact search: index build time,
/// recall@10 of exact MaxSim's top 10, latency per query (p50, p99) and resident memory.
///
/// The corpus is generated into the collection a batch at a time (never held whole), either
/// ``TopicalCorpus`` (synthetic, clustered like token vectors) or, with `--real`, a model's token
/// vectors of real texts recombined with noise (``RealTokenCorpus``).
struct BenchSearch: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Indexed vs exact MaxSim on a stored collection: build time, recall@10=, p50_ms=, p99_ms= per depth, and memory.",
        discussion: """
            Synthetic corpus (default): TopicalCorpus, every vector a noisy copy (0.25 per coordinate, then unit length) of one \
            of --topics random topic directions; each document draws its vectors from 4 topics, each query from 3 (noise 0.3). \
            --real: the document-side token vectors of --model over --pages's docs.jsonl and --texts are the sources; each \
            document is --windows windows of consecutive source vectors (32 / 4 = 8 each), every coordinate moved by up to \
            --noise (default: measured from the sources' neighbour distances) and the vector renormalised; the queries are the \
            query-side vectors of --pages's queries.jsonl (see RealTokenCorpus). Recall is against exact MaxSim for the first \
            --exact-queries queries, whose exact top 10 are computed together in one pass over the collection (a million \
            documents of 384-d vectors are 24.6 GB at float16: one read, not one per query); latency is over all --queries, \
            each a full store search (snapshot, candidates, exact re-scoring of the \
            candidates on the memory-mapped vectors).
            """)

    @Option(name: .long, help: "Documents in the collection.")
    var docs = 100_000

    @Option(name: .long, help: "Vectors per document (synthetic: exactly; --real: at most).")
    var vectors = 32

    @Option(name: .long, help: "Vector width (synthetic corpus; --real uses the model's).")
    var dim = 128

    @Option(name: .long, help: "Vectors per query (synthetic corpus).")
    var queryVectors = 32

    @Option(name: .long, help: "Topic directions of the synthetic corpus.")
    var topics = 256

    @Option(name: .long, help: "Queries timed (each also searched once to warm up).")
    var queries = 50

    @Option(name: .long, help: "Queries whose exact top 10 is computed for recall (the first ones; default all).")
    var exactQueries: Int?

    @Option(name: .long, help: "Storage precision of the collection (float16: 8 KiB a document of 32 x 128).")
    var precision: StoragePrecision = .float16

    @Option(name: .long, help: "Data directory; the collection is kept there and reused by later runs of the same corpus. Default: a temporary directory, removed at the end.")
    var dataDir: String?

    @Option(name: .long, help: "Centroids (default: CentroidIndex's automatic count).")
    var centroids: Int?

    @Option(name: .long, parsing: .upToNextOption, help: "Depths to measure, each PROBES:CANDIDATES[:REFINE] (REFINE: documents scored by centroid interaction; default CentroidIndex's).")
    var depths: [String] = ["8:256", "8:1024", "16:1024"]

    @Flag(name: .long, help: "With a kept collection (--data-dir), search with the index file beside it when it covers the log, rather than training a new one: a server's first queries after a restart (drop the page cache first for cold reads).")
    var keepIndex = false

    @Flag(name: .long, help: "Real token vectors (--model over --texts) instead of the synthetic corpus.")
    var real = false

    @Option(name: .long, help: "Model folder for --real.")
    var model = "models/all-MiniLM-L6-v2"

    @Option(name: .long, help: "--real: a pages-dev folder; its docs.jsonl texts are sources, its queries.jsonl texts the queries.")
    var pages = "../shared/eval/pages-dev"

    @Option(name: .long, help: "--real: more source texts, one per line.")
    var texts = "../shared/bench/texts-1024.txt"

    @Option(name: .long, help: "--real: windows of consecutive source vectors per document.")
    var windows = 4

    @Option(name: .long, help: "--real: largest change of a coordinate before renormalising (default: measured, see RealTokenCorpus).")
    var noise: Float?

    func run() throws {
        warnIfBLASIsPinned()
        guard docs > 0, vectors > 0, dim > 0, queryVectors > 0, queries > 0, topics > 0 else {
            throw ValidationError("--docs, --vectors, --dim, --query-vectors, --queries and --topics must be positive")
        }
        let parsed = try depths.map { text -> CentroidIndex.Depth in
            let parts = text.split(separator: ":").compactMap { Int($0) }
            guard parts.count == text.split(separator: ":").count, parts.count == 2 || parts.count == 3, parts.allSatisfy({ $0 > 0 }) else {
                throw ValidationError("--depths takes PROBES:CANDIDATES or PROBES:CANDIDATES:REFINE, got '\(text)'")
            }
            return CentroidIndex.Depth(probes: parts[0], candidates: parts[1], refine: parts.count == 3 ? parts[2] : nil)
        }
        let corpus: any BenchCorpus = real
            ? try RealTokenCorpus(model: model, pages: pages, texts: texts, vectors: vectors, windows: windows, noise: noise) as any BenchCorpus
            : TopicalCorpus.Generator(dimension: dim, vectors: vectors, queryVectors: queryVectors, topics: topics, fixedLength: true)
                as any BenchCorpus
        let temporary = dataDir == nil
        let directory = dataDir ?? NSTemporaryDirectory() + "multiembed-bench-search-\(getpid())"
        defer { if temporary { try? FileManager.default.removeItem(atPath: directory) } }
        print("cpu=\(cpuName()) cores=\(ProcessInfo.processInfo.activeProcessorCount) load_at_start=\(loadAverage()) kernel=\(MaxSim.kernelName)")
        do {
            let store = try LocalVectorStore(directory: directory)
            let name = try fill(store, corpus)
            try measure(store, name, corpus, depths: parsed)
        } catch {
            throw CommandFailure(error.description)
        }
    }

    /// The collection of this corpus in `store`, generated unless a previous run left it whole.
    private func fill(_ store: LocalVectorStore, _ corpus: any BenchCorpus) throws(LateInteractionError) -> String {
        let name = "bench-\(corpus.name)-\(docs)x\(vectors)x\(corpus.dimension)-\(precision.rawValue)"
        let spec = CollectionSpec(name: name, dimension: corpus.dimension, precision: precision)
        let opening = ContinuousClock.now
        if try store.list().contains(spec), try store.documentCount(in: name) == docs {
            print(String(
                format: "collection=%@ reused docs=%d open_seconds=%.1f (the log replayed, every record's CRC checked) load=%@",
                name, docs, secondsSince(opening), loadAverage()))
            return name
        }
        if try store.list().contains(where: { $0.name == name }) { try store.drop(name) }
        // Exact top 10s kept from a previous collection of this name describe another one.
        for file in (try? FileManager.default.contentsOfDirectory(atPath: store.directory)) ?? [] where file.hasPrefix("." + name + ".exact-top10-") {
            try? FileManager.default.removeItem(atPath: store.directory + "/" + file)
        }
        try store.create(spec)
        let start = ContinuousClock.now
        let bar = ProgressBar(total: docs, label: "generating", minimumTotal: 1)
        let batch = 2048
        var first = 0
        while first < docs {
            let range = first ..< min(first + batch, docs)
            let made = GeneratedBatch(range)
            DispatchQueue.concurrentPerform(iterations: 2) { half in
                let part = range.lowerBound + range.count * half / 2 ..< range.lowerBound + range.count * (half + 1) / 2
                made.store(part.map { corpus.document($0) }, at: part)
            }
            let documents = made.documents.enumerated().map { StoredDocument(id: "doc-\(range.lowerBound + $0.offset)", vectors: $0.element!) }
            try store.put(documents, into: name)
            first = range.upperBound
            bar.update(first)
        }
        bar.finish()
        let seconds = secondsSince(start)
        print(String(format: "collection=%@ generated docs=%d seconds=%.1f docs_per_s=%.0f", name, docs, seconds, Double(docs) / seconds))
        return name
    }

    private func measure(
        _ store: LocalVectorStore, _ name: String, _ corpus: any BenchCorpus, depths: [CentroidIndex.Depth]
    ) throws(LateInteractionError) {
        let start = ContinuousClock.now
        if keepIndex, let first = depths.first {
            // One untimed search (with a query that is not timed) loads the file, or trains a
            // new index when the file is missing or does not cover the log.
            _ = try store.searchIndexed(corpus.query(queries), in: name, topK: 10, filter: .none, depth: first)
        }
        let report: CentroidIndexReport
        if keepIndex, let (kept, fromFile) = try store.loadedIndex(name) {
            report = kept
            print(String(
                format: "index loaded_from_file=%@ seconds=%.1f (open, load, first search) centroids=%d index_resident_mb=%.0f load=%@",
                fromFile ? "yes" : "no (trained: the file was missing or stale)", secondsSince(start), report.centroids,
                Double(report.residentBytes) / 1_048_576, loadAverage()))
        } else {
            let bar = SharedProgressBar(total: docs, label: "indexing")
            report = try store.rebuildIndex(name, options: .init(centroids: centroids)) { bar.update($0) }
            bar.finish()
            let times = report.times
            print(String(
                format: "index build_seconds=%.1f sample_seconds=%.1f kmeans_seconds=%.1f assign_seconds=%.1f sample_vectors=%d centroids=%d index_resident_mb=%.0f load=%@",
                secondsSince(start), times.sampling, times.training, times.assigning, times.sampleVectors, report.centroids,
                Double(report.residentBytes) / 1_048_576, loadAverage()))
        }
        let timed = (0 ..< queries).map { corpus.query($0) }
        let exactCount = min(exactQueries ?? queries, queries)
        let begin = ContinuousClock.now
        // Kept beside a kept collection (a dot file, which the store does not take for a
        // collection): the exact pass reads all of it and finds the same every run.
        let truthFile = dataDir.map { "\($0)/.\(name).exact-top10-\(exactCount).json" }
        let kept = truthFile.flatMap { FileManager.default.contents(atPath: $0) }.flatMap { try? JSONDecoder().decode([[String]].self, from: $0) }
        let truth: [[String]]
        if let kept { truth = kept } else { truth = try exactTopTen(store, name, Array(timed.prefix(exactCount))) }
        if kept != nil {
            print("exact queries=\(exactCount) reused from \(truthFile!)")
        } else if let truthFile, let data = try? JSONEncoder().encode(truth) {
            // Only a cache for later runs: failing to keep it costs the next run one exact pass.
            if !FileManager.default.createFile(atPath: truthFile, contents: data) {
                print("warning: could not keep the exact top 10 at \(truthFile)")
            }
        }
        if exactCount > 0, kept == nil {
            print(String(
                format: "exact queries=%d seconds=%.1f (one pass over the collection, block kernel, all queries together) load=%@",
                exactCount, secondsSince(begin), loadAverage()))
        }
        for depth in depths {
            func search(_ query: MultiVector) throws(LateInteractionError) -> [SearchHit] {
                // The store's indexed search itself (snapshot, candidates, exact re-scoring), so
                // that a depth's `refine` reaches it.
                try store.searchIndexed(query, in: name, topK: 10, filter: .none, depth: depth)
            }
            // The first pass is timed too: on a collection larger than memory its candidates'
            // pages are read from disk (cold), the timed pass finds them cached (warm).
            let readBefore = diskReadMegabytes()
            var cold: [Double] = []
            for query in timed {
                let begin = ContinuousClock.now
                _ = try search(query)
                cold.append(secondsSince(begin) * 1000)
            }
            var milliseconds: [Double] = []
            var found = 0
            for (position, query) in timed.enumerated() {
                let begin = ContinuousClock.now
                let hits = try search(query)
                milliseconds.append(secondsSince(begin) * 1000)
                if position < truth.count { found += Set(truth[position]).intersection(hits.map(\.id)).count }
            }
            let readMegabytes = diskReadMegabytes() - readBefore
            let expected = truth.reduce(0) { $0 + $1.count }
            let recall = expected == 0 ? "n/a" : String(format: "%.3f", Double(found) / Double(expected))
            print(String(
                format: "indexed probes=%d candidates=%d refine=%d recall@10=%@ p50_ms=%.1f p99_ms=%.1f first_pass_p50_ms=%.1f first_pass_p99_ms=%.1f queries=%d disk_read_mb=%.0f load=%@",
                depth.probes, depth.candidates, depth.refine ?? -1, recall, percentile(milliseconds, 0.5), percentile(milliseconds, 0.99),
                percentile(cold, 0.5), percentile(cold, 0.99), timed.count, readMegabytes, loadAverage()))
        }
        let memory = memoryStatus()
        print(String(
            format: "memory vm_rss_mb=%.0f vm_hwm_mb=%.0f index_resident_mb=%.0f log_mb=%.0f (mapped, paged in on demand) load_at_end=%@",
            memory.rss, memory.hwm, Double(report.residentBytes) / 1_048_576, logMegabytes(store, name), loadAverage()))
    }

    /// Exact MaxSim's top 10 ids of each query, ties by id as the store orders them, from one
    /// pass over the collection a block of documents at a time: each block's pages are read once
    /// for every query, so the pass costs one read of the collection, not one per query.
    private func exactTopTen(_ store: LocalVectorStore, _ name: String, _ queries: [MultiVector]) throws(LateInteractionError) -> [[String]] {
        guard !queries.isEmpty else { return [] }
        var best = [[SearchHit]](repeating: [], count: queries.count)
        var failure: LateInteractionError?
        let bar = ProgressBar(total: docs, label: "exact", minimumTotal: 1)
        var done = 0
        try store.scanBlocks(of: name, documentsPerBlock: 8192) { block in
            guard failure == nil else { return }
            do throws(LateInteractionError) {
                for (number, query) in queries.enumerated() {
                    let scored = try MaxSim.search(query, block.documents, k: 10)
                    let hits = scored.map { SearchHit(id: block.ids[$0.index], score: $0.score, metadata: [:]) }
                    best[number] = Array((best[number] + hits).sorted { $0.score != $1.score ? $0.score > $1.score : $0.id < $1.id }.prefix(10))
                }
            } catch {
                failure = error
            }
            done += block.ids.count
            bar.update(done)
        }
        bar.finish()
        if let failure { throw failure }
        return best.map { $0.map(\.id) }
    }

    private func percentile(_ values: [Double], _ fraction: Double) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * fraction).rounded()))]
    }

    private func logMegabytes(_ store: LocalVectorStore, _ name: String) -> Double {
        let attributes = try? FileManager.default.attributesOfItem(atPath: store.directory + "/" + name + "/log")
        return Double((attributes?[.size] as? NSNumber)?.intValue ?? 0) / 1_048_576
    }
}

/// Documents and queries of a benchmark corpus, each made on its own from its number.
protocol BenchCorpus: Sendable {
    var name: String { get }
    var dimension: Int { get }
    func document(_ index: Int) -> MultiVector
    func query(_ index: Int) -> MultiVector
}

extension TopicalCorpus.Generator: BenchCorpus {
    var name: String { "topical\(topics)" }
}

/// One batch of generated documents, filled by two threads (each its own part).
private final class GeneratedBatch: @unchecked Sendable {
    // @unchecked: `documents` is written with `lock` held, and read after the writers are done.
    private let lock = NSLock()
    private let first: Int
    private(set) var documents: [MultiVector?]

    init(_ range: Range<Int>) {
        first = range.lowerBound
        documents = Array(repeating: nil, count: range.count)
    }

    func store(_ made: [MultiVector], at part: Range<Int>) {
        lock.lock()
        for (position, document) in zip(part, made) { documents[position - first] = document }
        lock.unlock()
    }
}

/// A ``ProgressBar`` that worker threads may update.
final class SharedProgressBar: @unchecked Sendable {
    // @unchecked: `bar` is only touched with `lock` held.
    private let lock = NSLock()
    private let bar: ProgressBar

    init(total: Int, label: String) { bar = ProgressBar(total: total, label: label, minimumTotal: 1) }

    func update(_ done: Int) {
        lock.lock()
        bar.update(done)
        lock.unlock()
    }

    func finish() {
        lock.lock()
        bar.finish()
        lock.unlock()
    }
}

/// VmRSS and VmHWM of this process (MiB), from /proc/self/status; zeros where there is none.
func memoryStatus() -> (rss: Double, hwm: Double) {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return (0, 0) }
    func field(_ name: String) -> Double {
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(name + ":") }) else { return 0 }
        // "VmRSS:\t  175376 kB", or with no space at all once the number fills the field.
        let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
        return words.count > 1 ? (Double(words[1]).map { $0 / 1024 } ?? 0) : 0
    }
    return (field("VmRSS"), field("VmHWM"))
}

/// Bytes this process has caused to be read from storage so far (`read_bytes` of /proc/self/io,
/// page-cache hits excluded), in MiB; 0 where there is none. A depth's difference says how much
/// its searches read from disk.
func diskReadMegabytes() -> Double {
    guard let io = try? String(contentsOfFile: "/proc/self/io", encoding: .utf8),
          let line = io.split(separator: "\n").first(where: { $0.hasPrefix("read_bytes:") }),
          let bytes = Double(line.split(separator: " ").last.map(String.init) ?? "")
    else { return 0 }
    return bytes / 1_048_576
}

/// The 1-minute load average (other work sharing the cores), from /proc/loadavg.
func loadAverage() -> String {
    (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").first.map(String.init) ?? "?"
}

/// The CPU's model name, from /proc/cpuinfo.
func cpuName() -> String {
    guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
          let line = info.split(separator: "\n").first(where: { $0.hasPrefix("model name") })
    else { return "unknown" }
    return line.split(separator: ":").last.map { $0.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: " ", with: "_") } ?? "unknown"
}
