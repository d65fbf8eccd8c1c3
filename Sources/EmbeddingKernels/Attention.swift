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
            // Per item: one row of scores, plus the head's keys transposed to [d, length], both
            // padded to a multiple of eight keys.
            let padded = (max(longest, 1) + 7) & ~7
            withUnsafeTemporaryAllocation(of: Float.self, capacity: padded * (headDimension + 1)) { scratch in
                let scores = scratch.baseAddress!
                let transposedKeys = scores + padded
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
        // Keys transposed to [d, paddedLength], pre-scaled by 1/sqrt(d); the padding columns
        // are zero and their scores are never read.
        let paddedLength = (length + 7) & ~7
        for j in 0..<length {
            let key = projections.key + (start + j) * stride + columnOffset
            for p in 0..<d { transposedKeys[p * paddedLength + j] = key[p] * scale }
        }
        for j in length ..< paddedLength {
            for p in 0..<d { transposedKeys[p * paddedLength + j] = 0 }
        }
        for i in 0..<length {
            let query = projections.query + (start + i) * stride + columnOffset
            let keys = causal ? i + 1 : length
            // Eight keys at a time, accumulated over the head dimension in a register.
            var block = 0
            while block < keys {
                var accumulator = SIMD8<Float>()
                var column = UnsafeRawPointer(transposedKeys + block)
                for p in 0..<d {
                    accumulator.addProduct(SIMD8(repeating: query[p]), column.loadUnaligned(as: SIMD8<Float>.self))
                    column += paddedLength * MemoryLayout<Float>.stride
                }
                UnsafeMutableRawPointer(scores + block).storeBytes(of: accumulator, as: SIMD8<Float>.self)
                block += 8
            }
            var maximum = -Float.infinity
            if let keyMask {
                for j in 0..<keys where !keyMask[start + j] { scores[j] = -.infinity }
            }
            for j in 0..<keys { maximum = max(maximum, scores[j]) }
            let out = output + (start + i) * outputStride + columnOffset
            guard maximum > -.infinity else {
                out.update(repeating: 0, count: d)
                continue
            }
            for j in 0..<keys { scores[j] = FastMath.exp(scores[j] - maximum) }
            var total: Float = 0
            for j in 0..<keys { total += scores[j] }
            let inverse = 1 / total
            for j in 0..<keys { scores[j] *= inverse }
            weightedSum(
                weights: scores, count: keys, rows: projections.value + start * stride + columnOffset,
                stride: stride, width: d, into: out)
        }
    }
}

/// `out[0..<width] = Σ_j weights[j] * rows[j * stride ..< j * stride + width]`.
///
/// Accumulates 32 columns at a time in four vector registers across all rows, then stores once:
/// updating `out` in memory per row would chain every row on a store-to-load round trip.
@inline(__always)
func weightedSum(
    weights: UnsafePointer<Float>, count: Int, rows: UnsafePointer<Float>, stride: Int, width: Int,
    into out: UnsafeMutablePointer<Float>
) {
    var column = 0
    while column + 32 <= width {
        var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
        for j in 0..<count {
            let w = SIMD8<Float>(repeating: weights[j])
            let row = UnsafeRawPointer(rows + j * stride + column)
            a0.addProduct(w, row.loadUnaligned(as: SIMD8<Float>.self))
            a1.addProduct(w, row.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self))
            a2.addProduct(w, row.loadUnaligned(fromByteOffset: 64, as: SIMD8<Float>.self))
            a3.addProduct(w, row.loadUnaligned(fromByteOffset: 96, as: SIMD8<Float>.self))
        }
        let target = UnsafeMutableRawPointer(out + column)
        target.storeBytes(of: a0, as: SIMD8<Float>.self)
        target.storeBytes(of: a1, toByteOffset: 32, as: SIMD8<Float>.self)
        target.storeBytes(of: a2, toByteOffset: 64, as: SIMD8<Float>.self)
        target.storeBytes(of: a3, toByteOffset: 96, as: SIMD8<Float>.self)
        column += 32
    }
    while column + 8 <= width {
        var a = SIMD8<Float>()
        for j in 0..<count {
            a.addProduct(SIMD8(repeating: weights[j]), UnsafeRawPointer(rows + j * stride + column).loadUnaligned(as: SIMD8<Float>.self))
        }
        UnsafeMutableRawPointer(out + column).storeBytes(of: a, as: SIMD8<Float>.self)
        column += 8
    }
    while column < width {
        var a: Float = 0
        for j in 0..<count { a += weights[j] * rows[j * stride + column] }
        out[column] = a
        column += 1
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
