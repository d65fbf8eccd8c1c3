import EmbeddingKernels

/// Candidates for MaxSim search over a large collection, in the manner of ColBERTv2's PLAID
/// engine: the collection's token vectors are clustered into centroids once, each document is
/// reduced to the set of centroids its vectors fall in, and a query scores documents first
/// through those centroids (cheap: a query-by-centroid table and a few lookups per document),
/// then exactly, by MaxSim on the stored vectors, for the best few only.
///
/// Why this and not MUVERA's fixed-dimensional encodings with a graph: the centroid codes are a
/// few bytes per document (one code per distinct centroid, against a 10,240-float encoding), are
/// assigned to a new document without touching any other (so the index grows as documents are
/// upserted), and probing every centroid with a depth covering the collection degenerates to
/// exact search, which gives tests an exact reference. The measurements behind the defaults are
/// in README.md ("Indexed search").
///
/// Storage is flat (compressed sparse rows), so a million documents are a handful of arrays,
/// not a million small ones: every document's codes one after the other (`UInt16` each), and per
/// centroid a run of document positions. Documents appended after the lists were laid out sit
/// in small per-centroid tails until they are worth laying out again.
///
/// Positions are the caller's document positions (a snapshot's), in the order documents were
/// added.
public struct CentroidIndex: Sendable {
    /// How an index is trained.
    public struct Options: Sendable {
        /// Centroids to train; nil picks ``automaticCentroidCount(vectors:dimension:)``.
        public var centroids: Int?
        /// Rounds of k-means (assign, then re-centre).
        public var iterations: Int
        /// Most token vectors k-means trains on, taken evenly across the collection (at least 32
        /// per centroid are taken whatever this says). K-means costs `iterations x sample x
        /// centroids` multiply-adds of `dimension` floats, whatever the collection's size.
        public var sampleLimit: Int

        public init(centroids: Int? = nil, iterations: Int = 6, sampleLimit: Int = 131_072) {
            self.centroids = centroids
            self.iterations = iterations
            self.sampleLimit = sampleLimit
        }
    }

    /// How deep a search looks.
    public struct Depth: Sendable, Equatable {
        /// Centroids probed per query vector: a document is a candidate when one of its vectors
        /// falls in a probed centroid.
        public var probes: Int
        /// Candidates, best by centroid score, handed on to exact MaxSim.
        public var candidates: Int
        /// What a search does when the collection's index is not built yet: true builds it (or
        /// waits for the build under way), false searches exactly meanwhile and builds it in the
        /// background (the default mode's choice: see ``CollectionQuery/resolvedMode(for:documents:)``).
        public var waitForIndex: Bool
        /// Documents, best by gathered gain, scored by full centroid interaction before the
        /// best `candidates` of them are kept (stage 2 of ``candidates(for:depth:admitted:)``);
        /// nil is ``refineFactor`` x `candidates`, at least ``refineMinimum``. Centroid
        /// interaction reads only the resident codes, so this depth is cheap next to
        /// `candidates`, each of which exact MaxSim reads from the collection's pages.
        public var refine: Int?

        public init(probes: Int = 8, candidates: Int = 256, waitForIndex: Bool = true, refine: Int? = nil) {
            self.probes = probes
            self.candidates = candidates
            self.waitForIndex = waitForIndex
            self.refine = refine
        }

        /// Stage 2's depth as used: `refine` or its default, never below `candidates`.
        var resolvedRefine: Int {
            max(candidates, refine ?? max(CentroidIndex.refineFactor * candidates, CentroidIndex.refineMinimum))
        }
    }

    /// Where the time of building went, in seconds (for benchmarks).
    public struct BuildTimes: Sendable {
        public var sampling: Double = 0
        public var training: Double = 0
        public var assigning: Double = 0
        public var sampleVectors = 0
    }

