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

    /// Prepares every input of a call; `names` names them in errors. Throws only for
    /// call-level problems.
    init(
        _ inputs: [EmbedInput], names: InputNames, model: ServedModel, options: EmbedOptions, limits: ServerLimits
    ) throws(ServerError) {
        var texts: [(index: Int, text: String)] = []
        let takesText = model.bundle.text != nil || model.bundle.lateInteraction != nil || model.bundle.lateInteractionVisual != nil
        for (index, input) in inputs.enumerated() {
            switch input {
            case .text(let text):
                guard takesText else {
                    failures.append((index, .invalidArgument("\(names[index]): model \(model.name) does not take text input")))
                    continue
                }
                let bytes = text.utf8.count
                guard bytes <= limits.maxTextBytes else {
                    failures.append((index, .invalidArgument(
                        "\(names[index]): text of \(bytes) bytes exceeds max_text_bytes (\(limits.maxTextBytes))")))
                    continue
                }
                texts.append((index, text))
            case .image(let data, let name):
                if let visual = model.bundle.lateInteractionVisual {
                    prepareVisualImage(data, name: name, index: index, names: names, encoder: visual, options: options, limits: limits)
                } else {
                    prepareImage(data, name: name, index: index, names: names, model: model, options: options, limits: limits)
                }
            case .patches(let rows, let cols, let patchSize, let channels, let data):
                preparePatches(
                    rows: rows, cols: cols, patchSize: patchSize, channels: channels, data: data, index: index, names: names,
                    model: model, options: options, limits: limits)
            case .page(let page):
                guard takesText else {
                    failures.append((index, .invalidArgument(
                        "\(names[index]): model \(model.name) has no text tower to embed a page's words with")))
                    continue
                }
                let bytes: Int
                switch page.source {
                case .image(let data): bytes = data.count
                case .pdf(let data): bytes = data.count
                case nil:
                    failures.append((index, .invalidArgument("\(names[index]): the page has neither an image nor a PDF")))
                    continue
                }
                guard bytes <= limits.maxImageBytes else {
                    failures.append((index, .invalidArgument(
                        "\(names[index]): a page of \(bytes) bytes exceeds max_image_bytes (\(limits.maxImageBytes))")))
                    continue
                }
                pages.append((index, page))
            case .empty:
                failures.append((index, .invalidArgument("\(names[index]) has no text, image, patches or page")))
            }
        }
        switch model.bundle.encoders {
        case .lateInteractionText(let colbert):
            prepareColBERTTexts(texts, names: names, encoder: colbert, options: options)
        case .lateInteractionVisual(let visual):
            prepareVisualQueries(texts, names: names, encoder: visual, options: options)
        case .textEmbedder(let text), .sharedTextImage(let text, _):
            let tokenized: [Result<Tokenizers.TokenizedText, EmbeddingError>]
            do throws(EmbeddingError) {
                tokenized = try text.tokenize(texts.map(\.text), options: options.text)
            } catch {
                throw ServerError(error)
            }
            for ((index, _), result) in zip(texts, tokenized) {
                switch result {
                case .success(let encoding): ready.append((index, .text(encoding, options.text)))
                case .failure(let error): failures.append((index, .invalidArgument(Self.message(error, name: names[index]))))
                }
            }
        }
        failures.sort { $0.index < $1.index }
    }

    private mutating func prepareImage(
        _ data: Data, name imageName: String, index: Int, names: InputNames, model: ServedModel, options: EmbedOptions,
        limits: ServerLimits
    ) {
        guard let embedder = model.bundle.imageEncoder else {
            failures.append((index, .invalidArgument("\(names[index]): model \(model.name) does not take image input")))
            return
        }
        let name = imageName.isEmpty ? names[index] : imageName
        guard data.count <= limits.maxImageBytes else {
            failures.append((index, .invalidArgument(
                "\(names[index]) (\(name)): image of \(data.count) bytes exceeds max_image_bytes (\(limits.maxImageBytes))")))
            return
        }
        let bytes = [UInt8](data)
        do throws(ImageError) {
            let header = try ImageDecoder.readHeader(bytes, name: name, limits: options.image.limits)
            guard header.pixelCount <= limits.maxImagePixels else {
                failures.append((index, .invalidArgument(
                    "\(names[index]) (\(name)): image of \(header.width)x\(header.height) pixels exceeds max_image_pixels (\(limits.maxImagePixels))")))
                return
            }
            pixels[index] = header.pixelCount
        } catch {
            failures.append((index, .invalidArgument("\(names[index]): \(error.description)")))
            return
        }
        switch embedder.patchGrid(.encoded(bytes: bytes, name: name), index: index, limits: options.image.limits) {
        case .success(let grid): ready.append((index, .image(grid, options.image)))
        case .failure(let error):
            pixels[index] = nil
            failures.append((index, .invalidArgument(Self.message(error, name: names[index]))))
        }
    }

    private mutating func preparePatches(
        rows: UInt32, cols: UInt32, patchSize: UInt32, channels: UInt32, data: Data, index: Int, names: InputNames,
        model: ServedModel, options: EmbedOptions, limits: ServerLimits
    ) {
        guard let embedder = model.bundle.imageEncoder else {
            failures.append((index, .invalidArgument("\(names[index]): model \(model.name) does not take patches input")))
            return
        }
        let grid = UInt64(rows) * UInt64(cols)
        guard grid <= UInt64(limits.maxPatches) else {
            failures.append((index, .invalidArgument(
                "\(names[index]): patch grid \(rows)x\(cols) exceeds max_patches (\(limits.maxPatches))")))
            return
        }
        // Sizes are checked in 64 bits before anything is allocated from them.
        let expected = grid * UInt64(channels) * UInt64(patchSize) * UInt64(patchSize) * 4
        guard UInt64(data.count) == expected else {
            failures.append((index, .invalidArgument(
                "\(names[index]): patches data has \(data.count) bytes; a \(rows)x\(cols) grid of "
                    + "\(channels)x\(patchSize)x\(patchSize) float32 patches takes \(expected)")))
            return
        }
        let values = Self.littleEndianFloats(data)
        let input = ImageInput.patches(
            rows: Int(rows), cols: Int(cols), patchSize: Int(patchSize),
            channels: Int(channels), values: values)
        switch embedder.patchGrid(input, index: index, limits: options.image.limits) {
        case .success(let grid): ready.append((index, .image(grid, options.image)))
        case .failure(let error): failures.append((index, .invalidArgument(Self.message(error, name: names[index]))))
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

    /// A per-input error message naming the input as the caller does (the encoders number
    /// inputs within the list they were given, not the caller's).
    static func message(_ error: EmbeddingError, name: String) -> String {
        switch error {
        case .inputTooLong(_, let tokens, let limit):
            "\(name) has \(tokens) tokens, more than the model's limit of \(limit), and truncate is TRUNCATE_ERROR"
        case .invalidInput(_, let reason):
            "\(name): \(reason)"
        default:
            "\(name): \(error.description)"
        }
    }
}
