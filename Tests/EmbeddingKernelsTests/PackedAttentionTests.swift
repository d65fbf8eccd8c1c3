import Testing
@testable import EmbeddingKernels

/// Long sequences attend on CGemm's tiles (``PackedAttention``), short ones on the SIMD8 loops:
/// the two must give the same bits, so a row never depends on which path its sequence's length
/// picks, and a long sequence's rows never depend on the other sequences of the batch.
@Suite struct PackedAttentionTests {
    /// Two heads of 40 dimensions (a whole panel of 32 and a partial one), 150 rows (three
    /// 48-row blocks and a partial one; keys past the last whole panel of 32).
    static let (heads, d, length) = (2, 40, 150)
    static var hidden: Int { heads * d }

    /// Runs one head through both paths and returns (SIMD8 loops, tiles).
    private func bothPaths(
        _ qkv: [Float], rows: Range<Int>, head: Int, causal: Bool, keep: [Bool]?
    ) -> (loops: [Float], tiles: [Float]) {
        let (d, hidden) = (Self.d, Self.hidden)
        let tokens = qkv.count / (3 * hidden)
        var loops = [Float](repeating: .nan, count: tokens * hidden)
        var tiles = [Float](repeating: .nan, count: tokens * hidden)
        qkv.withUnsafeBufferPointer { p in
            let base = p.baseAddress!
            let projections = Attention.Projections(query: base, key: base + hidden, value: base + 2 * hidden, stride: 3 * hidden)
            (keep ?? []).withUnsafeBufferPointer { mask in
                let keyMask = keep == nil ? nil : mask.baseAddress
                loops.withUnsafeMutableBufferPointer { out in
                    let work = SendableWork(projections: projections, output: out.baseAddress!, keyMask: keyMask)
                    let padded = SendableWork.keyStride(rows.count)
                    var scratch = [Float](repeating: 0, count: padded * (d + SendableWork.tileRows))
                    scratch.withUnsafeMutableBufferPointer { s in
                        work.attendOneHead(
                            rows: rows, head: head, headDimension: d, outputStride: hidden, causal: causal,
                            scores: s.baseAddress!, transposedKeys: s.baseAddress! + SendableWork.tileRows * padded)
                    }
                }
                tiles.withUnsafeMutableBufferPointer { out in
                    let work = SendableWork(projections: projections, output: out.baseAddress!, keyMask: keyMask)
                    let count = PackedAttention.scratchCount(longest: rows.count, d: d)
                    withUnsafeTemporaryAllocation(byteCount: count * 4, alignment: 64) { raw in
                        work.attendOneHeadPacked(
                            rows: rows, head: head, headDimension: d, outputStride: hidden, causal: causal,
                            scratch: raw.baseAddress!.bindMemory(to: Float.self, capacity: count), longest: rows.count)
                    }
                }
            }
        }
        let columns = rows.flatMap { row in (head * d ..< (head + 1) * d).map { row * hidden + $0 } }
        return (columns.map { loops[$0] }, columns.map { tiles[$0] })
    }

    @Test(arguments: [false, true])
    func tilesGiveTheLoopsBits(causal: Bool) {
        let qkv = Reference.random(Self.length * 3 * Self.hidden, seed: 41, scale: 2)
        for head in 0..<Self.heads {
            let (loops, tiles) = bothPaths(qkv, rows: 0 ..< Self.length, head: head, causal: causal, keep: nil)
            let differing = zip(loops, tiles).filter { $0.bitPattern != $1.bitPattern }.count
            #expect(differing == 0, "head \(head) causal \(causal): \(differing) of \(loops.count) values differ")
            #expect(!tiles.contains { $0.isNaN }, "an output was never written")
        }
    }

    /// Masked keys (SigLIP2's padding) are left out alike, and a row with no key left is zero.
    @Test func maskedKeysGiveTheLoopsBits() {
        let qkv = Reference.random(Self.length * 3 * Self.hidden, seed: 42, scale: 2)
        let keep = (0..<Self.length).map { $0 % 7 != 3 && $0 < 140 }
        let (loops, tiles) = bothPaths(qkv, rows: 0 ..< Self.length, head: 1, causal: false, keep: keep)
        #expect(zip(loops, tiles).allSatisfy { $0.bitPattern == $1.bitPattern })
        let q = qkv, k = Array(qkv.dropFirst(Self.hidden)) + [Float](repeating: 0, count: Self.hidden)
        let v = Array(qkv.dropFirst(2 * Self.hidden)) + [Float](repeating: 0, count: 2 * Self.hidden)
        let expected = Reference.attention(
            q: q, k: k, v: v, stride: 3 * Self.hidden, rows: 0 ..< Self.length, head: 1, d: Self.d, causal: false, keep: keep)
        let worst = zip(tiles, expected.joined()).map { abs(Double($0) - $1) }.max() ?? 0
        #expect(worst < 1e-5, "largest difference from the Double reference \(worst)")
    }

    /// A long sequence gets the same bits alone as beside a short one and another long one, in
    /// either order, with the heads split across cores.
    @Test func aLongSequencesRowsDoNotDependOnTheBatch() {
        let (heads, d, hidden) = (Self.heads, Self.d, Self.hidden)
        let lengths = [Self.length, 9, 200]
        let tokens = lengths.reduce(0, +)
        let qkv = Reference.random(tokens * 3 * hidden, seed: 43, scale: 2)
        func attend(_ sequences: [Range<Int>]) -> [Float] {
            var output = [Float](repeating: .nan, count: tokens * hidden)
            qkv.withUnsafeBufferPointer { p in
                let base = p.baseAddress!
                Attention.multiHead(
                    .init(query: base, key: base + hidden, value: base + 2 * hidden, stride: 3 * hidden),
                    sequences: sequences, heads: heads, headDimension: d, output: &output)
            }
            return output
        }
        let batch = attend([0 ..< 150, 150 ..< 159, 159 ..< 359])
        let alone = attend([0 ..< 150])
        let last = attend([159 ..< 359])
        #expect(zip(batch[0 ..< 150 * hidden], alone[0 ..< 150 * hidden]).allSatisfy { $0.bitPattern == $1.bitPattern })
        #expect(zip(batch[159 * hidden ..< 359 * hidden], last[159 * hidden ..< 359 * hidden]).allSatisfy { $0.bitPattern == $1.bitPattern })
    }
}
