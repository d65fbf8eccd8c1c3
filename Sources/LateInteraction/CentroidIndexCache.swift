import Foundation

/// A collection's ``CentroidIndex``, kept beside its log in memory: built from the live
/// documents on the first indexed search, then brought up to date on each later one by indexing
/// the documents appended since (an upsert that replaces a document appends it anew). Documents
/// deleted or replaced since stay in the index's lists and are dropped from its candidates.
///
/// Rebuilt from scratch, which re-trains the centroids, after a compaction (it renumbers the
/// log), when more than half the indexed documents are gone, or when the collection has grown
/// to four times what the centroids were trained on (they no longer describe it). The index
/// holds nothing the log does not: losing it costs a rebuild, never data.
final class CentroidIndexCache: @unchecked Sendable {
    // @unchecked: every field is read and written under `lock`.
    private let lock = NSLock()
    private var index: CentroidIndex?
    /// The log sequence of each indexed document, by index position (ascending).
    private var sequences: [Int] = []
    private var generation = -1
    private var trainedOn = 0
    /// Index position -> snapshot position (nil for a document no longer live), and the index
    /// positions still live, for the snapshot ``mappedFor`` names: worked out once per change of
    /// the log, not on every query (a binary search per indexed document).
    private var live: [Int?] = []
    private var livePositions: [Int]?
    private var mappedFor: SnapshotKey?

    /// Names a snapshot's live set: every upsert raises the last sequence and every delete lowers
    /// the count, so no two states of one numbering share a key.
    private struct SnapshotKey: Equatable {
        let generation: Int
        let count: Int
        let lastSequence: Int?
        let indexed: Int
    }

    /// Snapshot positions worth scoring exactly for `query` (ascending), among `admitted`
    /// (ascending snapshot positions; nil for all).
    func candidates(
        for query: MultiVector, depth: CentroidIndex.Depth, in snapshot: CollectionSnapshot, admitted: [Int]?
    ) -> [Int] {
        lock.lock()
        defer { lock.unlock() }
        update(to: snapshot)
        guard let index else { return [] }
        let key = SnapshotKey(
            generation: snapshot.generation, count: snapshot.count, lastSequence: snapshot.sequences.last, indexed: sequences.count)
        if mappedFor != key {
            live = sequences.map { Self.position(of: $0, in: snapshot.sequences) }
            livePositions = live.contains(nil) ? live.indices.filter { live[$0] != nil } : nil
            mappedFor = key
        }
        var allowed = livePositions
        if let admitted {
            var isAdmitted = [Bool](repeating: false, count: snapshot.count)
            for position in admitted { isAdmitted[position] = true }
            allowed = live.indices.filter { live[$0].map { isAdmitted[$0] } ?? false }
        }
        return index.candidates(for: query, depth: depth, admitted: allowed).compactMap { live[$0] }.sorted()
    }

    private func update(to snapshot: CollectionSnapshot) {
        let stale = index == nil || generation != snapshot.generation || snapshot.count >= 4 * max(trainedOn, 1)
        if !stale, let last = sequences.last {
            // The documents appended since: the tail of the snapshot past the last indexed one.
            var first = snapshot.count
            while first > 0, snapshot.sequences[first - 1] > last { first -= 1 }
            for position in first ..< snapshot.count {
                index!.append(snapshot.documents.vectors(position))
                sequences.append(snapshot.sequences[position])
            }
            let gone = sequences.count - snapshot.count
            if gone * 2 <= sequences.count { return }
        }
        guard snapshot.count > 0 else {
            index = nil
            sequences = []
            return
        }
        index = CentroidIndex(training: snapshot.documents)
        sequences = snapshot.sequences
        generation = snapshot.generation
        trainedOn = snapshot.count
    }

    /// Where `sequence` is in the ascending `sequences`, if there.
    private static func position(of sequence: Int, in sequences: [Int]) -> Int? {
        var low = 0, high = sequences.count
        while low < high {
            let middle = (low + high) / 2
            if sequences[middle] < sequence { low = middle + 1 } else { high = middle }
        }
        return low < sequences.count && sequences[low] == sequence ? low : nil
    }
}
