public import NIOCore

/// Writes the wire protocol's frames: each outbound `ByteBuffer` (the bytes of one serialised
/// message) becomes a 4-byte big-endian length followed by those bytes.
///
/// Use it as `MessageToByteHandler(FrameEncoder())`, or ``MessageFrameEncoder`` to write
/// protobuf messages without serialising them first. A limit catches, on the sending side, a
/// frame the peer would refuse anyway, so the error names the message that was too big.
public struct FrameEncoder: MessageToByteEncoder, Sendable {
    public typealias OutboundIn = ByteBuffer

    /// The longest frame written, in bytes, prefix excluded.
    public let maximumFrameBytes: Int

    /// - Parameter maximumFrameBytes: the longest frame to write, in bytes (prefix excluded),
    ///   from 0 to `UInt32.max` (the most a 4-byte prefix can say, and the default).
    public init(maximumFrameBytes: Int = Int(UInt32.max)) {
        precondition(
            (0...Int(UInt32.max)).contains(maximumFrameBytes),
            "maximumFrameBytes must be in 0...\(UInt32.max), got \(maximumFrameBytes)")
        self.maximumFrameBytes = maximumFrameBytes
    }

    /// Writes `data`'s readable bytes as one frame into `out`.
    public func encode(data: ByteBuffer, out: inout ByteBuffer) throws(FrameError) {
        try out.writeFrame(payload: data, maximumFrameBytes: self.maximumFrameBytes)
    }
}

extension ByteBuffer {
    /// Appends one frame: the length of `payload`'s readable bytes as a 4-byte big-endian
    /// unsigned integer, then those bytes. Throws ``FrameError/frameTooLarge(length:limit:)``,
    /// writing nothing, when they are more than `maximumFrameBytes` (at most `UInt32.max`).
    ///
    /// - Returns: the number of bytes written, prefix included.
    @discardableResult
    public mutating func writeFrame(
        payload: ByteBuffer, maximumFrameBytes: Int = Int(UInt32.max)
    ) throws(FrameError) -> Int {
        let limit = min(maximumFrameBytes, Int(UInt32.max))
        guard payload.readableBytes <= limit else {
            throw .frameTooLarge(length: payload.readableBytes, limit: limit)
        }
        self.reserveCapacity(
            minimumWritableBytes: FrameDecoder.lengthPrefixBytes + payload.readableBytes)
        let prefix = self.writeInteger(UInt32(payload.readableBytes), endianness: .big)
        return prefix + self.writeImmutableBuffer(payload)
    }
}
