public import NIOCore
internal import SwiftProtobuf

/// Decodes one frame's bytes as a `WireMessage`, keeping unknown fields (protobuf's rule: a
/// field from a newer version of the .proto is carried along, not an error).
///
/// The bytes are copied into an array first: SwiftProtobuf reads contiguous bytes it can name
/// (arrays, `Data`, or a `RawSpan`, which `ByteBuffer` offers only in swift-nio releases newer
/// than our 2.80 floor), and the copy is a memcpy next to the parsing it feeds. Whatever the bytes, the result is a
/// message or a ``FrameError/undecodableMessage(messageType:reason:)``, never a crash.
func decodeFrame<WireMessage: SwiftProtobuf.Message>(
    _ frame: ByteBuffer, as type: WireMessage.Type
) throws(FrameError) -> WireMessage {
    let bytes = [UInt8](frame.readableBytesView)
    do {
        return try WireMessage(serializedBytes: bytes)
    } catch let error as BinaryDecodingError {
        throw .undecodableMessage(
            messageType: WireMessage.protoMessageName, reason: MessageDecodingFailure(error))
    } catch {
        throw .undecodableMessage(
            messageType: WireMessage.protoMessageName, reason: .other(String(describing: error)))
    }
}

extension MessageDecodingFailure {
    /// Our name for one of SwiftProtobuf's binary decoding errors.
    init(_ error: BinaryDecodingError) {
        switch error {
        case .invalidUTF8: self = .invalidUTF8
        case .truncated: self = .truncated
        case .malformedProtobuf: self = .malformed
        case .messageDepthLimit: self = .nestingTooDeep
        default: self = .other(String(describing: error))
        }
    }
}

extension Multiembed_V1_Request {
    /// Decodes a Request from one frame's bytes, as ``FrameDecoder`` yields them. An empty
    /// frame is a valid Request with every field unset.
    public init(frame: ByteBuffer) throws(FrameError) {
        self = try decodeFrame(frame, as: Self.self)
    }
}

extension Multiembed_V1_Response {
    /// Decodes a Response from one frame's bytes, as ``FrameDecoder`` yields them.
    public init(frame: ByteBuffer) throws(FrameError) {
        self = try decodeFrame(frame, as: Self.self)
    }
}
