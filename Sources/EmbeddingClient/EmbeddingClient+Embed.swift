public import Foundation
internal import WireProtocol

extension EmbeddingClient {
    /// Embeds `inputs` (texts, images and patch grids may be mixed when the model takes each
    /// kind), one ``Embedding`` per input in input order.
    ///
    /// - Throws: ``EmbeddingClientError`` when the call fails as a whole: the server's status
    ///   (unknown model: NOT_FOUND; queue full: RESOURCE_EXHAUSTED; with ``EmbedOptions/allOrNothing``,
    ///   the first bad input's code and the culprits in ``EmbeddingClientError/inputErrors``),
    ///   a timeout, or a lost connection. Without all-or-nothing, a bad input fails alone: see
    ///   ``EmbedResult/inputErrors``.
    public func embed(
        _ inputs: [EmbeddingInput], options: EmbedOptions = EmbedOptions()
    ) async throws(EmbeddingClientError) -> EmbedResult {
        var request = Multiembed_V1_Request()
        request.embed = try options.wireRequest(inputs: inputs)
        let response = try await self.send(
            request, timeout: options.timeout, deadline: options.deadline)
        guard case .embed(let body)? = response.body else {
            throw .invalidResponse("the answer to an Embed request has no embed body")
        }
        return try EmbedResult(
            body, status: response.status, inputCount: inputs.count, encoding: options.encoding)
    }

    /// Embeds texts. See ``embed(_:options:)``.
    public func embed(
        texts: [String], options: EmbedOptions = EmbedOptions()
    ) async throws(EmbeddingClientError) -> EmbedResult {
        try await self.embed(texts.map { .text($0) }, options: options)
    }

    /// Embeds encoded image files (PNG or JPEG bytes). See ``embed(_:options:)``.
    public func embed(
        images: [Data], options: EmbedOptions = EmbedOptions()
    ) async throws(EmbeddingClientError) -> EmbedResult {
        try await self.embed(images.map { .image($0) }, options: options)
    }

    /// Embeds preprocessed patch grids. See ``embed(_:options:)``.
    public func embed(
        patches: [PatchGrid], options: EmbedOptions = EmbedOptions()
    ) async throws(EmbeddingClientError) -> EmbedResult {
        try await self.embed(patches.map { .patches($0) }, options: options)
    }
}
