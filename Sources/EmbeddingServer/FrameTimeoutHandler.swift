import NIOCore

/// Closes a connection whose frame does not arrive in full within `timeout` of its first byte,
/// so a client sending one byte per second cannot hold a connection (and a partly read frame)
/// forever. Between frames it has no timer; it tells ``ConnectionActivity`` when bytes arrive
/// and whether a frame is partly read, for ``IdleConnectionWatch``.
///
/// It sits before the frame decoder and only follows the frame boundaries (reading each length
/// prefix as it passes); the bytes go on unchanged.
final class FrameTimeoutHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    /// Where the stream is: between frames, inside a length prefix, or inside a frame's body.
    private enum Position {
        case boundary
        case prefix(bytesSeen: Int, length: UInt32)
        case body(remaining: UInt64)
    }

    private let timeout: TimeAmount
    private let activity: ConnectionActivity
    private var position = Position.boundary
    private var timer: Scheduled<Void>?

    init(timeout: TimeAmount, activity: ConnectionActivity) {
        self.timeout = timeout
        self.activity = activity
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = Self.unwrapInboundIn(data)
        activity.touch()
        advance(over: buffer, context: context)
        context.fireChannelRead(data)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        context.fireChannelInactive()
    }

    private func advance(over buffer: ByteBuffer, context: ChannelHandlerContext) {
        var view = buffer.readableBytesView[...]
        while !view.isEmpty {
            switch position {
            case .boundary:
                position = .prefix(bytesSeen: 0, length: 0)
            case .prefix(let seen, let length):
                guard let byte = view.popFirst() else { break }
                let value = length << 8 | UInt32(byte)
                if seen + 1 == 4 {
                    position = value == 0 ? .boundary : .body(remaining: UInt64(value))
                    if value == 0 { frameCompleted() }
                } else {
                    position = .prefix(bytesSeen: seen + 1, length: value)
                }
            case .body(let remaining):
                let step = min(UInt64(view.count), remaining)
                view = view.dropFirst(Int(step))
                if step == remaining {
                    position = .boundary
                    frameCompleted()
                } else {
                    position = .body(remaining: remaining - step)
                }
            }
        }
        if case .boundary = position {
            activity.insideFrame.store(false, ordering: .relaxed)
            return
        }
        activity.insideFrame.store(true, ordering: .relaxed)
        if timer == nil {
            let channel = context.channel
            timer = context.eventLoop.scheduleTask(in: timeout) {
                channel.close(promise: nil)
            }
        }
    }

    private func frameCompleted() {
        timer?.cancel()
        timer = nil
    }
}
