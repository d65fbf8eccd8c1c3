import EmbeddingTesting
import Foundation
import ImageIO
import Testing

/// Inputs a public endpoint will receive sooner or later. Each must end in the right
/// `ImageError`, quickly, without crashing, printing or allocating for the declared size.
@Suite struct HostileInputTests {
    static func fixture(_ file: String) throws -> [UInt8] { try ClipGolden.bytes(of: file) }

    /// A valid 8 x 8 RGB PNG with the IHDR width and height replaced (and its CRC fixed).
    static func png(declaringWidth width: Int, height: Int, idat: [UInt8]? = nil) -> [UInt8] {
        var builder = PNGBuilder(width: width, height: height, colorType: .rgb, bitDepth: 8, samples: [])
        let ihdr = builder.ihdr()
        builder.width = 0
        let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        return signature + PNGBuilder.chunk("IHDR", ihdr) + PNGBuilder.chunk("IDAT", idat ?? Zlib.stored([0, 0, 0, 0]))
            + PNGBuilder.chunk("IEND", [])
    }

    @Test func emptyData() {
        #expect(imageError { try ImageDecoder.decode([UInt8](), name: "nothing") } == .empty(name: "nothing"))
        #expect(imageError { try ImageDecoder.decode(Data(), name: "nothing") } == .empty(name: "nothing"))
    }

