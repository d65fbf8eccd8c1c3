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

    /// How a batch runs: `groups` of whole sequences side by side, one per core, then the
    /// sequences of `together` (if any) one after the other with every kernel split across cores.
    struct Plan: Equatable {
        var groups: [Range<Int>]
        var together: Range<Int>?
    }

    /// A sequence run on all cores at once costs this much more per row than inside a group of
    /// its own core's: its products are split across cores (each reads the whole weight) and the
    /// cores meet at every kernel instead of once per batch.
    static let togetherCost = 1.15

    /// Groups for `parts` cores, leaving the last few sequences to run on all cores together
    /// when that finishes sooner than any split into whole-sequence groups.
    ///
    /// A page is 17 image tiles of 1024 rows: in two groups one core runs 9 tiles while the other
    /// idles through the ninth (6% of the vision tower's time); 8 and 8, then the last tile on
    /// both cores, finishes in about 8.6 tiles' time. Results never depend on the plan: every
    /// kernel gives a row the same bits whatever rows share its call and however it is split.
    static func plan(_ sequences: [Range<Int>], parts: Int) -> Plan {
        let groups = split(sequences, parts: parts)
        guard parts > 1, groups.count > 1 else { return Plan(groups: groups, together: nil) }
        func tokens(_ members: Range<Int>) -> Int {
            members.isEmpty ? 0 : sequences[members.upperBound - 1].upperBound - sequences[members.lowerBound].lowerBound
        }
        var best = Plan(groups: groups, together: nil)
        var bestTime = Double(groups.map(tokens).max() ?? 0)
        for left in 1 ..< parts where sequences.count - left >= parts {
            let kept = sequences.count - left
            let tail = kept ..< sequences.count
            // Too few rows per core and the split products run inefficiently.
            guard tokens(tail) >= minimumRowsPerGroup * parts else { continue }
            let candidate = split(Array(sequences[..<kept]), parts: parts)
            let time = Double(candidate.map(tokens).max() ?? 0) + togetherCost * Double(tokens(tail)) / Double(parts)
            if time < bestTime {
                best = Plan(groups: candidate, together: tail)
                bestTime = time
            }
        }
        return best
    }

    /// Calls `body(rowPointerOffset, sequencesRebasedToTheGroup, rowCount)` for each group of
    /// ``plan(_:parts:)``, in parallel when there is more than one, then for its `together`
    /// sequences on the calling thread (where the kernels split across cores).
    static func forEach(
        _ sequences: [Range<Int>], _ body: @Sendable (_ firstRow: Int, _ sequences: [Range<Int>], _ rows: Int) -> Void
    ) {
        @Sendable func run(_ group: Range<Int>) {
            let members = Array(sequences[group])
            let firstRow = members.first?.lowerBound ?? 0
            let rebased = members.map { ($0.lowerBound - firstRow) ..< ($0.upperBound - firstRow) }
            body(firstRow, rebased, (members.last?.upperBound ?? firstRow) - firstRow)
        }
        // On a thread that already runs inline (a server worker with a core of its own), one
        // group: splitting would only run the halves one after the other with smaller GEMMs,
        // each repacking the full weights.
        let plan = plan(sequences, parts: ParallelRegion.isActive ? 1 : ComputeThreads.count)
        parallelChunks(plan.groups.count) { chunk in
            for group in chunk { run(plan.groups[group]) }
        }
        if let together = plan.together { run(together) }
    }
}
