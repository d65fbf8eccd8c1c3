import GRPCCore

/// What the framed envelope carries in its fields, read from gRPC metadata instead.
enum GRPCMetadata {
    /// The key of `authorization: Bearer KEY`; nil when the header is absent or not a Bearer
    /// credential (then the core answers UNAUTHENTICATED where keys are required).
    static func apiKey(in metadata: Metadata) -> String? {
        for value in metadata[stringValues: "authorization"] {
            let parts = value.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
            if parts.count == 2, parts[0].lowercased() == "bearer" {
                let key = parts[1].drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed()
                return String(key)
            }
        }
        return nil
    }

    /// The client's deadline from the standard `grpc-timeout` header (1 to 8 digits and a unit:
    /// H, M, S, m, u or n), counted from `receivedAt`; nil when absent or malformed (gRPC then
    /// enforces nothing either).
    static func deadline(in metadata: Metadata, receivedAt: ContinuousClock.Instant) -> ContinuousClock.Instant? {
        guard let value = metadata[stringValues: "grpc-timeout"].first(where: { _ in true }) else { return nil }
        return timeout(value).map { receivedAt + $0 }
    }

    /// A `grpc-timeout` value as a duration.
    static func timeout(_ value: String) -> Duration? {
        guard let unit = value.last, (2...9).contains(value.count) else { return nil }
        let digits = value.dropLast()
        guard digits.allSatisfy(\.isASCII), let amount = Int64(digits), amount >= 0 else { return nil }
        switch unit {
        case "H": return .seconds(amount * 3600)
        case "M": return .seconds(amount * 60)
        case "S": return .seconds(amount)
        case "m": return .milliseconds(amount)
        case "u": return .microseconds(amount)
        case "n": return .nanoseconds(amount)
        default: return nil
        }
    }
}
