// A Swift client example: embeds the texts and images named on the command line against a
// running `multiembed serve`, then prints the cosine similarity of every pair.
//
//   swift run -c release embed-sample --port 7878 "a photo of a cat" "an invoice" cat.jpg
//
// Arguments that name an existing .png/.jpg/.jpeg file are sent as images, the rest as texts
// (images need a server model with an image encoder, e.g. a CLIP folder).
import EmbeddingClient
import Foundation

var host = "127.0.0.1"
var port = 7878
var items: [String] = []
var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
    switch argument {
    case "--host": host = arguments.popFirst() ?? host
    case "--port": port = arguments.popFirst().flatMap { Int($0) } ?? port
    default: items.append(argument)
    }
}
guard !items.isEmpty else {
    FileHandle.standardError.write(Data("usage: embed-sample [--host H] [--port P] TEXT|IMAGE...\n".utf8))
    exit(2)
}

let inputs: [EmbeddingInput] = items.map { item in
    let isImage = ["png", "jpg", "jpeg"].contains((item as NSString).pathExtension.lowercased())
    if isImage, let data = FileManager.default.contents(atPath: item) { return .image(data, name: item) }
    return .text(item)
}

let client = EmbeddingClient(host: host, port: port)
do {
    let result = try await client.embed(inputs)
    for error in result.inputErrors { print("input \(error.index) failed: \(error.message)") }
    let vectors = result.pooledVectors
    for i in items.indices {
        for j in items.indices where j > i {
            guard let a = vectors[i], let b = vectors[j] else { continue }
            // Vectors come back L2-normalised, so the dot product is the cosine.
            let cosine = zip(a, b).reduce(Float(0)) { $0 + $1.0 * $1.1 }
            print(String(format: "%+.4f  %@  <->  %@", cosine, items[i], items[j]))
        }
    }
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
}
try await client.shutdown()