    /// Width of the vectors.
    public let dimension: Int
    /// Centroids, row-major, each of unit length.
    let centroids: [Float]
    /// Document `p`'s codes are `codes[codeStarts[p] ..< codeStarts[p + 1]]`: the distinct
    /// centroids its vectors fall in, ascending.
    private(set) var codeStarts: [Int] = [0]
    private(set) var codes: [UInt16] = []
    /// Centroid `c`'s documents (ascending) among the first `laidOut` are
    /// `listEntries[listStarts[c] ..< listStarts[c + 1]]`; later ones are in `tails[c]`.
    private var listStarts: [Int]
    private var listEntries: [UInt32] = []
    private var laidOut = 0
    private var tails: [[UInt32]]
    private var tailEntries = 0
    /// Seconds spent training and assigning (zero for an index loaded from a file).
    public private(set) var buildTimes = BuildTimes()

    /// Centroids of the index.
    public var centroidCount: Int { centroids.count / dimension }
    /// Documents indexed.
    public var documentCount: Int { codeStarts.count - 1 }
    /// Bytes the index keeps in memory: centroids, codes and lists.
    public var residentBytes: Int {
        centroids.count * 4 + codeStarts.count * 8 + codes.count * 2 + listStarts.count * 8 + (listEntries.count + tailEntries) * 4
    }

    /// ColBERTv2's rule of thumb, 16 sqrt(N) rounded down to a power of two, at a quarter of it:
    /// our lists are per document, not per vector, so fewer centroids keep them as selective,
    /// and k-means over them costs a quarter. At least 8, at most 65,536.
    ///
    /// With `dimension`, also at most what keeps the assignment (every vector scored against
    /// every centroid: `vectors x dimension x centroids` multiply-adds) within
    /// ``assignmentBudget``: the rule alone asks 16,384 centroids for a million documents of 32
    /// vectors, an assignment of 2 x 10^14 multiply-adds at 384-d (an hour on two cores), for
    /// lists that are finer than the search needs (README.md, "Indexed search").
    public static func automaticCentroidCount(vectors: Int, dimension: Int = 0) -> Int {
        var target = 4 * Double(max(vectors, 1)).squareRoot()
        if dimension > 0 { target = min(target, assignmentBudget / (Double(max(vectors, 1)) * Double(dimension))) }
        var count = 8
        while count * 2 <= Int(target), count < KMeans.maximumCentroids { count *= 2 }
        return count
    }

    /// Most multiply-adds the automatic centroid count lets the assignment take: 2^44 (1.8 x
    /// 10^13), a few minutes on two cores. A million documents of 32 vectors get 1,024
    /// centroids at 384-d and 4,096 at 128-d.
    public static let assignmentBudget: Double = 17_592_186_044_416

    /// Trains centroids on a sample of `documents` and indexes them all. `progress` is told how
    /// many documents are assigned so far (from any thread).
    public init(training documents: EncodedDocuments, options: Options = Options(), progress: (@Sendable (Int) -> Void)? = nil) {
        dimension = documents.dimension
        let total = documents.slots.reduce(0) { $0 + $1.count }
        let wanted = min(options.centroids ?? Self.automaticCentroidCount(vectors: total, dimension: dimension), KMeans.maximumCentroids)
        var times = BuildTimes()
        var clock = ContinuousClock.now
        let sample = Self.sample(documents, total: total, limit: max(options.sampleLimit, 32 * wanted))
        times.sampling = Self.seconds(since: &clock)
        times.sampleVectors = sample.count / max(dimension, 1)
        // Documents without vectors only: one centroid, which no document's code names.
        centroids = sample.isEmpty
            ? [Float](repeating: 0, count: dimension)
            : KMeans.train(sample, dimension: dimension, centroids: min(wanted, sample.count / dimension), iterations: options.iterations)
        times.training = Self.seconds(since: &clock)
        listStarts = []
        tails = Array(repeating: [], count: centroids.count / dimension)
        append(documents, range: 0 ..< documents.count, progress: progress)
        times.assigning = Self.seconds(since: &clock)
        buildTimes = times
    }

    /// An index of trained `centroids` (row-major, `dimension` wide) and each document's codes
    /// (`counts[p]` codes of document `p`, one after the other in `codes`), as a file stores it.
    init(dimension: Int, centroids: [Float], counts: [UInt32], codes: [UInt16]) {
        self.dimension = dimension
        self.centroids = centroids
        listStarts = []
        tails = Array(repeating: [], count: centroids.count / dimension)
        add(CentroidAssignment.Codes(counts: counts, codes: codes))
    }

