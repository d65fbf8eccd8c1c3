@testable import EmbeddingServer
import EmbeddingClient
import EmbeddingTesting
import Foundation
import HTTPDoor
import HTTPTypes
import HummingbirdTesting
import Testing
import WireProtocol

@Suite("HTTP door: OpenAI's embeddings API and native JSON routes on the same core")
struct HTTPDoorTests {
    static let texts = ["a first sentence", "the second one, a little longer than the first", "3 é ü \u{1F600}"]

    @Test("POST /v1/embeddings returns the framed protocol's vectors bit for bit, as floats and as base64, with usage")
    func embeddingsMatchFramed() async throws {
        try await withHTTPServer { server in
            let framed = EmbeddingClient(host: "127.0.0.1", port: server.framedPort)
            let expected = try await framed.embed(texts: Self.texts)
            try await framed.shutdown()
            let model = expected.model
            let input = "[" + Self.texts.map(quoted).joined(separator: ",") + "]"

            let floatAnswer = try await server.send(.post, "/v1/embeddings", json: #"{"model":\#(quoted(model)),"input":\#(input)}"#)
            #expect(floatAnswer.status == 200, "\(floatAnswer.body)")
            #expect(floatAnswer.headers[.contentType] == "application/json")
            let object = floatAnswer.object
            #expect(object["object"] as? String == "list")
            #expect(object["model"] as? String == model)
            let data = try #require(object["data"] as? [[String: Any]])
            #expect(data.map { $0["index"] as? Int } == [0, 1, 2])
            #expect(data.allSatisfy { $0["object"] as? String == "embedding" })
            #expect(Self.floatArrays(in: floatAnswer.body) == expected.pooledVectors.map { $0 ?? [] })
            let usage = try #require(object["usage"] as? [String: Any])
            #expect(usage["prompt_tokens"] as? Int == expected.usage.tokens)
            #expect(usage["total_tokens"] as? Int == expected.usage.tokens)
            #expect(expected.usage.tokens > 0)

            let base64Answer = try await server.send(
                .post, "/v1/embeddings", json: #"{"model":\#(quoted(model)),"input":\#(input),"encoding_format":"base64","user":"u-1"}"#)
            #expect(base64Answer.status == 200, "\(base64Answer.body)")
            let encoded = try #require(base64Answer.object["data"] as? [[String: Any]]).map { $0["embedding"] as? String ?? "" }
            #expect(encoded.map { floats(Data(base64Encoded: $0) ?? Data()) } == expected.pooledVectors.map { $0 ?? [] })

            // A single string is one input.
            let single = try await server.send(.post, "/v1/embeddings", json: #"{"model":\#(quoted(model)),"input":\#(quoted(Self.texts[1]))}"#)
            #expect(Self.floatArrays(in: single.body) == [expected.pooledVectors[1] ?? []])
        }
    }

    @Test("GET /v1/models lists the served models as OpenAI's model objects; unknown models are 404 model_not_found")
    func models() async throws {
        try await withHTTPServer(models: [miniLM, tinyClip]) { server in
            let list = try await server.send(.get, "/v1/models")
            #expect(list.status == 200)
            let data = try #require(list.object["data"] as? [[String: Any]])
            let names = data.compactMap { $0["id"] as? String }
            #expect(names.count == 2)
            #expect(data.allSatisfy { $0["object"] as? String == "model" && $0["owned_by"] as? String == "multiembed" })
            let one = try await server.send(.get, "/v1/models/\(names[1])")
            #expect(one.status == 200)
            #expect(one.object["id"] as? String == names[1])
            let missing = try await server.send(.get, "/v1/models/no-such-model")
            #expect(missing.status == 404)
            #expect(missing.error["code"] as? String == "model_not_found")
            let embed = try await server.send(.post, "/v1/embeddings", json: #"{"model":"no-such-model","input":"x"}"#)
            #expect(embed.status == 404)
            #expect(embed.error["code"] as? String == "model_not_found")
            #expect(embed.error["param"] as? String == "model")
            #expect((embed.error["message"] as? String)?.contains("no-such-model") == true)
        }
    }

    @Test("with API keys: 401 with OpenAI's error object without a valid Bearer key; /health needs none")
    func authentication() async throws {
        try await withHTTPServer(configure: { $0.apiKeys = ["secret"] }) { server in
            let body = #"{"model":"all-MiniLM-L6-v2","input":"x"}"#
            for headers: HTTPFields in [[:], [.authorization: "Bearer nope"], [.authorization: "Basic c2VjcmV0"]] {
                let refused = try await server.send(.post, "/v1/embeddings", json: body, headers: headers)
                #expect(refused.status == 401)
                #expect(refused.error["type"] as? String == "invalid_request_error")
                #expect(refused.error["code"] as? String == "invalid_api_key")
                #expect(refused.error.keys.sorted() == ["code", "message", "param", "type"])
                #expect(refused.error["param"] is NSNull)
            }
            let models = try await server.send(.get, "/v1/models")
            #expect(models.status == 401)
            let native = try await server.send(.get, "/v1/native/info")
            #expect(native.status == 401)
            let good = try await server.send(.get, "/v1/models", headers: [.authorization: "Bearer secret"])
            #expect(good.status == 200)
            let health = try await server.send(.get, "/health")
            #expect(health.status == 200)
            #expect(health.object["status"] as? String == "SERVING_STATUS_SERVING")
        }
    }

    @Test("bad requests are 400 with OpenAI's error object naming the field; unknown routes 404")
    func badRequests() async throws {
        try await withHTTPServer(configure: { $0.limits.maxTextBytes = 16 }) { server in
            let cases: [(json: String, param: String?)] = [
                (#"{"model": "m", "input": ["x"#, nil),
                (#"[1, 2]"#, nil),
                (#"{"model": "m", "input": 5}"#, "input"),
                (#"{"model": "m", "input": [1, 2, 3]}"#, "input"),
                (#"{"model": "m", "input": [[1, 2], [3]]}"#, "input"),
                (#"{"model": "m", "input": []}"#, "input"),
                (#"{"model": "m", "input": ""}"#, "input"),
                (#"{"model": "m"}"#, "input"),
                (#"{"input": "x"}"#, "model"),
                (#"{"model": 3, "input": "x"}"#, "model"),
                (#"{"model": "m", "input": "x", "encoding_format": "hex"}"#, "encoding_format"),
                (#"{"model": "m", "input": "x", "dimensions": "many"}"#, "dimensions"),
                (#"{"model": "m", "input": "x", "dimensions": 0}"#, "dimensions"),
            ]
            for (json, param) in cases {
                let answer = try await server.send(.post, "/v1/embeddings", json: json)
                #expect(answer.status == 400, "\(json): \(answer.body)")
                #expect(answer.error["type"] as? String == "invalid_request_error", "\(json)")
                #expect(answer.error["param"] as? String == param, "\(json): \(answer.body)")
            }
            let tokens = try await server.send(.post, "/v1/embeddings", json: #"{"model": "m", "input": [1, 2]}"#)
            #expect((tokens.error["message"] as? String)?.contains("token-array inputs are not supported") == true)
            // LangChain's OpenAIEmbeddings is the usual sender: the answer says how to make it send text.
            #expect((tokens.error["message"] as? String)?.contains("check_embedding_ctx_length=False") == true)

            // One bad input fails the whole request, naming it (OpenAI has no per-input errors).
            let long = try await server.send(
                .post, "/v1/embeddings", json: #"{"model": "all-MiniLM-L6-v2", "input": ["short", "\#(String(repeating: "y", count: 40))"]}"#)
            #expect(long.status == 400, "\(long.body)")
            #expect((long.error["message"] as? String)?.contains("input 1:") == true, "\(long.body)")
            #expect(long.object["data"] == nil)

            // Matryoshka dimensions the model does not allow: the core's INVALID_ARGUMENT.
            let dimensions = try await server.send(
                .post, "/v1/embeddings", json: #"{"model": "all-MiniLM-L6-v2", "input": "x", "dimensions": 7}"#)
            #expect(dimensions.status == 400, "\(dimensions.body)")

            let unknown = try await server.send(.get, "/v2/nothing")
            #expect(unknown.status == 404)
            #expect(unknown.error["code"] as? String == "unknown_route")
            let wrongMethod = try await server.send(.get, "/v1/embeddings")
            #expect(wrongMethod.status == 404)
            let native = try await server.send(.post, "/v1/native/embed", json: #"{"inputs": [{"text": "x"}], "no_such_field": 1}"#)
            #expect(native.status == 400)
            #expect((native.error["message"] as? String)?.contains("EmbedRequest") == true, "\(native.body)")
            let nativeType = try await server.send(.post, "/v1/native/embed", json: #"{"inputs": "x"}"#)
            #expect(nativeType.status == 400)
            // The server is still serving after all of that.
            let fine = try await server.send(.post, "/v1/embeddings", json: #"{"model": "all-MiniLM-L6-v2", "input": "fine"}"#)
            #expect(fine.status == 200)
        }
    }

    @Test("a body over max_frame_bytes is 413, refused from its Content-Length or as it streams; oversized headers are refused")
    func limits() async throws {
        try await withHTTPServer(configure: { $0.limits.maxFrameBytes = 4096 }) { server in
            let big = try await server.send(
                .post, "/v1/embeddings", json: #"{"model": "all-MiniLM-L6-v2", "input": "\#(String(repeating: "z", count: 6000))"}"#)
            #expect(big.status == 413, "\(big.body)")
            #expect(big.error["code"] as? String == "request_too_large")
            #expect((big.error["message"] as? String)?.contains("max_frame_bytes (4096)") == true)
            let nativeBig = try await server.send(
                .post, "/v1/native/embed", json: #"{"inputs": [{"text": "\#(String(repeating: "z", count: 6000))"}]}"#)
            #expect(nativeBig.status == 413)
            // Header lists past the door's limits never reach a route, and the server goes on.
            let hugeHeader = try? await server.send(
                .get, "/health", headers: [HTTPField.Name("X-Filler")!: String(repeating: "h", count: 20 * 1024)])
            #expect(hugeHeader.map { $0.status >= 400 } ?? true)
            let small = try await server.send(.post, "/v1/embeddings", json: #"{"model": "all-MiniLM-L6-v2", "input": "fine"}"#)
            #expect(small.status == 200)
        }
    }

    @Test("HTTP connections count against max_connections_per_address with the other doors': one over is closed")
    func connectionLimit() async throws {
        try await withHTTPServer(configure: { $0.limits.maxConnectionsPerAddress = 1 }) { server in
            let held = TestClient(host: "127.0.0.1", port: server.httpPort)
            held.connect()
            let first = try await held.get("/health")
            #expect(first.status == .ok)
            let refused = try? await server.send(.get, "/health")
            #expect(refused == nil, "a second connection from the same address was served")
            try await held.shutdown()
            // Closed connections are counted out again.
            var served: HTTPAnswer?
            for _ in 0..<100 where served == nil {
                served = try? await server.send(.get, "/health")
                if served == nil { try await Task.sleep(for: .milliseconds(10)) }
            }
            #expect(served?.status == 200)
        }
    }

    @Test("a chunked body is 413 as soon as it grows past max_frame_bytes, without being read to its end")
    func chunkedBodyOverLimit() async throws {
        try await withHTTPServer(configure: { $0.limits.maxFrameBytes = 4096 }) { server in
            let socket = try LoopbackSocket(port: server.httpPort)
            let head = "POST /v1/embeddings HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
            rawSend(socket, Array(head.utf8))
            // 8 chunks of 1000 bytes, and never the last chunk: the server must not wait for it.
            for _ in 0..<8 { rawSend(socket, Array("3e8\r\n\(String(repeating: "a", count: 1000))\r\n".utf8)) }
            let answer = await rawReceive(socket)
            #expect(answer.hasPrefix("HTTP/1.1 413"), "\(answer)")
            #expect(answer.contains("max_frame_bytes (4096)"))
        }
    }

    @Test("X-Request-Timeout-Ms is the request's deadline: work it cannot finish in time is 504")
    func deadline() async throws {
        try await withHTTPServer(configure: { $0.batching.maxBatchInputs = 4 }) { server in
            let texts = (0..<256).map { quoted("a long queue of texts to keep the model busy for a while, number \($0)") }
            let long = #"{"model": "all-MiniLM-L6-v2", "input": [\#(texts.joined(separator: ","))]}"#
            async let busy = server.send(.post, "/v1/embeddings", json: long)
            try await Task.sleep(for: .milliseconds(20))
            let late = try await server.send(
                .post, "/v1/embeddings", json: #"{"model": "all-MiniLM-L6-v2", "input": "too late"}"#,
                headers: [HTTPField.Name("X-Request-Timeout-Ms")!: "5"])
            #expect(late.status == 504, "\(late.body)")
            #expect(late.error["code"] as? String == "deadline_exceeded")
            #expect(try await busy.status == 200)
        }
    }

    @Test("native embed: an image through proto3 JSON gets the framed protocol's vector; per-input errors ride in status")
    func nativeEmbed() async throws {
        try await withHTTPServer(models: [miniLM, tinyClip]) { server in
            let image = try Data(contentsOf: Fixtures.url("images/gradient-rgb.png"))
            let framed = EmbeddingClient(host: "127.0.0.1", port: server.framedPort)
            let info = try await framed.info()
            let clip = try #require(info.models.first { $0.name.contains("clip") }).name
            var options = EmbedOptions()
            options.model = clip
            let expected = try await framed.embed([.image(image), .text("a gradient")], options: options)
            try await framed.shutdown()

            let json = #"{"model": \#(quoted(clip)), "inputs": [{"image": {"data": "\#(image.base64EncodedString())"}}, {"text": "a gradient"}, {"image": {"data": "bm90IGFuIGltYWdl"}}], "output": "OUTPUT_POOLED"}"#
            let answer = try await server.send(.post, "/v1/native/embed", json: json)
            #expect(answer.status == 200, "\(answer.body)")
            let response = try Multiembed_V1_Response(jsonString: answer.body)
            guard case .embed(let embed) = response.body else {
                Issue.record("no embed body: \(answer.body)")
                return
            }
            #expect(embed.embeddings.count >= 2)
            #expect(embed.embeddings.prefix(2).map { floats($0.pooled.data) } == expected.pooledVectors.map { $0 ?? [] })
            // The third input is not an image: it fails alone, named in the status beside the body.
            #expect(response.status.inputErrors.map(\.index) == [2])
            #expect(response.status.inputErrors.first?.code == .invalidArgument)
            #expect(answer.object["status"] != nil)
            // An image given as a data URI is the same image.
            let uri = #"{"model": \#(quoted(clip)), "inputs": [{"image": {"data": "data:image/png;base64,\#(image.base64EncodedString())"}}]}"#
            let viaURI = try await server.send(.post, "/v1/native/embed", json: uri)
            #expect(viaURI.status == 200, "\(viaURI.body)")
            let uriResponse = try Multiembed_V1_Response(jsonString: viaURI.body)
            if case .embed(let uriEmbed) = uriResponse.body {
                #expect(uriEmbed.embeddings.map { floats($0.pooled.data) } == [expected.pooledVectors[0] ?? []])
            } else {
                Issue.record("no embed body: \(viaURI.body)")
            }
            // Field names as in the .proto files.
            #expect(answer.body.contains("\"input_errors\""))
        }
    }

    @Test("native info, list_collections and /health answer in proto3 JSON; core failures carry the status")
    func nativeInfoAndHealth() async throws {
        try await withHTTPServer(configure: { $0.limits.maxPatches = 1234 }) { server in
            let get = try await server.send(.get, "/v1/native/info")
            #expect(get.status == 200)
            let response = try Multiembed_V1_Response(jsonString: get.body)
            guard case .info(let info) = response.body else {
                Issue.record("no info body: \(get.body)")
                return
            }
            #expect(info.limits.maxPatches == 1234)
            #expect(!info.models.isEmpty)
            let post = try await server.send(.post, "/v1/native/info")
            #expect(post.status == 200)
            #expect(try Multiembed_V1_Response(jsonString: post.body) == response)
            // No data directory: FAILED_PRECONDITION, as through the framed door, as 400 with the status.
            let list = try await server.send(.post, "/v1/native/list_collections", json: "{}")
            #expect(list.status == 400, "\(list.body)")
            #expect(list.error["code"] as? String == "failed_precondition")
            #expect((list.object["status"] as? [String: Any])?["code"] as? String == "FAILED_PRECONDITION")
            let health = try await server.send(.get, "/health")
            #expect(health.status == 200)
            #expect(health.object["status"] as? String == "SERVING_STATUS_SERVING")
        }
    }

    @Test("GET /openapi.json serves Protos/openapi.json, which describes exactly the routes the door has")
    func openAPIDocument() async throws {
        let file = try String(contentsOf: Fixtures.repositoryRoot.appendingPathComponent("Protos/openapi.json"), encoding: .utf8)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(file.utf8)) as? [String: Any])
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        let documented = Set(paths.flatMap { path, operations in operations.keys.map { "\($0.uppercased()) \(path)" } })
        try await withHTTPServer { server in
            let routes = HTTPDoor.routes(
                core: server.server.core, configuration: server.server.configuration, answerBytes: server.server.answerBytes)
            #expect(Set(routes) == documented)
            #expect(routes.count == documented.count)
            let served = try await server.send(.get, "/openapi.json")
            #expect(served.status == 200)
            #expect(served.body.trimmingCharacters(in: .whitespacesAndNewlines) == file.trimmingCharacters(in: .whitespacesAndNewlines),
                    "run scripts/embed-openapi after editing Protos/openapi.json")
        }
    }

    /// The `"embedding": [...]` arrays of an embeddings response, each number read as a Float
    /// from its own digits (not through Double), so the comparison is bit for bit.
    static func floatArrays(in body: String) -> [[Float]] {
        body.components(separatedBy: #""embedding":["#).dropFirst().map { part in
            let numbers = part.prefix { $0 != "]" }
            return numbers.split(separator: ",").compactMap { Float(String($0)) }
        }
    }
}
