import Testing
@testable import EmbeddingServer

/// Fitting max_connections to the open-file limit (the process's own limit is not changed here;
/// `ServeFileLimitTests` runs a server under `ulimit -n`).
@Suite struct OpenFileLimitTests {
    @Test func aCapThatFitsIsKept() {
        let decision = OpenFileLimit.decide(maxConnections: 1024, openFiles: 4096)
        #expect(decision.maxConnections == 1024)
        #expect(decision.warning == nil)
    }

    @Test func aCapAboveTheLimitIsLoweredAndSaid() {
        let decision = OpenFileLimit.decide(maxConnections: 400, openFiles: 256)
        #expect(decision.maxConnections == 256 - OpenFileLimit.reserved)
        #expect(decision.warning?.contains("open-file limit (256") == true)
        #expect(decision.warning?.contains("serving at most 192 connections") == true)
    }
}
