import Encoders
import Foundation
import Pages

extension EmbedCommand {
    /// `--pages`: each page image or PDF page read into words and embedded as a document by the
    /// text tower (or a ColBERT-style model's document path); one line per page: `{"index", "id",
    /// "embedding", "text", "words", "note"?}` (and `"vectors"` with --multi-vector), or `{"index",
    /// "id", "error"}`. A ColBERT-style model has no pooled "embedding": its lines always hold
    /// "vectors". With --page-patches the vectors end with the page image's patch vectors.
    func embedPages(_ bundle: ModelBundle) throws {
        let reader = try reading.reader()
        let encoder = try PageDocumentEncoder(bundle: bundle, reader: reader, patches: reading.pagePatches)
        let sources = try PageSource.collect(pages, reader: reader)
        let batchReader = PageBatchReader(reader: reader)
        var output = OutputBuffer()
        let progress = ProgressBar(total: sources.count, label: "pages", minimumTotal: 8)
        var failures = 0
        var start = 0
        while start < sources.count {
            let round = Array(sources[start ..< min(start + 16, sources.count)])
            let read = batchReader.read(round)
            let readable = zip(round, read).compactMap { source, result in (try? result.get()).map { (source, $0) } }
            var next = try encoder.embed(readable.map(\.1), sources: readable.map(\.0)).makeIterator()
            for (offset, (source, result)) in zip(round, read).enumerated() {
                var line = "{\"index\":\(start + offset),\"id\":\(jsonString(source.id))"
                switch result {
                case .failure(let failure):
                    failures += 1
                    line += ",\"error\":\(jsonString(failure.description))"
                case .success:
                    guard let embedded = next.next() else { continue }
                    let page: PageEmbedding
                    switch embedded {
                    case .success(let embedding): page = embedding
                    case .failure(let failure):
                        failures += 1
                        output.append(line + ",\"error\":\(jsonString(failure.description))}\n")
                        continue
                    }
                    if let pooled = page.pooled { line += ",\"embedding\":\(jsonArray(pooled))" }
                    line += ",\"text\":\(jsonString(page.attachment.page.text)),\"words\":\(page.attachment.page.words.count)"
                    if let note = page.attachment.page.note { line += ",\"note\":\(jsonString(note))" }
                    if multiVector || !encoder.hasPooled {
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
