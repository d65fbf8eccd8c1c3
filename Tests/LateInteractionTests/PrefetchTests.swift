import EmbeddingTesting
import Foundation
import Testing
@testable import LateInteraction

/// Indexed search advises the kernel to read its candidates' vectors before scoring them
/// (`MADV_WILLNEED`); the ranges advised are exactly the candidates', page-aligned and merged.
@Suite struct PrefetchTests {
    @Test func rangesAreSortedClippedAlignedAndMerged() {
        let ranges = [9000 ..< 9100, 100 ..< 200, 5000 ..< 6000, 20_000 ..< 30_000, 40_000 ..< 41_000, 12_000 ..< 12_000, 6100 ..< 6200]
        let merged = MappedFile.coalesced(ranges, pageSize: 4096, mergeGap: 1024, limit: 35_000)
        // Sorted; 100 and 5000 align down to 0 and 4096; 6100..<6200 (from 4096) overlaps
        // 4096..<6000 and joins it; 9000 aligns to 8192, more than the gap past 6200; the empty
        // 12,000..<12,000 is dropped; 20,000 aligns to 16,384 and is clipped at the limit;
        // 40,000 lies past it.
        #expect(merged == [0 ..< 200, 4096 ..< 6200, 8192 ..< 9100, 16_384 ..< 30_000])
        #expect(MappedFile.coalesced([], pageSize: 4096, mergeGap: 0, limit: 100).isEmpty)
        #expect(MappedFile.coalesced([0 ..< 10, 10 ..< 20], pageSize: 4096, mergeGap: 0, limit: 100) == [0 ..< 20])
    }

    /// Prefetching a mapped collection's candidates (any of them, out of order, repeated) leaves
    /// indexed search's hits exactly those of exact search at full depth (whose
    /// candidates are prefetched too).
    @Test func prefetchedSearchEqualsExact() throws {
        let directory = try TemporaryDirectory()
        let store = try PersistedIndexTests.store(directory)
        let snapshot = try store.collection("c").snapshot()
        snapshot.documents.prefetch([299, 0, 17, 17, 150])
        snapshot.documents.prefetch(Array(0 ..< snapshot.count))
        for query in PersistedIndexTests.queries() {
            let (exact, indexed) = try IndexedSearchTests.bothWays(store, query)
            #expect(exact.count == 10)
            #expect(indexed == exact)
        }
    }
}
