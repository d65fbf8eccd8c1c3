import Encoders
import WireProtocol

/// A loaded model as the server offers it: the encoders and what Info says about them.
struct ServedModel: Sendable {
    let bundle: ModelBundle
    /// The name clients put in `EmbedRequest.model`.
    var name: String { bundle.name }
    /// Size of a pooled vector at full size.
    let dimension: Int
    /// Size of a token or patch vector; 0 when the model has none.
    let tokenDimension: Int
    /// The `dimensions` values a request may ask for (always including ``dimension``).
    let allowedDimensions: [Int]

    init(bundle: ModelBundle) {
        self.bundle = bundle
        if let text = bundle.text {
            dimension = text.tower.pooledDimension
            tokenDimension = text.tower.tokenDimension
            let matryoshka = text.pipeline.allowedDimensions.filter { (1...text.tower.pooledDimension).contains($0) }
            allowedDimensions = Array(Set(matryoshka + [dimension])).sorted()
        } else if let image = bundle.imageEncoder {
            dimension = image.dimension
            tokenDimension = image.dimension
            allowedDimensions = [dimension]
        } else if let colbert = bundle.lateInteraction {
            // ColBERT-style: token vectors only (its head's width), no pooled vector.
            dimension = 0
            tokenDimension = colbert.dimension
            allowedDimensions = []
        } else if let visual = bundle.lateInteractionVisual {
            // ColModernVBERT: token vectors only, of its projection's width.
            dimension = 0
            tokenDimension = visual.dimension
            allowedDimensions = []
        } else {
            dimension = 0
            tokenDimension = 0
            allowedDimensions = []
        }
    }

    /// The kinds of input the model takes.
    var inputKinds: [Multiembed_V1_InputKind] {
        switch bundle.encoders {
        case .textEmbedder, .lateInteractionText: [.text, .page]
        case .sharedTextImage: [.text, .image, .patches, .page]
        case .lateInteractionVisual: [.text, .image, .page]
        }
    }

    /// The prompts a call may name, by name. A ColBERT-style model's are its two sides, each
    /// with its marker as the text: "query" (marker and [MASK] expansion) and "document" (marker
    /// and skip list; the default).
    var prompts: [String: String] {
        switch bundle.encoders {
        case .textEmbedder(let text), .sharedTextImage(let text, _): text.pipeline.prompts
        case .lateInteractionText(let colbert):
            [RetrievalSide.query.promptName: colbert.conventions.queryPrefix,
             RetrievalSide.document.promptName: colbert.conventions.documentPrefix]
        case .lateInteractionVisual: [:]
        }
    }

    /// The model's entry in an InfoResponse.
    var info: Multiembed_V1_ModelInfo {
        var info = Multiembed_V1_ModelInfo()
        info.name = name
        info.architecture = bundle.modelType
        info.dimension = UInt32(dimension)
        info.tokenDimension = UInt32(tokenDimension)
        info.allowedDimensions = allowedDimensions.map { UInt32($0) }
        info.inputKinds = inputKinds
        info.computePrecision = switch bundle.computePrecision {
        case .float32: .float32
        case .bf16: .bf16
        case .int8: .int8
        }
        if let text = bundle.text {
            info.prompts = text.pipeline.prompts
            info.defaultPromptName = text.pipeline.defaultPromptName ?? ""
            info.maxInputTokens = UInt32(text.maxLength)
            info.normalizes = text.pipeline.normalize
        }
        if let colbert = bundle.lateInteraction {
            info.maxInputTokens = UInt32(colbert.conventions.documentLength)
            info.prompts = prompts
            info.defaultPromptName = RetrievalSide.document.promptName
            info.normalizes = true
        }
        if let visual = bundle.lateInteractionVisual {
            info.maxInputTokens = UInt32(visual.model.textModel.maxPositions)
            info.patchSize = UInt32(visual.model.config.visionConfig.patchSize)
            info.imageSize = UInt32(visual.processor.tileSize)
            info.imageMean = visual.processor.config.imageMean.map { Float($0) }
            info.imageStd = visual.processor.config.imageStd.map { Float($0) }
            info.normalizes = true
        }
        if let image = bundle.imageEncoder {
            info.patchSize = UInt32(image.patchSize)
            info.imageSize = UInt32(image.nominalImageSize)
            info.imageMean = image.imageMean.map { Float($0) }
            info.imageStd = image.imageStd.map { Float($0) }
            if bundle.text == nil { info.normalizes = image.normalizeByDefault }
        }
        return info
    }
}
