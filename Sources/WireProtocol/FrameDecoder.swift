public import NIOCore

/// Splits a byte stream into the wire protocol's frames: a 4-byte big-endian unsigned length,
/// then that many bytes. Each frame's bytes (without the prefix) go down the pipeline as one
/// `ByteBuffer`, ready for `Multiembed_V1_Request(frame:)` or `Multiembed_V1_Response(frame:)`.
///
/// The length is checked against ``maximumFrameBytes`` the moment the prefix arrives, so a
/// hostile prefix (0xFFFFFFFF) is refused without waiting for, or reserving room for, the bytes
/// it announces: the decoder throws ``FrameError/frameTooLarge(length:limit:)`` and
/// `ByteToMessageHandler` passes it to `errorCaught`, where the server answers and closes.
/// (NIO's `LengthFieldBasedFrameDecoder` would only stop at `Int32.max`.) A stream that ends
/// inside a frame throws ``FrameError/truncatedFrame(frameLength:receivedBytes:)`` instead of
/// dropping the bytes silently. Partial frames are detected from the length alone, never by
/// trying to decode a message and catching the error.
///
/// Use it as `ByteToMessageHandler(FrameDecoder(maximumFrameBytes: limit))`.
public struct FrameDecoder: ByteToMessageDecoder, Sendable {
    public typealias InboundOut = ByteBuffer

    /// Bytes in the length prefix.
    public static let lengthPrefixBytes = 4

    /// The longest frame accepted, in bytes, prefix excluded.
    public let maximumFrameBytes: Int

    /// Where the decoder is in the stream: before a prefix, or after one and waiting for the
    /// `length` bytes it announced.
    enum State: Equatable, Sendable {
        case waitingForHeader
        case waitingForFrame(length: Int)
    }

    private(set) var state = State.waitingForHeader

    /// - Parameter maximumFrameBytes: the longest frame accepted, in bytes (prefix excluded),
    ///   from 0 to `UInt32.max`; a longer one is an error.
    public init(maximumFrameBytes: Int) {
        precondition(
            (0...Int(UInt32.max)).contains(maximumFrameBytes),
            "maximumFrameBytes must be in 0...\(UInt32.max), got \(maximumFrameBytes)")
        self.maximumFrameBytes = maximumFrameBytes
    }

    /// Reads at most one frame. The prefix and its frame are read in the same call when both
    /// are there, so a zero-length frame is produced at once rather than waiting for the next
    /// read.
    public mutating func decode(
        context: ChannelHandlerContext, buffer: inout ByteBuffer
    ) throws(FrameError) -> DecodingState {
        guard let frame = try self.nextFrame(from: &buffer) else { return .needMoreData }
        context.fireChannelRead(Self.wrapInboundOut(frame))
        return .continue
    }

    /// Reads the frames that are complete, then, when the stream has ended (`seenEOF`), reports
    /// any bytes of an incomplete frame. When the handler is only removed from the pipeline, the
    /// leftover bytes are left for `ByteToMessageHandler` to pass on.
    public mutating func decodeLast(
        context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool
    ) throws(FrameError) -> DecodingState {
        while try self.decode(context: context, buffer: &buffer) == .continue {}
        guard seenEOF else { return .needMoreData }
        switch self.state {
        case .waitingForHeader where buffer.readableBytes > 0:
            throw .truncatedFrame(frameLength: nil, receivedBytes: buffer.readableBytes)
        case .waitingForHeader:
            return .needMoreData
        case .waitingForFrame(let length):
            throw .truncatedFrame(frameLength: length, receivedBytes: buffer.readableBytes)
        }
    }

    /// The state machine: consumes a prefix and, when all its bytes are there, the frame.
    /// Returns nil when more bytes are needed.
    mutating func nextFrame(from buffer: inout ByteBuffer) throws(FrameError) -> ByteBuffer? {
        if case .waitingForHeader = self.state {
            guard let length = buffer.readInteger(endianness: .big, as: UInt32.self) else {
                return nil
            }
            // Int is 64 bits on every platform we build for, so any UInt32 fits.
            guard Int(length) <= self.maximumFrameBytes else {
                throw .frameTooLarge(length: Int(length), limit: self.maximumFrameBytes)
            }
            self.state = .waitingForFrame(length: Int(length))
        }
        guard case .waitingForFrame(let length) = self.state,
            let frame = buffer.readSlice(length: length)
        else { return nil }
        self.state = .waitingForHeader
        return frame
    }
}
