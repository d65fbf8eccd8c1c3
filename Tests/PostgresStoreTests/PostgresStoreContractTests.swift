import Foundation
import LateInteraction
import PostgresStore
import Testing

/// The URL of the PostgreSQL (with pgvector) the tests use, from MULTIEMBED_TEST_POSTGRES_URL:
/// `make test` and `.ci/run` start one with scripts/start-postgres and set it. Without it the
/// PostgreSQL suites are skipped, and say so.
enum TestPostgres {
    static let url = ProcessInfo.processInfo.environment["MULTIEMBED_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    static let available: Bool = {
        if url == nil {
            let message = "PostgresStoreTests: MULTIEMBED_TEST_POSTGRES_URL is not set, so the PostgreSQL store contract did NOT run "
                + "(start a server with scripts/start-postgres DIR and export the URL it prints; make test does)\n"
            FileHandle.standardError.write(Data(message.utf8))
        }
        return url != nil
    }()
}

/// The collection contract (``CollectionContract``, also run on the local store) on a real
/// PostgreSQL with pgvector, re-scoring in MultiEmbed (the default) and in SQL.
@Suite(.enabled(if: TestPostgres.available, "needs MULTIEMBED_TEST_POSTGRES_URL (scripts/start-postgres)"))
struct PostgresStoreContractTests {
    static func contract(_ rescoring: PostgresVectorStore.Rescoring = .multiEmbed) throws -> CollectionContract {
        CollectionContract(store: try PostgresVectorStore(url: TestPostgres.url!, options: .init(rescoring: rescoring)))
    }

    @Test func createListDrop() throws { try Self.contract().createListDrop() }
    @Test func putReplaceGetDelete() throws { try Self.contract().putReplaceGetDelete() }
    @Test func upsertChecks() throws { try Self.contract().upsertChecks() }
    @Test(arguments: [StoragePrecision.float32, .float16], PostgresVectorStore.Rescoring.allCases)
    func searchEqualsExact(_ precision: StoragePrecision, _ rescoring: PostgresVectorStore.Rescoring) throws {
        try Self.contract(rescoring).searchEqualsExact(precision: precision)
    }
    @Test func pooledSearch() throws { try Self.contract().pooledSearch() }
    @Test func denseCollection() throws { try Self.contract().denseCollection() }
    @Test func poolingAndTruncation() throws { try Self.contract().poolingAndTruncation() }

    /// What pgvector cannot hold is refused by name, never widened silently.
    @Test func refusesWhatPGVectorCannotHold() throws {
        let store = try PostgresVectorStore(url: TestPostgres.url!)
        for precision in [StoragePrecision.int8, .binary] {
            #expect(throws: LateInteractionError.self) { try store.create(CollectionSpec(name: "refused-\(precision)", dimension: 8, precision: precision)) }
        }
        #expect(throws: LateInteractionError.self) { try store.create(CollectionSpec(name: "too-wide", dimension: 2001)) }
        #expect(try !store.list().contains { $0.name.hasPrefix("refused-") || $0.name == "too-wide" })
    }

    /// Two stores (two servers) on one database see each other's writes.
    @Test func secondStoreSeesCommittedWrites() throws {
        let first = try Self.contract().store
        let second = try PostgresVectorStore(url: TestPostgres.url!)
        let name = "shared-\(UInt32.random(in: 0 ... .max))"
        try first.create(CollectionSpec(name: name, dimension: 8))
        defer { try? first.drop(name) }
        try first.put(CollectionContract.documents(3, seed: 1), into: name)
        #expect(try second.documentCount(in: name) == 3)
        #expect(try second.get(["doc2"], from: name) == [CollectionContract.documents(3, seed: 1)[2]])
    }
}

/// Failures that need no server: a bad URL, and a server that is not there.
@Suite struct PostgresConnectionFailureTests {
    @Test func unreachableServerIsAClearError() throws {
        do {
            _ = try PostgresVectorStore(url: "postgres://postgres@/postgres?host=/nonexistent-multiembed-socket-dir")
            Issue.record("connected to nothing")
        } catch let error {
            guard case let .storeUnavailable(store, reason) = error else { Issue.record("\(error)"); return }
            #expect(store.contains("/nonexistent-multiembed-socket-dir/.s.PGSQL.5432"))
            #expect(!reason.isEmpty)
        }
    }

    @Test func urls() throws {
        let socket = try PostgresURL("postgres://postgres@/db?host=/tmp/pg")
        #expect(socket.endpoint == .unixSocket(path: "/tmp/pg/.s.PGSQL.5432") && socket.user == "postgres" && socket.database == "db")
        let tcp = try PostgresURL("postgresql://me:p%40ss@db.example:6543/vectors?sslmode=require")
        #expect(tcp.endpoint == .tcp(host: "db.example", port: 6543) && tcp.password == "p@ss" && tcp.tls == .require)
        #expect(!tcp.redacted.contains("p@ss"))
        #expect(try PostgresURL("postgres://me@localhost").database == "me")
        for bad in ["mysql://x@y/z", "postgres://@host/db", "postgres://me@host:99999/db", "postgres://me@/db", "postgres://me@h/d?sslmode=maybe"] {
            #expect(throws: LateInteractionError.self, "\(bad)") { try PostgresURL(bad) }
        }
    }
}
