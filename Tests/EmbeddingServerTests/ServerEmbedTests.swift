import EmbeddingServer
import EmbeddingTesting
import Encoders
import Foundation
import Testing
import WireProtocol

extension ServerTests {
@Suite("Embedding over the wire")
struct ServerEmbedTests {
    @Test("FLOAT32 embeddings over the wire equal in-process TextEmbedder.embed bit for bit")
    func parityWithInProcess() async throws {
        let embedder = try #require(miniLM?.text)
        let expected = try embedder.embed(sampleTexts).map { try $0.get() }
        try await withServer { _, port in
            let connection = try await TestConnection(port: port)
            defer { connection.close() }
            let response = try #require(try await connection.call(embedRequest(id: 1, texts: sampleTexts)))
            #expect(response.id == 1)
            #expect(response.status.code == .ok)
            let embeddings = response.embed.embeddings
            #expect(embeddings.count == sampleTexts.count)
            for (index, embedding) in embeddings.enumerated() {
                #expect(embedding.index == UInt32(index))
                #expect(embedding.pooled.dimension == 384)
                #expect(floats(embedding.pooled.data) == expected[index].pooled)
            }
            #expect(response.embed.usage.tokens == UInt64(expected.reduce(0) { $0 + $1.tokenCount }))
            #expect(response.embed.model == "all-MiniLM-L6-v2")

            // One text per request, many at once: batched with each other, still identical.
            for (index, text) in sampleTexts.enumerated() {
                try await connection.send(embedRequest(id: UInt64(100 + index), texts: [text]))
            }
            for _ in sampleTexts {
                let single = try #require(try await connection.receive())
                let index = Int(single.id) - 100
                #expect(floats(try #require(single.embed.embeddings.first).pooled.data) == expected[index].pooled)
            }
        }
    }

