import Encoders
import Foundation
import ImageIO
import Tokenizers
import WireProtocol

/// The inputs of one request made ready for the batcher: the prepared ones by index, and the
/// ones that failed with why. Built off the event loops (tokenising 1,024 texts or decoding a
/// large JPEG takes milliseconds).
struct EmbedPreparation: Sendable {
    /// Inputs ready for a model batch, with their positions in the request.
    var ready: [(index: Int, input: PreparedInput)] = []
    /// Inputs that failed, with their positions.
    var failures: [(index: Int, error: ServerError)] = []
    /// Pixels of the images decoded, by index (for Usage.pixels).
    var pixels: [Int: Int] = [:]
    /// Page inputs, read later on the page readers' threads (OCR takes seconds, not
    /// milliseconds), then added to `ready`.
    var pages: [(index: Int, page: Multiembed_V1_Page)] = []

    /// Prepares every input of `request`. Throws only for request-level problems.
    init(
        _ request: Multiembed_V1_EmbedRequest, model: ServedModel, options: EmbedOptions, limits: ServerLimits
    ) throws(ServerError) {
        var texts: [(index: Int, text: String)] = []
        for (index, input) in request.inputs.enumerated() {
            switch input.kind {
            case .text(let text):
                guard model.bundle.text != nil else {
                    failures.append((index, .invalidArgument("input \(index): model \(model.name) does not take text input")))
                    continue
                }
                let bytes = text.utf8.count
                guard bytes <= limits.maxTextBytes else {
                    failures.append((index, .invalidArgument(
                        "input \(index): text of \(bytes) bytes exceeds max_text_bytes (\(limits.maxTextBytes))")))
                    continue
                }
                texts.append((index, text))
            case .image(let image):
                prepareImage(image, index: index, model: model, options: options, limits: limits)
            case .patches(let patches):
                preparePatches(patches, index: index, model: model, options: options, limits: limits)
            case .page(let page):
                guard model.bundle.text != nil else {
                    failures.append((index, .invalidArgument(
                        "input \(index): model \(model.name) has no text tower to embed a page's words with")))
                    continue
                }
                let bytes: Int
                switch page.source {
                case .image(let data): bytes = data.count
                case .pdf(let data): bytes = data.count
                case nil:
                    failures.append((index, .invalidArgument("input \(index): the page has neither an image nor a PDF")))
                    continue
                }
                guard bytes <= limits.maxImageBytes else {
                    failures.append((index, .invalidArgument(
                        "input \(index): a page of \(bytes) bytes exceeds max_image_bytes (\(limits.maxImageBytes))")))
                    continue
                }
                pages.append((index, page))
            case nil:
                failures.append((index, .invalidArgument("input \(index) has no text, image, patches or page")))
            }
        }
        if let text = model.bundle.text {
            let tokenized: [Result<Tokenizers.TokenizedText, EmbeddingError>]
            do throws(EmbeddingError) {
                tokenized = try text.tokenize(texts.map(\.text), options: options.text)
            } catch {
                throw ServerError(error)
            }
            for ((index, _), result) in zip(texts, tokenized) {
                switch result {
                case .success(let encoding): ready.append((index, .text(encoding, options.text)))
                case .failure(let error): failures.append((index, .invalidArgument(Self.message(error, index: index))))
                }
            }
        }
        failures.sort { $0.index < $1.index }
    }

    private mutating func prepareImage(
        _ image: Multiembed_V1_ImageBytes, index: Int, model: ServedModel, options: EmbedOptions, limits: ServerLimits
    ) {
        guard let embedder = model.bundle.imageEncoder else {
            failures.append((index, .invalidArgument("input \(index): model \(model.name) does not take image input")))
            return
        }
        let name = image.name.isEmpty ? "input \(index)" : image.name
        guard image.data.count <= limits.maxImageBytes else {
            failures.append((index, .invalidArgument(
                "input \(index) (\(name)): image of \(image.data.count) bytes exceeds max_image_bytes (\(limits.maxImageBytes))")))
            return
        }
        let bytes = [UInt8](image.data)
        do throws(ImageError) {
            let header = try ImageDecoder.readHeader(bytes, name: name, limits: options.image.limits)
            guard header.pixelCount <= limits.maxImagePixels else {
                failures.append((index, .invalidArgument(
                    "input \(index) (\(name)): image of \(header.width)x\(header.height) pixels exceeds max_image_pixels (\(limits.maxImagePixels))")))
                return
            }
            pixels[index] = header.pixelCount
        } catch {
            failures.append((index, .invalidArgument("input \(index): \(error.description)")))
            return
        }
        switch embedder.patchGrid(.encoded(bytes: bytes, name: name), index: index, limits: options.image.limits) {
        case .success(let grid): ready.append((index, .image(grid, options.image)))
        case .failure(let error):
            pixels[index] = nil
            failures.append((index, .invalidArgument(Self.message(error, index: index))))
        }
    }

    private mutating func preparePatches(
        _ patches: Multiembed_V1_Patches, index: Int, model: ServedModel, options: EmbedOptions, limits: ServerLimits
    ) {
        guard let embedder = model.bundle.imageEncoder else {
            failures.append((index, .invalidArgument("input \(index): model \(model.name) does not take patches input")))
            return
        }
        let grid = UInt64(patches.rows) * UInt64(patches.cols)
        guard grid <= UInt64(limits.maxPatches) else {
            failures.append((index, .invalidArgument(
                "input \(index): patch grid \(patches.rows)x\(patches.cols) exceeds max_patches (\(limits.maxPatches))")))
            return
        }
        // Sizes are checked in 64 bits before anything is allocated from them.
        let expected = grid * UInt64(patches.channels) * UInt64(patches.patchSize) * UInt64(patches.patchSize) * 4
        guard UInt64(patches.data.count) == expected else {
            failures.append((index, .invalidArgument(
                "input \(index): patches data has \(patches.data.count) bytes; a \(patches.rows)x\(patches.cols) grid of "
                    + "\(patches.channels)x\(patches.patchSize)x\(patches.patchSize) float32 patches takes \(expected)")))
            return
        }
        let values = Self.littleEndianFloats(patches.data)
        let input = ImageInput.patches(
            rows: Int(patches.rows), cols: Int(patches.cols), patchSize: Int(patches.patchSize),
            channels: Int(patches.channels), values: values)
        switch embedder.patchGrid(input, index: index, limits: options.image.limits) {
        case .success(let grid): ready.append((index, .image(grid, options.image)))
        case .failure(let error): failures.append((index, .invalidArgument(Self.message(error, index: index))))
        }
    }

    /// float32 values from little-endian bytes (a multiple of 4 bytes).
    static func littleEndianFloats(_ data: Data) -> [Float] {
        data.withUnsafeBytes { raw in
            (0..<(raw.count / 4)).map { i in
                Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
            }
        }
    }

    /// A per-input error message naming the input's position in the request (the encoders
    /// number inputs within the list they were given).
    static func message(_ error: EmbeddingError, index: Int) -> String {
        switch error {
        case .inputTooLong(_, let tokens, let limit):
            "input \(index) has \(tokens) tokens, more than the model's limit of \(limit), and truncate is TRUNCATE_ERROR"
        case .invalidInput(_, let reason):
            "input \(index): \(reason)"
        default:
            "input \(index): \(error.description)"
        }
    }
}
