import Foundation

/// A collection's ``CentroidIndex``, kept in memory and in the file `index` beside its log
/// (``CentroidIndexFile``). On first use it is loaded from the file when the file covers the
/// log as it is, else trained from the live documents and written; on each later use the
/// documents appended since are indexed (an upsert that replaces a document appends it anew).
/// Documents deleted or replaced since stay in the index's lists and are dropped from its
/// candidates.
///
/// Re-trained from scratch after a compaction (it renumbers the log; compaction also removes
/// the file), when more than half the indexed documents are gone, or when the collection has
/// grown to four times what the centroids were trained on (they no longer describe it). The
/// index holds nothing the log does not: losing it, or a damaged file, costs a rebuild (and a
/// warning), never data and never an error.
///
/// Building runs outside the lock, on the thread of the search that needed it (``Wait/build``)
/// or in the background (``Wait/exact``, whose callers search exactly meanwhile): a minutes-long
/// training never holds up searches that do not wait for it, nor writers.
final class CentroidIndexCache: @unchecked Sendable {
    // @unchecked: every field below `condition` is read and written with `condition` locked.
    private let condition = NSCondition()
    private let folder: String
    private let warn: @Sendable (String) -> Void
    private var index: CentroidIndex?
    /// The log sequence of each indexed document, by index position (ascending).
    private var sequences: [Int] = []
    private var generation = -1
    private var trainedOn = 0
    private var building = false
    /// Whether the index in use came from the file (true) or was trained (false); nil: none yet.
    private var installedFromFile: Bool?
    /// Whether the file has been looked at since the index was last dropped.
    private var fileTried = false
    /// Index position -> snapshot position (nil for a document no longer live), and the index
    /// positions still live, for the snapshot ``mappedFor`` names: worked out once per change of
    /// the log, not on every query (a binary search per indexed document).
    private var live: [Int?] = []
    private var livePositions: [Int]?
    private var mappedFor: SnapshotKey?

    /// What a search does when the index is not ready.
    enum Wait {
        /// Builds it (or waits for the build under way): a search that asked for indexed search.
        case build
        /// Starts a build in the background and returns nil, so the caller searches exactly: a
        /// search for which indexed was only the default.
        case exact
    }

    /// How an index came to be, for `index rebuild-index` and benchmarks.
    struct Built {
        var index: CentroidIndex
        var sequences: [Int]
        var trainedOn: Int
        var generation: Int
        var loadedFromFile: Bool
    }

    init(folder: String, warn: @escaping @Sendable (String) -> Void = CentroidIndexCache.standardErrorWarning) {
        self.folder = folder
        self.warn = warn
    }

    var path: String { folder + "/index" }
    private var logPath: String { folder + "/log" }

    /// Names a snapshot's live set: every upsert raises the last sequence and every delete lowers
    /// the count, so no two states of one numbering share a key.
    private struct SnapshotKey: Equatable {
        let generation: Int
        let count: Int
        let lastSequence: Int?
        let indexed: Int
    }

    /// Snapshot positions worth scoring exactly for `query` (ascending), among `admitted`
    /// (ascending snapshot positions; nil for all); nil when the index is not ready and `wait`
    /// is ``Wait/exact``.
    func candidates(
        for query: MultiVector, depth: CentroidIndex.Depth, in snapshot: CollectionSnapshot, admitted: [Int]?, wait: Wait = .build
    ) -> [Int]? {
        condition.lock()
        while true {
            if let index, generation == snapshot.generation {
                catchUp(to: snapshot)
                if !needsTraining(snapshot) || building || wait == .exact {
                    if needsTraining(snapshot), !building { startBuilding(snapshot, inBackground: true) }
                    let (mapped, allowed) = mapping(for: snapshot, admitted: admitted)
                    let current = self.index ?? index
                    condition.unlock()
                    return current.candidates(for: query, depth: depth, admitted: allowed).compactMap { mapped[$0] }.sorted()
                }
            }
            if building {
                if wait == .exact {
                    condition.unlock()
                    return nil
                }
                condition.wait()
                continue
            }
            if snapshot.count == 0 {
                condition.unlock()
                return []
            }
            startBuilding(snapshot, inBackground: wait == .exact)
            if wait == .exact {
                condition.unlock()
                return nil
            }
        }
    }

    /// Trains a new index from `snapshot` now (on this thread), installs it and writes its file.
    func rebuild(
        from snapshot: CollectionSnapshot, options: CentroidIndex.Options = .init(), progress: (@Sendable (Int) -> Void)? = nil
    ) -> Built {
        condition.lock()
        while building { condition.wait() }
        building = true
        condition.unlock()
        let built = train(snapshot, options: options, progress: progress)
        condition.lock()
        install(built)
        condition.unlock()
        return built
    }

    /// The index as it stands (nil if none is built), and whether it was loaded from its file.
    var current: (index: CentroidIndex, loadedFromFile: Bool)? {
        condition.lock()
        defer { condition.unlock() }
        guard let index, let installedFromFile else { return nil }
        return (index, installedFromFile)
    }

    /// Forgets the index and removes its file: the log is being renumbered (compaction).
    func invalidate() {
        condition.lock()
        index = nil
        sequences = []
        mappedFor = nil
        fileTried = false
        condition.unlock()
        unlink(path)
    }

    // MARK: - Building (`building` set by the caller, cleared by `install`)

