import LateInteraction
import NIOCore

/// pgvector's column types for a collection's vectors, and their binary wire format (what the
/// server sends for a `vector` or `halfvec` column when results are binary, as postgres-nio asks).
enum PGVectorFormat {
    /// The SQL type storing token vectors at `precision`, or nil when pgvector has none that
    /// keeps MultiEmbed's meaning: float32 is `vector` (4 bytes a value) and float16 `halfvec`
    /// (IEEE half, 2 bytes a value, rounded from float32 as the local store does). int8 (one
    /// scale per vector) and binary (sign bits plus a float16 copy) have no pgvector type whose
    /// HNSW index scores inner products, so they are refused rather than silently widened.
    static func columnType(_ precision: StoragePrecision) -> String? {
        switch precision {
        case .float32: "vector"
        case .float16: "halfvec"
        case .int8, .binary: nil
        }
    }

    /// The HNSW operator class for inner product on `type`.
    static func innerProductOps(_ type: String) -> String { type + "_ip_ops" }

    /// Widest vectors an HNSW index takes: 2,000 dimensions for `vector`, 4,000 for `halfvec`
    /// (an index page must hold a vector); a column takes up to 16,000.
    static func maxIndexedDimension(_ precision: StoragePrecision) -> Int { precision == .float16 ? 4000 : 2000 }

    /// Appends the values of one binary `vector` or `halfvec` value (`int16 dim, int16 unused`,
    /// then `dim` big-endian float32 or float16 values) to `values`; false when the bytes are not
    /// one of `dimension`.
    static func appendValues(of buffer: ByteBuffer, dimension: Int, half: Bool, to values: inout [Float]) -> Bool {
        let width = half ? 2 : 4
        guard buffer.readableBytes == 4 + dimension * width, buffer.getInteger(at: buffer.readerIndex, as: Int16.self).map(Int.init) == dimension
        else { return false }
        values.reserveCapacity(values.count + dimension)
        buffer.withUnsafeReadableBytes { raw in
            if half {
                for i in 0 ..< dimension {
                    values.append(Float(Float16(bitPattern: UInt16(bigEndian: raw.loadUnaligned(fromByteOffset: 4 + i * 2, as: UInt16.self)))))
                }
            } else {
                for i in 0 ..< dimension {
                    values.append(Float(bitPattern: UInt32(bigEndian: raw.loadUnaligned(fromByteOffset: 4 + i * 4, as: UInt32.self))))
                }
            }
        }
        return true
    }
}
