@testable import OCR
import Testing

extension OCRSuite {
@Suite struct ReadingOrderTests {
    static func box(_ x: Int, _ y: Int, _ width: Int, _ height: Int) -> PixelBox {
        PixelBox(x: x, y: y, width: width, height: height)
    }

    /// pages-dev d1 as Tesseract ordered it: header, heading, the footer's left part, body, the
    /// footer's right part. Read: header, heading, body, footer left to right.
    @Test func footerAfterTheBody() {
        let blocks = [
            Self.box(100, 47, 649, 28),  // header
            Self.box(101, 105, 108, 11),  // DESCRIPTION
            Self.box(100, 1056, 43, 10),  // "Debian"
            Self.box(150, 123, 600, 147),  // body
            Self.box(411, 1056, 337, 11),  // "2026 ... 1"
        ]
        #expect(ReadingOrder.order(blocks) == [0, 1, 3, 2, 4])
    }

    /// Two columns under a title: the title, then the left column top to bottom, then the right,
    /// even where paragraphs of both columns line up.
    @Test func columnsAreReadOneAfterTheOther() {
        let blocks = [
            Self.box(400, 160, 300, 120),  // right column, first paragraph
            Self.box(50, 100, 700, 40),  // title
            Self.box(50, 160, 300, 120),  // left column, first paragraph
            Self.box(50, 300, 300, 100),  // left, second
            Self.box(400, 300, 300, 100),  // right, second
            Self.box(50, 420, 300, 80),  // left, third
        ]
        #expect(ReadingOrder.order(blocks) == [1, 2, 3, 5, 0, 4])
    }

    /// Overlapping blocks cannot be cut apart: Tesseract's order stays.
    @Test func overlappingBlocksKeepTheirOrder() {
        let blocks = [Self.box(0, 0, 100, 100), Self.box(50, 50, 100, 100), Self.box(20, 20, 10, 10)]
        #expect(ReadingOrder.order(blocks) == [0, 1, 2])
        #expect(ReadingOrder.order([]) == [])
    }
}
}
