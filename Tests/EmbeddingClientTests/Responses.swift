import Foundation
import WireProtocol

/// Canned answers for the fake server.
enum Responses {
    /// An OK embed answer with one float32 pooled vector per text: `[Float(id), index]`, so a
    /// test can tell which request and input each vector answers.
    static func embed(answering request: Multiembed_V1_Request) -> Multiembed_V1_Response {
        var body = Multiembed_V1_EmbedResponse()
        body.model = "fake"
        body.embeddings = request.embed.inputs.indices.map { index in
            var embedding = Multiembed_V1_Embedding()
            embedding.index = UInt32(index)
            embedding.pooled = vector(float32: [Float(request.id), Float(index)])
            return embedding
        }
        body.usage.tokens = UInt64(request.embed.inputs.count)
        var response = Multiembed_V1_Response()
        response.id = request.id
        response.embed = body
        return response
    }

    /// A float32 Vector.
    static func vector(float32 values: [Float]) -> Multiembed_V1_Vector {
        var vector = Multiembed_V1_Vector()
        vector.dimension = UInt32(values.count)
        vector.data = Data(values.flatMap { value in
            withUnsafeBytes(of: value.bitPattern.littleEndian) { Array($0) }
        })
        return vector
    }

    /// A Vector with the given raw bytes.
    static func vector(dimension: Int, bytes: [UInt8], scale: Float = 0) -> Multiembed_V1_Vector {
        var vector = Multiembed_V1_Vector()
        vector.dimension = UInt32(dimension)
        vector.data = Data(bytes)
        vector.scale = scale
        return vector
    }

    /// An OK answer whose one embedding has `pooled` (and optionally `multiVector`).
    static func single(
        id: UInt64, pooled: Multiembed_V1_Vector?, multiVector: Multiembed_V1_MultiVector? = nil
    ) -> Multiembed_V1_Response {
        var embedding = Multiembed_V1_Embedding()
        if let pooled { embedding.pooled = pooled }
        if let multiVector { embedding.multiVector = multiVector }
        var response = Multiembed_V1_Response()
        response.id = id
        response.embed.embeddings = [embedding]
        return response
    }
}
