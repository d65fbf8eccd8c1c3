import EmbeddingKernels

/// Runs an encoder's layers over a packed batch, one group of whole sequences per core.
///
/// Every layer of a transformer mixes tokens only within a sequence, so groups of sequences are
/// independent from the first layer to the last: each core runs the whole stack over its own
/// rows with single-threaded GEMMs, and the cores meet once per batch instead of at every GEMM,
/// attention and layer norm. A batch too small to split (one long text, one image) runs on the
/// calling thread, where the kernels split each GEMM across cores instead.
enum SequenceGroups {
    /// Fewest rows per group: below this a GEMM is too small to keep a core efficient alone.
    static let minimumRowsPerGroup = 64

    /// Splits sequences into at most `parts` contiguous groups of roughly equal token counts.
    static func split(_ sequences: [Range<Int>], parts: Int) -> [Range<Int>] {
        let tokens = sequences.last.map(\.upperBound) ?? 0
        let groupCount = min(parts, sequences.count, max(1, tokens / minimumRowsPerGroup))
        guard groupCount > 1 else { return [0 ..< sequences.count] }
        var groups: [Range<Int>] = []
        var first = 0
        for group in 1 ... groupCount {
            let target = tokens * group / groupCount
            var last = first
            while last < sequences.count && (sequences[last].upperBound <= target || last == first) {
                last += 1
            }
            if group == groupCount { last = sequences.count }
            if last > first { groups.append(first ..< last) }
            first = last
        }
        return groups
    }

    /// Calls `body(rowPointerOffset, sequencesRebasedToTheGroup, rowCount)` for each group,
    /// in parallel when there is more than one.
    static func forEach(
        _ sequences: [Range<Int>], _ body: @Sendable (_ firstRow: Int, _ sequences: [Range<Int>], _ rows: Int) -> Void
    ) {
        // On a thread that already runs inline (a server worker with a core of its own), one
        // group: splitting would only run the halves one after the other with smaller GEMMs,
        // each repacking the full weights.
        let groups = split(sequences, parts: ParallelRegion.isActive ? 1 : ComputeThreads.count)
        parallelChunks(groups.count) { chunk in
            for group in chunk {
                let members = Array(sequences[groups[group]])
                let firstRow = members.first?.lowerBound ?? 0
                let rebased = members.map { ($0.lowerBound - firstRow) ..< ($0.upperBound - firstRow) }
                body(firstRow, rebased, (members.last?.upperBound ?? firstRow) - firstRow)
            }
        }
    }
}
