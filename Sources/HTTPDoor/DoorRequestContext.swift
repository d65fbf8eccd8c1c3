import Hummingbird

/// Hummingbird's per-request context, carrying the connection the request came on.
struct DoorRequestContext: Hummingbird.RequestContext {
    var coreContext: CoreRequestContextStorage
    /// The client's address and port: one HTTP/1.1 connection.
    let peer: String

    init(source: ApplicationRequestContextSource) {
        coreContext = CoreRequestContextStorage(source: source)
        peer = source.channel.remoteAddress.map { "\($0)" } ?? "unknown"
    }
}
