import CGemm

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
    /// Sequences of at least ``PackedAttention/minimumLength`` rows (image tiles, long texts) run
    /// their products on CGemm's register tiles (``PackedAttention``), shorter ones on the SIMD8
    /// loops here; both give the same bits.
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
            // Per item: a tile of score rows, plus the head's keys transposed to [d, length], both
            // padded to a multiple of eight keys; long sequences use the packed path's scratch
            // (64-byte aligned for the tiles' panel loads) instead.
            let padded = SendableWork.keyStride(max(longest, 1))
            let shortScratch = padded * (headDimension + SendableWork.tileRows)
            let packedScratch = longest >= PackedAttention.minimumLength
                ? PackedAttention.scratchCount(longest: longest, d: headDimension) : 0
            let count = max(shortScratch, packedScratch)
            withUnsafeTemporaryAllocation(byteCount: count * MemoryLayout<Float>.stride, alignment: 64) { raw in
                let scratch = raw.baseAddress!.bindMemory(to: Float.self, capacity: count)
                let scores = scratch
                let transposedKeys = scores + SendableWork.tileRows * padded
                for item in range {
                    let sequence = sequences[item / heads]
                    let head = item % heads
                    if sequence.count >= PackedAttention.minimumLength {
                        work.attendOneHeadPacked(
                            rows: sequence, head: head, headDimension: headDimension,
                            outputStride: heads * headDimension, causal: causal, scratch: scratch, longest: longest)
                    } else {
                        work.attendOneHead(
                            rows: sequence, head: head, headDimension: headDimension,
                            outputStride: heads * headDimension, causal: causal, scores: scores,
                            transposedKeys: transposedKeys)
                    }
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

extension Attention {
    /// Bidirectional sliding-window attention (ModernBERT's local layers): query `i` of a
    /// sequence attends to the keys `j` of its sequence with `|i - j| <= window`, as
    /// transformers' `sliding_window_bidirectional_overlay` masks them.
    ///
    /// Each tile of query rows scores only the keys of its rows' windows, so a sequence of `n`
    /// tokens costs `O(n * window)` instead of `O(n²)`: the local layers of an 8192-token input
    /// never touch an `n x n` matrix. A row's result depends only on its sequence and its
    /// position in it (tiles start at fixed positions), never on the other sequences of the batch.
    ///
    /// - Parameters:
    ///   - window: keys seen on either side of a query (`local_attention / 2`); must be >= 0.
    ///   - keyMask: as for ``multiHead(_:sequences:heads:headDimension:output:causal:keyMask:)``:
    ///     keys whose flag is false are excluded; a row with no key left gets zeros.
    public static func multiHeadSlidingWindow(
        _ projections: Projections, sequences: [Range<Int>], heads: Int, headDimension: Int, window: Int,
        output: UnsafeMutablePointer<Float>, keyMask: UnsafePointer<Bool>? = nil
    ) {
        precondition(window >= 0, "the attention window must not be negative")
        let items = sequences.count * heads
        guard items > 0 else { return }
        let longest = sequences.map(\.count).max() ?? 0
        let work = SendableWork(projections: projections, output: output, keyMask: keyMask)
        let band = 2 * window + 1
        let cost = sequences.reduce(0) { $0 + $1.count * min($1.count, band) } * heads * headDimension
        parallelChunks(items, minimumPerChunk: cost > 200_000 ? 1 : items) { range in
            // Eight more columns than the keys: a tile's scores are computed eight keys at a time
            // from its first key, which may read up to seven columns past the sequence's end.
            let padded = SendableWork.keyStride(max(longest, 1) + 8)
            withUnsafeTemporaryAllocation(of: Float.self, capacity: padded * (headDimension + SendableWork.tileRows)) { scratch in
                let scores = scratch.baseAddress!
                let transposedKeys = scores + SendableWork.tileRows * padded
                for item in range {
                    work.attendOneHeadInWindow(
                        rows: sequences[item / heads], head: item % heads, headDimension: headDimension,
                        outputStride: heads * headDimension, window: window, scores: scores,
                        transposedKeys: transposedKeys)
                }
            }
        }
    }
}

extension SendableWork {
    /// Sliding-window attention of one head over one sequence: the tiles of
    /// ``attendOneHead(rows:head:headDimension:outputStride:causal:scores:transposedKeys:)``,
    /// each scored against the union of its rows' windows only. Keys of that union outside a
    /// row's own window are masked (weight exactly zero) before its softmax.
    func attendOneHeadInWindow(
        rows: Range<Int>, head: Int, headDimension d: Int, outputStride: Int, window: Int,
        scores: UnsafeMutablePointer<Float>, transposedKeys: UnsafeMutablePointer<Float>
    ) {
        let stride = projections.stride
        let columnOffset = head * d
        let start = rows.lowerBound
        let length = rows.count
        let paddedLength = Self.keyStride(length + 8)
        transposeKeys(
            rows: rows, columnOffset: columnOffset, d: d, scale: 1 / Float(d).squareRoot(), into: transposedKeys,
            paddedLength: paddedLength)
        let values = projections.value + start * stride + columnOffset
        var first = 0
        while first < length {
            let tile = min(Self.tileRows, length - first)
            let lowest = max(0, first - window)
            let keys = min(length, first + tile + window) - lowest
            let query = projections.query + (start + first) * stride + columnOffset
            if tile == Self.tileRows {
                scoreTile(query: query, queryStride: stride, keys: keys, d: d, transposedKeys: transposedKeys + lowest,
                          paddedLength: paddedLength, scores: scores)
            } else {
                for r in 0..<tile {
                    scoreRow(query: query + r * stride, keys: keys, d: d, transposedKeys: transposedKeys + lowest,
                             paddedLength: paddedLength, scores: scores + r * paddedLength)
                }
            }
            for r in 0..<tile {
                let row = first + r
                let line = scores + r * paddedLength
                let ownFirst = max(0, row - window) - lowest
                let ownEnd = min(length, row + window + 1) - lowest
                for j in 0..<ownFirst { line[j] = -.infinity }
                for j in ownEnd ..< keys { line[j] = -.infinity }
                if !normalise(line, keys: keys, maskStart: start + lowest) { line.update(repeating: 0, count: keys) }
            }
            let out = output + (start + first) * outputStride + columnOffset
            if tile == Self.tileRows {
                weightedSumTile(weights: scores, weightStride: paddedLength, count: keys, rows: values + lowest * stride,
                                stride: stride, width: d, into: out, outputStride: outputStride)
            } else {
                for r in 0..<tile {
                    weightedSum(weights: scores + r * paddedLength, count: keys, rows: values + lowest * stride,
                                stride: stride, width: d, into: out + r * outputStride)
                }
            }
            first += tile
        }
    }
}

/// The pointers one parallel region reads and writes; rows of different items never overlap.
struct SendableWork: @unchecked Sendable {
    let projections: Attention.Projections
    let output: UnsafeMutablePointer<Float>
    let keyMask: UnsafePointer<Bool>?

    /// Query rows handled together. Each key (and value) vector loaded from memory feeds this
    /// many rows' accumulators, so the products run on the FMA units instead of waiting on
    /// loads, which is where one row at a time spent most of its cycles.
    static let tileRows = 4

    /// The row stride, in floats, of the transposed keys and of the score rows for `columns`
    /// columns: at least `columns` rounded up to eight, and an odd number of 64-byte lines.
    ///
    /// A score block walks down the `d` rows of the transposed keys; with a stride of a multiple
    /// of 1024 floats (a SigLIP tile's 1024 patches) every one of those rows maps to the same
    /// 8-way L1 set, so the block was reloaded from L2 on every pass. An odd number of lines
    /// spreads the rows over all the sets. Only the layout changes: every score and output is
    /// the same chain of fused multiply-adds, bit for bit.
    static func keyStride(_ columns: Int) -> Int {
        (((columns + 15) / 16) | 1) * 16
    }

    /// Attention of one head over one sequence.
    ///
    /// The head's keys are first transposed to `[d, length]`, so a query's scores against all
    /// keys accumulate as `d` vector updates over contiguous memory (no horizontal sums, which
    /// dominate when d is 32 and sequences are short). Queries then go in tiles of
    /// ``tileRows``; a short last tile goes one row at a time. Every score and every output
    /// value is the same chain of fused multiply-adds in either path, so a row's result does not
    /// depend on which tile it falls in (nor, therefore, on its neighbours in the batch).
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
        let paddedLength = Self.keyStride(length)
        transposeKeys(
            rows: rows, columnOffset: columnOffset, d: d, scale: scale, into: transposedKeys, paddedLength: paddedLength)
        let values = projections.value + start * stride + columnOffset
        var first = 0
        while first < length {
            let tile = min(Self.tileRows, length - first)
            // Keys any row of the tile attends to: causal rows see a growing prefix.
            let tileKeys = causal ? first + tile : length
            let query = projections.query + (start + first) * stride + columnOffset
            if tile == Self.tileRows {
                scoreTile(query: query, queryStride: stride, keys: tileKeys, d: d, transposedKeys: transposedKeys,
                          paddedLength: paddedLength, scores: scores)
            } else {
                for r in 0..<tile {
                    scoreRow(query: query + r * stride, keys: tileKeys, d: d, transposedKeys: transposedKeys,
                             paddedLength: paddedLength, scores: scores + r * paddedLength)
                }
            }
            normaliseBlock(
                scores, scoreStride: paddedLength, first: first, rows: tile, causal: causal, length: length,
                blockKeys: tileKeys, maskStart: start)
            let out = output + (start + first) * outputStride + columnOffset
            if tile == Self.tileRows {
                weightedSumTile(weights: scores, weightStride: paddedLength, count: tileKeys, rows: values,
                                stride: stride, width: d, into: out, outputStride: outputStride)
            } else {
                for r in 0..<tile {
                    weightedSum(weights: scores + r * paddedLength, count: tileKeys, rows: values, stride: stride,
                                width: d, into: out + r * outputStride)
                }
            }
            first += tile
        }
    }

    /// Copies the keys of `rows` (one head's columns) into `[d, paddedLength]`, scaled by
    /// `scale`; the columns from the sequence's length to `paddedLength` are zero.
    @inline(__always)
    func transposeKeys(
        rows: Range<Int>, columnOffset: Int, d: Int, scale: Float, into transposedKeys: UnsafeMutablePointer<Float>,
        paddedLength: Int
    ) {
        let stride = projections.stride
        let keys = projections.key + rows.lowerBound * stride + columnOffset
        let length = rows.count
        // Row by row of the target: its stores are contiguous. Storing down the columns instead
        // (one key at a time) wrote each float to a different line, and that one store was a
        // fifth of all attention time for 31-token texts.
        for p in 0..<d {
            let target = transposedKeys + p * paddedLength
            var source = keys + p
            for j in 0..<length {
                target[j] = source.pointee * scale
                source += stride
            }
            (target + length).update(repeating: 0, count: paddedLength - length)
        }
    }

    /// Softmax of a block of `rows` score rows (`scoreStride` apart) for the queries from `first`
    /// on, each over its own keys: all `length` of them, or its causal prefix. A row whose keys are
    /// all masked weighs nothing (its output is zero, not NaN), and keys past a row's causal prefix
    /// weigh nothing in the block's shared `blockKeys`-long weighted sum.
    @inline(__always)
    func normaliseBlock(
        _ scores: UnsafeMutablePointer<Float>, scoreStride: Int, first: Int, rows: Int, causal: Bool, length: Int,
        blockKeys: Int, maskStart: Int
    ) {
        for r in 0..<rows {
            let line = scores + r * scoreStride
            let keys = causal ? first + r + 1 : length
            if !normalise(line, keys: keys, maskStart: maskStart) { line.update(repeating: 0, count: keys) }
            if keys < blockKeys { (line + keys).update(repeating: 0, count: blockKeys - keys) }
        }
    }

    /// Turns one row of scores into softmax weights in place; false when every key is masked
    /// (the row's output is then zero, never NaN).
    ///
    /// Works on whole vectors of eight over `keys` rounded up to eight (`cgemm_softmax_row`, in C:
    /// Swift's SIMD8 compiled to pairs of 128-bit operations with serial chains). Masked keys and
    /// the round-up get a weight of exactly zero, so a padded row sums exactly as the same row
    /// alone.
    @inline(__always)
    func normalise(_ scores: UnsafeMutablePointer<Float>, keys: Int, maskStart: Int) -> Bool {
        if let keyMask {
            for j in 0..<keys where !keyMask[maskStart + j] { scores[j] = -.infinity }
        }
        let rounded = (keys + 7) & ~7
        for j in keys ..< rounded { scores[j] = -.infinity }
        return cgemm_softmax_row(scores, Int32(rounded)) != 0
    }

    /// Scores of one query against the first `keys` keys (rounded up to eight).
    @inline(__always)
    func scoreRow(
        query: UnsafePointer<Float>, keys: Int, d: Int, transposedKeys: UnsafePointer<Float>, paddedLength: Int,
        scores: UnsafeMutablePointer<Float>
    ) {
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
    }

    /// Scores of four consecutive queries, sixteen keys at a time: each pair of key vectors
    /// loaded serves four rows (eight accumulators, within AVX2's sixteen registers).
    @inline(__always)
    func scoreTile(
        query: UnsafePointer<Float>, queryStride: Int, keys: Int, d: Int, transposedKeys: UnsafePointer<Float>,
        paddedLength: Int, scores: UnsafeMutablePointer<Float>
    ) {
        let q0 = query, q1 = query + queryStride, q2 = query + 2 * queryStride, q3 = query + 3 * queryStride
        let rowBytes = paddedLength * MemoryLayout<Float>.stride
        let limit = (keys + 7) & ~7
        var block = 0
        while block + 16 <= limit {
            var a0 = SIMD8<Float>(), b0 = SIMD8<Float>(), a1 = SIMD8<Float>(), b1 = SIMD8<Float>()
            var a2 = SIMD8<Float>(), b2 = SIMD8<Float>(), a3 = SIMD8<Float>(), b3 = SIMD8<Float>()
            var column = UnsafeRawPointer(transposedKeys + block)
            for p in 0..<d {
                let low = column.loadUnaligned(as: SIMD8<Float>.self)
                let high = column.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self)
                let x0 = SIMD8<Float>(repeating: q0[p]), x1 = SIMD8<Float>(repeating: q1[p])
                let x2 = SIMD8<Float>(repeating: q2[p]), x3 = SIMD8<Float>(repeating: q3[p])
                a0.addProduct(x0, low); b0.addProduct(x0, high)
                a1.addProduct(x1, low); b1.addProduct(x1, high)
                a2.addProduct(x2, low); b2.addProduct(x2, high)
                a3.addProduct(x3, low); b3.addProduct(x3, high)
                column += rowBytes
            }
            let target = UnsafeMutableRawPointer(scores + block)
            target.storeBytes(of: a0, as: SIMD8<Float>.self)
            target.storeBytes(of: b0, toByteOffset: 32, as: SIMD8<Float>.self)
            target.storeBytes(of: a1, toByteOffset: rowBytes, as: SIMD8<Float>.self)
            target.storeBytes(of: b1, toByteOffset: rowBytes + 32, as: SIMD8<Float>.self)
            target.storeBytes(of: a2, toByteOffset: 2 * rowBytes, as: SIMD8<Float>.self)
            target.storeBytes(of: b2, toByteOffset: 2 * rowBytes + 32, as: SIMD8<Float>.self)
            target.storeBytes(of: a3, toByteOffset: 3 * rowBytes, as: SIMD8<Float>.self)
            target.storeBytes(of: b3, toByteOffset: 3 * rowBytes + 32, as: SIMD8<Float>.self)
            block += 16
        }
        if block < limit {
            var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
            var column = UnsafeRawPointer(transposedKeys + block)
            for p in 0..<d {
                let k = column.loadUnaligned(as: SIMD8<Float>.self)
                a0.addProduct(SIMD8(repeating: q0[p]), k)
                a1.addProduct(SIMD8(repeating: q1[p]), k)
                a2.addProduct(SIMD8(repeating: q2[p]), k)
                a3.addProduct(SIMD8(repeating: q3[p]), k)
                column += rowBytes
            }
            let target = UnsafeMutableRawPointer(scores + block)
            target.storeBytes(of: a0, as: SIMD8<Float>.self)
            target.storeBytes(of: a1, toByteOffset: rowBytes, as: SIMD8<Float>.self)
            target.storeBytes(of: a2, toByteOffset: 2 * rowBytes, as: SIMD8<Float>.self)
            target.storeBytes(of: a3, toByteOffset: 3 * rowBytes, as: SIMD8<Float>.self)
        }
    }
}

