import EmbeddingTesting
import Foundation
import ImageIO

/// `tiny-siglip2/golden.json` (transformers 5.25 Siglip2Model and Siglip2Processor).
struct Siglip2Golden: Decodable {
    static let folder = "tiny-siglip2"

    struct Text: Decodable {
        var text: String
        /// Left-padded to max_length 64.
        var input_ids: [Int32]
        var attention_mask: [Int]
        var text_embeds: [Float]

        /// The ids without the padding.
        var unpaddedIDs: [Int32] { zip(input_ids, attention_mask).filter { $0.1 == 1 }.map(\.0) }
    }
    struct Image: Decodable {
        var file: String
        /// PIL size: width, height.
        var size: [Int]
        /// Patch rows, patch columns.
        var spatial_shapes: [Int]
        /// The unpadded patch rows, each `16 * 16 * 3` values in (y, x, channel) order.
        var pixel_values: [[Float]]
        var pixel_attention_mask: [Int]
        var image_embeds: [Float]
    }
    var logit_scale: Float
    var logit_bias: Float
    var texts: [Text]
    var images: [Image]
    /// `logits_per_image[image][text]`.
    var logits_per_image: [[Float]]

    static func load() throws -> Siglip2Golden {
        try Fixtures.load(Siglip2Golden.self, from: "\(folder)/golden.json")
    }

    /// The fixture image `file`'s bytes.
    static func imageBytes(_ file: String) throws -> [UInt8] {
        try [UInt8](Data(contentsOf: Fixtures.url("images/\(file)")))
    }

    /// A golden image's patches in our (channel, y, x) order, flattened.
    static func channelMajorPatches(_ image: Image, patchSize p: Int = 16) -> [Float] {
        image.pixel_values.flatMap { patch in
            (0..<3).flatMap { channel in (0..<(p * p)).map { pixel in patch[pixel * 3 + channel] } }
        }
    }
}
