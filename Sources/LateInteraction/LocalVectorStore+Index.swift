/// What building a collection's centroid index did, for `multiembed index rebuild-index` and
/// `multiembed bench search`.
public struct CentroidIndexReport: Sendable {
    /// Documents indexed.
    public var documents: Int
    public var centroids: Int
    /// Bytes the index keeps in memory (centroids, codes, lists).
    public var residentBytes: Int
    /// Seconds spent sampling, training k-means and assigning every vector.
    public var times: CentroidIndex.BuildTimes
    /// Where its file is.
    public var path: String
}

extension LocalVectorStore {
    /// Trains the centroid index of multi-vector collection `name` anew from its live documents,
    /// now, and writes its file beside the log (replacing any), whatever state the old one was
    /// in. `progress` is told how many documents are assigned so far (from any thread).
    public func rebuildIndex(
        _ name: String, options: CentroidIndex.Options = .init(), progress: (@Sendable (Int) -> Void)? = nil
    ) throws(LateInteractionError) -> CentroidIndexReport {
        let stored = try collection(name)
        guard stored.spec.kind == .multiVector else {
            throw .invalidArgument("collection '\(name)' is dense (one pooled vector per document): it has no index of token vectors")
        }
        let snapshot = try stored.snapshot()
        let built = stored.centroidIndex.rebuild(from: snapshot, options: options, progress: progress)
        return CentroidIndexReport(
            documents: built.index.documentCount, centroids: built.index.centroidCount, residentBytes: built.index.residentBytes,
            times: built.index.buildTimes, path: stored.centroidIndex.path)
    }

    /// The centroid index of multi-vector collection `name` as it stands in memory, and whether
    /// it was loaded from its file (rather than trained in this process); nil before the first
    /// indexed search has loaded or built one.
    public func loadedIndex(_ name: String) throws(LateInteractionError) -> (report: CentroidIndexReport, fromFile: Bool)? {
        let stored = try collection(name)
        guard let (index, fromFile) = stored.centroidIndex.current else { return nil }
        let report = CentroidIndexReport(
            documents: index.documentCount, centroids: index.centroidCount, residentBytes: index.residentBytes,
            times: index.buildTimes, path: stored.centroidIndex.path)
        return (report, fromFile)
    }
}