    /// Marks a build under way and runs it, on this thread (unlocking meanwhile) or another.
    private func startBuilding(_ snapshot: CollectionSnapshot, inBackground: Bool) {
        building = true
        let tryFile = !fileTried
        fileTried = true
        let retrain = index != nil && generation == snapshot.generation
        let work: @Sendable () -> Built = { [self] in
            if tryFile, !retrain, let loaded = load(snapshot) { return loaded }
            return train(snapshot, options: .init(), progress: nil)
        }
        if inBackground {
            Thread.detachNewThread { [self] in
                let built = work()
                condition.lock()
                install(built)
                condition.unlock()
            }
        } else {
            condition.unlock()
            let built = work()
            condition.lock()
            install(built)
        }
    }

    private func install(_ built: Built) {
        index = built.index
        sequences = built.sequences
        trainedOn = built.trainedOn
        generation = built.generation
        installedFromFile = built.loadedFromFile
        mappedFor = nil
        building = false
        condition.broadcast()
    }

    /// Trains on `snapshot`'s documents and writes the file (a failed write is only a warning).
    private func train(_ snapshot: CollectionSnapshot, options: CentroidIndex.Options, progress: (@Sendable (Int) -> Void)?) -> Built {
        let index = CentroidIndex(training: snapshot.documents, options: options, progress: progress)
        let built = Built(
            index: index, sequences: snapshot.sequences, trainedOn: snapshot.count, generation: snapshot.generation, loadedFromFile: false)
        save(built, covering: snapshot)
        return built
    }

    /// The file's index brought up to `snapshot`, when the file covers an earlier state of this
    /// log; nil (with a warning when there was a file) otherwise.
    private func load(_ snapshot: CollectionSnapshot) -> Built? {
        let file: CentroidIndexFile
        do {
            guard let read = try CentroidIndexFile.read(path, dimension: snapshot.documents.dimension) else { return nil }
            file = read
        } catch {
            warn("the centroid index \(path) is not usable (\(error)); rebuilding it from the log")
            return nil
        }
        guard file.log.length <= snapshot.logLength,
              CentroidIndexFile.LogState.of(logAt: logPath, bytes: snapshot.documents.base, length: file.log.length) == file.log
        else {
            warn("the centroid index \(path) describes another state of the log (it was compacted or repaired since); rebuilding it")
            return nil
        }
        var built = Built(
            index: file.index, sequences: file.sequences, trainedOn: file.trainedOn, generation: snapshot.generation, loadedFromFile: true)
        let first = Self.firstAppended(after: file.sequences.last, in: snapshot)
        if first < snapshot.count {
            built.index.append(snapshot.documents, range: first ..< snapshot.count)
            built.sequences += snapshot.sequences[first...]
            if snapshot.count - first > max(1000, file.sequences.count / 10) { save(built, covering: snapshot) }
        }
        return built
    }

    private func save(_ built: Built, covering snapshot: CollectionSnapshot) {
        guard let log = CentroidIndexFile.LogState.of(logAt: logPath, bytes: snapshot.documents.base, length: snapshot.logLength) else {
            return
        }
        let file = CentroidIndexFile(index: built.index, sequences: built.sequences, trainedOn: built.trainedOn, log: log)
        do { try file.write(to: path, folder: folder) } catch {
            warn("could not write the centroid index \(path) (\(error)); it is rebuilt from the log when next needed")
        }
    }

    // MARK: - Keeping up with the log (locked)

    private func needsTraining(_ snapshot: CollectionSnapshot) -> Bool {
        let gone = sequences.count - snapshot.count
        return snapshot.count >= 4 * max(trainedOn, 1) || gone * 2 > sequences.count
    }

    /// Indexes the documents appended since the index last saw the log.
    private func catchUp(to snapshot: CollectionSnapshot) {
        let first = Self.firstAppended(after: sequences.last, in: snapshot)
        guard first < snapshot.count else { return }
        index!.append(snapshot.documents, range: first ..< snapshot.count)
        sequences += snapshot.sequences[first...]
    }

    /// The position of the first document of `snapshot` past `sequence` (the tail appended since).
    private static func firstAppended(after sequence: Int?, in snapshot: CollectionSnapshot) -> Int {
        guard let sequence else { return 0 }
        var first = snapshot.count
        while first > 0, snapshot.sequences[first - 1] > sequence { first -= 1 }
        return first
    }

    /// Index position -> snapshot position, and the index positions a search may return.
    private func mapping(for snapshot: CollectionSnapshot, admitted: [Int]?) -> ([Int?], [Int]?) {
        let key = SnapshotKey(
            generation: snapshot.generation, count: snapshot.count, lastSequence: snapshot.sequences.last, indexed: sequences.count)
        if mappedFor != key {
            live = sequences.map { Self.position(of: $0, in: snapshot.sequences) }
            livePositions = live.contains(nil) ? live.indices.filter { live[$0] != nil } : nil
            mappedFor = key
        }
        guard let admitted else { return (live, livePositions) }
        var isAdmitted = [Bool](repeating: false, count: snapshot.count)
        for position in admitted { isAdmitted[position] = true }
        return (live, live.indices.filter { live[$0].map { isAdmitted[$0] } ?? false })
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

    /// Warnings go to standard error, as the store has no logger of its own.
    static let standardErrorWarning: @Sendable (String) -> Void = { message in
        FileHandle.standardError.write(Data("multiembed: warning: \(message)\n".utf8))
    }
}
