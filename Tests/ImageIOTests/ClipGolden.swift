import EmbeddingTesting
import Foundation

/// The image half of `tiny-clip/golden.json` (transformers' CLIPImageProcessorPil output).
struct ClipGolden: Decodable {
    struct Image: Decodable {
        /// File name under `Tests/Fixtures/images`.
        let file: String
        /// PIL mode of the file as opened (RGB, RGBA, L, P).
        let mode: String
        /// `[width, height]`.
        let size: [Int]
        /// `3 x 64 x 64`, channel-major.
        let pixelValues: [Float]

        enum CodingKeys: String, CodingKey {
            case file, mode, size
            case pixelValues = "pixel_values"
        }
    }

    let images: [Image]

    static func load() throws -> ClipGolden {
        try Fixtures.load(ClipGolden.self, from: "tiny-clip/golden.json")
    }

    /// The raw bytes of a fixture image.
    static func bytes(of file: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: Fixtures.url("images/\(file)")))
    }
}
