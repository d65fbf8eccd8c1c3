import EmbeddingServer
import EmbeddingTesting
import Encoders
import Foundation
import Testing
import WireProtocol

/// Info says each served model's compute precision (ModelInfo.compute_precision).
@Suite struct ServerComputePrecisionTests {
    @Test func infoNamesEachModelsPrecision() async throws {
        let bf16 = try ModelBundle.load(directory: Fixtures.url("tiny-clip"), computePrecision: .bf16)
        let float32 = try ModelBundle.load(directory: Fixtures.url("tiny-siglip2"))
        try await withServer(models: [bf16, float32]) { _, port in
            let connection = try await TestConnection(port: port)
            defer { connection.close() }
            var request = Multiembed_V1_Request()
            request.id = 1
            request.info = .init()
            let models = try #require(try await connection.call(request)?.info.models)
            #expect(models.map(\.computePrecision) == [.bf16, .float32])
        }
    }
}
