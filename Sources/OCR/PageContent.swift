import ImageIO

/// Pixel-level facts about a page that are cheaper to learn in Swift than from Tesseract.
enum PageContent {
    /// The colour of every pixel, if they are all the same (a blank page of any colour); nil as
    /// soon as two differ, which for a real page is within its first rows.
    static func uniformColor(of image: RGBImage) -> (r: UInt8, g: UInt8, b: UInt8)? {
        let pixels = image.pixels
        guard pixels.count >= 3 else { return nil }
        let (r, g, b) = (pixels[0], pixels[1], pixels[2])
        var index = 3
        while index < pixels.count {
            if pixels[index] != r || pixels[index + 1] != g || pixels[index + 2] != b { return nil }
            index += 3
        }
        return (r, g, b)
    }

    /// Paints `tiles` white in RGB `pixels` of an image `width` pixels wide.
    static func paintWhite(_ tiles: [PixelBox], in pixels: inout [UInt8], width: Int) {
        pixels.withUnsafeMutableBufferPointer { buffer in
            for tile in tiles {
                for y in tile.y..<(tile.y + tile.height) {
                    let start = (y * width + tile.x) * 3
                    let row = UnsafeMutableBufferPointer(rebasing: buffer[start..<(start + tile.width * 3)])
                    row.update(repeating: 255)
                }
            }
        }
    }
}
