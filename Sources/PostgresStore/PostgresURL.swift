import Foundation
import LateInteraction
import NIOSSL
import PostgresNIO

/// Where a PostgreSQL server is, from a libpq-style URL:
///
///     postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=disable|prefer|require]
///     postgres://USER@/DATABASE?host=/socket/folder        (a unix socket, as libpq spells it)
///
/// `postgresql://` is the same. A `host` parameter that starts with `/` is the folder of the
/// server's socket (`.s.PGSQL.PORT` in it, port 5432 unless given), which is what
/// `scripts/start-postgres` prints. Percent-escapes are decoded in the user, password and
/// database. Without `sslmode`, TCP connections are unencrypted (`disable`), as on a loopback or
/// a private network; a unix socket never uses TLS.
public struct PostgresURL: Sendable, Equatable {
    public var user: String
    public var password: String?
    public var database: String
    public enum Endpoint: Sendable, Equatable {
        case tcp(host: String, port: Int)
        case unixSocket(path: String)
    }
    public var endpoint: Endpoint
    public enum TLSMode: String, Sendable, Equatable { case disable, prefer, require }
    public var tls: TLSMode

    /// Parses `text`; the error says which part is wrong (never echoing a password).
    public init(_ text: String) throws(LateInteractionError) {
        let schemes = ["postgres://", "postgresql://"]
        guard let scheme = schemes.first(where: { text.hasPrefix($0) }) else {
            throw .invalidArgument("a PostgreSQL store URL starts with postgres:// or postgresql://")
        }
        var rest = Substring(text.dropFirst(scheme.count))
        var parameters: [String: String] = [:]
        if let question = rest.firstIndex(of: "?") {
            for pair in rest[rest.index(after: question)...].split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                guard parts.count == 2 else { throw .invalidArgument("PostgreSQL URL: parameter '\(pair)' is not NAME=VALUE") }
                parameters[String(parts[0])] = try Self.decode(parts[1], "parameter \(parts[0])")
            }
            rest = rest[..<question]
        }
        var path = ""
        if let slash = rest.firstIndex(of: "/") {
            path = String(rest[rest.index(after: slash)...])
            rest = rest[..<slash]
        }
        var hostPart = rest
        var userPart: Substring = ""
        if let at = rest.lastIndex(of: "@") {
            userPart = rest[..<at]
            hostPart = rest[rest.index(after: at)...]
        }
        if let colon = userPart.firstIndex(of: ":") {
            user = try Self.decode(userPart[..<colon], "user")
            let secret = try Self.decode(userPart[userPart.index(after: colon)...], "password")
            password = secret.isEmpty ? nil : secret
        } else {
            user = try Self.decode(userPart, "user")
            password = nil
        }
        if let value = parameters["user"] { user = value }
        if let value = parameters["password"] { password = value }
        guard !user.isEmpty else { throw .invalidArgument("PostgreSQL URL: no user (postgres://USER@HOST/DATABASE)") }
        database = try Self.decode(Substring(path), "database")
        if database.isEmpty { database = user }

        var host = String(hostPart)
        var port = 5432
        if let colon = hostPart.lastIndex(of: ":"), !hostPart.hasPrefix("[") || hostPart[..<colon].hasSuffix("]") {
            guard let number = Int(hostPart[hostPart.index(after: colon)...]), (1...65535).contains(number) else {
                throw .invalidArgument("PostgreSQL URL: port '\(hostPart[hostPart.index(after: colon)...])' is not 1 to 65535")
            }
            port = number
            host = String(hostPart[..<colon])
        }
        if let value = parameters["port"] {
            guard let number = Int(value), (1...65535).contains(number) else {
                throw .invalidArgument("PostgreSQL URL: port '\(value)' is not 1 to 65535")
            }
            port = number
        }
        if let value = parameters["host"] { host = value }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host.hasPrefix("/") {
            endpoint = .unixSocket(path: host + "/.s.PGSQL.\(port)")
        } else {
            guard !host.isEmpty else {
                throw .invalidArgument("PostgreSQL URL: no host (postgres://USER@HOST/DATABASE, or ?host=/socket/folder)")
            }
            endpoint = .tcp(host: host, port: port)
        }
        let mode = parameters["sslmode"] ?? "disable"
        guard let tls = TLSMode(rawValue: mode) else {
            throw .invalidArgument("PostgreSQL URL: sslmode '\(mode)' is not disable, prefer or require")
        }
        self.tls = tls
    }

    /// The URL without its password, for messages and logs.
    public var redacted: String {
        switch endpoint {
        case let .tcp(host, port): "postgres://\(user)@\(host):\(port)/\(database)"
        case let .unixSocket(path): "postgres://\(user)@/\(database)?socket=\(path)"
        }
    }

    /// postgres-nio's settings for this URL.
    func configuration() throws(LateInteractionError) -> PostgresConnection.Configuration {
        switch endpoint {
        case let .unixSocket(path):
            return .init(unixSocketPath: path, username: user, password: password, database: database)
        case let .tcp(host, port):
            let tlsSetting: PostgresConnection.Configuration.TLS
            switch tls {
            case .disable: tlsSetting = .disable
            case .prefer, .require:
                let context: NIOSSLContext
                do { context = try NIOSSLContext(configuration: .makeClientConfiguration()) } catch {
                    throw .invalidArgument("PostgreSQL URL: cannot set up TLS (\(error))")
                }
                tlsSetting = tls == .prefer ? .prefer(context) : .require(context)
            }
            return .init(host: host, port: port, username: user, password: password, database: database, tls: tlsSetting)
        }
    }

    private static func decode(_ part: Substring, _ what: String) throws(LateInteractionError) -> String {
        guard let decoded = String(part).removingPercentEncoding else {
            throw .invalidArgument("PostgreSQL URL: the \(what) has a bad percent-escape")
        }
        return decoded
    }
}
