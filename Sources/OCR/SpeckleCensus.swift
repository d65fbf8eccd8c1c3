import CTesseract

/// Counts, on Tesseract's own binarisation of a page, its dark pixels and the separate specks
/// (8-connected components) in each square tile, to find the regions that would stall layout
/// analysis before it starts.
///
/// Tesseract's layout analysis cannot be interrupted (the time limit is checked only between
/// words, once recognition has begun), and on speckled regions it is far worse than linear: on a
/// 2000 x 2000 page of random black dots covering 10% of it, it took 343 s, at 7% 98 s, and on a
/// 1000 x 1000 page at 10% 8 s, all of it in the search for image regions
/// (ImageFind::FindImagePartitions), before a single word. At 5% and less, and at 30% and more
/// (the dots merge), it takes a second or two. Text is nowhere near: no 256 x 256 tile of the 200
/// pages-dev pages holds more than 435 specks, while dots at 7% put about 3,400 in each.
///
/// A tile with more than `maxSpecksPerTile` specks is taken for noise (or a halftone picture): it
/// is left out of the page (painted white) and said so in the page's note, and the rest of the
/// page is read as usual.
struct SpeckleCensus {
    /// The side of a tile, in pixels. A noisy region large enough to stall Tesseract (half a
    /// megapixel and more) covers at least one whole tile wherever it lies.
    static let tileSide = 256
    /// The most specks a tile may hold and still be read: 3.4 times the most in any tile of text
    /// measured, less than half of what stalls Tesseract.
    static let maxSpecksPerTile = 1_500

    /// Dark (foreground) pixels of the whole page.
    private(set) var darkPixels = 0
    /// Dark pixels outside `noisyTiles`: what is left to read once they are left out.
    private(set) var darkPixelsOutsideNoisyTiles = 0
    /// The tiles over `maxSpecksPerTile`, in row-major order.
    private(set) var noisyTiles: [PixelBox] = []
    /// The tiles of the page.
    private(set) var tileCount = 0
    /// The most specks counted in one tile (tiles with fewer dark pixels than the limit are not
    /// counted, since they cannot exceed it).
    private(set) var maxSpecksCounted = 0

    /// Takes the census of `binarized`, a 1-bit page (1 = dark), which it does not destroy.
    init(binarized: UnsafeMutablePointer<PIX>) {
        let width = Int(pixGetWidth(binarized))
        let height = Int(pixGetHeight(binarized))
        let side = Self.tileSide
        for y in stride(from: 0, to: height, by: side) {
            for x in stride(from: 0, to: width, by: side) {
                let tile = PixelBox(x: x, y: y, width: min(side, width - x), height: min(side, height - y))
                tileCount += 1
                let (dark, specks) = Self.count(binarized, in: tile)
                darkPixels += dark
                maxSpecksCounted = max(maxSpecksCounted, specks)
                if specks > Self.maxSpecksPerTile {
                    noisyTiles.append(tile)
                } else {
                    darkPixelsOutsideNoisyTiles += dark
                }
            }
        }
    }

    /// Dark pixels in `tile`, and its specks when there are enough dark pixels to pass the limit
    /// (0 otherwise: counting components costs more than counting pixels).
    private static func count(_ pix: UnsafeMutablePointer<PIX>, in tile: PixelBox) -> (dark: Int, specks: Int) {
        var box = boxCreate(Int32(tile.x), Int32(tile.y), Int32(tile.width), Int32(tile.height))
        defer { boxDestroy(&box) }
        guard let clipped = pixClipRectangle(pix, box, nil) else { return (0, 0) }
        defer { destroyPix(clipped) }
        var dark: Int32 = 0
        pixCountPixels(clipped, &dark, nil)
        guard Int(dark) > maxSpecksPerTile else { return (Int(dark), 0) }
        var specks: Int32 = 0
        pixCountConnComp(clipped, 8, &specks)
        return (Int(dark), Int(specks))
    }
}
