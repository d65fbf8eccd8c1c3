import ArgumentParser
import Foundation
import LateInteraction

/// `multiembed search`: a text query, embedded as token vectors, against a collection by MaxSim.
/// Prints one line per hit: rank, score, id, and the document's source.
struct SearchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search", abstract: "Search a collection with a text query (late interaction).")

    @OptionGroup var options: CollectionOptions

    @Option(name: .long, help: "Model folder (the one the collection was indexed with).")
    var model: String

    @Option(name: .long, help: "Number of results.")
    var topK = 10

    @Argument(help: "The query text.")
    var query: String

    func run() throws {
        warnIfBLASIsPinned()
        guard topK > 0 else { throw ValidationError("--top-k must be positive, got \(topK)") }
        guard !query.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw ValidationError("the query is empty") }
        let bundle = try loadModel(model)
        do {
            let vectors = try textMultiVectors(bundle, [query], side: .query)[0]
            let store = try options.openStore()
            let hits = try store.search(vectors, in: options.collection, topK: topK, filter: nil)
            for (rank, hit) in hits.enumerated() {
                let detail = hit.metadata["text"] ?? hit.metadata["source"] ?? ""
                print(String(format: "%d\t%.4f\t%@\t%@", rank + 1, hit.score, hit.id, detail))
            }
        } catch let failure as CommandFailure {
            throw failure
        } catch {
            throw CommandFailure("\(error)")
        }
    }
}
