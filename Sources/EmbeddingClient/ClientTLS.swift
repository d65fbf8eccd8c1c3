/// How an ``EmbeddingClient`` speaks TLS to a server started with `multiembed serve --tls-cert
/// --tls-key`: which certificate authorities it trusts, and the name the server's certificate
/// must carry. The server's certificate is always verified (chain and name); there is no way
/// to turn verification off, since a client that does not check whom it talks to sends its API
/// key and documents to anyone in the middle.
public struct ClientTLS: Sendable, Equatable {
    /// The certificate authorities a server's certificate must chain to.
    public enum TrustRoots: Sendable, Equatable {
        /// The system's trust store (Debian: /etc/ssl/certs, from the ca-certificates package).
        case system
        /// Only the CA certificates in this PEM file: a private CA, or a self-signed server
        /// certificate.
        case certificateFile(String)
    }

    /// Which authorities to trust; the system's by default.
    public var trustRoots: TrustRoots
    /// The name the server's certificate must be valid for, also sent as SNI; nil = the
    /// configured host. Set it when connecting by an address (or another name) to a server whose
    /// certificate names it otherwise. An IP address here is checked against the certificate's
    /// IP addresses.
    public var serverName: String?

    public init(trustRoots: TrustRoots = .system, serverName: String? = nil) {
        self.trustRoots = trustRoots
        self.serverName = serverName
    }
}
