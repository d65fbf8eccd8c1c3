@testable import EmbeddingServer
import Foundation
import Testing
import WireProtocol

@Suite("Vector encodings")
struct VectorEncodingTests {
    let values: [Float] = [0.5, -1.0, 0.0, 0.25, 3.0, -0.125, 65504, 1e-8, 2.0]

    @Test("FLOAT32 is little-endian IEEE single precision")
    func float32() {
        let vector = VectorEncoding.vector(values, encoding: .float32)
        #expect(vector.dimension == 9)
        #expect(floats(vector.data) == values)
        #expect(Array(VectorEncoding.vector([1.0], encoding: .float32).data) == [0x00, 0x00, 0x80, 0x3F])
    }

    @Test("FLOAT16 is little-endian binary16, rounded to nearest even")
    func float16() {
        let data = Array(VectorEncoding.vector([1.0, -2.0, 65504, 1e6, 1.0 + 1.0 / 2048], encoding: .float16).data)
        #expect(data == [0x00, 0x3C, 0x00, 0xC0, 0xFF, 0x7B, 0x00, 0x7C, 0x00, 0x3C])
    }

    @Test("INT8 scales by max |x| / 127 and rounds half away from zero")
    func int8() {
        let vector = VectorEncoding.vector([127, -63.5, 0, 1.4], encoding: .int8)
        #expect(vector.scale == 1)
        #expect(Array(vector.data).map { Int8(bitPattern: $0) } == [127, -64, 0, 1])
        let zero = VectorEncoding.vector([0, 0], encoding: .int8)
        #expect(zero.scale == 0)
        #expect(Array(zero.data) == [0, 0])
    }

    @Test("BINARY packs x > 0 least significant bit first, unused bits 0")
    func binary() {
        let data = Array(VectorEncoding.vector(values, encoding: .binary).data)
        // 0.5 1 | -1 0 | 0 0 | 0.25 1 | 3 1 | -0.125 0 | 65504 1 | 1e-8 1 | 2 1
        #expect(data == [0b1101_1001, 0b0000_0001])
    }

    @Test("a multi-vector concatenates rows, one INT8 scale per row")
    func multiVector() {
        let multi = VectorEncoding.multiVector([[1, 2], [-4, 0]], dimension: 2, encoding: .int8)
        #expect(multi.count == 2)
        let scales: [Float] = [Float(2) / 127, Float(4) / 127]
        #expect(multi.scales == scales)
        #expect(multi.data.count == 4)
    }
}
