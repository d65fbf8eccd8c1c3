import ArgumentParser
import EmbeddingServer

/// `multiembed serve --tls-cert PEM --tls-key PEM`: one certificate chain and key for every
/// door (framed, gRPC, HTTP). Both or neither; without them every door is plain TCP.
struct TLSOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("PEM certificate chain (leaf first) every door (framed, gRPC, HTTP) serves TLS with; needs --tls-key. Without it, plain TCP.", valueName: "pem-file"))
    var tlsCert: String?

    @Option(name: .long, help: ArgumentHelp("PEM private key (unencrypted) of the --tls-cert leaf certificate.", valueName: "pem-file"))
    var tlsKey: String?

    func validate() throws {
        switch (tlsCert, tlsKey) {
        case (.some, nil): throw ValidationError("--tls-cert needs --tls-key (the certificate's private key)")
        case (nil, .some): throw ValidationError("--tls-key needs --tls-cert (the certificate chain it belongs to)")
        default: break
        }
    }

    /// The chain and key, read and checked now (a missing or unreadable file, or a key that
    /// does not match the certificate, is refused naming the file); nil without the flags.
    func load() throws -> ServerTLS? {
        guard let tlsCert, let tlsKey else { return nil }
        do {
            return try ServerTLS.load(certificateChainFile: tlsCert, privateKeyFile: tlsKey)
        } catch {
            throw CommandFailure("--tls-cert/--tls-key: \(error.description)")
        }
    }
}
