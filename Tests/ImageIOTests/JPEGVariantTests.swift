import EmbeddingTesting
import Foundation
import ImageIO
import Testing

/// JPEG colour spaces and header variants beyond the fixtures.
@Suite struct JPEGVariantTests {
    /// 16 x 16, four flat 8 x 8 quadrants, stored (as Adobe/Photoshop write them, inverted)
    /// CMYK samples top-left (255, 255, 255, 255), top-right (255, 255, 255, 0), bottom-left
    /// (0, 255, 255, 255), bottom-right (200, 150, 100, 180); quality 100, no subsampling,
    /// Adobe APP14 marker. Written with libjpeg-turbo 2.1 (in_color_space JCS_CMYK, stored as
    /// JCS_CMYK and as JCS_YCCK respectively).
    static let cmykJPEG = [UInt8](Data(base64Encoded: "/9j/7gAOQWRvYmUAZAAAAAAA/9sAQwABAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEB/8AAFAgAEAAQBEMRAE0RAFkRAEsRAP/EAB8AAAEFAQEBAQEBAAAAAAAAAAABAgMEBQYHCAkKC//EALUQAAIBAwMCBAMFBQQEAAABfQECAwAEEQUSITFBBhNRYQcicRQygZGhCCNCscEVUtHwJDNicoIJChYXGBkaJSYnKCkqNDU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6g4SFhoeIiYqSk5SVlpeYmZqio6Slpqeoqaqys7S1tre4ubrCw8TFxsfIycrS09TV1tfY2drh4uPk5ebn6Onq8fLz9PX29/j5+v/aAA4EQwBNAFkASwAAPwD+/iv7+K/v4r+/iiiiv8Aev8Aeiiv9/iv9kCv4t6/zJ6/mnr//2Q==")!)
    static let ycckJPEG = [UInt8](Data(base64Encoded: "/9j/7gAOQWRvYmUAZAAAAAAC/9sAQwABAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEB/9sAQwEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEB/8AAFAgAEAAQBAERAAIRAQMRAQQRAP/EAB8AAAEFAQEBAQEBAAAAAAAAAAABAgMEBQYHCAkKC//EALUQAAIBAwMCBAMFBQQEAAABfQECAwAEEQUSITFBBhNRYQcicRQygZGhCCNCscEVUtHwJDNicoIJChYXGBkaJSYnKCkqNDU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6g4SFhoeIiYqSk5SVlpeYmZqio6Slpqeoqaqys7S1tre4ubrCw8TFxsfIycrS09TV1tfY2drh4uPk5ebn6Onq8fLz9PX29/j5+v/EAB8BAAMBAQEBAQEBAQEAAAAAAAABAgMEBQYHCAkKC//EALURAAIBAgQEAwQHBQQEAAECdwABAgMRBAUhMQYSQVEHYXETIjKBCBRCkaGxwQkjM1LwFWJy0QoWJDThJfEXGBkaJicoKSo1Njc4OTpDREVGR0hJSlNUVVZXWFlaY2RlZmdoaWpzdHV2d3h5eoKDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uLj5OXm5+jp6vLz9PX29/j5+v/aAA4EAQACEQMRBAAAPwD/AD/6AP7+KKAP8Aev6YK/ynP+/g/3+K+oK/6YD/zHz+aev//Z")!)

    /// Pillow's reading of those quadrants: every 4-component JPEG is taken as inverted
    /// ("CMYK;I"), so stored (255, 255, 255, 255) is no ink at all (white), stored K = 0 is full
    /// black ink, stored C = 0 is full cyan; bottom-right by Pillow's integer cmyk2rgb.
    static let expectedQuadrants: [(UInt8, UInt8, UInt8)] = [(255, 255, 255), (0, 0, 0), (0, 255, 255), (141, 106, 71)]

    static func quadrant(_ image: RGBImage, _ index: Int) -> (r: UInt8, g: UInt8, b: UInt8) {
        image[(index % 2) * 8 + 4, (index / 2) * 8 + 4]
    }

    @Test func adobeCMYKConvertsLikePillow() throws {
        let image = try ImageDecoder.decode(Self.cmykJPEG, name: "cmyk.jpg")
        #expect(image.width == 16 && image.height == 16)
        for index in 0..<4 {
            let pixel = Self.quadrant(image, index)
            let expected = Self.expectedQuadrants[index]
            #expect(pixel == expected, "quadrant \(index)")
        }
    }

    @Test func ycckDecodesToTheSameColours() throws {
        let image = try ImageDecoder.decode(Self.ycckJPEG, name: "ycck.jpg")
        for index in 0..<4 {
            let pixel = Self.quadrant(image, index)
            let expected = Self.expectedQuadrants[index]
            // YCCK goes through a lossy colour transform: allow a couple of levels.
            #expect(abs(Int(pixel.r) - Int(expected.0)) <= 2, "quadrant \(index)")
            #expect(abs(Int(pixel.g) - Int(expected.1)) <= 2, "quadrant \(index)")
            #expect(abs(Int(pixel.b) - Int(expected.2)) <= 2, "quadrant \(index)")
        }
    }

    /// Offset of the first SOFn marker's payload (precision, height, width, ...), walking the
    /// marker segments from the start of the file.
    static func startOfFrame(_ bytes: [UInt8]) -> Int? {
        var index = 2
        while index + 4 < bytes.count, bytes[index] == 0xFF {
            let marker = bytes[index + 1]
            let length = Int(bytes[index + 2]) << 8 | Int(bytes[index + 3])
            if (0xC0...0xCF).contains(marker) && ![0xC4, 0xC8, 0xCC].contains(marker) { return index + 4 }
            index += 2 + length
        }
        return nil
    }

    @Test func twelveBitPrecisionIsUnsupportedNotCorrupt() throws {
        var bytes = try ClipGolden.bytes(of: "gradient-baseline.jpg")
        bytes[try #require(Self.startOfFrame(bytes))] = 12  // sample precision
        let error = imageError { try ImageDecoder.decode(bytes, name: "deep.jpg") }
        guard case .unsupportedFormat("deep.jpg", let detected?) = error else {
            Issue.record("expected unsupportedFormat, got \(String(describing: error))")
            return
        }
        #expect(detected.contains("JPEG") && detected.contains("12"))
    }

    @Test func zeroHeightIsCorrupt() throws {
        var bytes = try ClipGolden.bytes(of: "gradient-baseline.jpg")
        let frame = try #require(Self.startOfFrame(bytes))
        bytes[frame + 1] = 0  // height, big-endian
        bytes[frame + 2] = 0
        let error = imageError { try ImageDecoder.decode(bytes, name: "flat.jpg") }
        guard case .corrupt("flat.jpg", let reason) = error else {
            Issue.record("expected corrupt, got \(String(describing: error))")
            return
        }
        #expect(!reason.isEmpty)
    }

    @Test func headerReportsDeclaredSize() throws {
        let header = try ImageDecoder.readHeader(try ClipGolden.bytes(of: "photo-kafka.jpg"), name: "kafka")
        #expect(header == ImageHeader(format: .jpeg, width: 450, height: 655))
    }
}
