import EmbeddingKernels
import Foundation
import ImageIO
import PageReading

/// Everything a server needs to start: where to listen, what to serve, its limits, batching,
/// authentication and shutdown. Build it in code (tests start a server on port 0) or from the
/// `multiembed serve` flags.
public struct ServerConfiguration: Sendable {
    /// Address to bind, such as "127.0.0.1" or "0.0.0.0".
    public var host: String
    /// Port to bind; 0 picks a free port (read it back from ``EmbeddingServer/listeningAddress()``).
    public var port: Int
    /// Model folders, in Hugging Face layout. The first is the default model.
    public var modelDirectories: [URL]
    /// Limits on requests and connections.
    public var limits: ServerLimits
    /// How the dynamic batcher forms model batches.
    public var batching: BatchingOptions
    /// Accepted API keys; empty = no authentication.
    public var apiKeys: Set<String>
    /// How long in-flight work may take to finish after shutdown begins; what is left after it
    /// is answered CANCELLED.
    public var shutdownGracePeriod: Duration
    /// Port of the Prometheus text endpoint (`GET /metrics`), on `host`; nil = none.
    public var metricsPort: Int?
    /// Folder of the late-interaction collections (the local vector store, shared with
    /// `multiembed index`); nil = no collections (Score still works, the collection methods
    /// answer FAILED_PRECONDITION). One process owns a folder at a time.
    public var dataDirectory: String?
    /// How Page inputs are read: OCR languages and time limit, PDF rendering resolution.
    public var pageReading = PageReader.Options()
    /// The certificate chain and key every door (framed, gRPC, HTTP) serves TLS with; nil =
    /// plain TCP on every door. The metrics port stays plain (it carries no keys or documents).
    public var tls: ServerTLS?
    /// The precision every model of ``modelDirectories`` is loaded at; nil = each folder's
    /// `multiembed.json` `"compute"`, else float32 (``ModelBundle/load(directory:computePrecision:)``).
    public var computePrecision: ComputePrecision?

    public init(
        host: String = "127.0.0.1", port: Int = 7878, modelDirectories: [URL] = [],
        limits: ServerLimits = ServerLimits(), batching: BatchingOptions = BatchingOptions(),
        apiKeys: Set<String> = [], shutdownGracePeriod: Duration = .seconds(30), metricsPort: Int? = nil,
        dataDirectory: String? = nil
    ) {
        self.host = host
        self.port = port
        self.modelDirectories = modelDirectories
        self.limits = limits
        self.batching = batching
        self.apiKeys = apiKeys
        self.shutdownGracePeriod = shutdownGracePeriod
        self.metricsPort = metricsPort
        self.dataDirectory = dataDirectory
    }
}

