import CMaxSim
import EmbeddingTesting
import Testing
@testable import LateInteraction

/// The log's CRC-32 (eight bytes a step, in C) is the IEEE CRC-32 that zlib and PNG compute, at
/// every length and alignment, so logs written by earlier versions still verify.
@Suite struct CRC32Tests {
    /// The definition, one bit at a time.
    static func reference(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0 ..< 8 { crc = crc & 1 == 1 ? 0xEDB8_8320 ^ (crc >> 1) : crc >> 1 }
        }
        return ~crc
    }

    @Test func checkValue() {
        let digits = Array("123456789".utf8)
        #expect(digits.withUnsafeBytes { CRC32.checksum($0) } == 0xCBF4_3926)
        #expect([UInt8]().withUnsafeBytes { CRC32.checksum($0) } == 0)
    }

    @Test func everyLengthAndAlignmentMatchesTheDefinition() {
        var generator = SeededGenerator(state: 3)
        let buffer = (0 ..< 4200).map { _ in UInt8.random(in: 0 ... 255, using: &generator) }
        for offset in 0 ..< 8 {
            for length in Array(0 ... 70) + [1023, 4096, 4192 - offset] {
                let slice = Array(buffer[offset ..< offset + length])
                let fast = buffer.withUnsafeBytes { CRC32.checksum(UnsafeRawBufferPointer(rebasing: $0[offset ..< offset + length])) }
                #expect(fast == Self.reference(slice), "offset \(offset), length \(length)")
            }
        }
    }

    @Test func continuesFromAPreviousChecksum() {
        let bytes = (0 ..< 1000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let whole = bytes.withUnsafeBytes { cmaxsim_crc32(0, $0.baseAddress, 1000) }
        let first = bytes.withUnsafeBytes { cmaxsim_crc32(0, $0.baseAddress, 333) }
        let joined = bytes.withUnsafeBytes { cmaxsim_crc32(first, $0.baseAddress! + 333, 667) }
        #expect(joined == whole)
        #expect(whole == Self.reference(bytes))
    }
}
