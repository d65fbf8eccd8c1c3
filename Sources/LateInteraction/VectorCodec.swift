/// Encodes documents into the byte layout of a ``StoragePrecision`` and decodes rows of them back
/// to float32 for the product. The same layout lives in memory (``EncodedCorpus``) and in a
/// collection's log file (memory-mapped), so search never converts a whole corpus up front.
///
/// Layout of one document of `n` vectors of width `d`, starting at an 8-byte aligned address:
/// - float32: `n*d` Float
/// - float16: `n*d` Float16
/// - int8: `n` Float scales, then `n*d` Int8 (value = code * scale)
/// - binary: `n * ceil(d/64)` UInt64 sign words (bit set when the value is > 0), then `n*d`
///   Float16 for re-scoring
public enum VectorCodec {
    /// Appends the encoding of `vectors` to `bytes`.
    public static func encode(_ vectors: MultiVector, as precision: StoragePrecision, into bytes: inout [UInt8]) {
        let n = vectors.count, d = vectors.dimension
        let start = bytes.count
        bytes.append(contentsOf: repeatElement(0, count: precision.encodedSize(count: n, dimension: d)))
        bytes.withUnsafeMutableBytes { raw in
            vectors.values.withUnsafeBufferPointer { source in
                write(source.baseAddress!, count: n, dimension: d, as: precision, to: raw.baseAddress! + start)
            }
        }
    }

    /// Writes the encoding of `count` vectors at `source` to `target` (which has
    /// `precision.encodedSize(...)` bytes; no alignment needed, stores are unaligned).
    static func write(
        _ source: UnsafePointer<Float>, count n: Int, dimension d: Int,
        as precision: StoragePrecision, to target: UnsafeMutableRawPointer
    ) {
        switch precision {
        case .float32:
            target.copyMemory(from: source, byteCount: n * d * 4)
        case .float16:
            for i in 0 ..< n * d { target.storeBytes(of: Float16(source[i]), toByteOffset: i * 2, as: Float16.self) }
        case .int8:
            let codes = target + n * 4
            for v in 0 ..< n {
                let row = source + v * d
                var largest: Float = 0
                for i in 0 ..< d { largest = max(largest, abs(row[i])) }
                let scale = largest / 127
                target.storeBytes(of: scale, toByteOffset: v * 4, as: Float.self)
                let inverse: Float = scale > 0 ? 1 / scale : 0
                for i in 0 ..< d {
                    let code = (row[i] * inverse).rounded(.toNearestOrEven)
                    codes.storeBytes(of: Int8(max(-127, min(127, code))), toByteOffset: v * d + i, as: Int8.self)
                }
            }
        case .binary:
            let words = StoragePrecision.words(d)
            for v in 0 ..< n {
                let row = source + v * d
                for w in 0 ..< words {
                    var bits: UInt64 = 0
                    for b in 0 ..< min(64, d - w * 64) where row[w * 64 + b] > 0 { bits |= 1 << UInt64(b) }
                    target.storeBytes(of: bits, toByteOffset: (v * words + w) * 8, as: UInt64.self)
                }
            }
            let halves = target + n * words * 8
            for i in 0 ..< n * d { halves.storeBytes(of: Float16(source[i]), toByteOffset: i * 2, as: Float16.self) }
        }
    }

    /// Decodes vectors `rows` of a document of `count` vectors at `base` into `target`
    /// (`rows.count * dimension` floats). Binary documents decode their float16 copy.
    static func decode(
        _ base: UnsafeRawPointer, count n: Int, dimension d: Int, precision: StoragePrecision,
        rows: Range<Int>, into target: UnsafeMutablePointer<Float>
    ) {
        let values = rows.count * d
        switch precision {
        case .float32:
            target.update(from: (base + rows.lowerBound * d * 4).assumingMemoryBound(to: Float.self), count: values)
        case .float16, .binary:
            let offset = precision == .binary ? n * StoragePrecision.words(d) * 8 : 0
            let halves = (base + offset + rows.lowerBound * d * 2).assumingMemoryBound(to: Float16.self)
            for i in 0 ..< values { target[i] = Float(halves[i]) }
        case .int8:
            let scales = base.assumingMemoryBound(to: Float.self)
            let codes = (base + n * 4).assumingMemoryBound(to: Int8.self)
            for (r, v) in rows.enumerated() {
                let scale = scales[v], row = codes + v * d, out = target + r * d
                for i in 0 ..< d { out[i] = Float(row[i]) * scale }
            }
        }
    }

    /// Sign bits of float32 vectors (the query side of the Hamming pass), `words` per vector.
    static func signWords(_ vectors: MultiVector) -> [UInt64] {
        let d = vectors.dimension, words = StoragePrecision.words(d)
        var result = [UInt64](repeating: 0, count: vectors.count * words)
        for v in 0 ..< vectors.count {
            for i in 0 ..< d where vectors.values[v * d + i] > 0 { result[v * words + i / 64] |= 1 << UInt64(i % 64) }
        }
        return result
    }
}
