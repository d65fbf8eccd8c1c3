import ArgumentParser
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

extension BenchServer {
    /// The HTTP door's route the load goes to (`--http-route`).
    enum HTTPRoute: String, ExpressibleByArgument, CaseIterable {
        /// `POST /v1/embeddings`, OpenAI's body, `encoding_format` float (OpenAI's default, and
        /// the door's costliest answer: every value printed as a decimal).
        case openai
        /// `POST /v1/native/embed`, an EmbedRequest in proto3 JSON; the vectors come back as
        /// base64 of their float32 bytes.
        case native

        var path: String { self == .openai ? "/v1/embeddings" : "/v1/native/embed" }

        /// The request body for one text.
        func body(text: String, model: String) -> String {
            switch self {
            case .openai: #"{"input":\#(BenchServer.jsonString(text)),"model":\#(BenchServer.jsonString(model)),"encoding_format":"float"}"#
            case .native: #"{"model":\#(BenchServer.jsonString(model)),"inputs":[{"text":\#(BenchServer.jsonString(text))}]}"#
            }
        }
    }

    /// One closed-loop client of the HTTP door (`serve --http-port`) on its own HTTP/1.1
    /// keep-alive connection: each request one text, the next sent once the answer is read,
    /// from the connection's event loop (see ``ClosedLoopLedger``). `model` must be a name on
    /// the OpenAI route (OpenAI's API always names one): see
    /// ``httpDefaultModel(host:port:apiKey:)``.
    static func httpClient(
        host: String, port: Int, route: HTTPRoute, model: String, apiKey: String, inputs: [String],
        counter: RequestCounter
    ) async throws -> LoadResult {
        // Each text's body once, not once per request: the client's time is the server's loss.
        let bodies = inputs.map { ByteBuffer(string: route.body(text: $0, model: model)) }
        var headers = HTTPHeaders([("Host", host), ("Connection", "keep-alive"), ("Content-Type", "application/json")])
        if !apiKey.isEmpty { headers.add(name: "Authorization", value: "Bearer \(apiKey)") }
        let sharedHeaders = headers
        return try await runClosedLoop(host: host, port: port, inputs: inputs, counter: counter) { ledger, channel in
            try channel.pipeline.syncOperations.addHandlers([
                HTTPRequestEncoder(), ByteToMessageHandler(HTTPResponseDecoder()),
                HTTPClosedLoopHandler(ledger: ledger, route: route, bodies: bodies, headers: sharedHeaders),
            ])
        }
    }

    /// The server's default model, the first `GET /v1/models` lists: the OpenAI route's body
    /// must name a model.
    static func httpDefaultModel(host: String, port: Int, apiKey: String) async throws -> String {
        let connection = try await HTTPConnection(host: host, port: port, apiKey: apiKey)
        return try await connection.channel.executeThenClose { inbound, outbound in
            var answers = inbound.makeAsyncIterator()
            try await connection.send(.GET, "/v1/models", body: nil, to: outbound)
            let (status, answer) = try await HTTPConnection.readAnswer(from: &answers)
            struct Models: Decodable {
                struct Model: Decodable { var id: String }
                var data: [Model]
            }
            guard status == .ok, let first = try? JSONDecoder().decode(Models.self, from: Data(answer.utf8)).data.first else {
                throw CommandFailure("GET /v1/models answered HTTP \(status.code): \(answer.prefix(300))")
            }
            return first.id
        }
    }

    /// `value` as a JSON string literal.
    fileprivate static func jsonString(_ value: String) -> String {
        // JSONEncoder writes a lone String as a JSON string (fragments are allowed).
        (try? String(decoding: JSONEncoder().encode(value), as: UTF8.self)) ?? "\"\""
    }
}

/// An HTTP/1.1 client connection on NIOHTTP1, just enough for the benchmark: one request at a
/// time, keep-alive, whole bodies.
private struct HTTPConnection {
    let channel: NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>
    let host: String
    let apiKey: String

