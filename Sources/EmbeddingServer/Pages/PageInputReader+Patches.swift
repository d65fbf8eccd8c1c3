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
        _ page: Multiembed_V1_Page, name: String, vision: ImageEmbedder?, model: String
    ) async -> Result<(text: PageText, patches: PagePatchVectors?), ServerError> {
        guard page.includePatches else { return await read(page, name: name).map { ($0, nil) } }
        guard let vision else {
            return .failure(.invalidArgument(
                "\(name): include_patches: model \(model) has no vision tower to give a page image's patch vectors"))
        }
        return await run { reader in
            reader.readNow(page, name: name).flatMap { text in
                reader.patchVectors(page, text: text, name: name, vision: vision).map { (text, $0) }
            }
        }
    }

    /// The image of `page`: its image decoded, or its PDF page rendered at `dpi` (nil: the
    /// reader's resolution).
    func pageImage(_ page: Multiembed_V1_Page, name input: String, dpi: Int?) -> Result<RGBImage, ServerError> {
        let name = Self.name(of: page, input: input)
        do throws(PageReadError) {
            switch page.source {
            case .image(let data):
                guard data.count <= maxPDFBytes else {
                    return .failure(.invalidArgument("\(name): a page of \(data.count) bytes exceeds max_image_bytes (\(maxPDFBytes))"))
                }
                return .success(try reader.image(imageBytes: [UInt8](data), name: name))
            case .pdf(let data):
                guard data.count <= maxPDFBytes else {
                    return .failure(.invalidArgument("\(name): a PDF of \(data.count) bytes exceeds max_image_bytes (\(maxPDFBytes))"))
                }
                let pdf = try reader.openPDF(bytes: [UInt8](data), name: name)
                let number = max(1, Int(page.pageNumber))
                guard number <= pdf.pageCount else {
                    throw .pdf(.pageOutOfRange(name: name, page: number - 1, pageCount: pdf.pageCount))
                }
                return .success(try reader.image(page: number - 1, of: pdf, dpi: dpi))
            case nil: return .failure(.invalidArgument("\(name): the page has neither an image nor a PDF"))
            }
        } catch {
            return .failure(.invalidArgument(error.description))
        }
    }

    /// The patch vectors of the page image `text` was read from: the image, or the PDF page
    /// rendered at the text layer's resolution.
    func patchVectors(
        _ page: Multiembed_V1_Page, text: PageText, name input: String, vision: ImageEmbedder
    ) -> Result<PagePatchVectors, ServerError> {
        let name = Self.name(of: page, input: input)
        let image: RGBImage
        switch pageImage(page, name: input, dpi: text.dpi) {
        case .success(let read): image = read
        case .failure(let error): return .failure(error)
        }
        do throws(EmbeddingError) {
            return .success(try PagePatches.embed(image, with: vision))
        } catch {
            return .failure(.invalidArgument("\(name): patch vectors: \(error.description)"))
        }
    }
}
