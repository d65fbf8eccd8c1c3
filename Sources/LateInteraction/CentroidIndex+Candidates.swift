import EmbeddingKernels

extension CentroidIndex {
    /// The documents worth scoring exactly for `query`, in ascending position: at most
    /// `depth.candidates` of those with a vector in one of each query vector's `depth.probes`
    /// nearest centroids. `admitted` (ascending positions, nil for all) restricts them.
    ///
    /// Three stages, each cheaper per document than the next, so that the costly one sees few:
    /// 1. Gather: each query vector's probed centroids, best first, are walked list by list, and
    ///    a document gains `score(centroid) - score(last probed centroid)` the first time the
    ///    query vector meets it (its best probed centroid, since they come best first). One add
    ///    per (query vector, document) pair met; no per-document code lookups. A document not
    ///    met by a query vector is as if its best centroid scored as the last probed one (the most
    ///    it can, not having been met), as XTR and WARP impute a missing similarity.
    /// 2. Refine: the best `refineFactor x candidates` by that gain are scored by full centroid
    ///    interaction, `Σ_i max over the document's centroids c of <q_i, c>` (PLAID's), a few
    ///    vector max operations per code on a centroid-major copy of the query's table.
    /// 3. The best `depth.candidates` of those are returned, for exact MaxSim.
    ///
    /// When the gather meets no more documents than `depth.candidates`, they are all returned:
    /// probing every centroid with a depth covering the collection is exact search.
    public func candidates(for query: MultiVector, depth: Depth, admitted: [Int]? = nil) -> [Int] {
        precondition(query.dimension == dimension, "query of width \(query.dimension) for an index of width \(dimension)")
        let k = centroidCount, rows = query.count, n = documentCount
        guard rows > 0, n > 0, depth.candidates > 0 else { return [] }
        var allowed: [Bool]?
        if let admitted {
            var mask = [Bool](repeating: false, count: n)
            for position in admitted where position < n { mask[position] = true }
            allowed = mask
        }
        let met = gather(query, probes: min(max(depth.probes, 1), k), allowed: allowed)
        guard met.positions.count > depth.candidates else { return met.positions.sorted() }
        let refined = Self.best(min(met.positions.count, depth.resolvedRefine), of: met.positions) {
            met.gains[$0]
        }
        let table = centroidMajorTable(query)
        let scored = Self.best(depth.candidates, of: refined) { centroidInteraction(of: $0, table: table, rows: rows) }
        return scored.sorted()
    }

    /// Stage 2's depth: the best `refineFactor x candidates` (at least ``refineMinimum``) by
    /// gathered gain. Measured in README.md ("Indexed search"): below 4 recall drops, above 8 it
    /// no longer rises.
    static let refineFactor = 8
    static let refineMinimum = 1024

    /// Stage 1 (see ``candidates(for:depth:admitted:)``): the documents met, in the order met,
    /// and each document's gain (indexed by position; zero for those not met).
    func gather(_ query: MultiVector, probes: Int, allowed: [Bool]?) -> (positions: [Int], gains: [Float]) {
        let k = centroidCount, rows = query.count, n = documentCount
        var table = [Float](repeating: 0, count: rows * k)
        query.values.withUnsafeBufferPointer { q in
            centroids.withUnsafeBufferPointer { c in
                table.withUnsafeMutableBufferPointer { t in
                    MatrixMultiply.gemm(m: rows, n: k, k: dimension, a: q.baseAddress!, b: c.baseAddress!, transposeB: true, c: t.baseAddress!)
                }
            }
        }
        var gains = [Float](repeating: 0, count: n)
        // The last query vector (counting from 1) that met each document; 0 = never met.
        var lastMet = [UInt32](repeating: 0, count: n)
        var positions: [Int] = []
        gains.withUnsafeMutableBufferPointer { gains in
            lastMet.withUnsafeMutableBufferPointer { lastMet in
                for row in 0 ..< rows {
                    let probed = table.withUnsafeBufferPointer { Self.largest(probes, of: $0.baseAddress! + row * k, count: k) }
                    let floor = probed.last!.score
                    let stamp = UInt32(row + 1)
                    for centroid in probed {
                        let gain = centroid.score - floor
                        forEachDocument(in: centroid.index) { position in
                            guard lastMet[position] != stamp else { return }
                            if let allowed, !allowed[position] { return }
                            if lastMet[position] == 0 { positions.append(position) }
                            lastMet[position] = stamp
                            gains[position] += gain
                        }
                    }
                }
            }
        }
        return (positions, gains)
    }

