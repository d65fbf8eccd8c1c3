import Foundation
import WireProtocol

/// Writes vectors into bytes as `Multiembed_V1_Encoding` defines (see Protos/README.md,
/// "Vector encodings"): FLOAT32 and FLOAT16 little-endian, INT8 with one scale per vector,
/// BINARY as sign bits packed least significant bit first.
enum VectorEncoding {
    /// Bytes one vector of `dimension` values takes in `encoding`.
    static func byteCount(dimension: Int, encoding: Multiembed_V1_Encoding) -> Int {
        switch encoding {
        case .float16: 2 * dimension
        case .int8: dimension
        case .binary: (dimension + 7) / 8
        case .float32, .UNRECOGNIZED: 4 * dimension
        }
    }

    /// Appends `values` encoded to `data`; returns the INT8 scale (0 for other encodings).
    @discardableResult
    static func append(_ values: [Float], encoding: Multiembed_V1_Encoding, to data: inout Data) -> Float {
        switch encoding {
        case .float32, .UNRECOGNIZED:
            var bytes = [UInt8](repeating: 0, count: 4 * values.count)
            for (i, value) in values.enumerated() {
                let bits = value.bitPattern.littleEndian
                withUnsafeBytes(of: bits) { raw in
                    for b in 0..<4 { bytes[4 * i + b] = raw[b] }
                }
            }
            data.append(contentsOf: bytes)
            return 0
        case .float16:
            var bytes = [UInt8](repeating: 0, count: 2 * values.count)
            for (i, value) in values.enumerated() {
                let bits = halfBits(value)
                bytes[2 * i] = UInt8(truncatingIfNeeded: bits)
                bytes[2 * i + 1] = UInt8(truncatingIfNeeded: bits >> 8)
            }
            data.append(contentsOf: bytes)
            return 0
        case .int8:
            let maxAbs = values.reduce(Float(0)) { max($0, abs($1)) }
            guard maxAbs > 0, maxAbs.isFinite else {
                data.append(contentsOf: [UInt8](repeating: 0, count: values.count))
                return 0
            }
            let scale = maxAbs / 127
            let bytes = values.map { value -> UInt8 in
                // rounded() is to nearest, ties away from zero, as the encoding says.
                let q = min(127, max(-127, (value / scale).rounded()))
                return UInt8(bitPattern: Int8(q))
            }
            data.append(contentsOf: bytes)
            return scale
        case .binary:
            var bytes = [UInt8](repeating: 0, count: (values.count + 7) / 8)
            for (i, value) in values.enumerated() where value > 0 {
                bytes[i / 8] |= 1 << UInt8(i % 8)
            }
            data.append(contentsOf: bytes)
            return 0
        }
    }

    /// One pooled vector as a wire `Vector`.
    static func vector(_ values: [Float], encoding: Multiembed_V1_Encoding) -> Multiembed_V1_Vector {
        var vector = Multiembed_V1_Vector()
        vector.dimension = UInt32(values.count)
        var data = Data()
        data.reserveCapacity(byteCount(dimension: values.count, encoding: encoding))
        vector.scale = append(values, encoding: encoding, to: &data)
        vector.data = data
        return vector
    }

    /// Token or patch vectors, all of `dimension` values, as a wire `MultiVector`.
    static func multiVector(_ rows: [[Float]], dimension: Int, encoding: Multiembed_V1_Encoding) -> Multiembed_V1_MultiVector {
        var multi = Multiembed_V1_MultiVector()
        multi.count = UInt32(rows.count)
        multi.dimension = UInt32(dimension)
        var data = Data()
        data.reserveCapacity(rows.count * byteCount(dimension: dimension, encoding: encoding))
        var scales: [Float] = []
        for row in rows {
            let scale = append(row, encoding: encoding, to: &data)
            if encoding == .int8 { scales.append(scale) }
        }
        multi.data = data
        multi.scales = scales
        return multi
    }

    /// IEEE 754 binary16 bits of `value`: `Float16(_:)` rounds to nearest, ties to even, and
    /// gives infinity beyond the half range, exactly as the encoding says.
    static func halfBits(_ value: Float) -> UInt16 {
        Float16(value).bitPattern
    }
}
