import Foundation
internal import NIOCore
internal import NIOSSL
internal import NIOTLS

/// The client side of TLS: the NIOSSL context for a ``ClientTLS`` and a handler that reports
/// when the handshake is done, so connecting includes it and a refused certificate fails the
/// connect with a clear message instead of failing the first call later.
enum TLSHandshake {
    /// The context for `tls`: full verification (chain and name) against its trust roots.
    static func context(for tls: ClientTLS) throws(EmbeddingClientError) -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv12
        configuration.certificateVerification = .fullVerification
        switch tls.trustRoots {
        case .system:
            configuration.trustRoots = .default
        case .certificateFile(let path):
            guard FileManager.default.isReadableFile(atPath: path) else {
                throw EmbeddingClientError(
                    code: .invalidArgument, kind: .connectionFailed,
                    message: "cannot read the TLS CA file \(path): "
                        + (FileManager.default.fileExists(atPath: path) ? "no permission" : "no such file"))
            }
            let certificates: [NIOSSLCertificate]
            do {
                certificates = try NIOSSLCertificate.fromPEMFile(path)
            } catch {
                throw EmbeddingClientError(
                    code: .invalidArgument, kind: .connectionFailed,
                    message: "the TLS CA file \(path) holds no usable PEM certificate: \(error)")
            }
            guard !certificates.isEmpty else {
                throw EmbeddingClientError(
                    code: .invalidArgument, kind: .connectionFailed,
                    message: "the TLS CA file \(path) holds no PEM certificate")
            }
            configuration.trustRoots = .certificates(certificates)
        }
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw EmbeddingClientError(
                code: .internal, kind: .connectionFailed, message: "cannot set up TLS: \(error)",
                cause: SendableError(error))
        }
    }

    /// The TLS handler for a connection to `host`: SNI and the name check use `serverName` or
    /// `host`; an IP address is not sent as SNI and is checked against the certificate's IP
    /// addresses (NIOSSL then matches the address connected to).
    static func handler(context: NIOSSLContext, name: String) throws -> NIOSSLClientHandler {
        try NIOSSLClientHandler(context: context, serverHostname: isIPAddress(name) ? nil : name)
    }

    private static func isIPAddress(_ name: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, name, &v4) == 1 || inet_pton(AF_INET6, name, &v6) == 1
    }

    /// Why a handshake failed, for people: an untrusted certificate, a name mismatch, or a
    /// server that does not speak TLS.
    static func explain(_ error: any Error, host: String, port: Int, name: String) -> String {
        let text = "\(error)"
        let reason: String
        if let extra = error as? NIOSSLExtraError, extra == .failedToValidateHostname {
            reason = "the server's certificate is not valid for the name \(name)"
        } else if text.contains("CERTIFICATE_VERIFY_FAILED") {
            reason = "the server's certificate is not signed by a trusted certificate authority"
        } else if text.contains("WRONG_VERSION_NUMBER") || text.contains("UNEXPECTED_RECORD")
            || error is ChannelError || text.contains("uncleanShutdown") {
            reason = "the server closed the connection or does not speak TLS on this port"
        } else {
            reason = "the TLS handshake failed"
        }
        return "cannot connect to \(host):\(port) with TLS: \(reason) (\(text))"
    }
}

/// Completes `promise` when the TLS handshake ends: success when NIOSSL reports it done, the
/// error when it fails, and a failure when the connection closes first.
final class TLSHandshakeWatch: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let promise: EventLoopPromise<Void>

    init(promise: EventLoopPromise<Void>) {
        self.promise = promise
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case TLSUserEvent.handshakeCompleted = event { promise.succeed(()) }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise.fail(error)
        context.fireErrorCaught(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(ChannelError.eof)
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        promise.fail(ChannelError.ioOnClosedChannel)
    }
}
