/// What we read from `pdfinfo -f 1 -l N FILE`: the page count and each listed page's size and
/// rotation. Nothing else is parsed.
///
/// pdfinfo prints the document's metadata (title, author, ...) first, then `Pages:`, then the
/// per-page lines. Metadata is written by whoever made the file and may contain newlines, so a
/// title could forge a `Pages:` or `Page 1 size:` line; only lines after the last `Pages:` line
/// are trusted, and nothing after it comes from the document's strings.
struct PDFInfo: Sendable, Equatable {
    var pageCount: Int
    /// Sizes of pages 1...min(pageCount, N), displayed orientation.
    var pageSizes: [PDFPageSize]

    enum ParseError: Error, Equatable {
        case missing(String)
    }

    /// Parses pdfinfo's output; `listedPages` is how many page lines it must hold.
    static func parse(_ text: String, listedPages: (Int) -> Int) throws(ParseError) -> PDFInfo {
        let lines = text.split(whereSeparator: \.isNewline)
        guard let pagesLine = lines.lastIndex(where: { $0.hasPrefix("Pages:") }),
            let pageCount = Int(lines[pagesLine].dropFirst("Pages:".count).trimmingWhitespace()),
            pageCount >= 0
        else { throw .missing("a 'Pages:' line") }

        let listed = listedPages(pageCount)
        var sizes = [(width: Double, height: Double)?](repeating: nil, count: listed)
        var rotations = [Int](repeating: 0, count: listed)
        for line in lines[(pagesLine + 1)...] {
            // "Page    1 size:  612 x 792 pts (letter)" and "Page    1 rot:   90"
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 4, fields[0] == "Page", let number = Int(fields[1]),
                (1...listed).contains(number)
            else { continue }
            if fields[2] == "size:", fields.count >= 6, fields[4] == "x",
                let width = Double(fields[3]), let height = Double(fields[5]), width.isFinite, height.isFinite
            {
                sizes[number - 1] = (width, height)
            } else if fields[2] == "rot:", let rotation = Int(fields[3]) {
                rotations[number - 1] = ((rotation % 360) + 360) % 360
            }
        }
        var pageSizes: [PDFPageSize] = []
        pageSizes.reserveCapacity(listed)
        for index in 0..<listed {
            guard let size = sizes[index] else { throw .missing("the size of page \(index + 1)") }
            let turned = rotations[index] == 90 || rotations[index] == 270
            pageSizes.append(
                PDFPageSize(
                    width: turned ? size.height : size.width, height: turned ? size.width : size.height,
                    rotation: rotations[index]))
        }
        return PDFInfo(pageCount: pageCount, pageSizes: pageSizes)
    }
}

extension Substring {
    func trimmingWhitespace() -> Substring {
        var result = self
        while let first = result.first, first.isWhitespace { result.removeFirst() }
        while let last = result.last, last.isWhitespace { result.removeLast() }
        return result
    }
}
