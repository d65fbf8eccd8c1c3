import EmbeddingClient
import Testing
import WireProtocol

@Suite("Status codes and per-input errors")
struct StatusErrorTests {
    @Test("a non-OK status becomes an EmbeddingClientError with its code and message",
          arguments: [
            (Multiembed_V1_Code.notFound, StatusCode.notFound),
            (.resourceExhausted, .resourceExhausted), (.unauthenticated, .unauthenticated),
            (.deadlineExceeded, .deadlineExceeded), (.unavailable, .unavailable),
            (.dataLoss, .dataLoss), (.failedPrecondition, .failedPrecondition),
            (.UNRECOGNIZED(42), .unknown),
          ])
    func statusMapsToCode(wire: Multiembed_V1_Code, expected: StatusCode) async throws {
        try await withFakeServer { server, client in
            let call = Task { await clientError { try await client.embed(texts: ["x"]) } }
            let request = try await server.next()[0]
            try await request.connection.send(failure(id: request.request.id, code: wire, message: "nope"))
            let error = try #require(await call.value)
            #expect(error.code == expected)
            #expect(error.kind == .status)
            #expect(error.message == "nope")
        }
    }

    @Test("all-or-nothing failure carries the culprits")
    func allOrNothing() async throws {
        try await withFakeServer { server, client in
            var options = EmbedOptions()
            options.allOrNothing = true
            let call = Task { await clientError { try await client.embed(texts: ["a", "b", "c"], options: options) } }
            let request = try await server.next()[0]
            #expect(request.request.embed.allOrNothing)
            var response = failure(id: request.request.id, code: .invalidArgument, message: "input 2 failed")
            var inputError = Multiembed_V1_InputError()
            inputError.index = 2
            inputError.code = .invalidArgument
            inputError.message = "too long"
            response.status.inputErrors = [inputError]
            try await request.connection.send(response)
            let error = try #require(await call.value)
            #expect(error.code == .invalidArgument)
            #expect(error.inputErrors == [InputError(index: 2, code: .invalidArgument, message: "too long")])
        }
    }

    @Test("a failed input is reported alone; the others keep their vectors")
    func perInputErrors() async throws {
        try await withFakeServer { server, client in
            let call = Task { try await client.embed(texts: ["a", "", "c"]) }
            let request = try await server.next()[0]
            var response = Responses.embed(answering: request.request)
            response.embed.embeddings[1].clearPooled()
            var inputError = Multiembed_V1_InputError()
            inputError.index = 1
            inputError.code = .invalidArgument
            inputError.message = "bad input"
            response.status.inputErrors = [inputError]
            try await request.connection.send(response)
            let result = try await call.value
            #expect(result.inputErrors == [InputError(index: 1, code: .invalidArgument, message: "bad input")])
            #expect(result.embeddings[1].error?.code == .invalidArgument)
            #expect(result.embeddings[1].pooled == nil)
            #expect(result.embeddings[0].error == nil)
            #expect(result.embeddings[2].pooled?.values == [Float(request.request.id), 2])
            #expect(result.usage.tokens == 3)
            #expect(result.model == "fake")
        }
    }

    @Test("an answer with the wrong number of embeddings is an invalid response")
    func wrongEmbeddingCount() async throws {
        try await withFakeServer { server, client in
            let call = Task { await clientError { try await client.embed(texts: ["a", "b"]) } }
            let request = try await server.next()[0]
            try await request.connection.send(
                Responses.single(id: request.request.id, pooled: Responses.vector(float32: [1])))
            let error = try #require(await call.value)
            #expect(error.kind == .invalidResponse)
        }
    }
}
