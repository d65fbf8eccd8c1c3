/// The texts of `OCRPage.note`, in one place so that they stay consistent and tests can compare
/// them exactly. Each says what was found and what it means for the text layer.
enum PageNote {
    static func blank(color: (r: UInt8, g: UInt8, b: UInt8)) -> String {
        "blank page: every pixel is the same colour (\(color.r), \(color.g), \(color.b)); no text to read"
    }

    static let noDarkPixels = "blank page: nothing dark is left after binarisation; no text to read"

    static let noTextFound = "no text found: Tesseract found no words on the page"

    static func noisyTilesLeftOut(_ census: SpeckleCensus) -> String {
        let side = SpeckleCensus.tileSide
        return "\(census.noisyTiles.count) of \(census.tileCount) regions of \(side) x \(side) pixels "
            + "left out as noise or halftone (up to \(census.maxSpecksCounted) specks each, over the "
            + "limit of \(SpeckleCensus.maxSpecksPerTile)): Tesseract's layout analysis would take "
            + "minutes on them"
    }

    static func timeLimitReached(_ limit: Duration, elapsed: Duration, wordsKept: Int) -> String {
        "time limit of \(seconds(limit)) s reached after \(seconds(elapsed)) s: \(wordsKept) words "
            + "kept, the rest of the page was not read"
    }

    /// `duration` in seconds with one decimal ("1.0", "20.3").
    private static func seconds(_ duration: Duration) -> String {
        let tenths = Int((Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18) * 10 + 0.5)
        return "\(tenths / 10).\(tenths % 10)"
    }
}
