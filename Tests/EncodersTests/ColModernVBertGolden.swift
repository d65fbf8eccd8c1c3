import EmbeddingTesting
import Foundation
import ImageIO

/// `tiny-colmodernvbert/golden.json` (colpali-engine 0.3.18 / transformers 5.25).
struct ColModernVBertGolden: Decodable {
    static let folder = "tiny-colmodernvbert"

    struct Image: Decodable {
        var file: String
        var pixel_values_shape: [Int]
        /// One flat `3 x 64 x 64` array per tile, row-major tiles then the global one.
        var pixel_values: [[Float]]
        var pixel_attention_mask: [[Int]]
        var input_ids: [Int32]
        var num_tiles: Int
        var num_image_tokens: Int
        var vectors: [[Float]]
    }
    struct Query: Decodable {
        var text: String
        var input_ids: [Int32]
        var vectors: [[Float]]
    }
    var image_seq_len: Int
    var image_token_id: Int32
    var embedding_dim: Int
    var images: [Image]
    var queries: [Query]
    /// `scores[query][image]`.
    var scores: [[Float]]

    static func load() throws -> ColModernVBertGolden {
        try Fixtures.load(ColModernVBertGolden.self, from: "\(folder)/golden.json")
    }

    /// The decoded fixture image `file`.
    static func image(_ file: String) throws -> RGBImage {
        let bytes = try [UInt8](Data(contentsOf: Fixtures.url("images/\(file)")))
        return try ImageDecoder.decode(bytes, name: file)
    }

    /// Tile layout of each golden image (rows, cols), from the fixtures README.
    static let layouts = ["document-page.png": (2, 2), "photo-kafka.jpg": (2, 2), "tall-40x200.png": (2, 1)]
}