    /// Indexes one more document, at the next position, against the trained centroids.
    public mutating func append(_ document: MultiVector) {
        precondition(document.dimension == dimension, "document of width \(document.dimension) for an index of width \(dimension)")
        var found = KMeans.nearest(document.values, rows: document.count, centroids: centroids, dimension: dimension)
        CentroidAssignment.distinctSorted(&found, from: 0)
        add(CentroidAssignment.Codes(counts: [UInt32(found.count)], codes: found))
    }

    /// Indexes documents `range` of `documents`, at the next positions, on every core.
    public mutating func append(_ documents: EncodedDocuments, range: Range<Int>, progress: (@Sendable (Int) -> Void)? = nil) {
        precondition(documents.dimension == dimension, "documents of width \(documents.dimension) for an index of width \(dimension)")
        add(CentroidAssignment.assign(documents, range: range, centroids: centroids, progress: progress))
    }

    /// The codes of documents `p` (an index position), ascending.
    func codes(of position: Int) -> ArraySlice<UInt16> { codes[codeStarts[position] ..< codeStarts[position + 1]] }

    /// Adds documents' codes at the next positions and to the lists.
    private mutating func add(_ new: CentroidAssignment.Codes) {
        let first = documentCount
        codes += new.codes
        codeStarts.reserveCapacity(codeStarts.count + new.counts.count)
        var end = codeStarts[codeStarts.count - 1]
        for count in new.counts {
            end += Int(count)
            codeStarts.append(end)
        }
        if new.codes.count > max(4096, listEntries.count / 8) || listStarts.isEmpty {
            layOutLists()
            return
        }
        for position in first ..< documentCount {
            for code in codes(of: position) { tails[Int(code)].append(UInt32(position)) }
        }
        tailEntries += new.codes.count
        if tailEntries > max(4096, listEntries.count / 8) { layOutLists() }
    }

    /// Rebuilds the flat lists from the codes (a counting sort: two passes over the codes).
    private mutating func layOutLists() {
        let k = centroidCount
        var starts = [Int](repeating: 0, count: k + 1)
        for code in codes { starts[Int(code) + 1] += 1 }
        for c in 0 ..< k { starts[c + 1] += starts[c] }
        var entries = [UInt32](repeating: 0, count: codes.count)
        var fill = starts
        for position in 0 ..< documentCount {
            for code in codes(of: position) {
                entries[fill[Int(code)]] = UInt32(position)
                fill[Int(code)] += 1
            }
        }
        listStarts = starts
        listEntries = entries
        laidOut = documentCount
        tails = Array(repeating: [], count: k)
        tailEntries = 0
    }

    /// Calls `body` with each document (ascending) whose vectors fall in centroid `code`.
    @inline(__always)
    func forEachDocument(in code: Int, _ body: (Int) -> Void) {
        listEntries.withUnsafeBufferPointer { entries in
            for index in listStarts[code] ..< listStarts[code + 1] { body(Int(entries[index])) }
        }
        for position in tails[code] { body(Int(position)) }
    }

    /// Up to `limit` token vectors taken evenly across `documents` (every `total / limit`-th),
    /// row-major, decoded one row at a time so the rest of the collection is never read.
    private static func sample(_ documents: EncodedDocuments, total: Int, limit: Int) -> [Float] {
        let taken = min(total, max(limit, 1))
        guard taken > 0 else { return [] }
        let d = documents.dimension
        var values = [Float](repeating: 0, count: taken * d)
        var position = 0, before = 0
        values.withUnsafeMutableBufferPointer { buffer in
            for index in 0 ..< taken {
                let vector = index * total / taken
                while before + documents.slots[position].count <= vector {
                    before += documents.slots[position].count
                    position += 1
                }
                let slot = documents.slots[position]
                let row = vector - before
                VectorCodec.decode(
                    documents.base + slot.offset, count: slot.count, dimension: d, precision: documents.precision,
                    rows: row ..< row + 1, into: buffer.baseAddress! + index * d)
            }
        }
        return values
    }

    private static func seconds(since start: inout ContinuousClock.Instant) -> Double {
        let now = ContinuousClock.now
        let elapsed = now - start
        start = now
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    }
}
