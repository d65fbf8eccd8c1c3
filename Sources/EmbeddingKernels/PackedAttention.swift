import CGemm

/// Attention of long sequences on the register tiles of `CGemm` (the `Linear` layers' tiles).
///
/// A SigLIP tile of a page is 1024 patches: 12 heads of 1024 x 1024 scores in each of 12 layers,
/// 17 tiles a page. The SIMD8 loops of ``SendableWork/attendOneHead(rows:head:headDimension:outputStride:causal:scores:transposedKeys:)``
/// ran those products at about 70% of the tile's FLOP rate (they are built for AVX2's sixteen
/// registers, four query rows at a time). Here one head's keys, transposed and scaled, and its
/// values are packed like a `Linear` weight, once per head and sequence, and then used by every
/// block of queries: the scores `Q Kᵀ` are a product with `k = d`, the weighted sums `P V` one
/// with `k` = the keys.
///
/// The arithmetic is that of the SIMD8 loops, element for element: every score is one chain of
/// fused multiply-adds over the head's dimensions from 0, every output value one chain over the
/// keys from 0, both in order. The tiles give those chains whatever rows share a call (CGemm's
/// promise), so a row's result is the same bits on either path, in any block, beside any other
/// sequence; which path runs depends only on the sequence's own length.
enum PackedAttention {
    /// Sequences at least this long go through the tiles. Below it, packing a head's keys and
    /// values costs more than the tiles save over the SIMD8 loops (and text sequences are short).
    static let minimumLength = 128

    /// Query rows scored, normalised and summed together: a block's scores (48 x 1040 floats for
    /// a SigLIP tile, 200 KB) stay in L2 beside the packed values (256 KB) between the two
    /// products, and 48 is four of the AVX-512 tile's 12-row steps.
    static let blockRows = 48

    /// Floats of scratch one parallel chunk needs for sequences of up to `longest` rows with heads
    /// of `d` dimensions: the packed keys, the packed values, then a block of score rows.
    static func scratchCount(longest: Int, d: Int) -> Int {
        packedKeysCount(length: longest, d: d) + packedValuesCount(length: longest, d: d)
            + blockRows * SendableWork.keyStride(longest)
    }

    /// The keys of a head packed as a `d x length` weight: panels of 32 keys, `d` rows each.
    static func packedKeysCount(length: Int, d: Int) -> Int {
        Int(cgemm_packed_count(Int32(d), Int32(length)))
    }

    /// The values of a head packed as a `length x d` weight: panels of 32 dimensions.
    static func packedValuesCount(length: Int, d: Int) -> Int {
        Int(cgemm_packed_count(Int32(length), Int32(d)))
    }
}

extension SendableWork {
    /// Attention of one head over one long sequence through the tiles (see ``PackedAttention``):
    /// the same results, bit for bit, as
    /// ``attendOneHead(rows:head:headDimension:outputStride:causal:scores:transposedKeys:)``.
    ///
    /// `scratch` holds ``PackedAttention/scratchCount(longest:d:)`` floats for a `longest` of at
    /// least this sequence's length, 64-byte aligned.
    func attendOneHeadPacked(
        rows: Range<Int>, head: Int, headDimension d: Int, outputStride: Int, causal: Bool,
        scratch: UnsafeMutablePointer<Float>, longest: Int
    ) {
        let stride = projections.stride
        let columnOffset = head * d
        let start = rows.lowerBound
        let length = rows.count
        let packedKeys = scratch
        let packedValues = packedKeys + PackedAttention.packedKeysCount(length: longest, d: d)
        let scores = packedValues + PackedAttention.packedValuesCount(length: longest, d: d)
        let scoreStride = Self.keyStride(length)
        packKeys(rows: rows, columnOffset: columnOffset, d: d, scale: 1 / Float(d).squareRoot(), into: packedKeys)
        let values = projections.value + start * stride + columnOffset
        cgemm_pack(Int32(length), Int32(d), values, stride, packedValues)
        let panel = Int(CGEMM_PANEL)
        var first = 0
        while first < length {
            let block = min(PackedAttention.blockRows, length - first)
            // Keys any row of the block attends to: causal rows see a growing prefix.
            let blockKeys = causal ? first + block : length
            let query = projections.query + (start + first) * stride + columnOffset
            cgemm_multiply(
                Int32(block), Int32(d), Int32(length), query, stride, packedKeys, 0, Int32(blockKeys), scores,
                scoreStride, 0, nil)
            normaliseBlock(
                scores, scoreStride: scoreStride, first: first, rows: block, causal: causal, length: length,
                blockKeys: blockKeys, maskStart: start)
            // One product per panel of 32 dimensions, each reading the panel's first `blockKeys`
            // rows (a causal block sees a prefix of the keys).
            let out = output + (start + first) * outputStride + columnOffset
            var column = 0
            while column < d {
                cgemm_multiply(
                    Int32(block), Int32(blockKeys), Int32(d), scores, scoreStride, packedValues + column * length, 0,
                    Int32(min(panel, d - column)), out + column, outputStride, 0, nil)
                column += panel
            }
            first += block
        }
    }

    /// Packs the keys of `rows` (one head's columns), scaled by `scale`, as CGemm packs a
    /// `d x length` weight: panel after panel of 32 keys, each `d` rows of 32 floats, the keys
    /// past the sequence's end zero.
    ///
    /// Eight keys at a time: each of the `d` packed rows then gets one contiguous store of eight
    /// instead of eight scattered ones (the scattered stores were most of this function's time).
    private func packKeys(
        rows: Range<Int>, columnOffset: Int, d: Int, scale: Float, into packed: UnsafeMutablePointer<Float>
    ) {
        let stride = projections.stride
        let panel = Int(CGEMM_PANEL)
        let length = rows.count
        let paddedLength = (length + panel - 1) / panel * panel
        var first = 0
        while first < paddedLength {
            // Panel widths are multiples of eight, so a group of eight never straddles two panels.
            let target = UnsafeMutableRawPointer(packed + (first / panel) * panel * d + first % panel)
            let present = max(0, min(8, length - first))
            let key = projections.key + (rows.lowerBound + first) * stride + columnOffset
            for p in 0..<d {
                var column = SIMD8<Float>()
                if present == 8 {
                    for lane in 0..<8 { column[lane] = key[lane * stride + p] }
                } else {
                    for lane in 0..<present { column[lane] = key[lane * stride + p] }
                }
                target.storeBytes(
                    of: column * scale, toByteOffset: p * panel * MemoryLayout<Float>.stride, as: SIMD8<Float>.self)
            }
            first += 8
        }
    }
}
