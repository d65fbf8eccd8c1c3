import EmbeddingServer
import Foundation
import Testing
import WireProtocol

extension ServerTests {
/// What one client may not do to the others: hold every connection from one address, or try API
/// keys at the speed of a loop.
@Suite("Limits per client")
struct ServerAbuseTests {
    @Test("connections over the per-address limit are answered RESOURCE_EXHAUSTED and closed; a freed slot is reused")
    func connectionsPerAddress() async throws {
        try await withServer(configure: { $0.limits.maxConnectionsPerAddress = 2 }) { _, port in
            let first = try await TestConnection(port: port)
            let second = try await TestConnection(port: port)
            defer { second.close() }
            // Both answered: they are admitted and counted.
            #expect(try #require(try await first.call(embedRequest(id: 1, texts: ["a"]))).status.code == .ok)
            #expect(try #require(try await second.call(embedRequest(id: 2, texts: ["b"]))).status.code == .ok)
            let third = try await TestConnection(port: port)
            let refusal = try #require(try await third.receive())
            #expect(refusal.id == 0)
            #expect(refusal.status.code == .resourceExhausted)
            #expect(refusal.status.message.contains("max_connections_per_address limit (2)"), "\(refusal.status.message)")
            #expect(try await third.closedByServer())
            first.close()
            // The server counts the close when it sees it; retry briefly until the slot is free.
            var admitted = false
            // A refused attempt may fail to send at all (the server closed it first): not yet.
            for _ in 0..<50 where !admitted {
                let again = try await TestConnection(port: port)
                defer { again.close() }
                let answer = try? await again.call(embedRequest(id: 3, texts: ["c"]))
                admitted = answer?.status.code == .ok && answer?.id == 3
                if !admitted { try await Task.sleep(for: .milliseconds(20)) }
            }
            #expect(admitted)
        }
    }

    @Test("an idle connection is closed after idle_timeout; one with a request in flight, or sending, is not")
    func idleTimeout() async throws {
        try await withServer(configure: { $0.limits.idleTimeout = .milliseconds(300) }) { _, port in
            // Taken before connecting: a test task held up after connecting (the cores are
            // shared) can then only make the measured time longer, never shorter.
            let started = ContinuousClock.now
            let idle = try await TestConnection(port: port)
            defer { idle.close() }
            #expect(try await idle.closedByServer())
            #expect(ContinuousClock.now - started >= .milliseconds(250))
        }
        // Busy longer than the timeout: a request whose answer takes a while, then requests sent
        // every 100 ms for 3.5 s. Every answer arrives on the same connection. The timeout is 3 s
        // here, so that a test task held up by other suites (the cores are shared) between two
        // sends does not look idle.
        try await withServer(configure: { $0.limits.idleTimeout = .seconds(3) }) { _, port in
            let busy = try await TestConnection(port: port)
            defer { busy.close() }
            let long = (0..<512).map { "text number \($0) keeps the model busy past the idle timeout" }
            #expect(try #require(try await busy.call(embedRequest(id: 1, texts: long))).status.code == .ok)
            for id in 2...36 {
                try await Task.sleep(for: .milliseconds(100))
                let answer = try #require(try await busy.call(embedRequest(id: UInt64(id), texts: ["still here"])))
                #expect(answer.id == UInt64(id))
            }
            #expect(try await busy.closedByServer())
        }
    }

    @Test("a connection is closed after max_failed_authentications UNAUTHENTICATED answers, each of which arrives")
    func repeatedFailedAuthentication() async throws {
        try await withServer(configure: {
            $0.apiKeys = ["right"]
            $0.limits.maxFailedAuthenticationsPerConnection = 3
        }) { _, port in
            let connection = try await TestConnection(port: port)
            defer { connection.close() }
            for id in 1...3 {
                var wrong = embedRequest(id: UInt64(id), texts: ["x"])
                wrong.apiKey = "guess-\(id)"
                let answer = try #require(try await connection.call(wrong))
                #expect(answer.id == UInt64(id))
                #expect(answer.status.code == .unauthenticated)
            }
            #expect(try await connection.closedByServer())
            // Another connection with the right key is served.
            let other = try await TestConnection(port: port)
            defer { other.close() }
            var good = embedRequest(id: 9, texts: ["x"])
            good.apiKey = "right"
            #expect(try #require(try await other.call(good)).status.code == .ok)
        }
    }
}
}

@Suite struct APIKeyFileTests {
    @Test func commentsBlankLinesAndSpacesAreNotPartOfAKey() throws {
        let text = "# keys for the staging server\n\n  key-alpha\nkey-beta#no space before\nkey-gamma  # the billing service\n\t\n"
        #expect(try APIKeyFile.parse(text) == ["key-alpha", "key-beta", "key-gamma"])
    }

    @Test func aLineWithTwoWordsIsRefusedWithItsNumber() {
        #expect(throws: APIKeyFile.FormatError(line: 2, reason: "a key cannot contain spaces (put a comment after '#')")) {
            try APIKeyFile.parse("key-alpha\nkey beta\n")
        }
    }

    @Test func aFileOfCommentsHoldsNoKeys() throws {
        #expect(try APIKeyFile.parse("# none yet\n\n").isEmpty)
    }
}

extension ServerTests {
@Suite("Response size")
struct ServerResponseSizeTests {
    @Test("a request whose response would pass max_response_bytes is refused before computing; a smaller one is served")
    func responseSizeIsBoundedBeforeComputing() async throws {
        try await withServer(configure: { $0.limits.maxResponseBytes = 200_000 }) { _, port in
            let connection = try await TestConnection(port: port)
            defer { connection.close() }
            // 64 texts of ~12 tokens, multi-vector float32 at 384 dimensions: ~1.2 MB.
            let texts = (0..<64).map { "a text of about a dozen tokens, number \($0)" }
            let big = try #require(try await connection.call(embedRequest(id: 1, texts: texts) { $0.output = .multiVector }))
            #expect(big.status.code == .resourceExhausted)
            #expect(big.status.message.contains("max_response_bytes (200000)"), "\(big.status.message)")
            #expect(big.body == nil)
            // The same texts pooled fit (64 x 384 x 4 bytes), and so does a binary multi-vector.
            let pooled = try #require(try await connection.call(embedRequest(id: 2, texts: texts)))
            #expect(pooled.status.code == .ok)
            let binary = try #require(try await connection.call(embedRequest(id: 3, texts: texts) {
                $0.output = .multiVector
                $0.encoding = .binary
            }))
            #expect(binary.status.code == .ok)
            #expect(binary.serializedSizeEstimate <= 200_000)
        }
    }
}
}

extension Multiembed_V1_Response {
    /// Bytes of the response as sent (the frame less its length prefix).
    var serializedSizeEstimate: Int { (try? serializedData().count) ?? .max }
}