    /// `<q_i, c>` laid out centroid by centroid (`k x rows`), so a document's codes read
    /// contiguous rows.
    func centroidMajorTable(_ query: MultiVector) -> [Float] {
        var table = [Float](repeating: 0, count: centroidCount * query.count)
        query.values.withUnsafeBufferPointer { q in
            centroids.withUnsafeBufferPointer { c in
                table.withUnsafeMutableBufferPointer { t in
                    MatrixMultiply.gemm(
                        m: centroidCount, n: query.count, k: dimension, a: c.baseAddress!, b: q.baseAddress!, transposeB: true,
                        c: t.baseAddress!)
                }
            }
        }
        return table
    }

    /// `Σ_i max over the codes c of document `position` of <q_i, c>`.
    func centroidInteraction(of position: Int, table: [Float], rows: Int) -> Float {
        let mine = codes(of: position)
        guard let first = mine.first else { return -.infinity }
        return table.withUnsafeBufferPointer { table in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: rows) { best in
                let base = table.baseAddress!
                best.baseAddress!.update(from: base + Int(first) * rows, count: rows)
                for code in mine.dropFirst() {
                    let line = base + Int(code) * rows
                    for i in 0 ..< rows { best[i] = max(best[i], line[i]) }
                }
                var sum: Float = 0
                for i in 0 ..< rows { sum += best[i] }
                return sum
            }
        }
    }

    /// The `count` best of `positions` by `score` (higher first, the lower position on a tie),
    /// in no particular order: both callers only need the set.
    ///
    /// A quickselect, O(n) expected, rather than a heap of `count` (O(n log count)): stage 2
    /// keeps 16,384 of the hundreds of thousands of documents a deep gather meets, where the
    /// heap took a sixth of a query's time (README.md, "Where a query's time goes").
    static func best(_ count: Int, of positions: [Int], score: (Int) -> Float) -> [Int] {
        guard count > 0 else { return [] }
        guard count < positions.count else { return positions }
        var items = positions.map { ScoredDocument(index: $0, score: score($0)) }
        items.withUnsafeMutableBufferPointer { selectBest(count, in: $0) }
        return items[..<count].map(\.index)
    }

    /// Reorders `items` so that its first `count` (0 < count < items.count) are the best under
    /// ``TopK``'s total order (higher score, then lower index): Hoare's partition around a
    /// median of three, narrowing to the side that holds position `count - 1`.
    static func selectBest(_ count: Int, in items: UnsafeMutableBufferPointer<ScoredDocument>) {
        @inline(__always) func better(_ a: ScoredDocument, _ b: ScoredDocument) -> Bool { TopK.worse(b, a) }
        let target = count - 1
        var low = 0, high = items.count - 1
        while low < high {
            let middle = low + (high - low) / 2
            if better(items[middle], items[low]) { items.swapAt(middle, low) }
            if better(items[high], items[low]) { items.swapAt(high, low) }
            if better(items[high], items[middle]) { items.swapAt(high, middle) }
            let pivot = items[middle]
            var i = low, j = high
            while i <= j {
                while better(items[i], pivot) { i += 1 }
                while better(pivot, items[j]) { j -= 1 }
                if i <= j {
                    items.swapAt(i, j)
                    i += 1
                    j -= 1
                }
            }
            // Now items[low ... j] rank at or above the pivot, items[i ... high] at or below it,
            // and anything between is the pivot itself.
            if target <= j {
                high = j
            } else if target >= i {
                low = i
            } else {
                return
            }
        }
    }

    /// The `count` largest of `values[0 ..< length]`, best first, with their indices.
    static func largest(_ count: Int, of values: UnsafePointer<Float>, count length: Int) -> [ScoredDocument] {
        var top = TopK(count)
        for index in 0 ..< length { top.insert(ScoredDocument(index: index, score: values[index])) }
        return top.sorted()
    }
}
