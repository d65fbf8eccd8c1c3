import ImageIO
import Testing

/// JPEGs whose data ends before the image does. libjpeg only warns about them and fills the
/// rest with gray; we refuse them by default (Pillow: "image file is truncated") and decode them
/// on request (`ImageLimits.allowTruncated`).
@Suite struct TruncatedJPEGTests {
    static func fixture(_ file: String) throws -> [UInt8] { try ClipGolden.bytes(of: file) }

    static let endOfImage: [UInt8] = [0xFF, 0xD9]

    /// The first `fraction` of a file, closed with an EOI marker as a careless writer would:
    /// libjpeg sees a scan that ends early ("premature end of data segment").
    static func cut(_ bytes: [UInt8], keeping fraction: Double, closed: Bool = true) -> [UInt8] {
        Array(bytes[0..<Int(Double(bytes.count) * fraction)]) + (closed ? endOfImage : [])
    }

    /// `bytes` with the SOF marker's height and width replaced.
    static func declaring(width: Int, height: Int, in bytes: [UInt8]) throws -> [UInt8] {
        let sof = try #require((0..<(bytes.count - 1)).first { bytes[$0] == 0xFF && [0xC0, 0xC1, 0xC2].contains(bytes[$0 + 1]) })
        var patched = bytes
        patched[(sof + 5)...(sof + 8)] = [UInt8(height >> 8), UInt8(height & 0xFF), UInt8(width >> 8), UInt8(width & 0xFF)]
        return patched
    }

    @Test(arguments: ["photo-kafka.jpg", "gradient-baseline.jpg", "gradient-progressive.jpg"])
    func scanEndingEarlyIsRefusedNamingTheInput(file: String) throws {
        let bytes = Self.cut(try Self.fixture(file), keeping: 0.6)
        let error = imageError { try ImageDecoder.decode(bytes, name: "cut-\(file)") }
        guard case .corrupt("cut-\(file)", let reason) = error else {
            Issue.record("expected corrupt, got \(String(describing: error))")
            return
        }
        #expect(reason.contains("premature end of data segment"), "\(reason)")
        #expect(error?.description.contains("cut-\(file)") == true)
    }

    /// With the option the visible part decodes exactly as in the complete file.
    @Test(arguments: [true, false])
    func truncatedFileIsDecodedWhenAllowed(closedWithEOI: Bool) throws {
        let original = try Self.fixture("photo-kafka.jpg")
        let full = try ImageDecoder.decode(original, name: "kafka")
        let bytes = Self.cut(original, keeping: 0.6, closed: closedWithEOI)
        let image = try ImageDecoder.decode(bytes, name: "cut", limits: ImageLimits(allowTruncated: true))
        #expect(image.width == full.width && image.height == full.height)
        let topRows = 32 * full.width * 3
        #expect(image.pixels[0..<topRows] == full.pixels[0..<topRows])
        #expect(image.pixels != full.pixels, "the missing part is not the original")
    }

    /// The finding of issue 13: a 26 KB file declaring 6000 x 6000. Its first scan needs at
    /// least two bits per 8 x 8 block (843,750 blocks, 210,938 bytes): refused before the
    /// 108 MB of pixels are allocated, with the arithmetic in the message.
    @Test func declaredSizeBeyondWhatTheDataCanHoldIsRefused() throws {
        let bytes = try Self.declaring(width: 6000, height: 6000, in: Self.fixture("gradient-baseline.jpg"))
        let error = imageError { try ImageDecoder.decode(bytes, name: "liar.jpg") }
        guard case .corrupt("liar.jpg", let reason) = error else {
            Issue.record("expected corrupt, got \(String(describing: error))")
            return
        }
        #expect(reason.contains("6000 x 6000") && reason.contains("210938"), "\(reason)")
        // The header itself is still readable, so a server can report the declared size.
        #expect(try ImageDecoder.readHeader(bytes, name: "liar.jpg").pixelCount == 36_000_000)
    }

    /// A PNG can compress at most 1032:1 (deflate's ceiling), so a 6000 x 6000 RGB PNG needs at
    /// least 104,652 bytes of image data: a small file declaring it is refused from its header.
    @Test func pngDeclaringMoreThanItsDataCanHoldIsRefused() {
        let bytes = HostileInputTests.png(declaringWidth: 6000, height: 6000)
        let error = imageError { try ImageDecoder.decode(bytes, name: "liar.png") }
        guard case .corrupt("liar.png", let reason) = error else {
            Issue.record("expected corrupt, got \(String(describing: error))")
            return
        }
        #expect(reason.contains("6000 x 6000") && reason.contains("104652"), "\(reason)")
    }

    /// Complete files are untouched by the strict default (the fixture suites check every pixel).
    @Test(arguments: ["photo-kafka.jpg", "gradient-baseline.jpg", "gradient-progressive.jpg", "gradient-gray.jpg"])
    func completeFilesDecodeTheSameEitherWay(file: String) throws {
        let bytes = try Self.fixture(file)
        let strict = try ImageDecoder.decode(bytes, name: file)
        let lenient = try ImageDecoder.decode(bytes, name: file, limits: ImageLimits(allowTruncated: true))
        #expect(strict == lenient)
    }
}
