import GRPCCore
import GRPCProtobuf
internal import SwiftProtobuf

/// Decodes a request message no larger than `max_frame_bytes`, refusing a larger one with
/// RESOURCE_EXHAUSTED and a message naming the limit, as the framed door does.
///
/// Why here and not only in the transport: grpc-swift's own payload limit resets the stream
/// (the client sees UNAVAILABLE, "received RST_STREAM"), which tells it nothing. The transport
/// keeps a hard limit of twice `max_frame_bytes`, so memory stays bounded, and messages between
/// the two get this clear answer.
struct BoundedDeserializer<Message: SwiftProtobuf.Message>: MessageDeserializer {
    let maxBytes: Int

    func deserialize<Bytes: GRPCContiguousBytes>(_ serializedMessageBytes: Bytes) throws -> Message {
        guard serializedMessageBytes.count <= maxBytes else {
            throw RPCError(
                code: .resourceExhausted,
                message: "the message is \(serializedMessageBytes.count) bytes, more than max_frame_bytes (\(maxBytes))")
        }
        return try ProtobufDeserializer<Message>().deserialize(serializedMessageBytes)
    }
}
