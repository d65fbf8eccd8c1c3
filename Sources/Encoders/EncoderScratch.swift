import EmbeddingKernels
import Synchronization

/// Work buffers of one encoder forward pass over `tokens` packed rows, reused by every layer
/// (BERT, CLIP and ModernBERT alike) and, through ``withScratch(tokens:hidden:intermediateSize:_:)``, by
/// later batches.
///
/// Reuse across batches matters: a ViT-B/32 batch of 16 images needs about 11 MB of these per
/// core, which glibc serves from fresh mmap'd pages each time; faulting and zeroing them in cost
/// about 1.5% of the batch. Pooled buffers keep their pages.
final class EncoderScratch: @unchecked Sendable {
    /// Fused query/key/value projections, `[tokens, 3 * hidden]`.
    let qkv: UnsafeMutablePointer<Float>
    /// Attention output before its projection, `[tokens, hidden]`.
    let context: UnsafeMutablePointer<Float>
    /// A second `[tokens, hidden]` stream: BERT's post-attention state, CLIP's layer-normed input.
    let hidden: UnsafeMutablePointer<Float>
    /// The MLP's inner activations, `[tokens, intermediate]` (ModernBERT asks for three times
    /// its intermediate size: the GeGLU's `[tokens, 2 * intermediate]` product, then its gated half).
    let intermediate: UnsafeMutablePointer<Float>

    /// Floats each buffer holds: `qkv`, then `context` and `hidden`, then `intermediate`.
    private let capacities: (qkv: Int, hidden: Int, intermediate: Int)

    init(tokens: Int, hidden: Int, intermediateSize: Int) {
        capacities = (tokens * 3 * hidden, tokens * hidden, tokens * intermediateSize)
        qkv = .allocate(capacity: capacities.qkv)
        context = .allocate(capacity: capacities.hidden)
        self.hidden = .allocate(capacity: capacities.hidden)
        intermediate = .allocate(capacity: capacities.intermediate)
    }

    deinit {
        qkv.deallocate()
        context.deallocate()
        hidden.deallocate()
        intermediate.deallocate()
    }

    private var totalFloats: Int { capacities.qkv + 2 * capacities.hidden + capacities.intermediate }

    private func fits(tokens: Int, hidden: Int, intermediateSize: Int) -> Bool {
        capacities.qkv >= tokens * 3 * hidden && capacities.hidden >= tokens * hidden
            && capacities.intermediate >= tokens * intermediateSize
    }

    /// Scratch buffers idle between batches: at most one per compute thread (each runs one
    /// sequence group at a time), and none larger than ``largestPooledFloats``, so a one-off
    /// huge batch does not pin its memory for the life of the server.
    ///
    /// The limit (256 MB a set) covers a page: ColModernVBERT runs a page's 17 SigLIP tiles as
    /// two groups of 8 (8,192 rows, 56.6M floats of scratch each), and faulting those 226 MB in
    /// afresh for every page cost about 1.5% of its time (`clear_page` in `perf`). Pooling does
    /// not raise the peak (the same sets are in use while a page runs); it keeps at most one set
    /// per compute thread mapped between batches.
    private static let pool = Mutex<[EncoderScratch]>([])
    private static let largestPooledFloats = 64 << 20

    /// Runs `body` with buffers for `tokens` rows, borrowed from the pool when one fits (the
    /// smallest that does) and returned to it afterwards. Borrowed buffers belong to one caller
    /// at a time, which is what makes sharing them across threads sound.
    static func withScratch<Result>(
        tokens: Int, hidden: Int, intermediateSize: Int, _ body: (EncoderScratch) -> Result
    ) -> Result {
        let borrowed = pool.withLock { idle -> EncoderScratch? in
            let fitting = idle.indices.filter { idle[$0].fits(tokens: tokens, hidden: hidden, intermediateSize: intermediateSize) }
            guard let best = fitting.min(by: { idle[$0].totalFloats < idle[$1].totalFloats }) else { return nil }
            return idle.remove(at: best)
        }
        let scratch = borrowed ?? EncoderScratch(tokens: tokens, hidden: hidden, intermediateSize: intermediateSize)
        let result = body(scratch)
        if scratch.totalFloats <= largestPooledFloats {
            pool.withLock { idle in
                idle.append(scratch)
                // Over the limit, drop the smallest: the larger buffers serve every batch it could.
                if idle.count > ComputeThreads.count,
                   let smallest = idle.indices.min(by: { idle[$0].totalFloats < idle[$1].totalFloats }) {
                    idle.remove(at: smallest)
                }
            }
        }
        return result
    }
}
