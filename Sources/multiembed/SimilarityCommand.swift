import ArgumentParser
import EmbeddingKernels
import Encoders
import Foundation

/// `multiembed similarity`: cosine similarities of texts against images in a shared-space
/// model (CLIP, SigLIP2), as a table (texts down, images across) or JSON. For a model trained
/// with a sigmoid (SigLIP2) the table shows what its users read: the probability that each
/// text matches each image, sigmoid(exp(logit_scale) * cosine + logit_bias), each pair on its
/// own; the JSON then holds the cosines, logits and probabilities.
struct SimilarityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "similarity", abstract: "Similarity of texts against images in one model's shared space (cosine; SigLIP2: match probability).")

    @Option(name: .long, help: "A model folder with both a text and an image encoder (CLIP, SigLIP2).")
    var model: String

    @OptionGroup var computeOptions: ComputeOptions

    @Option(name: .long, parsing: .upToNextOption, help: "Texts to compare (each argument is one text).")
    var text: [String] = []

    @Option(name: .long, help: "File of texts, one per line (or .jsonl).")
    var texts: String?

    @Option(name: .long, parsing: .upToNextOption, help: "PNG/JPEG files, or folders.")
    var images: [String] = []

    @Option(name: .long, help: "A prompt the model defines, applied to the texts.")
    var promptName: String?

    @Flag(name: .long, help: "Print JSON {texts, images, scores} instead of a table.")
    var json = false

    func run() throws {
        warnIfBLASIsPinned()
        let bundle = try loadModel(model, compute: computeOptions.compute)
        guard let textEncoder = bundle.text, let imageEncoder = bundle.imageEncoder else {
            throw CommandFailure("model \(bundle.name) needs both a text and an image encoder for similarity")
        }
        let allTexts = text + (try texts.map(readTexts) ?? [])
        let files = try ImageFiles.collect(images)
        guard !allTexts.isEmpty, !files.isEmpty else { throw ValidationError("give at least one text and one image") }
        let textVectors: [[Float]]
        let imageVectors: [[Float]]
        do {
            textVectors = try textEncoder.embed(allTexts, options: .init(promptName: promptName, normalize: true)).map { try $0.get().pooled ?? [] }
            let inputs = files.map { ImageInput.encoded(bytes: (try? ImageFiles.read($0).get()) ?? [], name: $0) }
            imageVectors = try imageEncoder.embed(inputs, options: .init(normalize: true)).map { try $0.get().pooled ?? [] }
        } catch let error as EmbeddingError {
            throw CommandFailure(error.description)
        }
        let scores = textVectors.map { t in imageVectors.map { Float(VectorMath.dot(t, $0, count: t.count)) } }
        let scoring = imageEncoder.scoring
        let probabilities = scores.map { $0.compactMap { scoring.probability(cosine: $0) } }
        let sigmoid = probabilities.first?.isEmpty == false
        if json {
            var object: [String: Any] = ["texts": allTexts, "images": files, "scores": scores.map { $0.map(Double.init) }]
            if sigmoid {
                object["logits"] = scores.map { $0.map { Double(scoring.logit(cosine: $0)) } }
                object["probabilities"] = probabilities.map { $0.map(Double.init) }
            }
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
            return
        }
        let table = sigmoid ? probabilities : scores
        if sigmoid { print("match probability: sigmoid(exp(logit_scale) * cosine + logit_bias), each pair on its own") }
        let names = files.map { ($0 as NSString).lastPathComponent }
        print("text".padding(toLength: 32, withPad: " ", startingAt: 0) + names.map { " " + String($0.prefix(14)).padding(toLength: 14, withPad: " ", startingAt: 0) }.joined())
        for (row, label) in zip(table, allTexts) {
            let cells = row.map { " " + String(format: sigmoid ? "%.4f" : "%+.4f", $0).padding(toLength: 14, withPad: " ", startingAt: 0) }.joined()
            print(String(label.prefix(32)).padding(toLength: 32, withPad: " ", startingAt: 0) + cells)
        }
    }
}
