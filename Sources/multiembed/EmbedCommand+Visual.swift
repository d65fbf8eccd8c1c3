import Encoders
import Foundation
import ImageIO

/// `embed` with a visual-document late-interaction model (ColModernVBERT): images become one
/// vector per token of their tiled prompt, texts go through the model's query path. Such a
/// model has no pooled vector, so only `--multi-vector` output exists.
extension EmbedCommand {
    func embedWithVisualModel(_ encoder: ColModernVBertEncoder, name: String) throws {
        guard multiVector else {
            throw CommandFailure("model \(name) gives multi-vectors only (it has no pooled embedding): add --multi-vector")
        }
        var output = OutputBuffer()
        var failures = 0
        var total = 0
        if let texts {
            let queries = try readTexts(texts)
            total = queries.count
            for (index, query) in queries.enumerated() {
                var line = "{\"index\":\(index)"
                do {
                    let vectors = try encoder.encode(query: query)
                    line += ",\"vectors\":[" + vectors.map(jsonArray).joined(separator: ",") + "]"
                } catch {
                    failures += 1
                    line += ",\"error\":\(jsonString(error.description(forIndex: index)))"
                }
                output.append(line + "}\n")
            }
        } else {
            let files = try ImageFiles.collect(images)
            total = files.count
            let limits = ImageLimits(maxPixels: maxImagePixels, maxEncodedBytes: maxImageBytes)
            let progress = ProgressBar(total: files.count, label: "embedding", minimumTotal: 8)
            for (index, file) in files.enumerated() {
                var line = "{\"index\":\(index),\"file\":\(jsonString(file))"
                do {
                    let bytes = try ImageFiles.read(file, maxBytes: maxImageBytes).get()
                    let image: RGBImage
                    do { image = try ImageDecoder.decode(bytes, name: file, limits: limits) } catch { throw CommandFailure(error.description) }
                    let vectors = try encoder.encode(image: image, maxTiles: maxTiles)
                    line += ",\"vectors\":[" + vectors.map(jsonArray).joined(separator: ",") + "]"
                } catch {
                    failures += 1
                    line += ",\"error\":\(jsonString("\(error)"))"
                }
                output.append(line + "}\n")
                progress.update(index + 1)
            }
            progress.finish()
        }
        output.flush()
        if failures > 0 { throw CommandFailure("\(failures) of \(total) inputs could not be embedded") }
    }
}