    @Test("multi-vector output and Matryoshka-free options match in-process results")
    func multiVectorParity() async throws {
        let embedder = try #require(miniLM?.text)
        let expected = try embedder.embed(["query text"], options: TextEmbeddingOptions(normalize: false, output: .both))
            .map { try $0.get() }
        try await withServer { _, port in
            let connection = try await TestConnection(port: port)
            defer { connection.close() }
            let response = try #require(try await connection.call(embedRequest(id: 7, texts: ["query text"]) {
                $0.output = .both
                $0.normalize = .off
            }))
            let embedding = try #require(response.embed.embeddings.first)
            #expect(floats(embedding.pooled.data) == expected[0].pooled)
            let tokens = try #require(expected[0].tokenVectors)
            #expect(embedding.multiVector.count == UInt32(tokens.count))
            #expect(embedding.multiVector.dimension == 384)
            #expect(floats(embedding.multiVector.data) == tokens.flatMap { $0 })
        }
    }

    @Test("64 concurrent requests over 8 connections are all answered correctly")
    func concurrentRequests() async throws {
        let embedder = try #require(miniLM?.text)
        let expected = try embedder.embed(sampleTexts).map { try #require(try $0.get().pooled) }
        try await withServer { _, port in
            try await withThrowingTaskGroup(of: Int.self) { group in
                for connectionNumber in 0..<8 {
                    group.addTask {
                        let connection = try await TestConnection(port: port)
                        defer { connection.close() }
                        for requestNumber in 0..<8 {
                            let id = UInt64(connectionNumber * 8 + requestNumber + 1)
                            try await connection.send(embedRequest(id: id, texts: [sampleTexts[Int(id) % sampleTexts.count]]))
                        }
                        var correct = 0
                        for _ in 0..<8 {
                            let response = try #require(try await connection.receive())
                            let pooled = floats(try #require(response.embed.embeddings.first).pooled.data)
                            let want = expected[Int(response.id) % sampleTexts.count]
                            if pooled == want {
                                correct += 1
                            } else {
                                Issue.record("request \(response.id): status \(response.status.code), max difference \(Closeness.maxAbsDifference(pooled, want))")
                            }
                        }
                        return correct
                    }
                }
                var total = 0
                for try await correct in group { total += correct }
                #expect(total == 64)
            }
        }
    }

    @Test("a short request sent after a long one on the same connection is answered first")
    func outOfOrderResponses() async throws {
        let longTexts = (0..<512).map { "text number \($0) of a long request, with some words to make it longer" }
        try await withServer { _, port in
            let connection = try await TestConnection(port: port)
            defer { connection.close() }
            try await connection.send(embedRequest(id: 1, texts: longTexts))
            try await Task.sleep(for: .milliseconds(20))
            try await connection.send(embedRequest(id: 2, texts: ["short"]))
            let first = try #require(try await connection.receive())
            let second = try #require(try await connection.receive())
            #expect(first.id == 2)
            #expect(second.id == 1)
            #expect(second.embed.embeddings.count == 512)
        }
    }

    @Test("Info lists the model, its dimensions and the limits; Health says SERVING")
    func infoAndHealth() async throws {
        try await withServer(configure: {
            $0.limits.maxInputsPerRequest = 77
            $0.limits.maxResponseBytes = 5_000_000_000
            $0.limits.maxConnectionsPerAddress = 9
            $0.limits.maxAnswerBytesPerConnection = 123_456
            $0.limits.idleTimeout = .milliseconds(4_500)
            $0.limits.maxFailedAuthenticationsPerConnection = 5
            $0.limits.maxInFlightPerConnection = 33
            $0.limits.frameTimeout = .milliseconds(12_500)
        }) { _, port in
            let connection = try await TestConnection(port: port)
            defer { connection.close() }
            var request = Multiembed_V1_Request()
            request.id = 3
            request.info = .init()
            let info = try #require(try await connection.call(request)).info
            #expect(info.version == "0.1.0")
            #expect(info.models.first?.name == "all-MiniLM-L6-v2")
            #expect(info.models.first?.dimension == 384)
            #expect(info.models.first?.allowedDimensions == [384])
            #expect(info.models.first?.inputKinds == [.text, .page])
            #expect(info.models.first?.maxInputTokens == 256)
            #expect(info.limits.maxInputsPerRequest == 77)
            #expect(info.limits.maxResponseBytes == 5_000_000_000)
            #expect(info.limits.maxConnectionsPerAddress == 9)
            #expect(info.limits.maxAnswerBytesPerConnection == 123_456)
            #expect(info.limits.idleTimeoutMs == 4_500)
            #expect(info.limits.maxFailedAuthentications == 5)
            #expect(info.limits.maxInFlightPerConnection == 33)
            #expect(info.limits.frameTimeoutMs == 12_500)
            request.health = .init()
            let health = try #require(try await connection.call(request))
            #expect(health.health.status == .serving)
            #expect(health.id == 3)
        }
    }

    @Test("CLIP serves texts, images and patches in one request")
    func clipImagesAndPatches() async throws {
        let clip = try #require(tinyClip)
        let image = try #require(clip.image)
        let png = try Data(contentsOf: try #require(
            FileManager.default.contentsOfDirectory(at: Fixtures.url("images"), includingPropertiesForKeys: nil)
                .first { $0.pathExtension == "png" }))
        let expectedImage = try #require(try image.embed([.encoded(bytes: [UInt8](png), name: "x")]).first?.get().pooled)
        try await withServer(models: [tinyClip]) { _, port in
            let connection = try await TestConnection(port: port)
            defer { connection.close() }
            var request = embedRequest(id: 5, texts: ["a photo"])
            var input = Multiembed_V1_Input()
            input.image.data = png
            request.embed.inputs.append(input)
            var bad = Multiembed_V1_Input()
            bad.image.data = Data("not an image".utf8)
            request.embed.inputs.append(bad)
            let response = try #require(try await connection.call(request))
            #expect(response.status.code == .ok)
            #expect(response.embed.embeddings.count == 3)
            #expect(floats(response.embed.embeddings[1].pooled.data) == expectedImage)
            #expect(response.status.inputErrors.map(\.index) == [2])
            #expect(response.embed.usage.pixels > 0)
            #expect(response.embed.usage.patches > 0)
        }
    }

    @Test("the configured max_patches is the limit the encoder applies, above and below its default")
    func configuredMaxPatches() async throws {
        let clip = try #require(tinyClip)
        let config = try #require(clip.image).vision.config
        func patches(rows: Int, cols: Int) -> Multiembed_V1_Input {
            var input = Multiembed_V1_Input()
            input.patches.rows = UInt32(rows)
            input.patches.cols = UInt32(cols)
            input.patches.patchSize = UInt32(config.patchSize)
            input.patches.channels = UInt32(config.numChannels)
            let count = rows * cols * config.numChannels * config.patchSize * config.patchSize
            input.patches.data = (0..<count).map { Float($0 % 7) / 7 }.withUnsafeBufferPointer { Data(buffer: $0) }
            return input
        }
        // 50x100 = 5000 patches: over the default of 4096, under a configured 8192.
        try await withServer(models: [tinyClip], configure: { $0.limits.maxPatches = 8192 }) { _, port in
            let connection = try await TestConnection(port: port)
            defer { connection.close() }
            var request = embedRequest(id: 1, texts: [])
            request.embed.inputs = [patches(rows: 50, cols: 100)]
            let response = try #require(try await connection.call(request))
            #expect(response.status.code == .ok, "\(response.status.message)")
            #expect(response.status.inputErrors.isEmpty)
            #expect(response.embed.usage.patches == 5000)
        }
        try await withServer(models: [tinyClip], configure: { $0.limits.maxPatches = 16 }) { _, port in
            let connection = try await TestConnection(port: port)
            defer { connection.close() }
            var request = embedRequest(id: 2, texts: [])
            request.embed.inputs = [patches(rows: 4, cols: 4), patches(rows: 4, cols: 5)]
            let response = try #require(try await connection.call(request))
            #expect(response.status.inputErrors.map(\.index) == [1])
            #expect(response.status.inputErrors.first?.message.contains("max_patches (16)") == true)
        }
    }
}
}
