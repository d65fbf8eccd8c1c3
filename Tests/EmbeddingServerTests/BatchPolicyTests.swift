@testable import EmbeddingServer
import Encoders
import Testing
import Tokenizers

@Suite("Batch policy")
struct BatchPolicyTests {
    static func request(inputs: Int, deadline: ContinuousClock.Instant? = nil, client: ClientKey = .unattributed) -> PendingEmbedding {
        PendingEmbedding(inputCount: inputs, queuedCount: inputs, receivedAt: .now, deadline: deadline, client: client)
    }

    static func items(_ request: PendingEmbedding, lengths: [Int], at instant: ContinuousClock.Instant) -> [WorkItem] {
        lengths.enumerated().map { index, length in
            WorkItem(
                request: request, index: index,
                input: .text(TokenizedText(ids: Array(repeating: 1, count: length), wasTruncated: false), TextEmbeddingOptions()),
                enqueuedAt: instant)
        }
    }

    static func policy(maxInputs: Int = 4, maxTokens: Int = 100, maxWait: Duration = .milliseconds(2)) -> BatchPolicy {
        var options = BatchingOptions()
        options.maxBatchInputs = maxInputs
        options.maxBatchTokens = maxTokens
        options.maxWait = maxWait
        return BatchPolicy(options: options)
    }

    @Test("a batch takes one input of each request in turn, so a short request is not stuck behind a long one")
    func roundRobin() {
        let now = ContinuousClock.now
        let long = Self.request(inputs: 10)
        let short = Self.request(inputs: 1)
        var state = BatchQueue.State()
        state.append(Self.items(long, lengths: Array(repeating: 5, count: 10), at: now), lane: .text)
        state.append(Self.items(short, lengths: [5], at: now), lane: .text)
        guard case .take(let batch, _, _) = Self.policy().decide(state: &state, target: 1, workers: 1, now: now) else {
            Issue.record("expected a batch")
            return
        }
        #expect(batch.count == 4)
        #expect(batch.contains { $0.request === short })
        #expect(state.count == 7)
    }

    @Test("clients take turns: one request of a client is not stuck behind many requests of another")
    func clientsTakeTurns() {
        let now = ContinuousClock.now
        let busy = ClientKey.next(), quiet = ClientKey.next()
        var state = BatchQueue.State()
        let many = (0 ..< 8).map { _ in Self.request(inputs: 1, client: busy) }
        for request in many { state.append(Self.items(request, lengths: [5], at: now), lane: .text) }
        let lone = Self.request(inputs: 1, client: quiet)
        state.append(Self.items(lone, lengths: [5], at: now + .milliseconds(1)), lane: .text)
        guard case .take(let batch, _, _) = Self.policy(maxInputs: 2).decide(state: &state, target: 1, workers: 1, now: now) else {
            Issue.record("expected a batch")
            return
        }
        // Request by request, the lone one would be ninth; client by client it is second.
        #expect(batch.map { $0.request === lone } == [false, true])
        #expect(state.count == 7)
        #expect(state.counts[.text] == 7)
        // The busy client's requests then follow in the order they came.
        guard case .take(let rest, _, _) = Self.policy(maxInputs: 8).decide(state: &state, target: 1, workers: 1, now: now) else { return }
        #expect(rest.map { item in many.firstIndex { $0 === item.request } } == Array(1 ..< 8).map(Optional.some))
        #expect(state.count == 0)
    }

    @Test("a batch stops at the token limit, but one input over it still runs alone")
    func tokenLimit() {
        let now = ContinuousClock.now
        var state = BatchQueue.State()
        state.append(Self.items(Self.request(inputs: 3), lengths: [60, 60, 60], at: now), lane: .text)
        guard case .take(let first, _, _) = Self.policy().decide(state: &state, target: 1, workers: 1, now: now) else { return }
        #expect(first.count == 1)
        var big = BatchQueue.State()
        big.append(Self.items(Self.request(inputs: 1), lengths: [500], at: now), lane: .text)
        guard case .take(let alone, _, _) = Self.policy().decide(state: &big, target: 1, workers: 1, now: now) else { return }
        #expect(alone.count == 1)
    }

