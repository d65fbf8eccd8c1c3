@testable import EmbeddingServer
import NIOCore
import NIOEmbedded
import NIOSSL
import NIOTLS
import Testing

@Suite("TLS handshake timeout")
struct TLSHandshakeTimeoutTests {
    @Test("a connection whose handshake has not completed when the timeout passes is closed")
    func closesWithoutHandshake() throws {
        let loop = EmbeddedEventLoop()
        let channel = EmbeddedChannel(handler: TLSHandshakeTimeout(timeout: .seconds(1)), loop: loop)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        loop.advanceTime(by: .milliseconds(900))
        #expect(channel.isActive, "closed before the timeout")
        loop.advanceTime(by: .milliseconds(200))
        #expect(!channel.isActive, "still open after the timeout")
    }

    @Test("a completed handshake stops the timer and takes the handler out of the pipeline")
    func handshakeCompletedKeepsConnection() throws {
        let loop = EmbeddedEventLoop()
        let channel = EmbeddedChannel(handler: TLSHandshakeTimeout(timeout: .seconds(1)), loop: loop)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        channel.pipeline.fireUserInboundEventTriggered(TLSUserEvent.handshakeCompleted(negotiatedProtocol: nil))
        loop.advanceTime(by: .seconds(5))
        #expect(channel.isActive)
        #expect(throws: (any Error).self) { try channel.pipeline.syncOperations.handler(type: TLSHandshakeTimeout.self) }
        _ = try channel.finish()
    }

    @Test("install puts the timeout right after the TLS handler, and does nothing without one")
    func installPosition() throws {
        let plain = EmbeddedChannel()
        try TLSHandshakeTimeout.install(after: plain.pipeline.syncOperations, timeout: .seconds(1))
        #expect(throws: (any Error).self) { try plain.pipeline.syncOperations.handler(type: TLSHandshakeTimeout.self) }
        _ = try plain.finish()
    }
}
