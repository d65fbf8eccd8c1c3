import EmbeddingTesting
import Foundation
import ImageIO
import Testing

/// Every fixture image decodes, at the size transformers saw (golden.json `size`).
@Suite struct FixtureDecodingTests {
    @Test(arguments: try! ClipGolden.load().images.map(\.file))
    func decodesAtReferenceSize(file: String) throws {
        let golden = try #require(try ClipGolden.load().images.first { $0.file == file })
        let bytes = try ClipGolden.bytes(of: file)
        let image = try ImageDecoder.decode(bytes, name: file)
        #expect([image.width, image.height] == golden.size)
        #expect(image.pixels.count == image.width * image.height * 3)

        let header = try ImageDecoder.readHeader(bytes, name: file)
        #expect([header.width, header.height] == golden.size)
        #expect(header.format == (file.hasSuffix(".png") ? .png : .jpeg))
    }

    /// The three input paths (array, Data, raw buffer) decode to the same pixels.
    @Test func inputKindsAgree() throws {
        let bytes = try ClipGolden.bytes(of: "photo-kafka.jpg")
        let fromArray = try ImageDecoder.decode(bytes, name: "a")
        let fromData = try ImageDecoder.decode(Data(bytes), name: "d")
        let fromBuffer = try bytes.withUnsafeBytes { raw in
            try Result { () throws(ImageError) in try ImageDecoder.decode(raw, name: "b") }.get()
        }
        #expect(fromArray == fromData)
        #expect(fromArray == fromBuffer)
    }

    @Test(arguments: ["gradient-gray.png", "gradient-gray.jpg"])
    func grayIsReplicated(file: String) throws {
        let image = try ImageDecoder.decode(try ClipGolden.bytes(of: file), name: file)
        for index in stride(from: 0, to: image.pixels.count, by: 3) {
            guard image.pixels[index] == image.pixels[index + 1], image.pixels[index] == image.pixels[index + 2] else {
                Issue.record("\(file): pixel \(index / 3) is not gray")
                return
            }
        }
    }

    /// Progressive and baseline encodings of the same gradient decode to nearly the same
    /// pixels (JPEG is lossy, so not identically).
    @Test func progressiveMatchesBaseline() throws {
        let baseline = try ImageDecoder.decode(try ClipGolden.bytes(of: "gradient-baseline.jpg"), name: "b")
        let progressive = try ImageDecoder.decode(try ClipGolden.bytes(of: "gradient-progressive.jpg"), name: "p")
        let meanDifference = zip(baseline.pixels, progressive.pixels)
            .reduce(0) { $0 + abs(Int($1.0) - Int($1.1)) } / baseline.pixels.count
        #expect(meanDifference <= 4)
    }

    /// The RGBA diagram has transparent areas: white by default, as transformers composites
    /// them; with `.drop`, whatever colour they store.
    @Test func transparencyFollowsThePolicy() throws {
        let bytes = try ClipGolden.bytes(of: "gradient-rgba.png")
        let composited = try ImageDecoder.decode(bytes, name: "rgba")
        let dropped = try ImageDecoder.decode(bytes, name: "rgba", alpha: .drop)
        #expect(composited != dropped)
        #expect(composited.pixels.count == dropped.pixels.count)
    }
}
