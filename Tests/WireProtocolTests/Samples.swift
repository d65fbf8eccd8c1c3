import Foundation

@testable import WireProtocol

/// One of every message, with every field set to a value other than its default, so a round
/// trip that lost or mixed up a field would show.
enum Samples {
    static var embedRequest: Multiembed_V1_EmbedRequest {
        .with {
            $0.model = "clip-vit-b-32"
            $0.inputs = [
                .with { $0.text = "a photo of a cat — ünïcödé, 猫" },
                .with { $0.image = .with { $0.data = Data([0x89, 0x50, 0x4E, 0x47]); $0.name = "cat.png" } },
                .with {
                    $0.patches = .with {
                        $0.rows = 1
                        $0.cols = 2
                        $0.patchSize = 1
                        $0.channels = 3
                        $0.data = Data(repeating: 0x3F, count: 2 * 3 * 4)
                    }
                },
                .with { $0.text = "" },
            ]
            $0.promptName = "query"
            $0.output = .both
            $0.dimensions = 256
            $0.normalize = .off
            $0.encoding = .int8
            $0.truncate = .error
            $0.allOrNothing = true
        }
    }

    static var embedResponse: Multiembed_V1_EmbedResponse {
        .with {
            $0.embeddings = [
                .with {
                    $0.index = 0
                    $0.pooled = .with { $0.dimension = 3; $0.data = Data([1, 0x81, 0x7F]); $0.scale = 0.0125 }
                    $0.multiVector = .with {
                        $0.count = 2
                        $0.dimension = 3
                        $0.data = Data([1, 2, 3, 4, 5, 6])
                        $0.scales = [0.5, 0.25]
                    }
                    $0.truncated = true
                },
                .with { $0.index = 1 },
            ]
            $0.usage = .with {
                $0.tokens = 77
                $0.pixels = 1_920 * 1_080
                $0.patches = 49
                $0.queueTimeUs = 1_234
                $0.inferenceTimeUs = 56_789
            }
            $0.model = "clip-vit-b-32"
        }
    }

    static var infoResponse: Multiembed_V1_InfoResponse {
        .with {
            $0.version = "0.1.0"
            $0.models = [
                .with {
                    $0.name = "clip-vit-b-32"
                    $0.architecture = "clip"
                    $0.dimension = 512
                    $0.tokenDimension = 512
                    $0.allowedDimensions = [128, 256, 512]
                    $0.prompts = ["query": "a photo of ", "document": ""]
                    $0.defaultPromptName = "query"
                    $0.inputKinds = [.text, .image, .patches]
                    $0.maxInputTokens = 77
                    $0.patchSize = 32
                    $0.imageSize = 224
                    $0.normalizes = true
                    $0.imageMean = [0.48145466, 0.4578275, 0.40821073]
                    $0.imageStd = [0.26862954, 0.26130258, 0.27577711]
                }
            ]
            $0.limits = .with {
                $0.maxFrameBytes = 64 << 20
                $0.maxInputsPerRequest = 1_024
                $0.maxBatchTokens = 16_384
                $0.maxTextBytes = 1 << 20
                $0.maxImageBytes = 32 << 20
                $0.maxImagePixels = 50_000_000
                $0.maxPatches = 4_096
                $0.maxConnections = 1_000
            }
        }
    }

    static var healthResponse: Multiembed_V1_HealthResponse {
        .with { $0.status = .draining; $0.queueDepth = 17 }
    }

    static var requests: [Multiembed_V1_Request] {
        [
            .with { $0.id = 1; $0.deadlineMs = 250; $0.apiKey = "secret"; $0.embed = embedRequest },
            .with {
                $0.id = 2
                $0.embed = .with {
                    $0.inputs = [.with { $0.text = "what is a cat?" }]
                    $0.instruction = "Represent this sentence for searching relevant passages: "
                    $0.normalize = .on
                }
            },
            .with { $0.id = 3; $0.embed = .with { $0.inputs = [.with { $0.text = "x" }]; $0.instruction = "" } },
            .with { $0.id = 4; $0.info = .init() },
            .with { $0.id = .max; $0.health = .init() },
            Multiembed_V1_Request(),
        ]
    }

    static var responses: [Multiembed_V1_Response] {
        [
            .with {
                $0.id = 1
                $0.status = .with {
                    $0.code = .ok
                    $0.message = "1 of 2 inputs failed"
                    $0.inputErrors = [
                        .with { $0.index = 1; $0.code = .invalidArgument; $0.message = "not PNG or JPEG" }
                    ]
                }
                $0.embed = embedResponse
            },
            .with { $0.id = 2; $0.info = infoResponse },
            .with { $0.id = 3; $0.health = healthResponse },
            .failure(id: 4, code: .unauthenticated, message: "missing API key"),
            .failure(id: 5, code: .unimplemented, message: "unknown body"),
        ]
    }
}
