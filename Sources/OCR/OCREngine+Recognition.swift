import CTesseract
import Foundation

extension OCREngine {
    /// What `TessBaseAPIRecognize` returned and how long it took.
    struct RecognitionRun {
        /// 0 when the whole page was read; -1 when it stopped at the deadline (or failed).
        var status: Int32
        var elapsed: Duration
    }

    /// Runs layout analysis and recognition under a monitor whose deadline is `timeLimit` from
    /// now. Tesseract checks the deadline between words: twelve pages of text one under the other
    /// (826 x 14028, 1,913 words and 4.3 s unlimited) stopped at 1.0 s under a 1 s limit, with 143
    /// words. A cancel function is polled at the same places, so the deadline alone is used.
    /// Layout analysis runs before the first check: `SpeckleCensus` keeps out the regions where it
    /// would take minutes, `OCROptions.maxPixels` bounds the rest.
    func runRecognition(handle: OpaquePointer) -> RecognitionRun {
        guard let monitor = TessMonitorCreate() else {
            return RecognitionRun(status: -1, elapsed: .zero)
        }
        defer { TessMonitorDelete(monitor) }
        let milliseconds = options.timeLimit.components.seconds * 1000
            + options.timeLimit.components.attoseconds / 1_000_000_000_000_000
        TessMonitorSetDeadlineMSecs(monitor, Int32(clamping: max(1, milliseconds)))
        let clock = ContinuousClock()
        let start = clock.now
        let status = TessBaseAPIRecognize(handle, monitor)
        return RecognitionRun(status: status, elapsed: clock.now - start)
    }

    /// The words of the last recognition in reading order (see `ReadingOrder`), with page-wide
    /// block and line numbers. Words Tesseract did not get to (after the deadline) have no text,
    /// and some it reads are only spaces (quotation marks in Palatino); both are left out, and
    /// blocks and lines are numbered without gaps.
    func collectWords(handle: OpaquePointer) -> [OCRWord] {
        guard let iterator = TessBaseAPIGetIterator(handle) else { return [] }
        defer { TessResultIteratorDelete(iterator) }
        guard let page = TessResultIteratorGetPageIterator(iterator) else { return [] }
        var words: [OCRWord] = []
        var block = -1
        var line = -1
        repeat {
            if TessPageIteratorIsAtBeginningOf(page, RIL_BLOCK) != 0 { block += 1 }
            if TessPageIteratorIsAtBeginningOf(page, RIL_TEXTLINE) != 0 { line += 1 }
            guard let text = TessResultIteratorGetUTF8Text(iterator, RIL_WORD) else { continue }
            let word = String(cString: text).trimmingCharacters(in: .whitespacesAndNewlines)
            TessDeleteText(text)
            guard !word.isEmpty else { continue }
            var left: Int32 = 0, top: Int32 = 0, right: Int32 = 0, bottom: Int32 = 0
            guard TessPageIteratorBoundingBox(page, RIL_WORD, &left, &top, &right, &bottom) != 0 else { continue }
            words.append(
                OCRWord(
                    text: word,
                    box: PixelBox(x: Int(left), y: Int(top), width: Int(right - left), height: Int(bottom - top)),
                    confidence: TessResultIteratorConfidence(iterator, RIL_WORD),
                    block: max(block, 0), line: max(line, 0)))
        } while TessResultIteratorNext(iterator, RIL_WORD) != 0
        return Self.inReadingOrder(words)
    }

    /// `words` with their blocks put in reading order, and blocks and lines numbered 0, 1, 2, ...
    /// in that order. Words keep Tesseract's order within a block.
    static func inReadingOrder(_ words: [OCRWord]) -> [OCRWord] {
        let byBlock = Dictionary(grouping: words, by: \.block)
        let blockIDs = byBlock.keys.sorted()
        let boxes = blockIDs.map { id in byBlock[id]!.map(\.box).reduce(byBlock[id]![0].box, PixelBox.union) }
        var lines: [Int: Int] = [:]
        var ordered: [OCRWord] = []
        ordered.reserveCapacity(words.count)
        for (newBlock, position) in ReadingOrder.order(boxes).enumerated() {
            for var word in byBlock[blockIDs[position]]! {
                word.block = newBlock
                word.line = lines[word.line] ?? {
                    let next = lines.count
                    lines[word.line] = next
                    return next
                }()
                ordered.append(word)
            }
        }
        return ordered
    }
}
