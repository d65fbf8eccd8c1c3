import NIOCore

@testable import WireProtocol

/// Builds protobuf wire-format bytes by hand, for inputs SwiftProtobuf would never write:
/// unknown fields, invalid UTF-8, cut-off messages.
struct ProtoBytes {
    private(set) var bytes: [UInt8] = []

    /// A varint field (wire type 0).
    mutating func varint(_ field: UInt64, _ value: UInt64) {
        self.writeVarint(field << 3 | 0)
        self.writeVarint(value)
    }

    /// A length-delimited field (wire type 2): bytes, strings and sub-messages.
    mutating func delimited(_ field: UInt64, _ payload: [UInt8]) {
        self.writeVarint(field << 3 | 2)
        self.writeVarint(UInt64(payload.count))
        self.bytes += payload
    }

    private mutating func writeVarint(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            self.bytes.append(UInt8(value & 0x7F) | 0x80)
            value >>= 7
        }
        self.bytes.append(UInt8(value))
    }
}

/// A deterministic random source (SplitMix64), so a failing fuzz case can be replayed.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { self.state = seed }

    mutating func next() -> UInt64 {
        self.state &+= 0x9E37_79B9_7F4A_7C15
        var z = self.state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension ByteBuffer {
    /// A buffer holding `bytes`.
    init(bytes: [UInt8]) {
        self = ByteBufferAllocator().buffer(capacity: bytes.count)
        self.writeBytes(bytes)
    }

    /// A buffer holding the bytes written as hex, spaces ignored: `ByteBuffer(hex: "00 00 00 04")`.
    init(hex: String) {
        let digits = Array(hex.filter { !$0.isWhitespace })
        precondition(digits.count % 2 == 0, "odd number of hex digits")
        let bytes = stride(from: 0, to: digits.count, by: 2).map { index in
            guard let byte = UInt8(String(digits[index...index + 1]), radix: 16) else {
                preconditionFailure("not hex: \(digits[index...index + 1])")
            }
            return byte
        }
        self.init(bytes: bytes)
    }

    /// One frame holding `payload`, written here by hand so decoder tests do not rest on the
    /// encoder under test.
    static func frame(_ payload: [UInt8]) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeInteger(UInt32(payload.count), endianness: .big)
        buffer.writeBytes(payload)
        return buffer
    }
}
