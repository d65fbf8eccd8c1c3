public import NIOCore
public import SwiftProtobuf

/// Writes protobuf messages as frames, serialising them on the way:
/// `MessageToByteHandler(MessageFrameEncoder<Multiembed_V1_Response>())` on the server,
/// `MessageFrameEncoder<Multiembed_V1_Request>` on a client.
public struct MessageFrameEncoder<WireMessage: SwiftProtobuf.Message>:
    MessageToByteEncoder, Sendable
{
    public typealias OutboundIn = WireMessage

    /// The longest frame written, in bytes, prefix excluded.
    public let maximumFrameBytes: Int

    /// - Parameter maximumFrameBytes: the longest frame to write, in bytes (prefix excluded),
    ///   from 0 to `UInt32.max` (the default).
    public init(maximumFrameBytes: Int = Int(UInt32.max)) {
        precondition(
            (0...Int(UInt32.max)).contains(maximumFrameBytes),
            "maximumFrameBytes must be in 0...\(UInt32.max), got \(maximumFrameBytes)")
        self.maximumFrameBytes = maximumFrameBytes
    }

    /// Serialises `data` and writes it as one frame into `out`.
    public func encode(data: WireMessage, out: inout ByteBuffer) throws(FrameError) {
        try out.writeFrame(message: data, maximumFrameBytes: self.maximumFrameBytes)
    }
}

extension ByteBuffer {
    /// Appends `message`, serialised in protobuf binary format, as one frame. Throws
    /// ``FrameError/frameTooLarge(length:limit:)``, writing nothing, when it serialises to more
    /// than `maximumFrameBytes`.
    ///
    /// - Returns: the number of bytes written, prefix included.
    @discardableResult
    public mutating func writeFrame(
        message: some SwiftProtobuf.Message, maximumFrameBytes: Int = Int(UInt32.max)
    ) throws(FrameError) -> Int {
        // SwiftProtobuf serialises into its own contiguous bytes; one copy into the buffer.
        let bytes: [UInt8]
        do {
            bytes = try message.serializedBytes()
        } catch {
            throw .unencodableMessage(
                messageType: type(of: message).protoMessageName, reason: String(describing: error))
        }
        let limit = min(maximumFrameBytes, Int(UInt32.max))
        guard bytes.count <= limit else { throw .frameTooLarge(length: bytes.count, limit: limit) }
        self.reserveCapacity(minimumWritableBytes: FrameDecoder.lengthPrefixBytes + bytes.count)
        let prefix = self.writeInteger(UInt32(bytes.count), endianness: .big)
        return prefix + self.writeBytes(bytes)
    }
}