    init(host: String, port: Int, apiKey: String) async throws {
        self.host = host
        self.apiKey = apiKey
        channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .connect(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(wrappingChannelSynchronously: channel)
                }
            }
    }

    /// Writes one request: head, body (a JSON text), end.
    func send(_ method: HTTPMethod, _ path: String, body: String?, to outbound: NIOAsyncChannelOutboundWriter<HTTPClientRequestPart>)
        async throws
    {
        var headers = HTTPHeaders([("Host", host), ("Connection", "keep-alive")])
        if !apiKey.isEmpty { headers.add(name: "Authorization", value: "Bearer \(apiKey)") }
        var buffer: ByteBuffer?
        if let body {
            buffer = ByteBuffer(string: body)
            headers.add(name: "Content-Type", value: "application/json")
            headers.add(name: "Content-Length", value: String(body.utf8.count))
        }
        try await outbound.write(.head(HTTPRequestHead(version: .http1_1, method: method, uri: path, headers: headers)))
        if let buffer { try await outbound.write(.body(.byteBuffer(buffer))) }
        try await outbound.write(.end(nil))
    }

    /// The next answer's status and body.
    static func readAnswer(
        from answers: inout NIOAsyncChannelInboundStream<HTTPClientResponsePart>.AsyncIterator
    ) async throws -> (HTTPResponseStatus, String) {
        var status: HTTPResponseStatus?
        var body = ByteBuffer()
        while let part = try await answers.next() {
            switch part {
            case .head(let head): status = head.status
            case .body(var chunk): body.writeBuffer(&chunk)
            case .end:
                guard let status else { throw CommandFailure("the server ended an answer without its head") }
                return (status, String(buffer: body))
            }
        }
        throw CommandFailure("the server closed the connection")
    }
}

/// Sends one POST at a time on a keep-alive connection, the next as soon as an answer has been
/// read whole; an answer other than 200 (or, on the native route, one with a "status" beside
/// its vectors: per-input errors) counts as an error.
final class HTTPClosedLoopHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    private let ledger: ClosedLoopLedger
    private let route: BenchServer.HTTPRoute
    private let bodies: [ByteBuffer]
    private let headers: HTTPHeaders
    private var status: HTTPResponseStatus?
    private var answer = ByteBuffer()

    init(ledger: ClosedLoopLedger, route: BenchServer.HTTPRoute, bodies: [ByteBuffer], headers: HTTPHeaders) {
        self.ledger = ledger
        self.route = route
        self.bodies = bodies
        self.headers = headers
    }

    func channelActive(context: ChannelHandlerContext) {
        sendNext(context: context)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            status = head.status
            answer.clear()
        case .body(var chunk):
            answer.writeBuffer(&chunk)
        case .end:
            ledger.answered(failure: failure())
            status = nil
            sendNext(context: context)
        }
    }

    /// What was wrong with the answer just read whole, if anything.
    private func failure() -> String? {
        guard let status else { return "the server ended an answer without its head" }
        // A native answer with per-input errors is 200 with a "status" beside the body.
        if status == .ok, route != .native || answer.readableBytesView.firstRange(of: Array(#""status""#.utf8)) == nil {
            return nil
        }
        return "HTTP \(status.code): \(String(buffer: answer).prefix(300))"
    }

    func channelInactive(context: ChannelHandlerContext) {
        ledger.fail(CommandFailure("the server closed the connection"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        ledger.fail(error)
        context.close(promise: nil)
    }

    private func sendNext(context: ChannelHandlerContext) {
        guard let (number, _) = ledger.next() else {
            ledger.finish()
            return
        }
        let body = bodies[number % bodies.count]
        var headers = headers
        headers.add(name: "Content-Length", value: String(body.readableBytes))
        context.write(wrapOutboundOut(.head(HTTPRequestHead(version: .http1_1, method: .POST, uri: route.path, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }
}
