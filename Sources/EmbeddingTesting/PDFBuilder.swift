import Foundation

/// Writes small, valid PDFs by hand for the tests: numbered objects, one content stream per
/// page drawn with the standard Helvetica font (no font file needed), and an xref table whose
/// byte offsets are computed as the file is laid out, so poppler reads it without repairing.
public struct PDFBuilder: Sendable {
    public struct Page: Sendable {
        public var content: String
        public var mediaBox: String = "0 0 612 792"
        /// Extra entries for the page dictionary, e.g. "/Rotate 90".
        public var extra: String = ""

        public init(content: String, mediaBox: String = "0 0 612 792", extra: String = "") {
            self.content = content
            self.mediaBox = mediaBox
            self.extra = extra
        }
    }

    public var pages: [Page]
    /// Extra entries for the trailer dictionary, e.g. an /Encrypt dictionary.
    public var trailerExtra: String = ""

    public init(pages: [Page], trailerExtra: String = "") {
        self.pages = pages
        self.trailerExtra = trailerExtra
    }

    /// Text drawn at (x, y) in points from the bottom-left corner, in Helvetica at `size`.
    public static func text(_ text: String, x: Int, y: Int, size: Int = 24) -> String {
        "BT /F1 \(size) Tf \(x) \(y) Td (\(text)) Tj ET\n"
    }

    /// A black rectangle (x, y, width, height in points, from the bottom-left corner).
    public static func rectangle(x: Int, y: Int, width: Int, height: Int) -> String {
        "0 0 0 rg \(x) \(y) \(width) \(height) re f\n"
    }

    public var bytes: [UInt8] {
        // 1: catalog, 2: page tree, 3: font, then a page and its content stream per page.
        var objects: [String] = []
        let kids = pages.indices.map { "\(4 + 2 * $0) 0 R" }.joined(separator: " ")
        objects.append("<< /Type /Catalog /Pages 2 0 R >>")
        objects.append("<< /Type /Pages /Kids [\(kids)] /Count \(pages.count) >>")
        objects.append("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
        for (index, page) in pages.enumerated() {
            objects.append(
                "<< /Type /Page /Parent 2 0 R /MediaBox [\(page.mediaBox)] \(page.extra) "
                    + "/Resources << /Font << /F1 3 0 R >> >> /Contents \(5 + 2 * index) 0 R >>")
            objects.append("<< /Length \(page.content.utf8.count) >>\nstream\n\(page.content)\nendstream")
        }
        var file = Array("%PDF-1.4\n%\u{E2}\u{E3}\u{CF}\u{D3}\n".utf8)
        var offsets: [Int] = []
        for (index, object) in objects.enumerated() {
            offsets.append(file.count)
            file += Array("\(index + 1) 0 obj\n\(object)\nendobj\n".utf8)
        }
        let xref = file.count
        var table = "xref\n0 \(objects.count + 1)\n0000000000 65535 f \n"
        for offset in offsets {
            table += String(repeating: "0", count: 10 - String(offset).count) + "\(offset) 00000 n \n"
        }
        table += "trailer\n<< /Size \(objects.count + 1) /Root 1 0 R \(trailerExtra) >>\nstartxref\n\(xref)\n%%EOF\n"
        return file + Array(table.utf8)
    }

    /// Page 1: "Hello world" at (72, 700) in 24 pt and "A&B <x>" at (300, 100) in 12 pt;
    /// page 2: a filled rectangle and no text. Both US Letter (612 x 792 pt).
    public static let twoPages = PDFBuilder(pages: [
        Page(content: text("Hello world", x: 72, y: 700) + text("A&B <x>", x: 300, y: 100, size: 12)),
        Page(content: rectangle(x: 100, y: 100, width: 200, height: 200)),
    ])
}

