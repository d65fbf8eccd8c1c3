import Testing

@testable import PDFPages

/// The scanner over `pdftotext -bbox-layout` output, fed what pdftotext writes and what it
/// should never write.
@Suite struct BBoxLayoutParserTests {
    @Test func bboxLayoutWords() {
        let xml = """
            <!DOCTYPE html><html><body><doc>
              <page width="612.000000" height="792.000000">
                <flow><block xMin="1"><line xMin="1">
                  <word xMin="72.000000" yMin="74.768000" xMax="126.672000" yMax="96.968000">Hello</word>
                  <word xMin="133.3" yMin="74.7" xMax="190.6" yMax="96.9">&lt;b&gt;&amp;&quot;&apos;&#233;&#xE9;&bogus;&amp</word>
                </line><line><word yMin="1" xMin="2" yMax="3" xMax="4">é€😀</word></line></block></flow>
                <flow><block><line><word xMin='1' yMin='2' xMax='3' yMax='4'>q</word></line></block></flow>
              </page></doc></body></html>
            """
        let words = BBoxLayoutParser.words(in: Array(xml.utf8))
        #expect(words.map(\.text) == ["Hello", "<b>&\"'éé&bogus;&amp", "é€😀", "q"])
        #expect(words.map(\.block) == [0, 0, 0, 1])
        #expect(words.map(\.line) == [0, 0, 1, 2])
        #expect(words[0] == .init(text: "Hello", xMin: 72, yMin: 74.768, xMax: 126.672, yMax: 96.968, block: 0, line: 0))
        #expect(words[2].xMin == 2 && words[2].yMax == 3)
    }

    @Test func bboxLayoutHostileInput() {
        let cases = [
            "", "<", "<word", "<word xMin=\"1\">no close", "<word xMin=\"1\" yMin=\"1\" xMax=\"2\">missing yMax</word>",
            "<word xMin=\"nan\" yMin=\"1\" xMax=\"2\" yMax=\"3\">nan</word>", "<word xMin=\"1e999\" yMin=\"1\" xMax=\"2\" yMax=\"3\">inf</word>",
            "<word xMin=\"1 yMin=\"1\" xMax=\"2\" yMax=\"3\">quotes</word>", "<word xMin=>x</word>", "&#xFFFFFFFFF;",
        ]
        for text in cases {
            #expect(BBoxLayoutParser.words(in: Array(text.utf8)).isEmpty, "\(text)")
        }
        // Unterminated text runs to the end; a huge but finite box is clipped to the page.
        let word = BBoxLayoutParser.words(in: Array("<word xMin=\"-1e300\" yMin=\"0\" xMax=\"1e300\" yMax=\"10\">wide".utf8))
        #expect(word.map(\.text) == ["wide"])
        let pixels = PDFFile.pixelWord(word[0], scale: 100.0 / 72, width: 850, height: 1100)
        #expect(pixels == PDFWord(text: "wide", x: 0, y: 0, width: 850, height: 14, block: 0, line: 0))
        let offPage = BBoxLayoutParser.Word(text: "gone", xMin: 900, yMin: 0, xMax: 950, yMax: 10, block: 0, line: 0)
        #expect(PDFFile.pixelWord(offPage, scale: 1, width: 612, height: 792) == nil)
        let blank = BBoxLayoutParser.Word(text: " \n", xMin: 0, yMin: 0, xMax: 10, yMax: 10, block: 0, line: 0)
        #expect(PDFFile.pixelWord(blank, scale: 1, width: 612, height: 792) == nil)
    }
}
