import EmbeddingTesting
import Foundation

@testable import PDFPages

/// The opened two-page test document.
func openTwoPages(limits: PDFLimits = PDFLimits(), tools: PopplerTools = PopplerTools()) throws -> PDFFile {
    try PDFFile(bytes: PDFBuilder.twoPages.bytes, name: "two-pages.pdf", limits: limits, tools: tools)
}
