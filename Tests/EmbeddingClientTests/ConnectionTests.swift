import EmbeddingClient
import Foundation
import Testing
import WireProtocol

@Suite("Connection loss, timeouts and shutdown")
struct ConnectionTests {
    @Test("a dropped connection fails the waiting call with UNAVAILABLE; the next call reconnects")
    func reconnect() async throws {
        try await withFakeServer { server, client in
            let first = Task { await clientError { try await client.embed(texts: ["a"]) } }
            let dropped = try await server.next()[0]
            await dropped.connection.close()
            let error = try #require(await first.value)
            #expect(error.code == .unavailable)
            #expect(error.kind == .connectionClosed)
            #expect(error.isRetryable)

            let second = Task { try await client.embed(texts: ["b"]) }
            let request = try await server.next()[0]
            #expect(ObjectIdentifier(request.connection.channel) != ObjectIdentifier(dropped.connection.channel))
            try await request.connection.send(Responses.embed(answering: request.request))
            #expect(try await second.value.embeddings.count == 1)
        }
    }

    // The fake server never answers the call, so it can only end by the client's timer: a
    // broken timer hangs, and the time limit turns that into a failure. (A wall-clock bound on
    // the wait failed once at 58 s while other suites held both cores.)
    @Test("a call that gets no answer times out, and its timeout is sent as the deadline", .timeLimit(.minutes(2)))
    func timeout() async throws {
        try await withFakeServer { server, client in
            var options = EmbedOptions()
            options.timeout = .milliseconds(150)
            let call = Task { await clientError { try await client.embed(texts: ["a"], options: options) } }
            let request = try await server.next()[0]
            #expect(request.request.deadlineMs == 150)
            let error = try #require(await call.value)
            #expect(error.code == .deadlineExceeded)
            #expect(error.kind == .timedOut)
            // A late answer to the timed-out call is dropped; the connection keeps working.
            try await request.connection.send(Responses.embed(answering: request.request))
            let next = Task { try await client.health() }
            let health = try await server.next()[0]
            var response = Multiembed_V1_Response()
            response.id = health.request.id
            response.health.status = .serving
            response.health.queueDepth = 3
            try await health.connection.send(response)
            #expect(try await next.value == HealthStatus(status: .serving, queueDepth: 3))
        }
    }

    @Test("an explicit deadline is sent as deadline_ms, rounded up to whole milliseconds")
    func deadline() async throws {
        try await withFakeServer { server, client in
            var options = EmbedOptions()
            options.deadline = .microseconds(2500)
            let call = Task { try await client.embed(texts: ["a"], options: options) }
            let request = try await server.next()[0]
            #expect(request.request.deadlineMs == 3)
            try await request.connection.send(Responses.embed(answering: request.request))
            _ = try await call.value
        }
    }

    @Test("cancelling the waiting task fails the call with CANCELLED")
    func cancellation() async throws {
        try await withFakeServer { server, client in
            let call = Task { await clientError { try await client.embed(texts: ["a"]) } }
            _ = try await server.next()
            call.cancel()
            let error = try #require(await call.value)
            #expect(error.kind == .cancelled)
            #expect(error.code == .cancelled)
        }
    }

    @Test("shutdown fails waiting calls and every later call")
    func shutdown() async throws {
        let server = try await FakeServer.start()
        let client = EmbeddingClient(host: "127.0.0.1", port: server.port)
        let call = Task { await clientError { try await client.embed(texts: ["a"]) } }
        _ = try await server.next()
        try await client.shutdown()
        #expect(try #require(await call.value).kind == .shutDown)
        #expect(await clientError { try await client.health() }?.kind == .shutDown)
        try await client.shutdown()
        try await server.shutdown()
    }

    @Test("no server listening is a connection failure with UNAVAILABLE")
    func connectionRefused() async throws {
        let reserved = try #require(ReservedPort())
        let client = EmbeddingClient(host: "127.0.0.1", port: reserved.port)
        let error = try #require(await clientError { try await client.connect() })
        #expect(error.kind == .connectionFailed)
        #expect(error.code == .unavailable)
        try await client.shutdown()
        withExtendedLifetime(reserved) {}
    }

