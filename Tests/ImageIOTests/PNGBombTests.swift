import EmbeddingTesting
@testable import ImageIO
import Testing

/// PNGs whose compressed image data goes on far past the rows their header declares. A decode
/// must cost what the declared size costs: it stops reading (and so inflating) once the rows
/// are decoded. Asserted on the bytes the codec read, not on time, so the tests are exact.
@Suite struct PNGBombTests {
    /// A PNG with the given header fields and one IDAT chunk holding `idat`.
    static func png(
        width: Int, height: Int, colorType: PNGBuilder.ColorType, interlaced: Bool = false, idat: [UInt8]
    ) -> [UInt8] {
        let builder = PNGBuilder(
            width: width, height: height, colorType: colorType, bitDepth: 8, samples: [], interlaced: interlaced)
        let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        return signature + PNGBuilder.chunk("IHDR", builder.ihdr()) + PNGBuilder.chunk("IDAT", idat)
            + PNGBuilder.chunk("IEND", [])
    }

    /// Decodes, returning the image and how many input bytes the codec read.
    static func decode(_ bytes: [UInt8], name: String) throws -> (image: RGBImage, bytesRead: Int) {
        let result = bytes.withUnsafeBytes { raw in
            Result { () throws(ImageError) in try ImageDecoder.decodeCountingInput(raw, name: name) }
        }
        return try result.get()
    }

    /// More than libpng ever buffers at once (8 KiB of IDAT) plus the trailing bytes the decoder
    /// still reads to check the end of the stream (1 KiB), with room for the headers.
    static let readBound = 16 * 1024

    /// The finding of issue 13: 1 x 1 pixels declared, about 100 MB of zeros inflated from
    /// 650 KB. Everything after the first few kilobytes is never read.
    @Test func oneByOneBombStopsAfterItsOnlyRow() throws {
        let bytes = Self.png(width: 1, height: 1, colorType: .rgb, idat: Zlib.zeroBomb(repeats: 400_000))
        #expect(bytes.count > 600_000)
        let (image, bytesRead) = try Self.decode(bytes, name: "bomb")
        #expect(image.width == 1 && image.height == 1 && image.pixels == [0, 0, 0])
        #expect(bytesRead < Self.readBound, "read \(bytesRead) of \(bytes.count) bytes")
    }

    /// The same bound on every row path of the decoder: rows straight into the output (RGB),
    /// rows converted one by one (RGBA composited on white), and whole interlaced images.
    @Test(arguments: [
        (PNGBuilder.ColorType.rgb, false), (.rgb, true), (.rgba, false), (.rgba, true), (.gray, false),
    ])
    func longStreamStopsAtTheDeclaredRows(colorType: PNGBuilder.ColorType, interlaced: Bool) throws {
        let bytes = Self.png(
            width: 64, height: 64, colorType: colorType, interlaced: interlaced,
            idat: Zlib.zeroBomb(repeats: 400_000))
        let (image, bytesRead) = try Self.decode(bytes, name: "long stream")
        // Zero samples: black, except transparent black, which is composited onto white.
        let expected: UInt8 = colorType == .rgba ? 255 : 0
        #expect(image.width == 64 && image.height == 64)
        #expect(image.pixels == [UInt8](repeating: expected, count: 64 * 64 * 3))
        #expect(bytesRead < Self.readBound, "read \(bytesRead) of \(bytes.count) bytes")
    }

    /// A well-formed file is still read to the end of its image data, so the CRC of its last
    /// IDAT chunk is still checked (HostileInputTests.corruptedChunkCRCs flips it).
    @Test func wellFormedFileIsReadToTheEndOfItsImageData() throws {
        let builder = PNGBuilder(
            width: 3, height: 2, colorType: .rgb, bitDepth: 8, samples: Array(0..<18).map { $0 * 10 })
        let bytes = builder.build()
        let (image, bytesRead) = try Self.decode(bytes, name: "small")
        #expect(image.pixels == Array(0..<18).map { UInt8($0 * 10) })
        #expect(bytesRead == bytes.count - 12, "everything but the IEND chunk")
    }
}
