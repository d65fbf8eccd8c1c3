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
        } else {
            dimension = 0
            tokenDimension = 0
            allowedDimensions = []
        }
    }

    /// The kinds of input the model takes.
    var inputKinds: [Multiembed_V1_InputKind] {
        (bundle.text != nil || bundle.lateInteraction != nil ? [.text] : []) + (bundle.imageEncoder != nil ? [.image, .patches] : [])
            + (bundle.text != nil || bundle.lateInteraction != nil ? [.page] : [])
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
        if let text = bundle.text {
            info.prompts = text.pipeline.prompts
            info.defaultPromptName = text.pipeline.defaultPromptName ?? ""
            info.maxInputTokens = UInt32(text.maxLength)
            info.normalizes = text.pipeline.normalize
        }
        if let colbert = bundle.lateInteraction {
            info.maxInputTokens = UInt32(colbert.conventions.documentLength)
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
