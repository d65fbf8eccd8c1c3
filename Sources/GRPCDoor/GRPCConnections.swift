import NIOCore
import Synchronization

/// The door's open HTTP/2 connections by the peer name grpc-swift gives a handler
/// (`ServerContext.remotePeer`), so that a handler can act on the connection its call came on:
/// the runtime hands handlers the peer's name, never its channel.
///
/// It closes a connection after `max_failed_authentications` answers of UNAUTHENTICATED, as the
/// framed door does, so that guessing keys costs a new connection (a TCP and HTTP/2 handshake)
/// every few guesses instead of one stream each.
final class GRPCConnections: Sendable {
    private struct Connection {
        let channel: any Channel
        var failedAuthentications = 0
    }

    private let connections = Mutex<[String: Connection]>([:])
    private let maxFailedAuthentications: Int

    init(maxFailedAuthentications: Int) {
        self.maxFailedAuthentications = maxFailedAuthentications
    }

    /// Remembers `channel` until it closes.
    func opened(_ channel: any Channel) {
        let peer = Self.peerName(channel.remoteAddress)
        connections.withLock { $0[peer] = Connection(channel: channel) }
        channel.closeFuture.whenComplete { [self] _ in
            connections.withLock { connections in
                if connections[peer]?.channel === channel { connections[peer] = nil }
            }
        }
    }

    /// Counts a call of `peer`'s answered UNAUTHENTICATED; at the limit, asks the connection to
    /// quiesce, which is gRPC's graceful close: a GOAWAY, the calls in flight (this one among
    /// them) answered, then the close. Returns whether it did.
    @discardableResult
    func failedAuthentication(peer: String) -> Bool {
        let channel: (any Channel)? = connections.withLock { connections in
            guard var connection = connections[peer] else { return nil }
            connection.failedAuthentications += 1
            connections[peer] = connection
            return connection.failedAuthentications == maxFailedAuthentications ? connection.channel : nil
        }
        guard let channel else { return false }
        channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        return true
    }

    /// The name grpc-swift-nio-transport gives the peer at `address` (`ipv4:HOST:PORT`,
    /// `ipv6:[HOST]:PORT`, `unix:PATH`): it must match `ServerContext.remotePeer` exactly, or no
    /// call finds its connection.
    static func peerName(_ address: SocketAddress?) -> String {
        switch address {
        case .v4(let ipv4)?: "ipv4:\(ipv4.host):\(address?.port ?? 0)"
        case .v6(let ipv6)?: "ipv6:[\(ipv6.host)]:\(address?.port ?? 0)"
        case .unixDomainSocket?: "unix:\(address?.pathname ?? "")"
        case nil: "<unknown>"
        }
    }
}
