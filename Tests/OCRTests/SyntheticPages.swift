import EmbeddingTesting
import ImageIO

/// Pages made in the test, for inputs no fixture should hold: blank, noise, huge.
enum SyntheticPages {
    /// A page of one colour.
    static func solid(width: Int, height: Int, gray: UInt8 = 255) -> RGBImage {
        RGBImage(width: width, height: height, pixels: [UInt8](repeating: gray, count: width * height * 3))
    }

    /// A white page with black dots on `density` of its pixels, placed at random: the speckle
    /// that stalls Tesseract's layout analysis at densities around 10%.
    static func dots(width: Int, height: Int, density: Double, seed: UInt64 = 42) -> RGBImage {
        var generator = SeededGenerator(state: seed)
        var pixels = [UInt8](repeating: 255, count: width * height * 3)
        let threshold = UInt64(density * Double(UInt64.max))
        for pixel in 0..<(width * height) where generator.next() < threshold {
            pixels[3 * pixel] = 0
            pixels[3 * pixel + 1] = 0
            pixels[3 * pixel + 2] = 0
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }

    /// Every pixel an independent random gray level: television snow.
    static func grayNoise(width: Int, height: Int, seed: UInt64 = 7) -> RGBImage {
        var generator = SeededGenerator(state: seed)
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for pixel in 0..<(width * height) {
            let level = UInt8(truncatingIfNeeded: generator.next())
            pixels[3 * pixel] = level
            pixels[3 * pixel + 1] = level
            pixels[3 * pixel + 2] = level
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }

    /// A white page `width` x `height` with copies of `page` pasted with their top-left corner at
    /// each of `origins` (clipped to the canvas).
    static func canvas(width: Int, height: Int, pasting page: RGBImage, at origins: [(x: Int, y: Int)]) -> RGBImage {
        var pixels = [UInt8](repeating: 255, count: width * height * 3)
        for origin in origins {
            for row in 0..<page.height where origin.y + row < height {
                let columns = min(page.width, width - origin.x)
                guard columns > 0 else { continue }
                let source = row * page.width * 3
                let target = ((origin.y + row) * width + origin.x) * 3
                pixels[target..<(target + columns * 3)] = page.pixels[source..<(source + columns * 3)]
            }
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }

    /// `page` repeated `copies` times, one under the other.
    static func stacked(_ page: RGBImage, copies: Int) -> RGBImage {
        canvas(
            width: page.width, height: page.height * copies, pasting: page,
            at: (0..<copies).map { (0, $0 * page.height) })
    }
}