    @Test("API key, prompt, dimensions and the other options reach the server")
    func requestFields() async throws {
        try await withFakeServer(configure: { $0.apiKey = "secret" }) { server, client in
            var options = EmbedOptions()
            options.model = "m"
            options.prompt = .named("query")
            options.output = .both
            options.dimensions = 128
            options.normalize = false
            options.truncate = .error
            let call = Task { [options] in try await client.embed(texts: ["a"], options: options) }
            var request = try await server.next()[0]
            #expect(request.request.apiKey == "secret")
            let embed = request.request.embed
            #expect(embed.model == "m")
            #expect(embed.prompt == .promptName("query"))
            #expect(embed.output == .both)
            #expect(embed.dimensions == 128)
            #expect(embed.normalize == .off)
            #expect(embed.truncate == .error)
            try await request.connection.send(Responses.embed(answering: request.request))
            _ = try await call.value

            options = EmbedOptions()
            options.prompt = .disabled
            let second = Task { [options] in try await client.embed(texts: ["a"], options: options) }
            request = try await server.next()[0]
            #expect(request.request.embed.prompt == .instruction(""))
            #expect(request.request.embed.normalize == .modelDefault)
            try await request.connection.send(Responses.embed(answering: request.request))
            _ = try await second.value
        }
    }

    @Test("a patch grid whose values do not match its shape is refused before sending")
    func patchShape() async throws {
        try await withFakeServer { server, client in
            let grid = PatchGrid(rows: 2, cols: 2, patchSize: 2, channels: 3, values: [Float](repeating: 0, count: 47))
            let error = try #require(await clientError { try await client.embed(patches: [grid]) })
            #expect(error.kind == .invalidRequest)
            #expect(error.code == .invalidArgument)

            let good = PatchGrid(rows: 1, cols: 1, patchSize: 1, channels: 2, values: [1.5, -2])
            let call = Task { try await client.embed(patches: [good]) }
            let request = try await server.next()[0]
            let patches = request.request.embed.inputs[0].patches
            #expect(patches.rows == 1 && patches.channels == 2)
            #expect(Array(patches.data) == [0, 0, 0xC0, 0x3F, 0, 0, 0, 0xC0])
            try await request.connection.send(Responses.embed(answering: request.request))
            _ = try await call.value
        }
    }

    @Test("a request over the frame limit fails alone, without closing the connection")
    func requestTooLarge() async throws {
        try await withFakeServer(configure: { $0.maximumRequestFrameBytes = 1000 }) { server, client in
            let answering = server.answerAll(Responses.embed(answering:))
            defer { answering.cancel() }
            let error = try #require(await clientError {
                try await client.embed(texts: [String(repeating: "x", count: 2000)])
            })
            #expect(error.code == .resourceExhausted)
            #expect(error.kind == .invalidRequest)
            #expect(try await client.embed(texts: ["small"]).embeddings.count == 1)
        }
    }
}

@Suite("Limits learned from the server")
struct LearnedLimitTests {
    @Test("after info(), a request over the server's frame limit fails alone, before sending")
    func serverFrameLimit() async throws {
        try await withFakeServer { server, client in
            let answering = server.answerAll { request in
                guard case .info? = request.body else { return Responses.embed(answering: request) }
                var response = Multiembed_V1_Response()
                response.id = request.id
                response.info.version = "9.9.9"
                response.info.limits.maxFrameBytes = 500
                var model = Multiembed_V1_ModelInfo()
                model.name = "m"
                model.dimension = 2
                model.inputKinds = [.text, .patches]
                model.prompts = ["query": "query: "]
                response.info.models = [model]
                return response
            }
            defer { answering.cancel() }
            #expect(try await client.embed(texts: [String(repeating: "x", count: 600)]).embeddings.count == 1)
            let info = try await client.info()
            #expect(info.version == "9.9.9")
            #expect(info.models.first?.inputKinds == [.text, .patches])
            #expect(info.models.first?.prompts == ["query": "query: "])
            let error = await clientError { try await client.embed(texts: [String(repeating: "x", count: 600)]) }
            #expect(error?.code == .resourceExhausted)
            #expect(error?.kind == .invalidRequest)
            #expect(try await client.embed(texts: ["small"]).embeddings.count == 1)
        }
    }

    @Test("a client dropped without shutdown() does not keep the test from finishing")
    func droppedClient() async throws {
        let server = try await FakeServer.start()
        let answering = server.answerAll(Responses.embed(answering:))
        do {
            let client = EmbeddingClient(host: "127.0.0.1", port: server.port)
            #expect(try await client.embed(texts: ["a"]).embeddings.count == 1)
        }
        answering.cancel()
        try await server.shutdown()
    }
}
