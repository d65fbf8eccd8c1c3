// swift-tools-version:6.0
import PackageDescription

/// Settings every Swift target shares: Swift 6 language mode (strict concurrency) comes from the
/// tools version; `any` must be spelled out for existentials so their cost is visible.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

/// The numeric kernels are written with SIMD types; on the x86-64 baseline (SSE2, no FMA) every
/// fused multiply-add becomes a libm call and 16-lane vectors split into four. haswell
/// (AVX2 + FMA: Haswell, Zen and later) is what every machine we serve on has. OpenBLAS picks its
/// own kernels at run time, AVX-512 included, whatever this setting.
let kernelSettings: [SwiftSetting] = swiftSettings + [
    .unsafeFlags(["-target-cpu", "haswell"], .when(platforms: [.linux])),
]

let package = Package(
    name: "MultiEmbed",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "multiembed", targets: ["multiembed"]),
        .library(name: "Encoders", targets: ["Encoders"]),
        .library(name: "EmbeddingClient", targets: ["EmbeddingClient"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        // Not below the protoc-gen-swift that generated Sources/WireProtocol/Generated: generated
        // code needs a runtime at least as new (scripts/generate-protos pins the same version).
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        // The gRPC door (issue 17): the runtime, its HTTP/2 transport on NIO, protobuf messages.
        .package(url: "https://github.com/grpc/grpc-swift-2", from: "2.4.0"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport", from: "2.9.0"),
        .package(url: "https://github.com/grpc/grpc-swift-protobuf", from: "2.4.0"),
        // The HTTP door (issue 17): OpenAI-compatible and native JSON routes on the service core.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.0"),
        // Already in the graph through the doors' packages: named to use their types directly
        // (HTTP/1.1 parts in the HTTP door's connection handlers; raw HTTP/2 frames in tests).
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.30.0"),
        .package(url: "https://github.com/apple/swift-nio-http2", from: "1.40.0"),
        // TLS on every door (issue 17). Already in the graph through the gRPC transport and
        // Hummingbird; named here because the server and the client use it directly.
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.29.0"),
        // Test-only: TLSTests make a CA and a server certificate in the test (no committed keys).
        // Both are already built for grpc-swift-nio-transport and async-http-client.
        .package(url: "https://github.com/apple/swift-certificates", from: "1.10.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.0.0"..<"5.0.0"),
        // The PostgreSQL + pgvector store (issue 19): the wire protocol client, on NIO like the rest.
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.0"),
    ],
    targets: [
        // System libraries from Debian, found through pkg-config (never an absolute path).
        .systemLibrary(
            name: "CBLAS", path: "Sources/CBLAS", pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(
            name: "CPNG", path: "Sources/CPNG", pkgConfig: "libpng",
            providers: [.apt(["libpng-dev"])]),
        .systemLibrary(
            name: "CJPEG", path: "Sources/CJPEG", pkgConfig: "libjpeg",
            providers: [.apt(["libjpeg-dev"])]),
        .systemLibrary(
            name: "CTesseract", path: "Sources/CTesseract", pkgConfig: "tesseract",
            providers: [.apt(["libtesseract-dev"])]),
        // libpng/libjpeg report fatal errors by longjmp, which Swift cannot survive: decode in C.
        .target(name: "CImageCodecs", dependencies: ["CPNG", "CJPEG"]),

        // The instruction-set level every C kernel runs at (the CPU's, or lower by MULTIEMBED_ISA).
        .target(name: "CCPU"),
        // Makes OpenBLAS use the kernels the CPU supports when it picked lower ones by itself.
        .target(name: "COpenBLASCore", dependencies: ["CBLAS", "CCPU"]),
        // Matrix products against weights packed at load: AVX-512, AVX2 and portable tiles in C.
        .target(name: "CGemm", dependencies: ["CCPU"]),
        .target(
            name: "EmbeddingKernels", dependencies: ["CBLAS", "CGemm", "CCPU", "COpenBLASCore"],
            swiftSettings: kernelSettings),
        .target(name: "Tokenizers", swiftSettings: swiftSettings),
        .target(name: "ImageIO", dependencies: ["CImageCodecs"], swiftSettings: swiftSettings),
        // PDF pages through poppler-utils run as child processes: no PDF parser in the server.
        .target(name: "PDFPages", exclude: ["README.md"], swiftSettings: swiftSettings),
        .target(
            name: "Encoders", dependencies: ["EmbeddingKernels", "Tokenizers", "ImageIO"],
            swiftSettings: kernelSettings),
        .target(name: "EmbeddingTesting", swiftSettings: swiftSettings),
        // Text and word boxes of page images with Tesseract (LSTM), one engine per worker.
        .target(
            name: "OCR", dependencies: ["CTesseract", "ImageIO"], exclude: ["README.md"],
            swiftSettings: swiftSettings),
        // MaxSim and Hamming kernels in C: AVX-512 / AVX2 chosen at run time, a portable fallback.
        .target(name: "CMaxSim", dependencies: ["CCPU"]),
        .target(
            name: "LateInteraction", dependencies: ["EmbeddingKernels", "CMaxSim"], exclude: ["README.md"],
            swiftSettings: kernelSettings),
        // Collections in PostgreSQL with pgvector, behind the same VectorStore protocol.
        .target(
            name: "PostgresStore",
            dependencies: [
                "LateInteraction",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["README.md"],
            swiftSettings: kernelSettings),
        .target(
            name: "Pages", dependencies: ["Encoders", "Tokenizers", "LateInteraction", "EmbeddingKernels", "ImageIO"],
            swiftSettings: swiftSettings),
        // Page images by OCR, PDF pages by their text layer or rendering and OCR.
        .target(
            name: "PageReading", dependencies: ["OCR", "PDFPages", "Pages", "ImageIO"],
            swiftSettings: swiftSettings),
        .target(
            name: "WireProtocol",
            dependencies: [
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings),
        .target(
            name: "EmbeddingServer",
            dependencies: [
                "Encoders", "Tokenizers", "ImageIO", "LateInteraction", "WireProtocol", "Pages", "PageReading",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings),
        .target(
            name: "EmbeddingClient",
            dependencies: [
                "WireProtocol",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings),
        // The gRPC door: Protos/multiembed/v1/service.proto's services on the service core.
        .target(
            name: "GRPCDoor",
            dependencies: [
                "EmbeddingServer", "WireProtocol",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings),
        // The HTTP door: the OpenAI embeddings API, native JSON routes and /health on the service core.
        .target(
            name: "HTTPDoor",
            dependencies: [
                "EmbeddingServer", "WireProtocol",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings),
        .executableTarget(
            name: "multiembed",
            dependencies: [
                "Encoders", "ImageIO", "LateInteraction", "EmbeddingServer", "WireProtocol", "Pages", "PageReading", "PDFPages",
                "GRPCDoor", "HTTPDoor", "PostgresStore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                // bench server --transport http's keep-alive client (no HTTP client package).
                .product(name: "NIOHTTP1", package: "swift-nio"),
                // bench server --transport grpc's client: gRPC's HTTP/2 mapping on the event loop.
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                .product(name: "NIOHPACK", package: "swift-nio-http2"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings),

        // Tests/Conformance/run: sends the shared conformance cases through the Swift client.
        .executableTarget(
            name: "conformance-driver", dependencies: ["EmbeddingClient"],
            path: "Sources/ConformanceDriver", swiftSettings: swiftSettings),

        // samples/swift: the Swift client example named in the README.
        .executableTarget(
            name: "embed-sample", dependencies: ["EmbeddingClient"], path: "samples/swift",
            swiftSettings: swiftSettings),

        .testTarget(
            name: "EmbeddingKernelsTests", dependencies: ["EmbeddingKernels", "EmbeddingTesting"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "TokenizersTests", dependencies: ["Tokenizers", "EmbeddingTesting"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "ImageIOTests", dependencies: ["ImageIO", "EmbeddingTesting"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "PDFPagesTests", dependencies: ["PDFPages", "EmbeddingTesting"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "OCRTests", dependencies: ["OCR", "ImageIO", "EmbeddingTesting"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "EncodersTests", dependencies: ["Encoders", "ImageIO", "EmbeddingTesting"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "WireProtocolTests",
            dependencies: [
                "WireProtocol",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOTestUtils", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "PagesTests", dependencies: ["Pages", "Encoders", "LateInteraction", "EmbeddingTesting", "ImageIO"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "LateInteractionTests", dependencies: ["LateInteraction", "EmbeddingTesting", "multiembed"],
            swiftSettings: swiftSettings),
        // The collection contract, run against the local store and a real PostgreSQL + pgvector.
        .testTarget(
            name: "PostgresStoreTests", dependencies: ["PostgresStore", "LateInteraction", "EmbeddingTesting"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "EmbeddingServerTests",
            dependencies: [
                "EmbeddingServer", "EmbeddingTesting", "Encoders", "LateInteraction", "PostgresStore", "WireProtocol",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "GRPCDoorTests",
            dependencies: [
                "GRPCDoor", "EmbeddingServer", "EmbeddingClient", "EmbeddingTesting", "Encoders", "WireProtocol",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                .product(name: "NIOHPACK", package: "swift-nio-http2"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "HTTPDoorTests",
            dependencies: [
                "HTTPDoor", "EmbeddingServer", "EmbeddingClient", "EmbeddingTesting", "Encoders", "WireProtocol",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "EmbeddingClientTests",
            dependencies: [
                "EmbeddingClient", "WireProtocol", "EmbeddingTesting", "EmbeddingServer", "Encoders", "LateInteraction",
                // Built beside the tests for ServeKillDurabilityTests, which runs `multiembed serve`.
                "multiembed",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings),
        // TLS on the framed, gRPC and HTTP doors and in the Swift client, with a CA and server
        // certificate made by the test.
        .testTarget(
            name: "TLSTests",
            dependencies: [
                "EmbeddingServer", "EmbeddingClient", "GRPCDoor", "HTTPDoor", "EmbeddingTesting", "Encoders", "WireProtocol",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "multiembedTests", dependencies: ["multiembed", "EmbeddingTesting", "ImageIO", "Encoders", "LateInteraction", "Pages", "PostgresStore"],
            swiftSettings: swiftSettings),
    ]
)
