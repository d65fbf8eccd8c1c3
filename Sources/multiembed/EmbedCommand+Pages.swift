import Encoders
import Foundation
import Pages

extension EmbedCommand {
    /// `--pages`: each page image or PDF page read into words and embedded as a document by the
    /// text tower; one line per page: `{"index", "id", "embedding", "text", "words", "note"?}`
    /// (and `"vectors"` with --multi-vector), or `{"index", "id", "error"}`.
    func embedPages(_ embedder: TextEmbedder) throws {
        let reader = try reading.reader()
        let sources = try PageSource.collect(pages, reader: reader)
        let batchReader = PageBatchReader(reader: reader)
        var output = OutputBuffer()
        let progress = ProgressBar(total: sources.count, label: "pages", minimumTotal: 8)
        var failures = 0
        var start = 0
        while start < sources.count {
            let round = Array(sources[start ..< min(start + 16, sources.count)])
            let read = batchReader.read(round)
            let readable = read.compactMap { try? $0.get() }
            let embedded: [PageEmbedding]
            do { embedded = try PageEmbedder.embed(readable, with: embedder) } catch { throw CommandFailure(error.description) }
            var next = embedded.makeIterator()
            for (offset, (source, result)) in zip(round, read).enumerated() {
                var line = "{\"index\":\(start + offset),\"id\":\(jsonString(source.id))"
                switch result {
                case .failure(let failure):
                    failures += 1
                    line += ",\"error\":\(jsonString(failure.description))"
                case .success:
                    guard let page = next.next() else { continue }
                    line += ",\"embedding\":\(jsonArray(page.pooled ?? []))"
                    line += ",\"text\":\(jsonString(page.attachment.page.text)),\"words\":\(page.attachment.page.words.count)"
                    if let note = page.attachment.page.note { line += ",\"note\":\(jsonString(note))" }
                    if multiVector {
                        line += ",\"vectors\":[" + (0 ..< page.tokens.count).map { jsonArray(page.tokens.row($0)) }.joined(separator: ",") + "]"
                    }
                }
                output.append(line + "}\n")
            }
            start += round.count
            progress.update(start)
        }
        output.flush()
        progress.finish()
        if failures > 0 { throw CommandFailure("\(failures) of \(sources.count) pages could not be read") }
    }
}
