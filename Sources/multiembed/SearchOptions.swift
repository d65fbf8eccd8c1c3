import ArgumentParser
import LateInteraction

extension CollectionQuery.Mode: ExpressibleByArgument {}
extension DenseMetric: ExpressibleByArgument {}

/// How `search` and `eval retrieval` score a collection: mode, metric, first-stage depth and
/// metadata filters, as SearchRequest names them on the wire.
struct SearchOptions: ParsableArguments {
    @Option(name: .long, help: "maxsim, dense (pooled vectors), hybrid (dense candidates re-ranked by MaxSim) or indexed (centroid-index candidates re-scored by MaxSim); default: the collection's own.")
    var mode: CollectionQuery.Mode?

    @Option(name: .long, help: "Dense similarity: cosine or dot.")
    var metric: DenseMetric = .cosine

    @Option(name: .long, help: "First-stage depth: hybrid's dense candidates (default 100), indexed search's candidates (default 256), a binary collection's Hamming candidates re-scored (default max(100, 10 x top-k)).")
    var candidates: Int?

    @Option(name: .long, help: "Indexed search: centroids probed per query vector (default 8).")
    var probes: Int?

    @Option(name: .customLong("where"), help: ArgumentHelp("Only documents whose metadata has KEY equal to VALUE (repeatable).", valueName: "KEY=VALUE"))
    var conditions: [String] = []

    func validate() throws {
        if let candidates, candidates < 1 { throw ValidationError("--candidates must be positive, got \(candidates)") }
        if let probes, probes < 1 { throw ValidationError("--probes must be positive, got \(probes)") }
        _ = try metadataFilter()
    }

    func metadataFilter() throws -> [String: String] {
        var filter: [String: String] = [:]
        for condition in conditions {
            guard let equals = condition.firstIndex(of: "="), equals != condition.startIndex else {
                throw ValidationError("--where takes KEY=VALUE, got '\(condition)'")
            }
            filter[String(condition[..<equals])] = String(condition[condition.index(after: equals)...])
        }
        return filter
    }

    /// The mode on a collection of `kind`, and whether it needs token and pooled query vectors.
    func needs(for kind: CollectionKind) -> (mode: CollectionQuery.Mode, tokens: Bool, pooled: Bool) {
        let mode = mode ?? (kind == .dense ? .dense : .maxSim)
        return (mode, mode.scoresTokens, mode.scoresPooled)
    }

    func query(tokens: MultiVector?, pooled: [Float]?, topK: Int) throws -> CollectionQuery {
        CollectionQuery(
            tokens: tokens, pooled: pooled, mode: mode, topK: topK, metric: metric, candidates: candidates, probes: probes,
            filter: DocumentFilter(metadata: try metadataFilter()))
    }
}
