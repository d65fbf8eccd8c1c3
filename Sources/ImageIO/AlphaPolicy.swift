/// What transparency in a PNG becomes, since `RGBImage` has no alpha channel.
public enum AlphaPolicy: Sendable, Equatable, CaseIterable {
    /// transformers' `convert_to_rgb`, used by CLIPImageProcessor and most Hugging Face image
    /// processors: every image that is not plain RGB (RGBA, gray+alpha, palette or gray with a
    /// tRNS transparency key) is alpha-composited over opaque white, with Pillow's integer
    /// arithmetic. Transparent areas come out white. This is what the reference
    /// `pixel_values` in the fixtures were produced with, hence the default.
    case compositeOnWhite
    /// Pillow's `Image.convert("RGB")`, as open_clip and timm preprocess: the alpha channel is
    /// discarded and transparent pixels show whatever colour they store (often black).
    case drop
}
