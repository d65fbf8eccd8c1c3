import Foundation
import Hummingbird
internal import SwiftProtobuf
import WireProtocol

/// A request the door answers with an error: an HTTP status and OpenAI's error object
/// (`{"error": {"message", "type", "param", "code"}}`), which every route of the door uses, so
/// one client-side error path reads them all. Native routes add the core's full `status`
/// (per-input errors included) beside it.
struct HTTPFailure: Error, Sendable {
    var status: HTTPResponse.Status
    /// OpenAI's error class: "invalid_request_error", "rate_limit_error" or "server_error".
    var type: String
    var message: String
    /// The request field at fault ("input", "model"), when one is.
    var param: String?
    /// A machine-readable reason: our status code's name in lower case ("invalid_argument",
    /// "deadline_exceeded"), or OpenAI's own where it has one ("invalid_api_key",
    /// "model_not_found").
    var code: String?
    /// The core's status, for native routes' bodies.
    var coreStatus: Multiembed_V1_Status?

    init(
        _ status: HTTPResponse.Status, type: String = "invalid_request_error", _ message: String, param: String? = nil,
        code: String? = nil
    ) {
        self.status = status
        self.type = type
        self.message = message
        self.param = param
        self.code = code
    }

    /// A request whose body is not what the route reads (malformed JSON, a wrong type, an
    /// unknown field): 400.
    static func badRequest(_ message: String, param: String? = nil) -> HTTPFailure {
        HTTPFailure(.badRequest, message, param: param, code: "invalid_argument")
    }

    /// A body over `max_frame_bytes`, the framed protocol's bound on a request: 413.
    static func tooLarge(limit: Int) -> HTTPFailure {
        HTTPFailure(
            .contentTooLarge, "the request body is larger than max_frame_bytes (\(limit))", code: "request_too_large")
    }

    /// The failure the core reported in `status`, as HTTP says it (see ``httpStatus(of:)``).
    init(core status: Multiembed_V1_Status) {
        let (httpStatus, type, code) = Self.httpStatus(of: status.code)
        self.init(httpStatus, type: type, Self.message(of: status), code: code)
        if !status.inputErrors.isEmpty { param = "input" }
        coreStatus = status
    }

    /// Our status codes (gRPC's canonical codes) as HTTP statuses, following the usual
    /// gRPC-to-HTTP mapping and OpenAI's: 400 for requests that are wrong as sent, 401 without
    /// a valid key, 404 for an unknown model or collection, 429 when a limit or queue is full,
    /// 503 while shutting down, 504 past the deadline.
    static func httpStatus(of code: Multiembed_V1_Code) -> (HTTPResponse.Status, type: String, code: String) {
        switch code {
        case .ok: (.ok, "", "ok")
        case .cancelled: (.serviceUnavailable, "server_error", "cancelled")
        case .invalidArgument: (.badRequest, "invalid_request_error", "invalid_argument")
        case .deadlineExceeded: (.gatewayTimeout, "server_error", "deadline_exceeded")
        case .notFound: (.notFound, "invalid_request_error", "not_found")
        case .alreadyExists: (.conflict, "invalid_request_error", "already_exists")
        case .permissionDenied: (.forbidden, "invalid_request_error", "permission_denied")
        case .resourceExhausted: (.tooManyRequests, "rate_limit_error", "resource_exhausted")
        case .failedPrecondition: (.badRequest, "invalid_request_error", "failed_precondition")
        case .aborted: (.conflict, "invalid_request_error", "aborted")
        case .outOfRange: (.badRequest, "invalid_request_error", "out_of_range")
        case .unimplemented: (.notImplemented, "invalid_request_error", "unimplemented")
        case .unavailable: (.serviceUnavailable, "server_error", "unavailable")
        case .dataLoss: (.internalServerError, "server_error", "data_loss")
        case .unauthenticated: (.unauthorized, "invalid_request_error", "invalid_api_key")
        case .internal: (.internalServerError, "server_error", "internal")
        case .unknown, .UNRECOGNIZED: (.internalServerError, "server_error", "unknown")
        }
    }

    /// The status's message, with its per-input errors named by index ("input 1: ...").
    static func message(of status: Multiembed_V1_Status) -> String {
        let inputs = status.inputErrors.map { "input \($0.index): \($0.message)" }
        if inputs.isEmpty { return status.message.isEmpty ? "\(status.code)" : status.message }
        return ([status.message].filter { !$0.isEmpty } + inputs).joined(separator: "; ")
    }

    /// The response: the error object, and for native routes the core's status beside it.
    func response(includingStatus: Bool) -> Response {
        var json = #"{"error":"# + errorObject
        if includingStatus, let coreStatus, let status = try? coreStatus.jsonString(options: NativeJSON.encoding) {
            json += #","status":"# + status
        }
        json += "}"
        var response = HTTPDoorResponse.json(json, status: status)
        if status == .contentTooLarge { response.headers[.connection] = "close" }
        return response
    }

    /// `{"message", "type", "param", "code"}`, with null for what is not known, as OpenAI writes it.
    var errorObject: String {
        #"{"message":\#(JSONText.string(message)),"type":\#(JSONText.string(type)),"#
            + #""param":\#(param.map(JSONText.string) ?? "null"),"code":\#(code.map(JSONText.string) ?? "null")}"#
    }
}

/// JSON fragments written by hand where the shape is fixed and speed or exactness matters.
enum JSONText {
    /// `value` as a JSON string literal, escaped as RFC 8259 requires.
    static func string(_ value: String) -> String {
        var out = "\""
        out.reserveCapacity(value.utf8.count + 2)
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case let c where c.value < 0x20:
                let hex = String(c.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// `value` as a JSON number that reads back as the same float32: Swift prints the shortest
    /// decimal that round-trips. Not-finite values, which JSON cannot write, become null.
    static func number(_ value: Float) -> String {
        value.isFinite ? value.description : "null"
    }
}

/// The door's JSON responses.
enum HTTPDoorResponse {
    static func json(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        var buffer = ByteBuffer()
        buffer.writeString(text)
        return Response(status: status, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: buffer))
    }
}

/// The proto3 JSON mapping the native routes speak: field names as in the .proto files
/// (snake_case; the lowerCamelCase names are read too), enums by name, 64-bit integers as
/// strings, bytes as base64, default values left out. Unknown fields are refused, so a
/// misspelt option is an error rather than silently ignored.
enum NativeJSON {
    static let encoding: JSONEncodingOptions = {
        var options = JSONEncodingOptions()
        options.preserveProtoFieldNames = true
        return options
    }()

    static let decoding: JSONDecodingOptions = {
        var options = JSONDecodingOptions()
        options.ignoreUnknownFields = false
        return options
    }()
}
