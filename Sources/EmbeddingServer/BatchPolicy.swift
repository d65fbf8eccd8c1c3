/// When a model worker runs a batch, which queued inputs go in it, and on how many cores.
struct BatchPolicy: Sendable {
    let options: BatchingOptions

    /// The most a batch of `lane` may cost: tokens for text, patches for images.
    func maxCost(_ lane: BatchLane) -> Int {
        switch lane {
        case .text: options.maxBatchTokens
        case .image: options.maxBatchPatches
        }
    }

    /// Decides at `now`, for one of `workers` model workers. `target` is this worker's previous
    /// batch size: when fewer inputs than that are queued and `maxWait` is set, the worker waits
    /// (at most `maxWait` after the oldest input arrived) for the batch to fill again, since
    /// closed-loop clients answer each response with a new request within a fraction of a
    /// millisecond. The default `maxWait` is zero, because on a CPU the wait idles a core for
    /// less than it saves (see ``BatchingOptions/maxWait``). A lone client has target 1 and
    /// never waits.
    ///
    /// Where the batch runs: a lone input with every worker idle runs on all cores (the lowest
    /// latency for it); otherwise each worker runs its batch on its own core, taking an even
    /// share of the queue when the others are idle and what is there when they are busy. Workers
    /// on their own cores never wait for each other, so while one computes, the clients of the
    /// other's last batch are already sending their next requests: the round trip no longer
    /// leaves the cores idle, nor does one core wait for the other's share of a shared batch.
    func decide(state: inout BatchQueue.State, target: Int, workers: Int, now: ContinuousClock.Instant) -> BatchQueue.Decision {
        guard state.count > 0 else { return state.stopped ? .stop : .wait(until: nil) }
        // While one worker's batch holds every core, the others wait for it to finish.
        guard !state.exclusive else { return .wait(until: nil) }
        // The lane whose oldest request is oldest goes first, so neither kind starves.
        var lane = BatchLane.text
        var oldest: ContinuousClock.Instant?
        for candidate in BatchLane.allCases {
            if let head = state.oldest(in: candidate), oldest.map({ head < $0 }) ?? true {
                lane = candidate
                oldest = head
            }
        }
        guard let oldest else { return .wait(until: nil) }
        let queued = state.counts[lane, default: 0]
        let wanted = max(1, min(target, options.maxBatchInputs))
        if queued < wanted, !state.stopped {
            let goAt = oldest + options.maxWait
            if state.costs[lane, default: 0] < maxCost(lane), now < goAt { return .wait(until: goAt) }
        }
        let othersIdle = state.busyWorkers == 0
        let allCores = workers <= 1 || (othersIdle && queued == 1)
        let share = othersIdle && !allCores ? (queued + workers - 1) / workers : queued
        let limit = max(1, min(share, options.maxBatchInputs))
        var taken: [WorkItem] = []
        var expired: [PendingEmbedding] = []
        var cost = 0
        while taken.count < limit, let slot = state.front(of: lane) {
            if slot.request.isFinished {
                _ = state.dropFront(of: lane)
                continue
            }
            if let deadline = slot.request.deadline, now >= deadline {
                _ = state.dropFront(of: lane)
                expired.append(slot.request)
                continue
            }
            // One input over the cost limit still runs, alone.
            guard let next = slot.items.first, taken.isEmpty || cost + next.input.cost <= maxCost(lane) else { break }
            guard let item = state.takeOne(of: lane) else { break }
            cost += item.input.cost
            taken.append(item)
        }
        return .take(taken, expired: expired, allCores: allCores)
    }
}
