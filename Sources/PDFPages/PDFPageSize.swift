/// A page's size as it is displayed: its crop box (what viewers show, and what `textLayer` and
/// `render` use), with the page's /Rotate applied, so a landscape page rotated by 90 degrees
/// reports its width as the longer side, like the image `render` returns.
public struct PDFPageSize: Sendable, Equatable {
    /// Displayed width and height in points (1/72 inch).
    public var width: Double
    public var height: Double
    /// The page's /Rotate (0, 90, 180 or 270), already applied to `width` and `height`.
    public var rotation: Int

    public init(width: Double, height: Double, rotation: Int = 0) {
        self.width = width
        self.height = height
        self.rotation = rotation
    }

    /// The size in pixels of the page rendered at `dpi`. pdftoppm rounds each side up; so do
    /// we, after forgiving the last bits of rounding in pdfinfo's 6-digit sizes. Saturates far
    /// above any limit rather than overflowing.
    public func pixelSize(dpi: Int) -> (width: Int, height: Int) {
        (Self.pixels(width, dpi: dpi), Self.pixels(height, dpi: dpi))
    }

    static func pixels(_ points: Double, dpi: Int) -> Int {
        let exact = points * Double(dpi) / 72
        guard exact.isFinite else { return 1 << 40 }
        return max(1, Int(min((exact - 1e-6).rounded(.up), Double(1 << 40))))
    }
}
