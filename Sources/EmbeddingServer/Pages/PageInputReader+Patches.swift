import Encoders
import Foundation
import ImageIO
import PageReading
import Pages
import WireProtocol

extension PageInputReader {
    /// Reads `page` and, when it asks for them (`include_patches`), its image's patch vectors by
    /// `vision`, both on a page thread. A page that asks for patches from a model without a
    /// vision tower (`vision` nil) fails alone, naming why.
    func read(
        _ page: Multiembed_V1_Page, index: Int, vision: ImageEmbedder?, model: String
    ) async -> Result<(text: PageText, patches: PagePatchVectors?), ServerError> {
        guard page.includePatches else { return await read(page, index: index).map { ($0, nil) } }
        guard let vision else {
            return .failure(.invalidArgument(
                "input \(index): include_patches: model \(model) has no vision tower to give a page image's patch vectors"))
        }
        return await run { reader in
            reader.readNow(page, index: index).flatMap { text in
                reader.patchVectors(page, text: text, index: index, vision: vision).map { (text, $0) }
            }
        }
    }

    /// The patch vectors of the page image `text` was read from: the image, or the PDF page
    /// rendered at the text layer's resolution.
    func patchVectors(
        _ page: Multiembed_V1_Page, text: PageText, index: Int, vision: ImageEmbedder
    ) -> Result<PagePatchVectors, ServerError> {
        let name = page.name.isEmpty ? "input \(index)" : "input \(index) (\(page.name))"
        let image: RGBImage
        do throws(PageReadError) {
            switch page.source {
            case .image(let data): image = try reader.image(imageBytes: [UInt8](data), name: name)
            case .pdf(let data):
                image = try reader.image(page: max(1, Int(page.pageNumber)) - 1, of: try reader.openPDF(bytes: [UInt8](data), name: name), dpi: text.dpi)
            case nil: return .failure(.invalidArgument("\(name): the page has neither an image nor a PDF"))
            }
        } catch {
            return .failure(.invalidArgument(error.description))
        }
        do throws(EmbeddingError) {
            return .success(try PagePatches.embed(image, with: vision))
        } catch {
            return .failure(.invalidArgument("\(name): patch vectors: \(error.description)"))
        }
    }
}
