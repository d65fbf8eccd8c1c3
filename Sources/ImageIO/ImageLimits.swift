/// Bounds applied before any decoding work, so that a hostile upload costs little.
public struct ImageLimits: Sendable, Equatable {
    /// Largest accepted `width * height`, checked against the header before any pixel memory is
    /// allocated (a decoded pixel costs 3 bytes, plus codec working memory). The default,
    /// 50 million, is below Pillow's own decompression-bomb error threshold (about 179 million)
    /// and fits a 7000 x 7000 scan.
    public var maxPixels: Int
    /// Largest accepted encoded size in bytes, checked before the data is even sniffed.
    public var maxEncodedBytes: Int

    /// Limits with the documented defaults (50 million pixels, 64 MiB encoded).
    public init(maxPixels: Int = 50_000_000, maxEncodedBytes: Int = 64 * 1024 * 1024) {
        self.maxPixels = maxPixels
        self.maxEncodedBytes = maxEncodedBytes
    }
}
