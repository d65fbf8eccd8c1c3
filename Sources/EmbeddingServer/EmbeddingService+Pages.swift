import Encoders
import ImageIO
import Pages

extension EmbeddingService {
    /// Reads the Page inputs of `preparation` (at once, each on a page reader's thread) and makes
    /// them ready for the model's batcher. A page that cannot be read fails alone.
    ///
    /// - Text embedders: windows of the page's words, with token and pooled vectors (a page's
    ///   vectors are assembled from its windows' whatever the output), and the image's patch
    ///   vectors when the page asks for them.
    /// - ColBERT-style models: as a document, its words in windows of the document length with
    ///   the marker and skip list (``ColBERTPageEmbedder``); as a query, its text through the
    ///   query path. Its text layer comes back with its vectors.
    /// - ColModernVBERT: the page image (a PDF page rendered) tiled as an image document; no text
    ///   layer is read.
    func readPages(into preparation: inout EmbedPreparation, model: ServedModel, options: EmbedOptions, names: InputNames) async {
        let pages = preparation.pages
        preparation.pages = []
        let pageInputs = self.pageInputs, vision = model.bundle.image, modelName = model.name, maxTiles = limits.maxTiles
        if let visual = model.bundle.lateInteractionVisual {
            let read = await withTaskGroup(of: (Int, Result<(PreparedInput, Int), ServerError>).self) { group in
                for (index, page) in pages {
                    group.addTask {
                        let name = names[index]
                        guard !page.includePatches else {
                            return (index, .failure(.invalidArgument(
                                "\(name): include_patches: model \(modelName) gives one vector per token of the page image's prompt, not separate patch vectors")))
                        }
                        let result = await pageInputs.run { reader in
                            reader.pageImage(page, name: name, dpi: nil).flatMap { image in
                                EmbedPreparation.visualInput(
                                    image, encoder: visual, name: PageInputReader.name(of: page, input: name), maxTiles: maxTiles)
                                    .map { ($0, image.width * image.height) }
                            }
                        }
                        return (index, result)
                    }
                }
                var results: [(Int, Result<(PreparedInput, Int), ServerError>)] = []
                for await result in group { results.append(result) }
                return results.sorted { $0.0 < $1.0 }
            }
            for (index, result) in read {
                switch result {
                case .failure(let error): preparation.failures.append((index, error))
                case .success(let (input, pixels)):
                    preparation.ready.append((index, input))
                    preparation.pixels[index] = pixels
                }
            }
            preparation.failures.sort { $0.index < $1.index }
            return
        }
        typealias Read = Result<(text: PageText, patches: PagePatchVectors?), ServerError>
        let read = await withTaskGroup(of: (Int, Read).self) { group in
            for (index, page) in pages {
                group.addTask { (index, await pageInputs.read(page, name: names[index], vision: vision, model: modelName)) }
            }
            var results: [(Int, Read)] = []
            for await result in group { results.append(result) }
            return results.sorted { $0.0 < $1.0 }
        }
        var pageOptions = options.text
        pageOptions.output = .both
        for (index, result) in read {
            switch result {
            case .failure(let error):
                preparation.failures.append((index, error))
            case .success(let (page, patches)):
                if let colbert = model.bundle.lateInteraction {
                    if options.side == .query {
                        do throws(EmbeddingError) {
                            let input = try colbert.queryInput(page.text)
                            preparation.ready.append((index, .lateText(LateText(input: input, side: .query, page: page))))
                        } catch {
                            preparation.failures.append((index, .invalidArgument(EmbedPreparation.message(error, name: names[index]))))
                        }
                    } else {
                        preparation.ready.append((index, .latePage(ColBERTPageEmbedder.prepare(page, with: colbert))))
                    }
                    preparation.pixels[index] = page.width * page.height
                    continue
                }
                guard let text = model.bundle.text else { continue }
                do throws(EmbeddingError) {
                    var prepared = try PageEmbedder.prepare(page, with: text, options: pageOptions)
                    // The image's vectors, computed on the page thread, follow the words'.
                    prepared.patches = patches
                    preparation.ready.append((index, .page(prepared, pageOptions)))
                    preparation.pixels[index] = page.width * page.height
                } catch {
                    preparation.failures.append((index, .invalidArgument("\(names[index]): \(error.description)")))
                }
            }
        }
        preparation.failures.sort { $0.index < $1.index }
    }

    /// The per-input results of a call whose inputs are done, in input order, and its usage.
    static func outcome(
        model: ServedModel, options: EmbedOptions, completed: PendingEmbedding.Completed, preparation: EmbedPreparation,
        names: InputNames
    ) -> EmbedOutcome {
        var results: [Result<EmbeddedInput, InputFailure>?] = Array(repeating: nil, count: completed.outcomes.count)
        var usage = EmbedUsage(queueTime: completed.queueTime, inferenceTime: completed.inferenceTime)
        for failure in preparation.failures where results.indices.contains(failure.index) {
            results[failure.index] = .failure(InputFailure(index: failure.index, error: failure.error))
        }
        var costs: [Int: Int] = [:]
        for (index, input) in preparation.ready { costs[index] = input.cost }
        for (index, outcome) in completed.outcomes.enumerated() {
            switch outcome {
            case .text(let text)?:
                usage.tokens += text.tokenCount
                results[index] = .success(EmbeddedInput(pooled: text.pooled, tokens: text.tokenVectors, truncated: text.truncated))
            case .image(let image)?:
                usage.patches += image.patchCount
                usage.pixels += preparation.pixels[index] ?? 0
                // A multi-vector holds the patches only: the class token comes first.
                results[index] = .success(EmbeddedInput(pooled: image.pooled, tokens: image.tokenVectors.map { Array($0.dropFirst()) }))
            case .page(let page)?:
                usage.tokens += page.tokenCount
                usage.pixels += preparation.pixels[index] ?? 0
                usage.patches += page.attachment.patches.map { $0.count - $0.leading } ?? 0
                results[index] = .success(EmbeddedInput(
                    pooled: options.output.wantsPooledVector ? page.pooled : nil,
                    tokens: options.output.wantsTokenVectors ? (0 ..< page.tokens.count).map { Array(page.tokens.row($0)) } : nil,
                    page: page.attachment))
            case .tokens(let rows)?:
                // The tokens the model ran (a document's skip-listed ones included).
                usage.tokens += costs[index] ?? rows.count
                usage.pixels += preparation.pixels[index] ?? 0
                results[index] = .success(EmbeddedInput(tokens: rows))
            case .failed(let message)?:
                results[index] = .failure(InputFailure(index: index, error: ServerError(.internal, "\(names[index]): \(message)")))
            case nil:
                break
            }
        }
        let all = results.enumerated().map { index, result in
            result ?? .failure(InputFailure(index: index, error: ServerError(.internal, "\(names[index]): the model returned no result")))
        }
        return EmbedOutcome(model: model, results: all, usage: usage)
    }
}
