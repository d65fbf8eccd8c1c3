import Crypto
import Foundation
import X509

/// A certificate authority and a server certificate it signed, made for one test run and
/// written as PEM files to a fresh temporary folder (no key is committed to the repository).
///
/// The server certificate names `localhost` only (a DNS name, no IP address), so a client
/// that connects to 127.0.0.1 must say which name it expects, and one that expects another
/// name is refused. A second, unrelated authority stands for "a CA the client does not trust".
struct TestCertificates {
    let folder: URL
    /// The authority's certificate: what a client trusts.
    let caFile: String
    /// The server's chain (leaf, then the authority) and its private key.
    let serverChainFile: String
    let serverKeyFile: String
    /// A key that belongs to no certificate here (a mismatched pair with ``serverChainFile``).
    let strangerKeyFile: String
    /// An authority that signed nothing the server has.
    let otherCAFile: String
    /// The name in the server's certificate.
    static let serverName = "localhost"

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("multiembed-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let (ca, caKey) = try Self.authority(named: "MultiEmbed Test CA")
        let (otherCA, _) = try Self.authority(named: "Some Other CA")
        let serverKey = P256.Signing.PrivateKey()
        let server = try Self.serverCertificate(key: serverKey, issuer: ca, issuerKey: caKey)
        caFile = try Self.write(try ca.serializeAsPEM().pemString, to: folder, as: "ca.pem")
        otherCAFile = try Self.write(try otherCA.serializeAsPEM().pemString, to: folder, as: "other-ca.pem")
        serverChainFile = try Self.write(
            try server.serializeAsPEM().pemString + "\n" + ca.serializeAsPEM().pemString, to: folder, as: "server.pem")
        serverKeyFile = try Self.write(serverKey.pemRepresentation, to: folder, as: "server-key.pem")
        strangerKeyFile = try Self.write(P256.Signing.PrivateKey().pemRepresentation, to: folder, as: "stranger-key.pem")
    }

    /// Removes the folder and its keys.
    func remove() {
        try? FileManager.default.removeItem(at: folder)
    }

    private static func authority(named name: String) throws -> (Certificate, P256.Signing.PrivateKey) {
        let key = P256.Signing.PrivateKey()
        let subject = try DistinguishedName { CommonName(name) }
        let now = Date()
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(key.publicKey),
            notValidBefore: now - 3600, notValidAfter: now + 86400, issuer: subject, subject: subject,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
            },
            issuerPrivateKey: .init(key))
        return (certificate, key)
    }

    private static func serverCertificate(
        key: P256.Signing.PrivateKey, issuer: Certificate, issuerKey: P256.Signing.PrivateKey
    ) throws -> Certificate {
        let now = Date()
        return try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(key.publicKey),
            notValidBefore: now - 3600, notValidAfter: now + 86400, issuer: issuer.subject,
            subject: try DistinguishedName { CommonName(serverName) },
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames([.dnsName(serverName)])
            },
            issuerPrivateKey: .init(issuerKey))
    }

    private static func write(_ pem: String, to folder: URL, as name: String) throws -> String {
        let file = folder.appendingPathComponent(name)
        try Data(pem.utf8).write(to: file)
        return file.path
    }
}