    /// The start of files in formats people send to image endpoints, and the name we give them.
    static let otherFormats: [(name: String, bytes: [UInt8])] = {
        var samples: [(name: String, bytes: [UInt8])] = []
        samples.append(("GIF", Array("GIF89a".utf8) + [1, 0, 1, 0, 0x80, 0, 0]))
        samples.append(("BMP", Array("BM".utf8) + [0x46, 0, 0, 0, 0, 0, 0, 0, 0x36, 0, 0, 0]))
        samples.append(("WebP", Array("RIFF".utf8) + [0x24, 0, 0, 0] + Array("WEBPVP8 ".utf8)))
        samples.append(("TIFF", [0x49, 0x49, 0x2A, 0x00, 8, 0, 0, 0]))
        samples.append(("SVG", Array("\u{FEFF}  <?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"/>".utf8)))
        samples.append(("AVIF", [0, 0, 0, 0x1C] + Array("ftypavif".utf8) + [0, 0, 0, 0]))
        samples.append(("PDF", Array("%PDF-1.7\n".utf8)))
        return samples
    }()

    @Test(arguments: otherFormats.map(\.name))
    func otherFormatsAreNamed(format: String) throws {
        let bytes = try #require(Self.otherFormats.first { $0.name == format }).bytes
        let error = imageError { try ImageDecoder.decode(bytes, name: "upload") }
        #expect(error == .unsupportedFormat(name: "upload", detected: format))
        #expect(error?.description.contains("unsupported image format") == true)
        #expect(error?.description.contains(format) == true)
    }

    @Test func randomBytesAreUnrecognised() {
        var generator = SampleGenerator(seed: 42)
        let bytes = (0..<4096).map { _ in UInt8(generator.next(below: 256)) }
        let error = imageError { try ImageDecoder.decode(bytes, name: "noise") }
        #expect(error == .unsupportedFormat(name: "noise", detected: nil))
    }

    @Test func encodedSizeLimit() throws {
        let bytes = try Self.fixture("photo-kafka.jpg")
        let limits = ImageLimits(maxEncodedBytes: 1000)
        let error = imageError { try ImageDecoder.decode(bytes, name: "big", limits: limits) }
        #expect(error == .encodedTooLarge(name: "big", byteCount: bytes.count, maxBytes: 1000))
    }

    @Test(arguments: ["photo-kafka.jpg", "gradient-progressive.jpg", "document-page.png", "gradient-rgba.png"])
    func truncatedFilesAreCorrupt(file: String) throws {
        let bytes = try Self.fixture(file)
        for keep in [bytes.count / 2, bytes.count * 9 / 10, 40] {
            let error = imageError { try ImageDecoder.decode(Array(bytes[0..<keep]), name: file) }
            guard case .corrupt(file, let reason) = error else {
                Issue.record("\(file) cut at \(keep): expected corrupt, got \(String(describing: error))")
                continue
            }
            #expect(!reason.isEmpty)
        }
    }

    @Test func corruptedChunkCRCs() throws {
        let bytes = try Self.fixture("tiny-10x7.png")
        // IHDR's CRC sits at bytes 29...32.
        var badHeaderCRC = bytes
        badHeaderCRC[30] ^= 0x01
        // The first IDAT: length, type, data, CRC.
        let idatType = try #require(Self.offset(of: "IDAT", in: bytes))
        let idatLength = bytes[(idatType - 4)..<idatType].reduce(0) { $0 << 8 | Int($1) }
        var badDataCRC = bytes
        badDataCRC[idatType + 4 + idatLength] ^= 0x80
        for (label, corrupted) in [("IHDR CRC", badHeaderCRC), ("IDAT CRC", badDataCRC)] {
            let error = imageError { try ImageDecoder.decode(corrupted, name: label) }
            guard case .corrupt(label, let reason) = error else {
                Issue.record("\(label): expected corrupt, got \(String(describing: error))")
                continue
            }
            #expect(reason.lowercased().contains("crc"), "\(label): \(reason)")
        }
    }

    /// Damaged compressed data (the CRC is checked only after the data is inflated).
    @Test func corruptedImageData() throws {
        var bytes = try Self.fixture("tiny-10x7.png")
        let idatType = try #require(Self.offset(of: "IDAT", in: bytes))
        bytes[idatType + 6] ^= 0xFF
        let error = imageError { try ImageDecoder.decode(bytes, name: "damaged") }
        guard case .corrupt("damaged", let reason) = error else {
            Issue.record("expected corrupt, got \(String(describing: error))")
            return
        }
        #expect(reason.contains("IDAT"))
    }

    @Test func hugeDeclaredSizeIsRefusedBeforeDecoding() {
        let bytes = Self.png(declaringWidth: 100_000, height: 100_000)
        let error = imageError { try ImageDecoder.decode(bytes, name: "huge") }
        #expect(error == .tooLarge(name: "huge", width: 100_000, height: 100_000, maxPixels: ImageLimits.defaultMaxPixels))
        #expect(error?.description.contains("100000 x 100000") == true)
        // The header is still readable, so a server can report the size.
        let header = try? ImageDecoder.readHeader(bytes, name: "huge")
        #expect(header == ImageHeader(format: .png, width: 100_000, height: 100_000))
    }

    @Test func jpegOverThePixelLimit() throws {
        let limits = ImageLimits(maxPixels: 100_000)
        let error = imageError { try ImageDecoder.decode(try Self.fixture("photo-kafka.jpg"), name: "kafka", limits: limits) }
        #expect(error == .tooLarge(name: "kafka", width: 450, height: 655, maxPixels: 100_000))
    }

    /// 12 000 x 12 000 1-bit gray (144 M pixels, 432 MB as RGB) in a 113 kB file whose IDAT
    /// really inflates to the full 18 MB of scanlines: refused from the header alone.
    @Test func decompressionBombIsRefusedFromItsHeader() {
        let rowBytes = 1 + 12_000 / 8
        let repeats = (rowBytes * 12_000 - 1) / 258
        var builder = PNGBuilder(width: 12_000, height: 12_000, colorType: .gray, bitDepth: 1, samples: [])
        let ihdr = builder.ihdr()
        builder.width = 0
        let bytes: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + PNGBuilder.chunk("IHDR", ihdr)
            + PNGBuilder.chunk("IDAT", Zlib.zeroBomb(repeats: repeats)) + PNGBuilder.chunk("IEND", [])
        #expect(bytes.count < 200_000)
        let error = imageError { try ImageDecoder.decode(bytes, name: "bomb") }
        #expect(error == .tooLarge(name: "bomb", width: 12_000, height: 12_000, maxPixels: ImageLimits.defaultMaxPixels))
    }

    /// A zTXt metadata chunk inflating to 100 MB is skipped unread, never inflated.
    @Test func compressedMetadataBombIsSkipped() throws {
        var builder = PNGBuilder(width: 4, height: 4, colorType: .rgb, bitDepth: 8, samples: Array(repeating: 200, count: 48))
        builder.extraChunks = [("zTXt", Array("Comment".utf8) + [0, 0] + Zlib.zeroBomb(repeats: 400_000))]
        let clock = ContinuousClock()
        var image: RGBImage?
        let elapsed = try clock.measure { image = try ImageDecoder.decode(builder.build(), name: "ztxt") }
        #expect(image?.pixels == Array(repeating: 200, count: 48))
        #expect(elapsed < .seconds(2), "took \(elapsed)")
    }

    @Test(arguments: [(0, 10), (10, 0), (0, 0)])
    func zeroDimensionsAreCorrupt(width: Int, height: Int) {
        let bytes = Self.png(declaringWidth: width, height: height)
        let error = imageError { try ImageDecoder.decode(bytes, name: "flat") }
        guard case .corrupt("flat", let reason) = error else {
            Issue.record("expected corrupt, got \(String(describing: error))")
            return
        }
        #expect(reason.contains("zero"))
    }

    /// Headers that pass our IHDR probe but that libpng rejects (colour type 5, bit depth 3).
    @Test(arguments: [(UInt8(8), UInt8(5)), (UInt8(3), UInt8(2))])
    func invalidHeaderFieldsAreCorrupt(bitDepth: UInt8, colorType: UInt8) {
        var ihdr = PNGBuilder.be32(4) + PNGBuilder.be32(4) + [bitDepth, colorType, 0, 0, 0]
        ihdr[8] = bitDepth
        let bytes: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + PNGBuilder.chunk("IHDR", ihdr)
            + PNGBuilder.chunk("IDAT", Zlib.stored(Array(repeating: 0, count: 20))) + PNGBuilder.chunk("IEND", [])
        let error = imageError { try ImageDecoder.decode(bytes, name: "odd") }
        guard case .corrupt("odd", _) = error else {
            Issue.record("expected corrupt, got \(String(describing: error))")
            return
        }
    }

    /// Random byte flips in real files: any outcome but a crash is fine; most must be errors
    /// or images of the declared size.
    @Test(arguments: ["tiny-10x7.png", "gradient-palette.png", "gradient-baseline.jpg", "gradient-progressive.jpg"])
    func bitFlipsNeverCrash(file: String) throws {
        let original = try Self.fixture(file)
        var generator = SampleGenerator(seed: 99)
        for _ in 0..<200 {
            var bytes = original
            for _ in 0..<3 {
                let index = 4 + generator.next(below: bytes.count - 4)  // keep the magic bytes
                bytes[index] ^= UInt8(1 + generator.next(below: 255))
            }
            do {
                let image = try ImageDecoder.decode(bytes, name: file, limits: ImageLimits(maxPixels: 4_000_000))
                #expect(image.pixels.count == image.width * image.height * 3)
            } catch {
                #expect(!error.description.isEmpty)
            }
        }
    }

    static func offset(of chunkType: String, in bytes: [UInt8]) -> Int? {
        let pattern = Array(chunkType.utf8)
        return (0...(bytes.count - pattern.count)).first { Array(bytes[$0..<($0 + pattern.count)]) == pattern }
    }
}
