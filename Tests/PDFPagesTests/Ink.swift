/// Dark pixels of a rendered page.
struct Ink {
    let width: Int
    let height: Int
    let rgb: [UInt8]

    init(_ image: (width: Int, height: Int, rgb: [UInt8])) {
        (width, height, rgb) = image
    }

    func isDark(x: Int, y: Int) -> Bool {
        let index = (y * width + x) * 3
        return Int(rgb[index]) + Int(rgb[index + 1]) + Int(rgb[index + 2]) < 3 * 128
    }

    /// Dark pixels in the rectangle, clipped to the image.
    func darkPixels(x: Int, y: Int, width: Int, height: Int) -> Int {
        let (left, right) = (max(0, x), min(self.width, x + width))
        let (top, bottom) = (max(0, y), min(self.height, y + height))
        guard left < right, top < bottom else { return 0 }
        var count = 0
        for row in top..<bottom {
            for column in left..<right where isDark(x: column, y: row) {
                count += 1
            }
        }
        return count
    }
}
