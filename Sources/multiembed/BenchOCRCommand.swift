import ArgumentParser
import Foundation
import PageReading

/// `multiembed bench ocr`: pages read per second by OCR alone (decoding included, no model), to
/// set beside the `tesseract` command line run one process per core on the same pages.
///
/// Indexing adds the text encoder and storage to this; timing OCR on its own is what says
/// whether the engine pool, not the model, keeps up with Tesseract's own tool.
struct BenchOCR: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ocr",
        abstract: "OCR throughput: prints pages=N words=W seconds=S pages_per_s=T engines=E (every page read once, no model).")

    @Argument(help: "Page images or PDFs, or folders of them (searched recursively).")
    var pages: [String]

    @Option(name: .long, help: "Read at most this many pages (the first, in path order).")
    var limit: Int?

    @OptionGroup var reading: PageReadingOptions

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1, got \(limit)") }
    }

    func run() throws {
        let reader = try reading.reader()
        var sources = try PageSource.collect(pages, reader: reader)
        if let limit { sources = Array(sources.prefix(limit)) }
        guard !sources.isEmpty else { throw CommandFailure("\(pages.joined(separator: " ")) holds no page images or PDFs") }
        let start = ContinuousClock.now
        let results = PageBatchReader(reader: reader).read(sources)
        let seconds = secondsSince(start)
        var words = 0
        for (source, result) in zip(sources, results) {
            switch result {
            case .success(let page): words += page.words.count
            case .failure(let failure): printError("warning: \(source.path): \(failure)")
            }
        }
        print(String(
            format: "pages=%d words=%d seconds=%.3f pages_per_s=%.2f engines=%d",
            sources.count, words, seconds, Double(sources.count) / seconds, ProcessInfo.processInfo.activeProcessorCount))
    }
}
