import Encoders
import Foundation
import ImageIO

extension EmbedPreparation {
    /// Texts for a ColBERT-style model (PyLate, Stanford ColBERT): the call's instruction, if
    /// any, before each text, then the side's layout (``ColBERTTextEncoder/queryInput(_:)``:
    /// marker and `[MASK]` expansion; ``ColBERTTextEncoder/documentInput(_:)``: marker, and the
    /// skip list when encoded), exactly as `multiembed index add` and `search` apply them. A text
    /// longer than its side's length is cut at the end, or fails alone with TRUNCATE_ERROR.
    mutating func prepareColBERTTexts(
        _ texts: [(index: Int, text: String)], names: InputNames, encoder: ColBERTTextEncoder, options: EmbedOptions
    ) {
        let side = options.side, strict = options.text.truncation == .error
        for (index, text) in texts {
            do throws(EmbeddingError) {
                let prefixed = options.instruction + text
                let input = side == .query ? try encoder.queryInput(prefixed) : try encoder.documentInput(prefixed)
                if strict, input.truncated {
                    failures.append((index, .invalidArgument(
                        "\(names[index]): the text is longer than the model's \(side.promptName) length and truncate is TRUNCATE_ERROR")))
                    continue
                }
                ready.append((index, .lateText(LateText(input: input, side: side))))
            } catch {
                failures.append((index, .invalidArgument(Self.message(error, name: names[index]))))
            }
        }
    }

    /// Text queries for ColModernVBERT (`process_queries`: prefix, text, augmentation tokens).
    /// It encodes texts as queries only: a text offered as a document fails alone.
    mutating func prepareVisualQueries(
        _ texts: [(index: Int, text: String)], names: InputNames, encoder: ColModernVBertEncoder, options: EmbedOptions
    ) {
        for (index, text) in texts {
            guard options.side == .query else {
                failures.append((index, .invalidArgument(
                    "\(names[index]): this model encodes texts as queries only; its documents are images and pages")))
                continue
            }
            do throws(EmbeddingError) {
                ready.append((index, .visualQuery(try encoder.queryIDs(options.instruction + text))))
            } catch {
                failures.append((index, .invalidArgument(Self.message(error, name: names[index]))))
            }
        }
    }

    /// An image for ColModernVBERT: decoded under the limits, then tiled (its layout bounded by
    /// the model's tile limit, a larger one failing alone and naming the input).
    mutating func prepareVisualImage(
        _ data: Data, name imageName: String, index: Int, names: InputNames, encoder: ColModernVBertEncoder,
        options: EmbedOptions, limits: ServerLimits
    ) {
        let name = imageName.isEmpty ? names[index] : "\(names[index]) (\(imageName))"
        guard data.count <= limits.maxImageBytes else {
            failures.append((index, .invalidArgument(
                "\(name): image of \(data.count) bytes exceeds max_image_bytes (\(limits.maxImageBytes))")))
            return
        }
        let bytes = [UInt8](data)
        let image: RGBImage
        do throws(ImageError) {
            let header = try ImageDecoder.readHeader(bytes, name: name, limits: options.image.limits)
            guard header.pixelCount <= limits.maxImagePixels else {
                failures.append((index, .invalidArgument(
                    "\(name): image of \(header.width)x\(header.height) pixels exceeds max_image_pixels (\(limits.maxImagePixels))")))
                return
            }
            image = try ImageDecoder.decode(bytes, name: name, limits: options.image.limits)
        } catch {
            failures.append((index, .invalidArgument("\(names[index]): \(error.description)")))
            return
        }
        switch Self.visualInput(image, encoder: encoder, name: name, maxTiles: limits.maxTiles) {
        case .success(let input):
            ready.append((index, input))
            pixels[index] = image.width * image.height
        case .failure(let error):
            failures.append((index, error))
        }
    }

    /// `image` tiled, with the ids of its visual prompt; a layout beyond `maxTiles` (the
    /// server's `max_tiles`) or the model's own tile limit fails, naming the input.
    static func visualInput(
        _ image: RGBImage, encoder: ColModernVBertEncoder, name: String, maxTiles: Int
    ) -> Result<PreparedInput, ServerError> {
        guard image.width > 0, image.height > 0 else { return .failure(.invalidArgument("\(name): the image is empty")) }
        do throws(ImageTilingError) {
            let tiles = try encoder.processor.tiles(image, limit: maxTiles)
            do throws(EmbeddingError) {
                return .success(.visualImage(tiles, promptIDs: try encoder.imagePromptIDs(rows: tiles.rows, cols: tiles.cols)))
            } catch {
                return .failure(.invalidArgument(message(error, name: name)))
            }
        } catch {
            return .failure(.invalidArgument("\(name): \(error.description)"))
        }
    }
}
