import Foundation
package import NIOSSL

/// The certificate chain and private key every door serves TLS with (`multiembed serve
/// --tls-cert --tls-key`): one chain and key for the framed, gRPC and HTTP doors alike.
///
/// Loaded and checked once, at start-up, by ``load(certificateChainFile:privateKeyFile:)``: a
/// missing or unreadable file, a file without a PEM certificate or key, or a key that does not
/// belong to the certificate is a ``ServerTLSError`` naming the file, before anything binds,
/// rather than a failure on the first connection.
public struct ServerTLS: Sendable {
    /// The PEM file the chain came from (leaf first, then intermediates).
    public let certificateChainFile: String
    /// The PEM file the private key came from.
    public let privateKeyFile: String
    /// The chain file's bytes (the gRPC transport takes its certificates as PEM bytes).
    package let certificateChainPEM: [UInt8]
    /// The key file's bytes.
    package let privateKeyPEM: [UInt8]
    /// NIOSSL's server configuration for the chain and key: TLS 1.2 or later, no client
    /// certificates asked for.
    package let configuration: TLSConfiguration
    /// A context built from ``configuration`` (building it is what checks that the key belongs
    /// to the certificate), shared by the framed door's connections.
    package let context: NIOSSLContext

    /// Reads and checks `certificateChainFile` (one or more PEM certificates, leaf first) and
    /// `privateKeyFile` (an unencrypted PEM private key).
    public static func load(certificateChainFile: String, privateKeyFile: String) throws(ServerTLSError) -> ServerTLS {
        let chainBytes = try read(certificateChainFile, role: .certificateChain)
        let keyBytes = try read(privateKeyFile, role: .privateKey)
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMBytes(chainBytes)
        } catch {
            throw .unreadableContent(path: certificateChainFile, role: .certificateChain, reason: "\(error)")
        }
        guard !chain.isEmpty else {
            throw .unreadableContent(
                path: certificateChainFile, role: .certificateChain, reason: "it holds no PEM certificate")
        }
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(bytes: keyBytes, format: .pem)
        } catch {
            throw .unreadableContent(
                path: privateKeyFile, role: .privateKey,
                reason: "it holds no unencrypted PEM private key (\(error))")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        let context: NIOSSLContext
        do {
            context = try NIOSSLContext(configuration: configuration)
        } catch {
            // The chain and the key each parsed: what is left to refuse is the pair.
            throw .keyDoesNotMatch(certificateChainFile: certificateChainFile, privateKeyFile: privateKeyFile, reason: "\(error)")
        }
        return ServerTLS(
            certificateChainFile: certificateChainFile, privateKeyFile: privateKeyFile, certificateChainPEM: chainBytes,
            privateKeyPEM: keyBytes, configuration: configuration, context: context)
    }

    private static func read(_ path: String, role: ServerTLSError.Role) throws(ServerTLSError) -> [UInt8] {
        do {
            return Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            let reason = FileManager.default.fileExists(atPath: path) ? "it cannot be read" : "no such file"
            throw .unreadableFile(path: path, role: role, reason: reason)
        }
    }
}

/// Why ``ServerTLS/load(certificateChainFile:privateKeyFile:)`` refused its files; the
/// description names the file and what is wrong with it.
public enum ServerTLSError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Which of the two files.
    public enum Role: Sendable, Equatable {
        case certificateChain
        case privateKey
    }

    /// The file could not be opened (missing, a folder, no permission).
    case unreadableFile(path: String, role: Role, reason: String)
    /// The file was read but holds no usable PEM certificate or key.
    case unreadableContent(path: String, role: Role, reason: String)
    /// The key is not the private key of the chain's leaf certificate.
    case keyDoesNotMatch(certificateChainFile: String, privateKeyFile: String, reason: String)

    public var description: String {
        switch self {
        case .unreadableFile(let path, let role, let reason):
            "cannot read the TLS \(role.noun) file \(path): \(reason)"
        case .unreadableContent(let path, let role, let reason):
            "the TLS \(role.noun) file \(path) is not usable: \(reason)"
        case .keyDoesNotMatch(let chain, let key, let reason):
            "the TLS private key in \(key) does not belong to the certificate in \(chain) (\(reason))"
        }
    }
}

extension ServerTLSError.Role {
    fileprivate var noun: String {
        switch self {
        case .certificateChain: "certificate"
        case .privateKey: "private key"
        }
    }
}
