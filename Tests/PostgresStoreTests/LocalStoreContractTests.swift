import EmbeddingTesting
import LateInteraction
import Testing

/// The collection contract on the local store: the reference the PostgreSQL store is held to.
@Suite struct LocalStoreContractTests {
    let directory: TemporaryDirectory
    let contract: CollectionContract

    init() throws {
        directory = try TemporaryDirectory()
        contract = CollectionContract(store: try LocalVectorStore(directory: directory.url.path))
    }

    @Test func createListDrop() throws { try contract.createListDrop() }
    @Test func putReplaceGetDelete() throws { try contract.putReplaceGetDelete() }
    @Test func upsertChecks() throws { try contract.upsertChecks() }
    @Test(arguments: [StoragePrecision.float32, .float16])
    func searchEqualsExact(_ precision: StoragePrecision) throws { try contract.searchEqualsExact(precision: precision) }
    @Test func pooledSearch() throws { try contract.pooledSearch() }
    @Test func denseCollection() throws { try contract.denseCollection() }
    @Test func poolingAndTruncation() throws { try contract.poolingAndTruncation() }
}
