import Foundation
import NIOPosix
import PageReading
import Pages
import WireProtocol

/// Reads the Page inputs of requests into text layers, on threads of its own: OCR takes seconds
/// a page, which must not hold up the event loops, the preparation of other requests' texts and
/// images, or the model threads. One thread and one OCR engine (created once, reused) per core.
final class PageInputReader: Sendable {
    let reader: PageReader
    private let threads: NIOThreadPool
    /// Most bytes of one page image or PDF (Limits.max_image_bytes).
    let maxPDFBytes: Int

    init(options: PageReader.Options, limits: ServerLimits) {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        reader = PageReader(options: options, engines: cores)
        threads = NIOThreadPool(numberOfThreads: cores)
        maxPDFBytes = limits.maxImageBytes
    }

    func start() { threads.start() }
    func stop() async { try? await threads.shutdownGracefully() }

    /// Reads `page` (the input called `name`): its image by OCR, or its PDF page (from its text
    /// layer, or rendered and OCR'd). Failures are the input's own (INVALID_ARGUMENT naming it).
    func read(_ page: Multiembed_V1_Page, name: String) async -> Result<PageText, ServerError> {
        await run { reader in reader.readNow(page, name: name) }
    }

    /// Runs `work` on a page thread; UNAVAILABLE once the server is shutting down.
    func run<T: Sendable>(_ work: @escaping @Sendable (PageInputReader) -> Result<T, ServerError>) async -> Result<T, ServerError> {
        do {
            return try await threads.runIfActive { work(self) }
        } catch {
            return .failure(.unavailable("the server is shutting down"))
        }
    }

    /// `read`, on the calling thread.
    func readNow(_ page: Multiembed_V1_Page, name input: String) -> Result<PageText, ServerError> {
        let name = Self.name(of: page, input: input)
        let languages = page.languages.isEmpty ? nil : page.languages
        let reader = self.reader, maxPDFBytes = self.maxPDFBytes
        // Checked whether or not the page needs OCR, so a typo is caught on any page.
        if let languages {
            do throws(PageReadError) { try reader.checkLanguages(languages) } catch {
                return .failure(.invalidArgument("\(name): \(error.description)"))
            }
        }
        switch page.source {
        case .image(let data):
            guard data.count <= maxPDFBytes else {
                return .failure(.invalidArgument("\(name): a page of \(data.count) bytes exceeds max_image_bytes (\(maxPDFBytes))"))
            }
            return Result { () throws(PageReadError) in
                try reader.read(imageBytes: [UInt8](data), name: name, languages: languages)
            }.mapError { .invalidArgument($0.description) }
        case .pdf(let data):
            guard data.count <= maxPDFBytes else {
                return .failure(.invalidArgument("\(name): a PDF of \(data.count) bytes exceeds max_image_bytes (\(maxPDFBytes))"))
            }
            return Result { () throws(PageReadError) in
                let pdf = try reader.openPDF(bytes: [UInt8](data), name: name)
                let number = max(1, Int(page.pageNumber))
                guard number <= pdf.pageCount else {
                    throw .pdf(.pageOutOfRange(name: name, page: number - 1, pageCount: pdf.pageCount))
                }
                return try reader.read(page: number - 1, of: pdf, languages: languages)
            }.mapError { .invalidArgument($0.description) }
        case nil:
            return .failure(.invalidArgument("\(name): the page has neither an image nor a PDF"))
        }
    }

    /// How errors name a page: the input's name, and the page's own when it has one.
    static func name(of page: Multiembed_V1_Page, input: String) -> String {
        page.name.isEmpty ? input : "\(input) (\(page.name))"
    }

    /// Pages of a PDF given as bytes (Upsert expands a whole PDF into one document per page).
    func pageCount(ofPDF data: Data, name: String) async throws(ServerError) -> Int {
        guard data.count <= maxPDFBytes else {
            throw .invalidArgument("\(name): a PDF of \(data.count) bytes exceeds max_image_bytes (\(maxPDFBytes))")
        }
        let reader = self.reader
        let result: Result<Int, ServerError>
        do {
            result = try await threads.runIfActive {
                Result { () throws(PageReadError) in try reader.openPDF(bytes: [UInt8](data), name: name).pageCount }
                    .mapError { .invalidArgument($0.description) }
            }
        } catch {
            throw .unavailable("the server is shutting down")
        }
        return try result.get()
    }
}