/// `out[r][0..<width] = Σ_j weights[r][j] * rows[j]` for four rows `r` at once: each value
/// vector loaded serves four output rows. Columns go sixteen (then eight) at a time; the same
/// per-element chain of fused multiply-adds as ``weightedSum(weights:count:rows:stride:width:into:)``,
/// so results match it bit for bit.
@inline(__always)
private func weightedSumTile(
    weights: UnsafePointer<Float>, weightStride: Int, count: Int, rows: UnsafePointer<Float>, stride: Int, width: Int,
    into out: UnsafeMutablePointer<Float>, outputStride: Int
) {
    let w0 = weights, w1 = weights + weightStride, w2 = weights + 2 * weightStride, w3 = weights + 3 * weightStride
    let outBytes = outputStride * MemoryLayout<Float>.stride
    var column = 0
    while column + 16 <= width {
        var a0 = SIMD8<Float>(), b0 = SIMD8<Float>(), a1 = SIMD8<Float>(), b1 = SIMD8<Float>()
        var a2 = SIMD8<Float>(), b2 = SIMD8<Float>(), a3 = SIMD8<Float>(), b3 = SIMD8<Float>()
        for j in 0..<count {
            let row = UnsafeRawPointer(rows + j * stride + column)
            let low = row.loadUnaligned(as: SIMD8<Float>.self)
            let high = row.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self)
            let x0 = SIMD8<Float>(repeating: w0[j]), x1 = SIMD8<Float>(repeating: w1[j])
            let x2 = SIMD8<Float>(repeating: w2[j]), x3 = SIMD8<Float>(repeating: w3[j])
            a0.addProduct(x0, low); b0.addProduct(x0, high)
            a1.addProduct(x1, low); b1.addProduct(x1, high)
            a2.addProduct(x2, low); b2.addProduct(x2, high)
            a3.addProduct(x3, low); b3.addProduct(x3, high)
        }
        let target = UnsafeMutableRawPointer(out + column)
        target.storeBytes(of: a0, as: SIMD8<Float>.self)
        target.storeBytes(of: b0, toByteOffset: 32, as: SIMD8<Float>.self)
        target.storeBytes(of: a1, toByteOffset: outBytes, as: SIMD8<Float>.self)
        target.storeBytes(of: b1, toByteOffset: outBytes + 32, as: SIMD8<Float>.self)
        target.storeBytes(of: a2, toByteOffset: 2 * outBytes, as: SIMD8<Float>.self)
        target.storeBytes(of: b2, toByteOffset: 2 * outBytes + 32, as: SIMD8<Float>.self)
        target.storeBytes(of: a3, toByteOffset: 3 * outBytes, as: SIMD8<Float>.self)
        target.storeBytes(of: b3, toByteOffset: 3 * outBytes + 32, as: SIMD8<Float>.self)
        column += 16
    }
    if column < width {
        // Fewer than sixteen columns left: the single-row kernel finishes them per row.
        for r in 0..<4 {
            weightedSum(
                weights: weights + r * weightStride, count: count, rows: rows + column, stride: stride, width: width - column,
                into: out + r * outputStride + column)
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
