/// Bounds applied before any decoding work, so that a hostile upload costs little.
public struct ImageLimits: Sendable, Equatable {
    /// The default of `maxPixels`, for the command line and the server alike (the server's
    /// `max_image_pixels` starts from it): 40 million pixels, 120 MB decoded. It fits an A4 page
    /// scanned at 600 dpi (4961 x 7016) and a 6000 x 6000 photo, and is far below Pillow's own
    /// decompression-bomb error threshold (about 179 million).
    public static let defaultMaxPixels = 40_000_000

    /// The default of `maxEncodedBytes`, for the command line and the server alike (the
    /// server's `max_image_bytes` starts from it): 16 MiB, the server's default frame size, so
    /// a file the command line embeds can also be sent. It holds a 300 dpi A4 scan as PNG and a
    /// 50-megapixel photo as JPEG; the commands that read images take `--max-image-bytes` for more.
    public static let defaultMaxEncodedBytes = 16 * 1024 * 1024

    /// The default of `maxPatches`, for the command line and the server alike (the server's
    /// `max_patches` starts from it): 4096 patches, a 64x64 grid, 16 times what ViT-B/32 sees
    /// of a 224-pixel image.
    public static let defaultMaxPatches = 4096

    /// The default of `maxTiles`, for the command line and the server alike (the server's
    /// `max_tiles` starts from it): 17 tiles, a 4x4 grid plus the global image, what
    /// ColModernVBERT's processor makes of a page at its full 2048-pixel longest edge.
    public static let defaultMaxTiles = 17

    /// Largest accepted `width * height`, checked against the header before any pixel memory is
    /// allocated (a decoded pixel costs 3 bytes, plus codec working memory).
    public var maxPixels: Int
    /// Largest accepted encoded size in bytes, checked before the data is even sniffed.
    public var maxEncodedBytes: Int
    /// Whether a JPEG whose data is damaged or ends early is decoded anyway (the missing part
    /// comes out gray, as libjpeg makes it and Pillow returns it with `LOAD_TRUNCATED_IMAGES`).
    /// Off by default: the embedding of a half-gray picture is not the embedding of the image,
    /// and such files cost a full-size decode for a few bytes of data. PNGs that end early are
    /// always refused.
    public var allowTruncated: Bool
    /// Most patches (rows x cols) one image may become, given as raw patches or cut from its
    /// pixels: the vision tower's time and memory grow with it (attention with its square).
    public var maxPatches: Int
    /// Most tiles one image may become in a tiling model (ColModernVBERT: the tiles and the
    /// global image): each tile adds its tokens to the sequence, so this bounds its length.
    public var maxTiles: Int

    /// Limits with the documented defaults (`defaultMaxPixels`, `defaultMaxEncodedBytes`, `defaultMaxPatches`, strict data).
    public init(
        maxPixels: Int = ImageLimits.defaultMaxPixels, maxEncodedBytes: Int = ImageLimits.defaultMaxEncodedBytes,
        allowTruncated: Bool = false, maxPatches: Int = ImageLimits.defaultMaxPatches,
        maxTiles: Int = ImageLimits.defaultMaxTiles
    ) {
        self.maxPixels = maxPixels
        self.maxEncodedBytes = maxEncodedBytes
        self.allowTruncated = allowTruncated
        self.maxPatches = maxPatches
        self.maxTiles = maxTiles
    }
}
