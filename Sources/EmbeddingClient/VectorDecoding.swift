/// Decoding of the wire's vector encodings into floats. Kept apart from the types so each rule
/// of the contract's "Vector encodings" table is one small function.

/// Decodes `dimension` values from `raw`, whose length the caller has checked.
func decodeValues(
    _ raw: UnsafeRawBufferPointer, encoding: VectorEncoding, dimension: Int, scale: Float
) -> [Float] {
    switch encoding {
    case .float32:
        return (0..<dimension).map {
            Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self)))
        }
    case .float16:
        return (0..<dimension).map {
            floatFromHalfBits(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * $0, as: UInt16.self)))
        }
    case .int8:
        return (0..<dimension).map { Float(Int8(bitPattern: raw[$0])) * scale }
    case .binary:
        return (0..<dimension).map { (i: Int) -> Float in bit(raw, i) ? 1 : -1 }
    }
}

/// The float an IEEE 754 binary16 bit pattern stands for, exactly (every half value is a
/// float). Written out rather than through `Float16`, which is not available on every platform
/// Swift runs on (macOS on Intel).
func floatFromHalfBits(_ bits: UInt16) -> Float {
    let sign = UInt32(bits >> 15) << 31
    let exponent = UInt32(bits >> 10) & 0x1F
    let mantissa = UInt32(bits) & 0x3FF
    switch exponent {
    case 0:
        // Zero or subnormal: mantissa x 2^-24, exact in float.
        let magnitude = Float(mantissa) * 0x1p-24
        return sign == 0 ? magnitude : -magnitude
    case 0x1F:
        // Infinity or NaN, keeping the NaN payload's top bits.
        return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
    default:
        // Normal: rebias the exponent from 15 to 127.
        return Float(bitPattern: sign | ((exponent + 112) << 23) | (mantissa << 13))
    }
}

/// Bit `i` of a BINARY vector: least significant bit first within each byte.
func bit(_ raw: UnsafeRawBufferPointer, _ i: Int) -> Bool {
    let byte: UInt8 = raw[i / 8]
    return (byte >> UInt8(i % 8)) & 1 == 1
}
