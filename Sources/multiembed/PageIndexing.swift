import Foundation
import LateInteraction
import PDFPages
import PageReading
import Pages

/// One page to read: an image file, or one page of a PDF, with the id its document gets.
struct PageSource: Sendable {
    var path: String
    /// Page index in a PDF (from 0); nil for an image file.
    var pdfPage: Int?
    var id: String

    /// Page images and PDFs named on the command line (folders searched recursively), one
    /// source per image and per PDF page. Ids are file names without their extension
    /// (`scan-12`), and `report#3` for the third page of report.pdf, so judged query files can
    /// name pages; two files that would give one id are refused.
    static func collect(_ arguments: [String], reader: PageReader) throws -> [PageSource] {
        let files = try ImageFiles.collect(arguments, extensions: ImageFiles.extensions.union(["pdf"]))
        var sources: [PageSource] = []
        var owners: [String: String] = [:]
        for path in files {
            let stem = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
            if let other = owners[stem] {
                throw CommandFailure("\(other) and \(path) would both be page '\(stem)': rename one, or index them into different collections")
            }
            owners[stem] = path
            if (path as NSString).pathExtension.lowercased() == "pdf" {
                let pdf: PDFFile
                do { pdf = try reader.openPDF(path: path) } catch { throw CommandFailure(error.description) }
                sources += (0 ..< pdf.pageCount).map { PageSource(path: path, pdfPage: $0, id: "\(stem)#\($0 + 1)") }
            } else {
                sources.append(PageSource(path: path, pdfPage: nil, id: stem))
            }
        }
        return sources
    }
}

/// Reads page sources into text layers, several at once (one OCR engine per core), keeping
/// each page's failure to itself.
struct PageBatchReader {
    let reader: PageReader

    func read(_ sources: [PageSource]) -> [Result<PageText, CommandFailure>] {
        let results = ResultSlots<PageText>(count: sources.count)
        // PDFs are opened once per batch, not once per page.
        var pdfs: [String: Result<PDFFile, CommandFailure>] = [:]
        for source in sources where source.pdfPage != nil && pdfs[source.path] == nil {
            do { pdfs[source.path] = .success(try reader.openPDF(path: source.path)) } catch {
                pdfs[source.path] = .failure(CommandFailure(error.description))
            }
        }
        let opened = pdfs
        DispatchQueue.concurrentPerform(iterations: sources.count) { index in
            let source = sources[index]
            let result: Result<PageText, CommandFailure>
            if let page = source.pdfPage {
                switch opened[source.path] {
                case .success(let pdf)?:
                    do { result = .success(try reader.read(page: page, of: pdf)) } catch { result = .failure(CommandFailure("\(error)")) }
                case .failure(let failure)?: result = .failure(failure)
                case nil: result = .failure(CommandFailure("\(source.path): not opened"))
                }
            } else {
                switch ImageFiles.read(source.path) {
                case .failure(let failure): result = .failure(failure)
                case .success(let bytes):
                    do { result = .success(try reader.read(imageBytes: bytes, name: source.path)) } catch {
                        result = .failure(CommandFailure("\(error)"))
                    }
                }
            }
            results.set(index, result)
        }
        return results.values
    }
}

/// Results written by concurrent workers, one slot each.
final class ResultSlots<Value: Sendable>: @unchecked Sendable {
    private var slots: [Result<Value, CommandFailure>?]
    private let lock = NSLock()

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ value: Result<Value, CommandFailure>) {
        lock.lock()
        defer { lock.unlock() }
        slots[index] = value
    }

    var values: [Result<Value, CommandFailure>] {
        slots.map { $0 ?? .failure(CommandFailure("not read")) }
    }
}
