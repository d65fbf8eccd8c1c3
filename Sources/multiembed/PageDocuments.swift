import Encoders
import Foundation
import ImageIO
import PageReading
import Pages

/// Pages' text layers as a model's documents, for `index add --pages` and `embed --pages`: the
/// words through the model's text tower (its document prompt), or through a ColBERT-style
/// model's document path (marker, windows of its document length, skip list); with
/// `--page-patches`, the page image's patch vectors after them (a model with a vision tower).
struct PageDocumentEncoder {
    let bundle: ModelBundle
    let reader: PageReader
    /// The image encoder that adds patch vectors; nil when they are not wanted.
    let patches: ImageEmbedder?

    /// Refuses a model that cannot embed pages (no text tower), and patches a model cannot give
    /// (no vision tower), before any page is read.
    init(bundle: ModelBundle, reader: PageReader, patches wantsPatches: Bool) throws {
        guard bundle.text != nil || bundle.lateInteraction != nil else {
            throw CommandFailure("model \(bundle.name) has no text tower to embed pages' words with")
        }
        self.bundle = bundle
        self.reader = reader
        if wantsPatches {
            guard let image = bundle.image, bundle.lateInteraction == nil else {
                throw CommandFailure(
                    "--page-patches: model \(bundle.name) has no vision tower to give a page image's patch vectors (CLIP-style models have one); leave it out to index the words alone")
            }
            patches = image
        } else {
            patches = nil
        }
    }

    /// Whether the documents have a pooled vector (ColBERT-style models have none).
    var hasPooled: Bool { bundle.lateInteraction == nil }

    /// Embeds pages read from `sources`, one result per page: a page whose image cannot be read
    /// again for its patches fails alone.
    func embed(_ pages: [PageText], sources: [PageSource]) throws -> [Result<PageEmbedding, CommandFailure>] {
        var embedded: [PageEmbedding]
        do {
            if let colbert = bundle.lateInteraction {
                embedded = try ColBERTPageEmbedder.embed(pages, with: colbert)
            } else {
                embedded = try PageEmbedder.embed(pages, with: try textEmbedder(of: bundle))
            }
        } catch let error as EmbeddingError {
            throw CommandFailure(error.description)
        }
        guard let patches else { return embedded.map { .success($0) } }
        return zip(embedded, sources).map { page, source in
            var page = page
            do {
                let image = try Self.image(of: source, page: page.attachment.page, reader: reader)
                let grid = try PagePatches.embed(image, with: patches)
                try page.appendPatches(grid)
                return .success(page)
            } catch {
                return .failure(CommandFailure("page image for patch vectors: \(error)"))
            }
        }
    }

    /// The page image of `source`: the image file, or the PDF page rendered at the resolution
    /// its text layer is in (the boxes of words and patches then share one pixel grid).
    static func image(of source: PageSource, page: PageText, reader: PageReader) throws -> RGBImage {
        if let number = source.pdfPage {
            return try reader.image(page: number, of: try reader.openPDF(path: source.path), dpi: page.dpi)
        }
        return try reader.image(imageBytes: [UInt8](try Data(contentsOf: URL(fileURLWithPath: source.path))), name: source.path)
    }
}
