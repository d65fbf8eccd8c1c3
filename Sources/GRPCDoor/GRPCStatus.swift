import EmbeddingServer
import GRPCCore
internal import SwiftProtobuf
import WireProtocol

/// How the core's statuses travel on gRPC: our codes are gRPC's canonical codes number for
/// number (status.proto), so a failure is an `RPCError` with the same code and message; the
/// full `multiembed.v1.Status` (per-input errors) rides in the trailing metadata
/// `multiembed-status-bin` whenever there is more to say than the code.
enum GRPCStatus {
    static let statusKey = "multiembed-status-bin"

    /// The gRPC code of one of ours; UNKNOWN for a value outside gRPC's range.
    static func code(_ code: Multiembed_V1_Code) -> RPCError.Code {
        Status.Code(rawValue: code.rawValue).flatMap { RPCError.Code($0) } ?? .unknown
    }

    /// Trailing metadata holding `status`, when it says more than OK.
    static func trailingMetadata(for status: Multiembed_V1_Status?) -> Metadata {
        var metadata: Metadata = [:]
        if let status, let bytes = try? status.serializedBytes() as [UInt8] {
            metadata.addBinary(bytes, forKey: statusKey)
        }
        return metadata
    }

    /// The error that ends an RPC the core failed as a whole.
    static func error(for status: Multiembed_V1_Status) -> RPCError {
        RPCError(code: code(status.code), message: status.message, metadata: trailingMetadata(for: status))
    }
}
