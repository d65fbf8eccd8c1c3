import Encoders
import Pages

extension ModelBatcher {
    /// One batch of a ColBERT-style model: texts (queries and documents alike) and the document
    /// windows of pages, all in one encoder call, so the backbone runs them as one packed batch;
    /// each input's vectors are the bits it gets alone.
    static func computeColBERT(_ batch: [WorkItem], encoder: ColBERTTextEncoder) -> [InputOutcome] {
        var inputs: [ColBERTTextEncoder.Input] = []
        var dropSkiplisted: [Bool] = []
        for item in batch {
            switch item.input {
            case .lateText(let text):
                inputs.append(text.input)
                dropSkiplisted.append(text.side == .document)
            case .latePage(let page):
                for window in page.windows {
                    inputs.append(.init(ids: window.ids, attendable: [Bool](repeating: true, count: window.ids.count), truncated: false))
                    dropSkiplisted.append(true)
                }
            case .text, .image, .page, .visualImage, .visualQuery:
                break
            }
        }
        let encoded = encoder.encode(inputs, dropSkiplisted: dropSkiplisted)
        var next = 0
        return batch.map { item -> InputOutcome in
            switch item.input {
            case .lateText(let text):
                let rows = encoded[next]
                next += 1
                guard let page = text.page else { return .tokens(rows) }
                // A page read as a query: its vectors map to no word.
                do throws(EmbeddingError) {
                    return .page(try ColBERTPageEmbedder.query(page, vectors: rows))
                } catch {
                    return .failed(error.description)
                }
            case .latePage(let page):
                let windows = Array(encoded[next ..< next + page.windows.count])
                next += page.windows.count
                do throws(EmbeddingError) {
                    return .page(try PageEmbedder.combine(page, windowVectors: windows))
                } catch {
                    return .failed(error.description)
                }
            case .text, .image, .page, .visualImage, .visualQuery:
                return .failed("an input of another model kind in a ColBERT batch")
            }
        }
    }

    /// One batch of ColModernVBERT: images (tiled, with their prompts) in one forward pass, or
    /// text queries in one. Should the pass refuse the batch (not expected: the inputs were
    /// checked when prepared), each input runs alone so only the bad one fails.
    static func computeVisual(_ batch: [WorkItem], encoder: ColModernVBertEncoder) -> [InputOutcome] {
        var tiles: [Idefics3Tiles] = []
        var queries: [[Int32]] = []
        for item in batch {
            switch item.input {
            case .visualImage(let image, _): tiles.append(image)
            case .visualQuery(let ids): queries.append(ids)
            case .text, .image, .page, .lateText, .latePage: break
            }
        }
        if !queries.isEmpty {
            var encoded = encoder.encode(queryIDs: queries).makeIterator()
            return batch.map { item in
                guard case .visualQuery = item.input, let rows = encoded.next() else { return .failed("an input of another kind in a query batch") }
                return .tokens(rows)
            }
        }
        let encoded: [Result<[[Float]], EmbeddingError>]
        do throws(EmbeddingError) {
            encoded = try encoder.encode(pages: tiles).map { .success($0) }
        } catch {
            encoded = tiles.map { tile in Result { () throws(EmbeddingError) in try encoder.encode(tiles: tile) } }
        }
        var next = encoded.makeIterator()
        return batch.map { item in
            guard case .visualImage = item.input, let result = next.next() else { return .failed("an input of another kind in an image batch") }
            switch result {
            case .success(let rows): return .tokens(rows)
            case .failure(let error): return .failed(error.description)
            }
        }
    }
}
