/// Bounds applied before any decoding work, so that a hostile upload costs little.
public struct ImageLimits: Sendable, Equatable {
    /// Largest accepted `width * height`, checked against the header before any pixel memory is
    /// allocated (a decoded pixel costs 3 bytes, plus codec working memory). The default,
    /// 50 million, is below Pillow's own decompression-bomb error threshold (about 179 million)
    /// and fits a 7000 x 7000 scan.
    public var maxPixels: Int
    /// Largest accepted encoded size in bytes, checked before the data is even sniffed.
    public var maxEncodedBytes: Int
    /// Whether a JPEG whose data is damaged or ends early is decoded anyway (the missing part
    /// comes out gray, as libjpeg makes it and Pillow returns it with `LOAD_TRUNCATED_IMAGES`).
    /// Off by default: the embedding of a half-gray picture is not the embedding of the image,
    /// and such files cost a full-size decode for a few bytes of data. PNGs that end early are
    /// always refused.
    public var allowTruncated: Bool

    /// Limits with the documented defaults (50 million pixels, 64 MiB encoded, strict data).
    public init(
        maxPixels: Int = 50_000_000, maxEncodedBytes: Int = 64 * 1024 * 1024,
        allowTruncated: Bool = false
    ) {
        self.maxPixels = maxPixels
        self.maxEncodedBytes = maxEncodedBytes
        self.allowTruncated = allowTruncated
    }
}
