import EmbeddingClient
import Testing
import WireProtocol

/// Decoding of FLOAT16, INT8 and BINARY against values worked out by hand from the contract.
@Suite("Vector encodings")
struct EncodingTests {
    /// Sends one request with `encoding`, answers it with `response(id)`, returns the result.
    func roundTrip(
        encoding: VectorEncoding, output: EmbedOptions.Output = .pooled,
        response: @escaping @Sendable (UInt64) -> Multiembed_V1_Response
    ) async throws -> EmbedResult {
        try await withFakeServer { server, client in
            var options = EmbedOptions()
            options.encoding = encoding
            options.output = output
            let call = Task { try await client.embed(texts: ["x"], options: options) }
            let request = try await server.next()[0]
            #expect(request.request.embed.encoding == encoding.wireForTest)
            try await request.connection.send(response(request.request.id))
            return try await call.value
        }
    }

    @Test("FLOAT16: normal, negative, largest, subnormal and infinite halves decode exactly")
    func float16() async throws {
        // 1.0 = 0x3C00, -2.0 = 0xC000, 0.5 = 0x3800, 65504 = 0x7BFF (largest half),
        // 2^-24 = 0x0001 (smallest subnormal), 0x3555 = 1365/4096, -inf = 0xFC00, -0 = 0x8000.
        let halves: [UInt16] = [0x3C00, 0xC000, 0x3800, 0x7BFF, 0x0001, 0x3555, 0xFC00, 0x8000]
        let bytes = halves.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        let result = try await self.roundTrip(encoding: .float16) { id in
            Responses.single(id: id, pooled: Responses.vector(dimension: halves.count, bytes: bytes))
        }
        let values = try #require(result.embeddings[0].pooled?.values)
        #expect(values.map(\.bitPattern) == [1, -2, 0.5, 65504, 0x1p-24, 1365.0 / 4096, -.infinity, -0.0].map(\.bitPattern))
    }

    @Test("INT8: byte x scale, and the raw bytes")
    func int8() async throws {
        let bytes: [UInt8] = [127, 0x81, 0, 64, 0xFF]  // 127, -127, 0, 64, -1
        let result = try await self.roundTrip(encoding: .int8) { id in
            Responses.single(id: id, pooled: Responses.vector(dimension: 5, bytes: bytes, scale: 0.25))
        }
        let pooled = try #require(result.embeddings[0].pooled)
        #expect(pooled.values == [31.75, -31.75, 0, 16, -0.25])
        #expect(pooled.int8Values == [127, -127, 0, 64, -1])
        #expect(pooled.scale == 0.25)
        #expect(pooled.bits == nil)
    }

    @Test("BINARY: least significant bit first, +1 for set bits and -1 for clear ones")
    func binary() async throws {
        // 10 values: byte 0 = 0b0000_0101 sets bits 0 and 2; byte 1 = 0b10 sets bit 9.
        let result = try await self.roundTrip(encoding: .binary) { id in
            Responses.single(id: id, pooled: Responses.vector(dimension: 10, bytes: [0b0000_0101, 0b10]))
        }
        let pooled = try #require(result.embeddings[0].pooled)
        #expect(pooled.bits == [true, false, true, false, false, false, false, false, false, true])
        #expect(pooled.values == [1, -1, 1, -1, -1, -1, -1, -1, -1, 1])
        #expect(pooled.int8Values == nil)
    }

    @Test("INT8 multi-vector: one scale per row")
    func int8MultiVector() async throws {
        let result = try await self.roundTrip(encoding: .int8, output: .multiVector) { id in
            var rows = Multiembed_V1_MultiVector()
            rows.count = 2
            rows.dimension = 3
            rows.data = .init([1, 2, 0xFE, 127, 0, 0x81])  // [1, 2, -2], [127, 0, -127]
            rows.scales = [0.5, 2]
            return Responses.single(id: id, pooled: nil, multiVector: rows)
        }
        let multiVector = try #require(result.embeddings[0].multiVector)
        #expect(result.embeddings[0].pooled == nil)
        #expect(multiVector.values == [[0.5, 1, -1], [254, 0, -254]])
        #expect(multiVector.row(1).int8Values == [127, 0, -127])
    }

    @Test("BINARY multi-vector rows start on byte boundaries")
    func binaryMultiVector() async throws {
        let result = try await self.roundTrip(encoding: .binary, output: .both) { id in
            var rows = Multiembed_V1_MultiVector()
            rows.count = 2
            rows.dimension = 3
            rows.data = .init([0b011, 0b100])
            return Responses.single(
                id: id, pooled: Responses.vector(dimension: 3, bytes: [0b111]), multiVector: rows)
        }
        #expect(result.embeddings[0].multiVector?.values == [[1, 1, -1], [-1, -1, 1]])
        #expect(result.embeddings[0].pooled?.values == [1, 1, 1])
    }

    @Test("vector bytes that do not match the dimension are an invalid response, not a crash",
          arguments: [VectorEncoding.float32, .float16, .int8, .binary])
    func mismatchedBytes(encoding: VectorEncoding) async throws {
        try await withFakeServer { server, client in
            var options = EmbedOptions()
            options.encoding = encoding
            let call = Task { await clientError { try await client.embed(texts: ["x"], options: options) } }
            let request = try await server.next()[0]
            // A huge claimed dimension with 3 bytes of data.
            try await request.connection.send(
                Responses.single(id: request.request.id, pooled: Responses.vector(dimension: 1 << 30, bytes: [1, 2, 3])))
            let error = try #require(await call.value)
            #expect(error.kind == .invalidResponse)
        }
    }
}

extension VectorEncoding {
    var wireForTest: Multiembed_V1_Encoding {
        switch self {
        case .float32: .float32
        case .float16: .float16
        case .int8: .int8
        case .binary: .binary
        }
    }
}
