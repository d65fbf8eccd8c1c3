/// Scaled dot-product multi-head attention over sequences packed row after row.
///
/// The encoders keep a batch as one `[tokens, hidden]` matrix with no padding: every sequence is
/// a range of rows. Linear layers run on the whole matrix at once (large GEMMs), and attention
/// runs here per (sequence, head), so a text gets exactly the same arithmetic alone or beside a
/// much longer text, and no time is spent on padding.
public enum Attention {
    /// Where the query, key and value projections of one layer live.
    ///
    /// Each is a `[tokens, heads * headDimension]` matrix with row stride `stride`; for a fused
    /// QKV projection the three pointers are column offsets into one `[tokens, 3 * hidden]` matrix.
    public struct Projections {
        public var query: UnsafePointer<Float>
        public var key: UnsafePointer<Float>
        public var value: UnsafePointer<Float>
        public var stride: Int

        public init(query: UnsafePointer<Float>, key: UnsafePointer<Float>, value: UnsafePointer<Float>, stride: Int) {
            self.query = query
            self.key = key
            self.value = value
            self.stride = stride
        }
    }

    /// Computes `softmax(Q Kᵀ / sqrt(d) + mask) V` for every head of every sequence.
    ///
    /// - Parameters:
    ///   - projections: Q, K, V for all packed rows.
    ///   - sequences: the row range of each sequence; ranges must not overlap.
    ///   - heads: number of heads; head `h` uses columns `h*headDimension ..< (h+1)*headDimension`.
    ///   - output: `[tokens, heads * headDimension]`, written densely (row stride = heads * d).
    ///   - causal: when true, query `i` attends to keys `0...i` of its sequence only (CLIP text).
    ///   - keyMask: optional per-row flag; keys whose flag is false are excluded (scored as
    ///     minus infinity, never as zero). Rows of a sequence whose keys are all masked get zeros.
    public static func multiHead(
        _ projections: Projections, sequences: [Range<Int>], heads: Int, headDimension: Int,
        output: UnsafeMutablePointer<Float>, causal: Bool = false, keyMask: UnsafePointer<Bool>? = nil
    ) {
        let items = sequences.count * heads
        guard items > 0 else { return }
        let longest = sequences.map(\.count).max() ?? 0
        let work = SendableWork(projections: projections, output: output, keyMask: keyMask)
        // Weight items by sequence length so long and short sequences balance across cores.
        let cost = sequences.reduce(0) { $0 + $1.count * $1.count } * heads * headDimension
        parallelChunks(items, minimumPerChunk: cost > 200_000 ? 1 : items) { range in
            // Per item: one row of scores, plus the head's keys transposed to [d, length].
            withUnsafeTemporaryAllocation(of: Float.self, capacity: max(longest, 1) * (headDimension + 1)) { scratch in
                let scores = scratch.baseAddress!
                let transposedKeys = scores + max(longest, 1)
                for item in range {
                    let sequence = sequences[item / heads]
                    let head = item % heads
                    work.attendOneHead(
                        rows: sequence, head: head, headDimension: headDimension,
                        outputStride: heads * headDimension, causal: causal, scores: scores,
                        transposedKeys: transposedKeys)
                }
            }
        }
    }

    /// Attention over a padded batch `[batch, length]` with a 0/1 attention mask, as transformers
    /// lays it out. Masked keys never contribute; padded query rows are computed but meaningless.
    public static func multiHeadPadded(
        _ projections: Projections, batch: Int, length: Int, attentionMask: [Int32], heads: Int,
        headDimension: Int, output: UnsafeMutablePointer<Float>, causal: Bool = false
    ) {
        precondition(attentionMask.count == batch * length, "attention mask is not batch x length")
        let keep = attentionMask.map { $0 != 0 }
        let sequences = (0..<batch).map { $0 * length ..< ($0 + 1) * length }
        keep.withUnsafeBufferPointer { mask in
            multiHead(
                projections, sequences: sequences, heads: heads, headDimension: headDimension,
                output: output, causal: causal, keyMask: mask.baseAddress)
        }
    }
}

/// The pointers one parallel region reads and writes; rows of different items never overlap.
private struct SendableWork: @unchecked Sendable {
    let projections: Attention.Projections
    let output: UnsafeMutablePointer<Float>
    let keyMask: UnsafePointer<Bool>?

    /// Attention of one head over one sequence.
    ///
    /// The head's keys are first transposed to `[d, length]`, so a query's scores against all
    /// keys accumulate as `d` vector updates over contiguous memory (no horizontal sums, which
    /// dominate when d is 32 and sequences are short).
    func attendOneHead(
        rows: Range<Int>, head: Int, headDimension d: Int, outputStride: Int, causal: Bool,
        scores: UnsafeMutablePointer<Float>, transposedKeys: UnsafeMutablePointer<Float>
    ) {
        let stride = projections.stride
        let columnOffset = head * d
        let scale = 1 / Float(d).squareRoot()
        let start = rows.lowerBound
        let length = rows.count
        for j in 0..<length {
            let key = projections.key + (start + j) * stride + columnOffset
            for p in 0..<d { transposedKeys[p * length + j] = key[p] * scale }
        }
        for i in 0..<length {
            let query = projections.query + (start + i) * stride + columnOffset
            let keys = causal ? i + 1 : length
            scores.update(repeating: 0, count: keys)
            for p in 0..<d {
                let q = query[p]
                let column = transposedKeys + p * length
                for j in 0..<keys { scores[j] += q * column[j] }
            }
            var maximum = -Float.infinity
            if let keyMask {
                for j in 0..<keys where !keyMask[start + j] { scores[j] = -.infinity }
            }
            for j in 0..<keys { maximum = max(maximum, scores[j]) }
            let out = output + (start + i) * outputStride + columnOffset
            out.update(repeating: 0, count: d)
            guard maximum > -.infinity else { continue }
            var total: Float = 0
            for j in 0..<keys {
                let e = scores[j] == -.infinity ? 0 : expf(scores[j] - maximum)
                scores[j] = e
                total += e
            }
            let inverse = 1 / total
            for j in 0..<keys where scores[j] != 0 {
                let value = projections.value + (start + j) * stride + columnOffset
                axpy(scores[j] * inverse, value, out, count: d)
            }
        }
    }
}

/// `y += alpha * x`, eight lanes at a time.
@inline(__always)
func axpy(_ alpha: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
    var i = 0
    let a = SIMD8<Float>(repeating: alpha)
    while i + 8 <= count {
        let xv = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
        var yv = UnsafeRawPointer(y + i).loadUnaligned(as: SIMD8<Float>.self)
        yv.addProduct(a, xv)
        UnsafeMutableRawPointer(y + i).storeBytes(of: yv, as: SIMD8<Float>.self)
        i += 8
    }
    while i < count {
        y[i] += alpha * x[i]
        i += 1
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
