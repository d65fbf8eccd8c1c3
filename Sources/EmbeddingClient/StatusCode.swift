internal import WireProtocol

/// A response's status code: gRPC's canonical codes, with the numbers of the wire contract's
/// `multiembed.v1.Code`. A Swift enum of our own, so callers switch over exactly the codes the
/// protocol defines without importing the generated protobuf types.
public enum StatusCode: Int, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case ok = 0
    case cancelled = 1
    /// Not sent by this server version; treat it as ``internal``. Also what a code number
    /// unknown to this client (from a newer server) becomes.
    case unknown = 2
    case invalidArgument = 3
    case deadlineExceeded = 4
    case notFound = 5
    case alreadyExists = 6
    case permissionDenied = 7
    case resourceExhausted = 8
    case failedPrecondition = 9
    case aborted = 10
    case outOfRange = 11
    case unimplemented = 12
    case `internal` = 13
    case unavailable = 14
    case dataLoss = 15
    case unauthenticated = 16

    /// The code's name as the .proto spells it, such as `INVALID_ARGUMENT`, for messages and logs.
    public var description: String {
        switch self {
        case .ok: "OK"
        case .cancelled: "CANCELLED"
        case .unknown: "UNKNOWN"
        case .invalidArgument: "INVALID_ARGUMENT"
        case .deadlineExceeded: "DEADLINE_EXCEEDED"
        case .notFound: "NOT_FOUND"
        case .alreadyExists: "ALREADY_EXISTS"
        case .permissionDenied: "PERMISSION_DENIED"
        case .resourceExhausted: "RESOURCE_EXHAUSTED"
        case .failedPrecondition: "FAILED_PRECONDITION"
        case .aborted: "ABORTED"
        case .outOfRange: "OUT_OF_RANGE"
        case .unimplemented: "UNIMPLEMENTED"
        case .internal: "INTERNAL"
        case .unavailable: "UNAVAILABLE"
        case .dataLoss: "DATA_LOSS"
        case .unauthenticated: "UNAUTHENTICATED"
        }
    }
}

extension StatusCode {
    /// The code a wire value stands for; a number this client does not know becomes ``unknown``.
    init(_ code: Multiembed_V1_Code) {
        self = StatusCode(rawValue: code.rawValue) ?? .unknown
    }
}
