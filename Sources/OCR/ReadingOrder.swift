/// Puts a page's blocks in reading order by recursive XY-cut: cut the blocks in two at the widest
/// empty band, across the page (between rows) or down it (between columns), then each part again.
///
/// Tesseract's own block order follows its column finder, which can misplace blocks: on
/// pages-dev's d1 the page footer ("Debian", at the heading's left margin) came out between the
/// heading and the body, the footer's left half taken for a column of its own. Cutting at empty
/// bands puts header, body and footer in order and reads columns one after the other (a column
/// gutter is wider than the gaps between paragraphs that happen to line up across columns; where
/// it is not, columns are read row by row). Blocks that no band separates keep Tesseract's order.
enum ReadingOrder {
    /// The indices of `boxes` (blocks in Tesseract's order) in reading order.
    static func order(_ boxes: [PixelBox]) -> [Int] {
        cut(Array(boxes.indices), boxes)
    }

    private enum Axis { case horizontal, vertical }

    /// Where to cut `blocks` in two along one axis.
    private struct Cut {
        /// The width of the empty band.
        var gap: Int
        /// The blocks before the band (left or above) and after it, each in Tesseract's order.
        var before: [Int]
        var after: [Int]
    }

    private static func cut(_ blocks: [Int], _ boxes: [PixelBox]) -> [Int] {
        guard blocks.count > 1 else { return blocks }
        let columns = widestCut(blocks, boxes, along: .horizontal)
        let rows = widestCut(blocks, boxes, along: .vertical)
        // The wider band wins; a column gutter wins a tie.
        guard let best = [columns, rows].compactMap({ $0 }).max(by: { $0.gap < $1.gap }) else { return blocks }
        return cut(best.before, boxes) + cut(best.after, boxes)
    }

    /// The widest empty band along `axis` that has blocks on both sides (the first of equals:
    /// the top-most or left-most), or nil if every band is covered.
    private static func widestCut(_ blocks: [Int], _ boxes: [PixelBox], along axis: Axis) -> Cut? {
        func span(_ block: Int) -> (start: Int, end: Int) {
            let box = boxes[block]
            return axis == .horizontal ? (box.x, box.x + box.width) : (box.y, box.y + box.height)
        }
        let sorted = blocks.sorted { (span($0).start, $0) < (span($1).start, $1) }
        var best: (gap: Int, index: Int)? = nil
        var end = span(sorted[0]).end
        for index in 1..<sorted.count {
            let (start, blockEnd) = span(sorted[index])
            if start >= end, start - end > (best?.gap ?? -1) { best = (start - end, index) }
            end = max(end, blockEnd)
        }
        guard let best else { return nil }
        return Cut(gap: best.gap, before: sorted[..<best.index].sorted(), after: sorted[best.index...].sorted())
    }
}
