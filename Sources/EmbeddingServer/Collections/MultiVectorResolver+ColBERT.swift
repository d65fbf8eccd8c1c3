import Encoders
import LateInteraction
import Pages
import WireProtocol

extension MultiVectorResolver {
    /// Texts for a ColBERT-style model (PyLate, Stanford ColBERT): its query marker and [MASK]
    /// expansion, or its document marker and skip list, exactly as `multiembed index add` and
    /// `search` apply them. The model's batcher cannot run this encoder, so the texts are
    /// encoded on the collection workers, off the event loops, as one call.
    ///
    /// Such models define no prompts: a prompt name is NOT_FOUND; an instruction is prepended
    /// to every text (after which the markers still apply). Texts are cut to the model's query
    /// or document length; with TRUNCATE_ERROR a text that does not fit fails alone. Page inputs
    /// are read and encoded by their own path (``PageInputReader/encodeColBERT(_:index:encoder:role:)``):
    /// a document page is never cut (windows of the document length), and takes no instruction.
    func encode(
        _ inputs: [(index: Int, input: Multiembed_V1_Input)], colbert: ColBERTTextEncoder, model: ServedModel,
        name: (Int) -> String, into resolved: inout Resolved
    ) async throws(ServerError) {
        let prefix: String
        switch prompt {
        case .convention, .promptName(""): prefix = ""
        case .instruction(let text): prefix = text
        case .promptName(let prompt):
            throw .notFound("unknown prompt '\(prompt)' for model \(model.name); it defines no prompts (its markers are applied)")
        }
        switch truncate {
        case .end, .error: break
        case .start: throw .invalidArgument("model \(model.name) cuts long texts at the end only; TRUNCATE_START is not supported")
        case .UNRECOGNIZED(let value): throw .invalidArgument("unknown truncate \(value)")
        }
        let limits = collections.limits
        var texts: [(index: Int, text: String)] = []
        var pages: [(index: Int, page: Multiembed_V1_Page)] = []
        for (index, input) in inputs {
            if case .page(let page) = input.kind {
                pages.append((index, page))
                continue
            }
            guard case .text(let text) = input.kind else {
                resolved.failures.append((index, .invalidArgument("\(name(index)): model \(model.name) takes text and page input only")))
                continue
            }
            let bytes = text.utf8.count
            guard bytes <= limits.maxTextBytes else {
                resolved.failures.append((index, .invalidArgument(
                    "\(name(index)): text of \(bytes) bytes exceeds max_text_bytes (\(limits.maxTextBytes))")))
                continue
            }
            texts.append((index, prefix + text))
        }
        await encodePages(pages, colbert: colbert, name: name, into: &resolved)
        guard !texts.isEmpty else { return }
        let role = self.role, strict = truncate == .error, prepared = texts
        let encoded = try await collections.offLoop { () throws(ServerError) -> [Result<(rows: [[Float]], tokens: Int), ServerError>] in
            // Prepared one by one first, so one bad text fails alone.
            var checked: [Result<Int, ServerError>] = []
            var batch: [String] = []
            for (_, text) in prepared {
                do throws(EmbeddingError) {
                    let input = role == .query ? try colbert.queryInput(text) : try colbert.documentInput(text)
                    if strict, input.truncated {
                        checked.append(.failure(.invalidArgument(
                            "the text is longer than the model's \(role == .query ? "query" : "document") length and truncate is TRUNCATE_ERROR")))
                    } else {
                        checked.append(.success(input.ids.count))
                        batch.append(text)
                    }
                } catch {
                    checked.append(.failure(.invalidArgument(error.description)))
                }
            }
            let rows: [[[Float]]]
            do throws(EmbeddingError) {
                rows = role == .query ? try colbert.encodeQueries(batch) : try colbert.encodeDocuments(batch)
            } catch {
                throw ServerError(.internal, "model \(model.name) failed to encode: \(error.description)")
            }
            var next = rows.makeIterator()
            return checked.map { result in result.map { tokens in (next.next() ?? [], tokens) } }
        }
        for ((index, _), result) in zip(texts, encoded) {
            switch result {
            case .failure(let error):
                resolved.failures.append((index, ServerError(error.code, "\(name(index)): \(error.message)")))
            case .success(let (rows, tokens)):
                resolved.usage.tokens += UInt64(tokens)
                do throws(LateInteractionError) {
                    let vectors = try MultiVector(rows: rows, context: name(index))
                    if let failure = check(count: vectors.count, dimension: vectors.dimension, name: name(index), embedded: true) {
                        resolved.failures.append((index, failure))
                    } else {
                        resolved.vectors[index] = vectors
                    }
                } catch {
                    resolved.failures.append((index, .invalidArgument(error.description)))
                }
            }
        }
    }

    /// Page inputs for a ColBERT-style model, each read and encoded on a page thread, all at
    /// once; a page that cannot be read fails alone. A document keeps its attachment (text layer,
    /// word of each vector).
    private func encodePages(
        _ pages: [(index: Int, page: Multiembed_V1_Page)], colbert: ColBERTTextEncoder, name: (Int) -> String,
        into resolved: inout Resolved
    ) async {
        guard !pages.isEmpty else { return }
        let reader = collections.embedding.pageInputs, role = self.role
        let encoded = await withTaskGroup(of: (Int, Result<PageEmbedding, ServerError>).self) { group in
            for (index, page) in pages {
                group.addTask { (index, await reader.encodeColBERT(page, index: index, encoder: colbert, role: role)) }
            }
            var results: [(Int, Result<PageEmbedding, ServerError>)] = []
            for await result in group { results.append(result) }
            return results
        }
        for (index, result) in encoded {
            switch result {
            case .failure(let error):
                resolved.failures.append((index, ServerError(error.code, Self.renamed(error.message, position: index, as: name(index)))))
            case .success(let page):
                resolved.usage.tokens += UInt64(page.tokenCount)
                if let failure = check(count: page.tokens.count, dimension: page.tokens.dimension, name: name(index), embedded: true) {
                    resolved.failures.append((index, failure))
                    continue
                }
                resolved.vectors[index] = page.tokens
                if role == .document { resolved.pages[index] = page.attachment }
            }
        }
    }
}
