import EmbeddingServer
import Foundation
import Testing

@Suite("TLS set-up: the certificate and key files are checked at start-up, errors name the file")
struct ServerTLSLoadingTests {
    @Test("a chain and its key load; the chain's certificates are what the doors serve")
    func loads() throws {
        let certificates = try TestCertificates()
        defer { certificates.remove() }
        let tls = try ServerTLS.load(
            certificateChainFile: certificates.serverChainFile, privateKeyFile: certificates.serverKeyFile)
        #expect(tls.certificateChainFile == certificates.serverChainFile)
        #expect(tls.privateKeyFile == certificates.serverKeyFile)
    }

    @Test("a missing certificate or key file is refused naming it")
    func missingFile() throws {
        let certificates = try TestCertificates()
        defer { certificates.remove() }
        let missing = certificates.folder.appendingPathComponent("nope.pem").path
        #expect(throws: ServerTLSError.unreadableFile(path: missing, role: .certificateChain, reason: "no such file")) {
            try ServerTLS.load(certificateChainFile: missing, privateKeyFile: certificates.serverKeyFile)
        }
        let error = #expect(throws: ServerTLSError.self) {
            try ServerTLS.load(certificateChainFile: certificates.serverChainFile, privateKeyFile: missing)
        }
        #expect(error?.description == "cannot read the TLS private key file \(missing): no such file")
        // A folder is not a file either.
        #expect(throws: ServerTLSError.self) {
            try ServerTLS.load(certificateChainFile: certificates.folder.path, privateKeyFile: certificates.serverKeyFile)
        }
    }

    @Test("a file without a PEM certificate, or without a PEM key, is refused naming it")
    func wrongContent() throws {
        let certificates = try TestCertificates()
        defer { certificates.remove() }
        let text = certificates.folder.appendingPathComponent("notes.txt")
        try Data("not a certificate\n".utf8).write(to: text)
        let notACertificate = #expect(throws: ServerTLSError.self) {
            try ServerTLS.load(certificateChainFile: text.path, privateKeyFile: certificates.serverKeyFile)
        }
        guard case .unreadableContent(text.path, .certificateChain, _) = notACertificate else {
            Issue.record("expected unreadableContent of the certificate file, got \(String(describing: notACertificate))")
            return
        }
        #expect(notACertificate?.description.contains(text.path) == true)
        // The certificate given as the key: a file that holds PEM, but not a key.
        let notAKey = #expect(throws: ServerTLSError.self) {
            try ServerTLS.load(certificateChainFile: certificates.serverChainFile, privateKeyFile: certificates.caFile)
        }
        guard case .unreadableContent(certificates.caFile, .privateKey, _) = notAKey else {
            Issue.record("expected unreadableContent of the key file, got \(String(describing: notAKey))")
            return
        }
    }

    @Test("a key that is not the certificate's is refused naming both files")
    func mismatchedKey() throws {
        let certificates = try TestCertificates()
        defer { certificates.remove() }
        let error = #expect(throws: ServerTLSError.self) {
            try ServerTLS.load(
                certificateChainFile: certificates.serverChainFile, privateKeyFile: certificates.strangerKeyFile)
        }
        guard case .keyDoesNotMatch(certificates.serverChainFile, certificates.strangerKeyFile, _) = error else {
            Issue.record("expected keyDoesNotMatch, got \(String(describing: error))")
            return
        }
        #expect(error?.description.hasPrefix(
            "the TLS private key in \(certificates.strangerKeyFile) does not belong to the certificate in \(certificates.serverChainFile)") == true)
    }
}
