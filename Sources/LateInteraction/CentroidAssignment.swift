import EmbeddingKernels
import Synchronization

/// The codes of many documents at once, for ``CentroidIndex``: each document's vectors go to
/// their nearest centroid and the document keeps the distinct centroids, ascending.
///
/// Why a type of its own: at a million documents this is 32 M vectors scored against thousands
/// of centroids, the bulk of building an index. Workers (one per core) claim chunks of documents,
/// decode them from the store's precision into a scratch block, score the block against every
/// centroid with one sgemm and keep each row's best; chunks come back in document order whatever
/// worker took them, so the codes are the same on every run.
enum CentroidAssignment {
    /// Codes of a run of documents: `counts[i]` codes of document `i` (from the run's start),
    /// stored one after the other in `codes`.
    struct Codes {
        var counts: [UInt32] = []
        var codes: [UInt16] = []
    }

    /// Codes of documents `range` of `documents`. `progress` is called (from any thread, in no
    /// particular order) with the number of documents of the run done so far.
    static func assign(
        _ documents: EncodedDocuments, range: Range<Int>, centroids: [Float], progress: (@Sendable (Int) -> Void)? = nil
    ) -> Codes {
        guard !range.isEmpty else { return Codes() }
        let dimension = documents.dimension
        let vectors = documents.slots[range].reduce(0) { $0 + $1.count }
        // About 2048 vectors per chunk: a score block of 2048 x centroids stays in a few MiB per
        // centroid thousand, and there are enough chunks for the two workers to balance.
        let perChunk = max(1, 2048 * range.count / max(vectors, 1))
        let chunkCount = (range.count + perChunk - 1) / perChunk
        let results = UnsafeMutablePointer<Codes>.allocate(capacity: chunkCount)
        results.initialize(repeating: Codes(), count: chunkCount)
        defer {
            results.deinitialize(count: chunkCount)
            results.deallocate()
        }
        let counters = Counters()
        let shared = SendablePointer(results)
        let workers = min(ComputeThreads.count, chunkCount)
        parallelChunks(workers) { _ in
            var scratch: [Float] = []
            var nearest: [UInt16] = []
            while true {
                let chunk = counters.next.wrappingAdd(1, ordering: .relaxed).oldValue
                guard chunk < chunkCount else { return }
                let first = range.lowerBound + chunk * perChunk
                let part = first ..< min(first + perChunk, range.upperBound)
                shared.base[chunk] = codes(
                    of: documents, part, centroids: centroids, dimension: dimension, scratch: &scratch, nearest: &nearest)
                let finished = counters.done.wrappingAdd(part.count, ordering: .relaxed).newValue
                progress?(finished)
            }
        }
        var merged = Codes()
        merged.counts.reserveCapacity(range.count)
        for chunk in 0 ..< chunkCount {
            merged.counts += results[chunk].counts
            merged.codes += results[chunk].codes
        }
        return merged
    }

    /// The next chunk to claim and the documents done, shared by the workers.
    private final class Counters: Sendable {
        let next = Atomic<Int>(0)
        let done = Atomic<Int>(0)
    }

    /// One chunk's codes, on the calling worker.
    private static func codes(
        of documents: EncodedDocuments, _ part: Range<Int>, centroids: [Float], dimension: Int,
        scratch: inout [Float], nearest: inout [UInt16]
    ) -> Codes {
        let rows = documents.slots[part].reduce(0) { $0 + $1.count }
        if scratch.count < rows * dimension { scratch = [Float](repeating: 0, count: rows * dimension) }
        if nearest.count < rows { nearest = [UInt16](repeating: 0, count: rows) }
        scratch.withUnsafeMutableBufferPointer { buffer in
            var row = 0
            for position in part {
                let slot = documents.slots[position]
                VectorCodec.decode(
                    documents.base + slot.offset, count: slot.count, dimension: dimension, precision: documents.precision,
                    rows: 0 ..< slot.count, into: buffer.baseAddress! + row * dimension)
                row += slot.count
            }
        }
        scratch.withUnsafeBufferPointer { s in
            nearest.withUnsafeMutableBufferPointer { n in
                KMeans.nearest(s.baseAddress!, rows: rows, centroids: centroids, dimension: dimension, into: n.baseAddress!)
            }
        }
        var result = Codes()
        result.counts.reserveCapacity(part.count)
        result.codes.reserveCapacity(rows)
        var row = 0
        for position in part {
            let count = documents.slots[position].count
            let start = result.codes.count
            result.codes += nearest[row ..< row + count]
            row += count
            distinctSorted(&result.codes, from: start)
            result.counts.append(UInt32(result.codes.count - start))
        }
        return result
    }

    /// Sorts `codes[start...]` and drops repeats, in place.
    static func distinctSorted(_ codes: inout [UInt16], from start: Int) {
        guard codes.count - start > 1 else { return }
        codes[start...].sort()
        var write = start + 1
        for read in (start + 1) ..< codes.count where codes[read] != codes[write - 1] {
            codes[write] = codes[read]
            write += 1
        }
        codes.removeLast(codes.count - write)
    }
}