/// The server's limits. Each bounds the memory or time one client can make the server spend;
/// every refusal names the limit and the value that broke it.
public struct ServerLimits: Sendable, Equatable {
    /// Longest frame read, in bytes, length prefix excluded.
    public var maxFrameBytes: Int = 16 * 1024 * 1024
    /// Largest response an EmbedRequest may produce, estimated from its prepared inputs before
    /// anything is computed; a request over it is refused RESOURCE_EXHAUSTED. The clients'
    /// default response frame limits (256 MiB in all three) are above it.
    public var maxResponseBytes: Int = 64 * 1024 * 1024
    /// Most bytes of answers one connection may hold at once, being computed or not yet read by
    /// the client: an Embed request reserves its response's estimated size before it is queued
    /// and waits while the connection holds too much, so a client that does not read is slowed
    /// and cannot grow the server's memory.
    public var maxAnswerBytesPerConnection: Int = 64 * 1024 * 1024
    /// Most inputs in one EmbedRequest.
    public var maxInputsPerRequest: Int = 1024
    /// Longest text input, in UTF-8 bytes.
    public var maxTextBytes: Int = 64 * 1024
    /// Largest encoded image, in bytes. The same default as the command line's, defined once in
    /// ImageLimits.
    public var maxImageBytes: Int = ImageLimits.defaultMaxEncodedBytes
    /// Most pixels (width x height) of one image, read from its header before decoding. The
    /// same default as the command line's, defined once in ImageLimits.
    public var maxImagePixels: Int = ImageLimits.defaultMaxPixels
    /// Most patches (rows x cols) of one image input, given as Patches or cut from an image's
    /// pixels. The same default as the command line's, defined once in ImageLimits.
    public var maxPatches: Int = ImageLimits.defaultMaxPatches
    /// Most tiles one image or page may become in a tiling model (ColModernVBERT), the global
    /// image included; a larger layout fails alone, naming the input. The same default as the
    /// command line's, defined once in ImageLimits.
    public var maxTiles: Int = ImageLimits.defaultMaxTiles
    /// Most open connections; one more is answered RESOURCE_EXHAUSTED (id 0) and closed.
    public var maxConnections: Int = 1024
    /// Most open connections from one client address (IP), so that a few clients cannot hold
    /// every connection (1024 idle ones would lock everyone else out); one more is answered
    /// RESOURCE_EXHAUSTED (id 0) and closed. 0 = no per-address limit.
    public var maxConnectionsPerAddress: Int = 128
    /// Most requests answered UNAUTHENTICATED on one connection before the server closes it,
    /// so a client cannot try keys at the rate of a local loop (8,500 a second were measured).
    public var maxFailedAuthenticationsPerConnection: Int = 8
    /// Most requests being worked on for one connection; more are answered RESOURCE_EXHAUSTED
    /// at once, so one connection cannot hold an unbounded number of decoded requests.
    public var maxInFlightPerConnection: Int = 256
    /// Most inputs waiting for a batch, per model; a request that would go past it is refused
    /// with RESOURCE_EXHAUSTED at once instead of waiting in an ever longer queue.
    public var maxQueuedInputsPerModel: Int = 8192
    /// How long one frame may take to arrive once its first byte came; a slower peer (one byte
    /// per second) is disconnected.
    public var frameTimeout: Duration = .seconds(30)
    /// How long a connection may stay idle (no request in flight, nothing read or answered)
    /// before the server closes it; `.zero` = never. The clients reconnect on their next call.
    public var idleTimeout: Duration = .seconds(300)
    /// Most vectors in one document or query of Upsert, Search and Score, embedded or given: a
    /// 1,000-patch page fits, a runaway client cannot make one MaxSim arbitrarily expensive.
    public var maxVectorsPerDocument: Int = 4096
    /// Largest SearchRequest.top_k: results are sorted and sent in one frame.
    public var maxTopK: Int = 1000

    public init() {}
}

/// How the dynamic batcher gathers inputs of many requests into one forward pass.
public struct BatchingOptions: Sendable, Equatable {
    /// Most inputs in one model batch.
    public var maxBatchInputs: Int = 32
    /// Most text tokens in one model batch (sequences are packed, so tokens, not padded length,
    /// are what a batch costs).
    public var maxBatchTokens: Int = 8192
    /// Most image patches in one model batch.
    public var maxBatchPatches: Int = 50 * 32
    /// Longest time the oldest queued input waits for company before its batch runs anyway.
    ///
    /// Zero by default: each model worker has a core of its own, so a worker waiting for its
    /// batch to fill leaves that core idle, while on a CPU a batch of two texts costs no more per
    /// text than one of three (packed sequences, weights packed at load). 8 closed-loop clients
    /// at int8 (AMD Zen 4, 2026-12-07, alternating runs): with 2 ms the cores were idle 6-11% of
    /// the time and without it 2-5%, and throughput rose 7-17% through gRPC (4 of 5 pairs), 2-8%
    /// framed and 4-13% HTTP (all of 3), 3-6% at float32 through gRPC.
    public var maxWait: Duration = .zero

    public init() {}
}
