import NIOCore
import NIOPosix

/// The bookkeeping of one closed-loop benchmark client, confined to its connection's event loop:
/// which request is next, each answer's latency, the errors, and the end.
///
/// Why the clients run on the event loop: the load generator shares the machine (two cores in
/// our measurements) with the server it measures. A client written with `async`/`await` over
/// `NIOAsyncChannel` hands every answer from the event loop to a task and every request back
/// to the event loop, two thread wake-ups per request that the server pays for in lost cores.
/// Sending the next request from the handler that read the answer costs neither.
final class ClosedLoopLedger {
    private let counter: RequestCounter
    private let inputs: [String]
    private let done: EventLoopPromise<BenchServer.LoadResult>
    private var result = BenchServer.LoadResult()
    private var sentAt = ContinuousClock.now
    private var finished = false

    init(counter: RequestCounter, inputs: [String], done: EventLoopPromise<BenchServer.LoadResult>) {
        self.counter = counter
        self.inputs = inputs
        self.done = done
    }

    /// The next request's number and text, its clock started; nil when every request is taken.
    func next() -> (number: Int, text: String)? {
        guard let number = counter.next() else { return nil }
        sentAt = .now
        return (number, inputs[number % inputs.count])
    }

    /// The answer to the request last taken arrived: `failure` describes what was wrong with it.
    func answered(failure: String?) {
        result.latencies.append(secondsSince(sentAt))
        if let failure {
            result.errors += 1
            result.firstError = result.firstError ?? failure
        }
    }

    /// Every request is answered.
    func finish() {
        guard !finished else { return }
        finished = true
        done.succeed(result)
    }

    /// The connection failed before every request was answered.
    func fail(_ error: any Error) {
        guard !finished else { return }
        finished = true
        done.fail(error)
    }
}

extension BenchServer {
    /// Connects one closed-loop client on an event loop of its own choosing and waits until it
    /// has taken its last request. `configure` builds the connection's pipeline (on its event
    /// loop), with handlers that drive the loop with the ledger it is given.
    static func runClosedLoop(
        host: String, port: Int, inputs: [String], counter: RequestCounter,
        configure: @escaping @Sendable (ClosedLoopLedger, any Channel) throws -> Void
    ) async throws -> LoadResult {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let done = loop.makePromise(of: LoadResult.self)
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: loop)
                .channelOption(.tcpOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let ledger = ClosedLoopLedger(counter: counter, inputs: inputs, done: done)
                        try configure(ledger, channel)
                    }
                }
                .connect(host: host, port: port).get()
        } catch {
            done.fail(error)
            throw error
        }
        do {
            let result = try await done.futureResult.get()
            try? await channel.close()
            return result
        } catch {
            try? await channel.close()
            throw error
        }
    }
}
