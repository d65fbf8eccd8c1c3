import ArgumentParser
import Foundation
import Encoders
import LateInteraction
import PageReading
import Pages

/// `multiembed search`: a text query against a collection, by MaxSim over token vectors, by the
/// similarity of pooled vectors (dense), or both (hybrid). Prints one line per hit: rank, score,
/// id, and the document's text or source.
struct SearchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search", abstract: "Search a collection with a text query (MaxSim, dense or hybrid).")

    @OptionGroup var options: CollectionOptions
    @OptionGroup var search: SearchOptions

    @Option(name: .long, help: "Model folder (the one the collection was indexed with).")
    var model: String

    @OptionGroup var computeOptions: ComputeOptions

    @Option(name: .long, help: "Number of results.")
    var topK = 10

    @Option(name: .long, help: "Write each page hit as a PNG into this folder, the words that matched boxed in red (and the patches, for pages holding their patch vectors, in blue).")
    var highlight: String?

    @Argument(help: "The query text.")
    var query: String

    func run() throws {
        warnIfBLASIsPinned()
        guard topK > 0 else { throw ValidationError("--top-k must be positive, got \(topK)") }
        guard !query.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw ValidationError("the query is empty") }
        let bundle = try loadModel(model, compute: computeOptions.compute)
        do {
            let store = try options.openVectorStore()
            let needs = search.needs(for: try store.spec(of: options.collection).kind)
            let vectors = try textSearchVectors(bundle, [query], side: .query, tokens: needs.tokens, pooled: needs.pooled)[0]
            let hits = try store.search(try search.query(tokens: vectors.tokens, pooled: vectors.pooled, topK: topK), in: options.collection)
            let matches = try vectors.tokens.map { try matchedWords(hits, query: $0, text: query, bundle: bundle, store: store) } ?? [:]
            // One reader for every hit (PDF hits are rendered again to be drawn on).
            let highlighter = highlight.map { HitHighlighter(folder: $0, reader: PageReader()) }
            for (rank, hit) in hits.enumerated() {
                let detail = hit.metadata["text"] ?? hit.metadata["source"] ?? ""
                print(String(format: "%d\t%.4f\t%@\t%@", rank + 1, hit.score, hit.id, detail))
                if let words = matches[hit.id]?.words, !words.isEmpty {
                    print("\tmatched: " + words.prefix(8).map { match in
                        let box = match.word.box
                        return "\(match.word.text) (\(box.x),\(box.y) \(box.width)x\(box.height))"
                    }.joined(separator: ", "))
                }
                if let patches = matches[hit.id]?.patches, !patches.isEmpty {
                    print("\tmatched patches: " + patches.prefix(8).map { match in
                        "(\(match.box.x),\(match.box.y) \(match.box.width)x\(match.box.height))"
                    }.joined(separator: ", "))
                }
                if let highlighter, let found = matches[hit.id], let path = hit.metadata["source"] {
                    let file = try highlighter.write(
                        rank: rank + 1, id: hit.id, path: path, pdfPage: hit.metadata["page"].flatMap { Int($0) }.map { $0 - 1 },
                        page: found.page, matches: found.words, patches: found.patches)
                    print("\thighlighted: \(file)")
                }
            }
        } catch let failure as CommandFailure {
            throw failure
        } catch {
            throw CommandFailure("\(error)")
        }
    }

    /// For hits that are pages: the words whose tokens gave the query's words their maxima, and
    /// the patches that did when the page holds its image's patch vectors.
    private func matchedWords(
        _ hits: [SearchHit], query: MultiVector, text: String, bundle: ModelBundle, store: any VectorStore
    ) throws -> [String: (page: PageText, words: [MatchedWord], patches: [MatchedPatch])] {
        guard !hits.isEmpty else { return [:] }
        let ignored: Set<Int>
        if let colbert = bundle.lateInteraction {
            ignored = PageMatches.specialTokenVectors(ofQuery: text, encoder: colbert)
        } else if let embedder = bundle.text {
            ignored = PageMatches.specialTokenVectors(count: query.count, tokenizer: embedder.tokenizer)
        } else {
            return [:]
        }
        var result: [String: (page: PageText, words: [MatchedWord], patches: [MatchedPatch])] = [:]
        for document in try store.get(hits.map(\.id), from: options.collection) {
            guard let bytes = document.attachment, let attachment = PageAttachment.decode(bytes) else { continue }
            result[document.id] = (
                attachment.page,
                PageMatches.words(query: query, document: document.vectors, attachment: attachment, ignoredQueryVectors: ignored),
                PageMatches.patches(query: query, document: document.vectors, attachment: attachment, ignoredQueryVectors: ignored))
        }
        return result
    }
}
