import Foundation
import ImageIO
import PDFPages
import PageReading
import Pages

/// Pictures of search hits for a person to look at: the page image with a red box around every
/// word that matched (and a blue one around every patch that did), written as PNG.
struct HitHighlighter {
    let folder: String
    let reader: PageReader

    /// Writes `<folder>/<rank>-<id>.png` for a page hit whose source file is `path` (a page image,
    /// or the PDF whose page `pdfPage` it is, rendered at the text layer's resolution). Returns
    /// the file written.
    func write(
        rank: Int, id: String, path: String, pdfPage: Int?, page: PageText, matches: [MatchedWord], patches: [MatchedPatch] = []
    ) throws -> String {
        var image: RGBImage
        if let pdfPage {
            let pdf = try reader.openPDF(path: path)
            let rendered = try pdf.render(page: pdfPage, dpi: page.dpi ?? reader.options.pdfDPI)
            image = RGBImage(width: rendered.width, height: rendered.height, pixels: rendered.rgb)
        } else {
            image = try ImageDecoder.decode([UInt8](try Data(contentsOf: URL(fileURLWithPath: path))), name: path)
        }
        // Patches that matched in blue under the words' red frames.
        for patch in patches { Self.frame(patch.box, on: &image, color: (20, 60, 230)) }
        for match in matches { Self.frame(match.word.box, on: &image) }
        let safe = id.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "#" ? $0 : "_" }
        let file = (folder as NSString).appendingPathComponent("\(rank)-\(String(safe)).png")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try Data(try PNGEncoder.encode(image, name: file)).write(to: URL(fileURLWithPath: file))
        return file
    }

    /// A 2-pixel frame (red unless told) just outside `box`, clipped to the image.
    static func frame(_ box: PixelRect, on image: inout RGBImage, color: (UInt8, UInt8, UInt8) = (230, 20, 20)) {
        let left = box.x - 2, top = box.y - 2, right = box.x + box.width + 1, bottom = box.y + box.height + 1
        let width = image.width, height = image.height
        image.pixels.withUnsafeMutableBufferPointer { pixels in
            func paint(_ x: Int, _ y: Int) {
                guard x >= 0, y >= 0, x < width, y < height else { return }
                let index = (y * width + x) * 3
                pixels[index] = color.0
                pixels[index + 1] = color.1
                pixels[index + 2] = color.2
            }
            for x in left ... right {
                for t in 0 ..< 2 { paint(x, top + t); paint(x, bottom - t) }
            }
            for y in top ... bottom {
                for t in 0 ..< 2 { paint(left + t, y); paint(right - t, y) }
            }
        }
    }
}