    @Test("fewer inputs than the last batch wait up to max wait; a lone client never waits")
    func adaptiveWait() {
        let now = ContinuousClock.now
        var state = BatchQueue.State()
        state.append(Self.items(Self.request(inputs: 2), lengths: [5, 5], at: now), lane: .text)
        guard case .wait(let until?) = Self.policy().decide(state: &state, target: 4, workers: 1, now: now) else {
            Issue.record("expected a wait")
            return
        }
        #expect(until == now + .milliseconds(2))
        guard case .take(let batch, _, _) = Self.policy().decide(state: &state, target: 4, workers: 1, now: now + .milliseconds(3)) else {
            Issue.record("expected a batch after max wait")
            return
        }
        #expect(batch.count == 2)
        var single = BatchQueue.State()
        single.append(Self.items(Self.request(inputs: 1), lengths: [5], at: now), lane: .text)
        guard case .take = Self.policy().decide(state: &single, target: 1, workers: 1, now: now) else {
            Issue.record("a lone client's input should run at once")
            return
        }
    }

    @Test("by default nothing waits: fewer inputs than the last batch run at once, on the worker's own core")
    func defaultTakesAtOnce() {
        let now = ContinuousClock.now
        var state = BatchQueue.State()
        state.append(Self.items(Self.request(inputs: 2), lengths: [5, 5], at: now), lane: .text)
        state.busyWorkers = 1
        let policy = BatchPolicy(options: BatchingOptions())
        #expect(policy.options.maxWait == .zero)
        guard case .take(let batch, _, let allCores) = policy.decide(state: &state, target: 4, workers: 2, now: now) else {
            Issue.record("expected a batch at once")
            return
        }
        #expect(batch.count == 2)
        #expect(!allCores)
    }

    @Test("expired and cancelled requests are dropped before inference")
    func expiredAndCancelled() async {
        let now = ContinuousClock.now
        let expired = Self.request(inputs: 2, deadline: now - .milliseconds(1))
        let cancelled = Self.request(inputs: 2)
        cancelled.finish(.failure(.cancelled))
        let live = Self.request(inputs: 1)
        var state = BatchQueue.State()
        state.append(Self.items(expired, lengths: [5, 5], at: now), lane: .text)
        state.append(Self.items(cancelled, lengths: [5, 5], at: now), lane: .text)
        state.append(Self.items(live, lengths: [5], at: now), lane: .text)
        guard case .take(let batch, let dropped, _) = Self.policy().decide(state: &state, target: 1, workers: 1, now: now) else { return }
        #expect(batch.count == 1)
        #expect(batch.first?.request === live)
        #expect(dropped.count == 1 && dropped.first === expired)
        #expect(state.count == 0)
        _ = expired.isLive(at: now)
        guard case .failure(let error) = await expired.result() else {
            Issue.record("expected DEADLINE_EXCEEDED")
            return
        }
        #expect(error.code == .deadlineExceeded)
    }

    @Test("with idle workers, a lone input runs on every core and a larger queue is shared out")
    func workersShareTheQueue() {
        let now = ContinuousClock.now
        var single = BatchQueue.State()
        single.append(Self.items(Self.request(inputs: 1), lengths: [5], at: now), lane: .text)
        guard case .take(let alone, _, let allCores) = Self.policy().decide(state: &single, target: 1, workers: 2, now: now) else {
            Issue.record("expected a batch")
            return
        }
        #expect(alone.count == 1 && allCores)

        var eight = BatchQueue.State()
        for _ in 0 ..< 8 { eight.append(Self.items(Self.request(inputs: 1), lengths: [5], at: now), lane: .text) }
        let policy = Self.policy(maxInputs: 32, maxTokens: 1000)
        guard case .take(let share, _, let shared) = policy.decide(state: &eight, target: 1, workers: 2, now: now) else {
            Issue.record("expected a batch")
            return
        }
        #expect(share.count == 4 && !shared)
        #expect(eight.count == 4)
    }

    @Test("while another worker computes, a worker takes what is queued on its own core; while one holds every core, it waits")
    func busyAndExclusiveWorkers() {
        let now = ContinuousClock.now
        let policy = Self.policy(maxInputs: 32, maxTokens: 1000)
        var state = BatchQueue.State()
        for _ in 0 ..< 3 { state.append(Self.items(Self.request(inputs: 1), lengths: [5], at: now), lane: .text) }
        state.exclusive = true
        state.busyWorkers = 1
        guard case .wait(nil) = policy.decide(state: &state, target: 1, workers: 2, now: now) else {
            Issue.record("expected to wait for the exclusive batch")
            return
        }
        state.exclusive = false
        guard case .take(let batch, _, let allCores) = policy.decide(state: &state, target: 1, workers: 2, now: now) else {
            Issue.record("expected a batch")
            return
        }
        #expect(batch.count == 3 && !allCores)
    }
}
