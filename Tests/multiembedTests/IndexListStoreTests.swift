import Foundation
import LateInteraction
import PostgresStore
import Testing

/// `multiembed index list --store URL` lists a PostgreSQL store's collections as `index list`
/// lists a data directory's.
@Suite(.enabled(
    if: ProcessInfo.processInfo.environment["MULTIEMBED_TEST_POSTGRES_URL"].map { !$0.isEmpty } ?? false,
    "needs MULTIEMBED_TEST_POSTGRES_URL (scripts/start-postgres; make test sets it)"))
struct IndexListStoreTests {
    @Test func listsThePostgresStoresCollections() throws {
        let url = ProcessInfo.processInfo.environment["MULTIEMBED_TEST_POSTGRES_URL"]!
        let store = try PostgresVectorStore(url: url)
        let name = "cli-list-\(UInt32.random(in: 0 ... .max))"
        try store.create(CollectionSpec(name: name, dimension: 4, precision: .float16))
        defer { try? store.drop(name) }
        let vectors = try MultiVector(dimension: 4, values: [1, 0, 0, 0, 0, 1, 0, 0])
        try store.put([StoredDocument(id: "a", vectors: vectors), StoredDocument(id: "b", vectors: vectors)], into: name)
        let listed = try CommandRunner.run(["index", "list", "--store", url])
        #expect(listed.status == 0, "\(listed)")
        #expect(listed.stdout.contains("\(name) dimension=4 precision=float16 documents=2 kind=multi-vector"), "\(listed.stdout)")
        let unreachable = try CommandRunner.run(["index", "list", "--store", "postgres://nobody@/nowhere?host=/nonexistent-socket-folder"])
        #expect(unreachable.status != 0 && !unreachable.crashed, "\(unreachable)")
        #expect(unreachable.stderr.contains("cannot open --store"), "\(unreachable.stderr)")
    }
}
