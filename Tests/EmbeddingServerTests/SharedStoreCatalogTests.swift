import Foundation
import LateInteraction
import PostgresStore
import Testing
import WireProtocol
@testable import EmbeddingServer

/// Two servers on one PostgreSQL database: each server's catalog sees the collections the other
/// creates, drops and re-creates at once (the local store's catalog caches, since it owns its
/// folder alone; a shared store's must not).
@Suite(.enabled(
    if: ProcessInfo.processInfo.environment["MULTIEMBED_TEST_POSTGRES_URL"].map { !$0.isEmpty } ?? false,
    "needs MULTIEMBED_TEST_POSTGRES_URL (scripts/start-postgres; make test sets it)"))
struct SharedStoreCatalogTests {
    static func catalog() throws -> CollectionCatalog {
        let url = ProcessInfo.processInfo.environment["MULTIEMBED_TEST_POSTGRES_URL"]!
        return CollectionCatalog(store: try PostgresVectorStore(url: url), dataDirectory: nil)
    }

    @Test func eachServerSeesTheOthersCollections() throws {
        let first = try Self.catalog(), second = try Self.catalog()
        let name = "catalog-\(UInt32.random(in: 0 ... .max))"
        defer { try? first.drop(name) }
        // The second server looks before the collection exists, as a cache would remember.
        #expect(try second.specs()[name] == nil)
        #expect(throws: ServerError.self) { try second.spec(of: name) }

        try first.create(CollectionSpec(name: name, dimension: 8))
        #expect(try second.spec(of: name).dimension == 8)
        #expect(try second.specs()[name]?.dimension == 8)
        // A create of a name another server took is ALREADY_EXISTS, even with the same settings.
        do throws(ServerError) {
            try second.create(CollectionSpec(name: name, dimension: 8))
            Issue.record("a second create of '\(name)' succeeded")
        } catch {
            #expect(error.code == .alreadyExists)
        }

        try second.drop(name)
        do throws(ServerError) {
            _ = try first.spec(of: name)
            Issue.record("'\(name)' was dropped by the other server but is still found")
        } catch {
            #expect(error.code == .notFound)
        }
        try second.create(CollectionSpec(name: name, dimension: 16))
        #expect(try first.spec(of: name).dimension == 16)
    }
}
