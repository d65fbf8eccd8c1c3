/// What can go wrong reading or writing the wire protocol's frames and messages.
///
/// Every case is the peer's fault or a limit being hit, never a bug of ours, so none is fatal
/// to the process: the server answers with ``errorResponse`` (id 0) and closes the one
/// connection, and every other connection goes on. Cases carry the numbers involved, so a log
/// line or an error message says exactly what was wrong.
public enum FrameError: Error, Equatable, Sendable {
    /// A length prefix announced a frame of `length` bytes, more than the `limit` this side
    /// accepts. Reported as soon as the 4-byte prefix arrives, before a byte of the frame is
    /// awaited, so a hostile length (up to 0xFFFFFFFF) costs no memory. Also thrown when
    /// writing a frame longer than the writer's limit.
    case frameTooLarge(length: Int, limit: Int)

    /// The byte stream ended inside a frame: `receivedBytes` of the frame's bytes arrived
    /// (of the 4-byte prefix itself, when `frameLength` is nil) before the end of the stream.
    case truncatedFrame(frameLength: Int?, receivedBytes: Int)

    /// A whole frame arrived but its bytes are not a `messageType` (the protobuf message's
    /// full name, such as "multiembed.v1.Request").
    case undecodableMessage(messageType: String, reason: MessageDecodingFailure)

    /// A message could not be serialised (SwiftProtobuf reported `reason`). Not expected for
    /// this protocol's messages, which have no required fields and no `Any`.
    case unencodableMessage(messageType: String, reason: String)
}

/// Why the bytes of a frame are not a valid protobuf message, from SwiftProtobuf's
/// `BinaryDecodingError`, kept as our own enum so callers need not import SwiftProtobuf's
/// error vocabulary nor match on its future cases.
public enum MessageDecodingFailure: Equatable, Sendable {
    /// A `string` field holds bytes that are not valid UTF-8 (protobuf requires UTF-8 for
    /// proto3 strings; SwiftProtobuf rejects the whole message).
    case invalidUTF8
    /// The bytes end in the middle of a field.
    case truncated
    /// The bytes are not protobuf wire format: a bad tag, wire type or length.
    case malformed
    /// Messages are nested deeper than the decoder allows (100 levels).
    case nestingTooDeep
    /// Any other decoding error, described.
    case other(String)
}

extension FrameError: CustomStringConvertible {
    /// One sentence for people, used as the `Status.message` of the error response.
    public var description: String {
        switch self {
        case .frameTooLarge(let length, let limit):
            "frame of \(length) bytes exceeds the limit of \(limit) bytes"
        case .truncatedFrame(let frameLength?, let receivedBytes):
            "connection closed after \(receivedBytes) of a frame's \(frameLength) bytes"
        case .truncatedFrame(nil, let receivedBytes):
            "connection closed after \(receivedBytes) of a frame's 4 length bytes"
        case .undecodableMessage(let messageType, let reason):
            "frame is not a valid \(messageType): \(reason)"
        case .unencodableMessage(let messageType, let reason):
            "cannot serialise \(messageType): \(reason)"
        }
    }
}

extension MessageDecodingFailure: CustomStringConvertible {
    /// A short phrase for people.
    public var description: String {
        switch self {
        case .invalidUTF8: "a string field is not valid UTF-8"
        case .truncated: "the bytes end in the middle of a field"
        case .malformed: "the bytes are not protobuf wire format"
        case .nestingTooDeep: "messages are nested too deeply"
        case .other(let text): text
        }
    }
}
