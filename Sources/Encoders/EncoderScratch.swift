/// Work buffers of one encoder forward pass over `tokens` packed rows, allocated once per batch
/// and reused by every layer (BERT and CLIP alike).
final class EncoderScratch {
    /// Fused query/key/value projections, `[tokens, 3 * hidden]`.
    let qkv: UnsafeMutablePointer<Float>
    /// Attention output before its projection, `[tokens, hidden]`.
    let context: UnsafeMutablePointer<Float>
    /// A second `[tokens, hidden]` stream: BERT's post-attention state, CLIP's layer-normed input.
    let hidden: UnsafeMutablePointer<Float>
    /// The MLP's inner activations, `[tokens, intermediate]`.
    let intermediate: UnsafeMutablePointer<Float>

    init(tokens: Int, hidden: Int, intermediateSize: Int) {
        qkv = .allocate(capacity: tokens * 3 * hidden)
        context = .allocate(capacity: tokens * hidden)
        self.hidden = .allocate(capacity: tokens * hidden)
        intermediate = .allocate(capacity: tokens * intermediateSize)
    }

    deinit {
        qkv.deallocate()
        context.deallocate()
        hidden.deallocate()
        intermediate.deallocate()
    }
}
