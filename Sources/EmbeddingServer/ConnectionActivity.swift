import NIOCore
import Synchronization

/// What one connection's channel handlers and its request loop share: the requests being worked
/// on, the failed authentications, and when the connection last did something.
///
/// A connection is idle when no request is in flight, no frame is partly read, and nothing was
/// read or answered for ``ServerLimits/idleTimeout``; ``IdleConnectionWatch`` then closes it.
final class ConnectionActivity: Sendable {
    /// Requests read and not yet answered.
    let requestsInFlight = Atomic<Int>(0)
    /// Requests answered UNAUTHENTICATED.
    let failedAuthentications = Atomic<Int>(0)
    /// True while a frame has begun to arrive and has not arrived whole.
    let insideFrame = Atomic<Bool>(false)
    private let lastActivityNanoseconds = Atomic<UInt64>(NIODeadline.now().uptimeNanoseconds)

    /// Records that bytes were read or an answer was written, now.
    func touch() {
        lastActivityNanoseconds.store(NIODeadline.now().uptimeNanoseconds, ordering: .relaxed)
    }

    /// When the connection last read bytes or wrote an answer.
    var lastActivity: NIODeadline {
        .uptimeNanoseconds(lastActivityNanoseconds.load(ordering: .relaxed))
    }

    /// True when nothing is in progress: no request in flight and no frame partly read.
    var isQuiet: Bool {
        requestsInFlight.load(ordering: .relaxed) == 0 && !insideFrame.load(ordering: .relaxed)
    }
}

/// Closes a connection that has been idle for a timeout: a client that opens connections and
/// sends nothing cannot hold them (and the connection slots) forever. The clients reconnect on
/// their next call, so a closed idle connection costs a well-behaved client one connect.
enum IdleConnectionWatch {
    /// Checks `channel` at `deadline`, then again whenever it could next become idle, until it
    /// is closed (by this watch or otherwise).
    static func start(channel: any Channel, activity: ConnectionActivity, timeout: TimeAmount) {
        guard timeout.nanoseconds > 0 else { return }
        schedule(channel: channel, activity: activity, timeout: timeout, at: .now() + timeout)
    }

    private static func schedule(channel: any Channel, activity: ConnectionActivity, timeout: TimeAmount, at deadline: NIODeadline) {
        channel.eventLoop.scheduleTask(deadline: deadline) {
            guard channel.isActive else { return }
            guard activity.isQuiet else {
                // Busy: it cannot be idle before a full timeout after the work ends.
                return schedule(channel: channel, activity: activity, timeout: timeout, at: .now() + timeout)
            }
            let due = activity.lastActivity + timeout
            if due <= .now() {
                channel.close(promise: nil)
            } else {
                schedule(channel: channel, activity: activity, timeout: timeout, at: due)
            }
        }
    }
}
