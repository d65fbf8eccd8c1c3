import ArgumentParser
import Foundation
import NIOCore
import NIOPosix
import Synchronization
import WireProtocol

/// `multiembed bench server`: a load generator over real sockets. Each of `--concurrency`
/// clients has its own connection and sends one text per request, waiting for each answer
/// before the next (closed loop), until `--requests` requests are answered in all; through the
/// framed protocol (`--port`), the gRPC door (`--transport grpc`) or the HTTP door
/// (`--transport http`, OpenAI's route or the native one by `--http-route`), the door's port as
/// `--port`.
struct BenchServer: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "server",
        abstract: "Server throughput: prints transport=T requests=N concurrency=C seconds=S texts_per_s=T p50_ms p95_ms p99_ms.")

    @Option(name: .long, help: "Server address.")
    var host = "127.0.0.1"

    @Option(name: .long, help: "Server port (the gRPC or HTTP door's with --transport grpc or http).")
    var port = 7878

    /// The door the clients speak to.
    enum Transport: String, ExpressibleByArgument, CaseIterable {
        case framed, grpc, http
    }

    @Option(name: .long, help: "framed (the protocol of Protos/README.md), grpc (serve --grpc-port) or http (serve --http-port).")
    var transport: Transport = .framed

    @Option(
        name: .long,
        help: "With --transport http: openai (POST /v1/embeddings, encoding_format float) or native (POST /v1/native/embed).")
    var httpRoute: HTTPRoute = .openai

    @Option(name: .long, help: "Concurrent clients, each with its own connection.")
    var concurrency = 8

    @Option(name: .long, help: "Requests in all (one text each); default: one per text of the file.")
    var requests: Int?

    @Option(name: .long, help: "File of texts, one per line.")
    var texts: String

    @Option(name: .long, help: "Model name (default: the server's default model).")
    var model = ""

    @Option(name: .long, help: "API key, when the server requires one.")
    var apiKey = ""

    @Option(name: .long, help: "Untimed requests sent first, to warm the server up.")
    var warmup = 64

    func validate() throws {
        guard concurrency > 0 else { throw ValidationError("--concurrency must be positive") }
        if let requests, requests <= 0 { throw ValidationError("--requests must be positive") }
        guard warmup >= 0 else { throw ValidationError("--warmup must not be negative") }
    }

    func run() async throws {
        let inputs = try readTexts(texts)
        guard !inputs.isEmpty else { throw CommandFailure("\(texts) holds no texts") }
        let total = requests ?? inputs.count
        if warmup > 0 { _ = try await load(inputs, total: warmup) }
        let start = ContinuousClock.now
        let result = try await load(inputs, total: total)
        let seconds = secondsSince(start)
        let latencies = result.latencies.sorted()
        func percentile(_ p: Double) -> Double {
            guard !latencies.isEmpty else { return 0 }
            return latencies[min(latencies.count - 1, Int((p * Double(latencies.count)).rounded(.up)) - 1)] * 1000
        }
        let door = transport == .http ? "http route=\(httpRoute.rawValue)" : transport.rawValue
        print("transport=\(door) " + String(
            format: "requests=%d concurrency=%d seconds=%.3f texts_per_s=%.1f p50_ms=%.2f p95_ms=%.2f p99_ms=%.2f errors=%d",
            total, concurrency, seconds, Double(total) / seconds, percentile(0.5), percentile(0.95), percentile(0.99),
            result.errors))
        if result.errors > 0, let message = result.firstError { FileHandle.standardError.write(Data("first error: \(message)\n".utf8)) }
    }

    struct LoadResult: Sendable {
        var latencies: [Double] = []
        var errors = 0
        var firstError: String?
    }

    /// Sends `total` requests from `concurrency` clients; request i embeds `inputs[i % count]`.
    private func load(_ inputs: [String], total: Int) async throws -> LoadResult {
        let counter = RequestCounter(total: total)
        let host = host, port = port, apiKey = apiKey, transport = transport, route = httpRoute
        // OpenAI's API always names the model: the default is the first GET /v1/models lists.
        let model: String
        if transport == .http, route == .openai, self.model.isEmpty {
            model = try await Self.httpDefaultModel(host: host, port: port, apiKey: apiKey)
        } else {
            model = self.model
        }
        return try await withThrowingTaskGroup(of: LoadResult.self) { group in
            for _ in 0..<min(concurrency, total) {
                group.addTask {
                    switch transport {
                    case .framed:
                        try await Self.client(host: host, port: port, model: model, apiKey: apiKey, inputs: inputs, counter: counter)
                    case .grpc:
                        try await Self.grpcClient(host: host, port: port, model: model, apiKey: apiKey, inputs: inputs, counter: counter)
                    case .http:
                        try await Self.httpClient(
                            host: host, port: port, route: route, model: model, apiKey: apiKey, inputs: inputs, counter: counter)
                    }
                }
            }
            var combined = LoadResult()
            for try await part in group {
                combined.latencies += part.latencies
                combined.errors += part.errors
                combined.firstError = combined.firstError ?? part.firstError
            }
            return combined
        }
    }

    /// One closed-loop client of the framed protocol on its own connection, driven from its
    /// event loop (see ``ClosedLoopLedger``).
    private static func client(
        host: String, port: Int, model: String, apiKey: String, inputs: [String], counter: RequestCounter
    ) async throws -> LoadResult {
        try await runClosedLoop(host: host, port: port, inputs: inputs, counter: counter) { ledger, channel in
            try channel.pipeline.syncOperations.addHandlers([
                ByteToMessageHandler(FrameDecoder(maximumFrameBytes: Int(UInt32.max))),
                MessageToByteHandler(MessageFrameEncoder<Multiembed_V1_Request>()),
                FramedClosedLoopHandler(ledger: ledger, model: model, apiKey: apiKey),
            ])
        }
    }
}

/// Sends the framed protocol's embed requests one at a time, the next as soon as an answer is
/// read, and counts an answer with a status other than OK (or with per-input errors) as an error.
final class FramedClosedLoopHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = Multiembed_V1_Request

    private let ledger: ClosedLoopLedger
    private let model: String
    private let apiKey: String

    init(ledger: ClosedLoopLedger, model: String, apiKey: String) {
        self.ledger = ledger
        self.model = model
        self.apiKey = apiKey
    }

    func channelActive(context: ChannelHandlerContext) {
        sendNext(context: context)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let failure: String?
        do {
            let response = try Multiembed_V1_Response(frame: unwrapInboundIn(data))
            let ok = response.status.code == .ok && response.status.inputErrors.isEmpty
            failure = ok ? nil : "\(response.status.code): \(response.status.message)"
        } catch {
            failure = "an unreadable answer: \(error)"
        }
        ledger.answered(failure: failure)
        sendNext(context: context)
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
        guard let (number, text) = ledger.next() else {
            ledger.finish()
            return
        }
        var request = Multiembed_V1_Request()
        request.id = UInt64(number + 1)
        request.apiKey = apiKey
        var embed = Multiembed_V1_EmbedRequest()
        embed.model = model
        var input = Multiembed_V1_Input()
        input.text = text
        embed.inputs = [input]
        request.embed = embed
        context.writeAndFlush(wrapOutboundOut(request), promise: nil)
    }
}

/// Hands out request numbers 0..<total to the clients.
final class RequestCounter: Sendable {
    private let state: Mutex<Int>
    let total: Int

    init(total: Int) {
        self.total = total
        self.state = Mutex(0)
    }

    func next() -> Int? {
        state.withLock { next in
            guard next < total else { return nil }
            defer { next += 1 }
            return next
        }
    }
}
