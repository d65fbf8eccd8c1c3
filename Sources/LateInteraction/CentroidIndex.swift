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
/// Positions are the caller's document positions (a snapshot's), in the order documents were
/// added.
public struct CentroidIndex: Sendable {
    /// How an index is trained.
    public struct Options: Sendable {
        /// Centroids to train; nil picks ``automaticCentroidCount(vectors:)``.
        public var centroids: Int?
        /// Rounds of k-means (assign, then re-centre).
        public var iterations: Int
        /// Most token vectors k-means trains on, taken evenly across the collection.
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

        public init(probes: Int = 8, candidates: Int = 256) {
            self.probes = probes
            self.candidates = candidates
        }
    }

    /// Width of the vectors.
    public let dimension: Int
    /// Centroids, row-major, each of unit length.
    let centroids: [Float]
    /// Per document, the distinct centroids its vectors fall in, ascending.
    private(set) var codes: [[UInt32]] = []
    /// Per centroid, the documents with a vector in it, ascending.
    private(set) var lists: [[UInt32]]

    /// Centroids of the index.
    public var centroidCount: Int { centroids.count / dimension }
    /// Documents indexed.
    public var documentCount: Int { codes.count }

    /// ColBERTv2's rule of thumb, 16 sqrt(N) rounded down to a power of two, at a quarter of it:
    /// our lists are per document, not per vector, so fewer centroids keep them as selective,
    /// and k-means over them costs a quarter. At least 8, at most 65,536.
    public static func automaticCentroidCount(vectors: Int) -> Int {
        let target = 4 * Double(max(vectors, 1)).squareRoot()
        var count = 8
        while count * 2 <= Int(target), count < 65_536 { count *= 2 }
        return count
    }

    /// Trains centroids on `documents` and indexes them all.
    public init(training documents: EncodedDocuments, options: Options = Options()) {
        dimension = documents.dimension
        let total = documents.slots.reduce(0) { $0 + $1.count }
        let wanted = options.centroids ?? Self.automaticCentroidCount(vectors: total)
        let sample = Self.sample(documents, total: total, limit: max(options.sampleLimit, wanted))
        centroids = KMeans.train(sample, dimension: dimension, centroids: max(1, min(wanted, sample.count / dimension)), iterations: options.iterations)
        lists = Array(repeating: [], count: centroids.count / dimension)
        for position in 0 ..< documents.count { append(documents.vectors(position)) }
    }

    /// Indexes one more document, at the next position, against the trained centroids.
    public mutating func append(_ document: MultiVector) {
        precondition(document.dimension == dimension, "document of width \(document.dimension) for an index of width \(dimension)")
        let position = UInt32(codes.count)
        let nearest = KMeans.nearest(document.values, rows: document.count, centroids: centroids, dimension: dimension)
        let distinct = Array(Set(nearest)).sorted()
        codes.append(distinct)
        for code in distinct { lists[Int(code)].append(position) }
    }

    /// The documents worth scoring exactly for `query`: those with a vector in one of each query
    /// vector's `depth.probes` nearest centroids, the best `depth.candidates` of them by centroid
    /// score (`Σ_i max over the document's centroids c of <q_i, c>`), in ascending position.
    /// `admitted` (ascending positions, nil for all) restricts them.
    public func candidates(for query: MultiVector, depth: Depth, admitted: [Int]? = nil) -> [Int] {
        precondition(query.dimension == dimension, "query of width \(query.dimension) for an index of width \(dimension)")
        let k = centroidCount, rows = query.count
        guard rows > 0, documentCount > 0, depth.candidates > 0 else { return [] }
        var table = [Float](repeating: 0, count: rows * k)
        query.values.withUnsafeBufferPointer { q in
            centroids.withUnsafeBufferPointer { c in
                table.withUnsafeMutableBufferPointer { t in
                    MatrixMultiply.gemm(
                        m: rows, n: k, k: dimension, a: q.baseAddress!, b: c.baseAddress!, transposeB: true, c: t.baseAddress!)
                }
            }
        }
        var allowed: [Bool]?
        if let admitted {
            var mask = [Bool](repeating: false, count: documentCount)
            for position in admitted where position < documentCount { mask[position] = true }
            allowed = mask
        }
        var seen = [Bool](repeating: false, count: documentCount)
        var pool: [Int] = []
        let probes = min(max(depth.probes, 1), k)
        for row in 0 ..< rows {
            for code in Self.largest(probes, of: table[(row * k) ..< ((row + 1) * k)]) {
                for position in lists[code] where !seen[Int(position)] {
                    seen[Int(position)] = true
                    if allowed?[Int(position)] ?? true { pool.append(Int(position)) }
                }
            }
        }
        guard pool.count > depth.candidates else { return pool.sorted() }
        var best = TopK(depth.candidates)
        for position in pool {
            var score: Float = 0
            for row in 0 ..< rows {
                let line = row * k
                var top = -Float.infinity
                for code in codes[position] { top = max(top, table[line + Int(code)]) }
                score += top
            }
            best.insert(ScoredDocument(index: position, score: score))
        }
        return best.sorted().map(\.index).sorted()
    }

    /// Indices of the `count` largest values of `values` (its own indices, from 0).
    private static func largest(_ count: Int, of values: ArraySlice<Float>) -> [Int] {
        var top = TopK(count)
        let start = values.startIndex
        for index in values.indices { top.insert(ScoredDocument(index: index - start, score: values[index])) }
        return top.sorted().map(\.index)
    }

    /// Up to `limit` token vectors taken evenly across `documents`, row-major.
    private static func sample(_ documents: EncodedDocuments, total: Int, limit: Int) -> [Float] {
        let stride = max(1, total / max(limit, 1))
        var values: [Float] = []
        values.reserveCapacity(min(total, limit + 1) * documents.dimension)
        var index = 0
        for position in 0 ..< documents.count {
            let document = documents.vectors(position)
            for row in 0 ..< document.count {
                if index % stride == 0, values.count < limit * documents.dimension {
                    values.append(contentsOf: document.values[(row * documents.dimension) ..< ((row + 1) * documents.dimension)])
                }
                index += 1
            }
        }
        return values
    }
}
