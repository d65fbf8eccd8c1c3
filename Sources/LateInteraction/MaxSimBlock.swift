import CMaxSim

/// One worker's MaxSim over documents, in bounded memory: the query laid out once for the C
/// kernel (`cmaxsim_prepare`) and a few KiB of scratch, whatever the corpus size.
///
/// Each document is scored alone by `cmaxsim_score`: every dot product is one fused multiply-add
/// chain over the dimensions in order, the max per query vector is exact, and the maxima are
/// summed in query order in float32. A score is therefore a function of the query and the
/// document's own vectors only — batch composition, order, block boundaries and the kernel the
/// CPU gets (AVX-512 or portable) never change its bits (colpali-engine issue 274). There is no
/// padding (a short block repeats its last vector, which cannot change a max), so nothing is
/// scored as a zero similarity.
///
/// Why not OpenBLAS: a document alone is a skinny product (n x 128 times 128 x 20) on which sgemm
/// reached ~84 GFLOP/s of the ~200 the machine does, and it cannot be given several documents at
/// once because its output bits depend on an element's position in the product. The kernel reads
/// float16 and int8 storage directly, decoding one block of rows at a time.
struct MaxSimBlock: ~Copyable {
    let queryCount: Int
    let documents: EncodedDocuments
    private let scratch: UnsafeMutablePointer<Float>

    init(query: UnsafePointer<Float>, queryCount: Int, documents: EncodedDocuments) {
        self.queryCount = queryCount
        self.documents = documents
        let floats = cmaxsim_scratch_floats(Int32(queryCount), Int32(documents.dimension))
        scratch = UnsafeMutableRawPointer.allocate(byteCount: floats * 4, alignment: 64).bindMemory(to: Float.self, capacity: floats)
        cmaxsim_prepare(query, Int32(queryCount), Int32(documents.dimension), scratch)
    }

    deinit { scratch.deallocate() }

    /// Which MaxSim kernel scores: the widest this CPU runs, or (for tests, which check that all
    /// give the same bits) the AVX2 one or the portable reference.
    enum Kernel {
        case fastest, avx2, reference

        /// Whether this CPU runs the kernel.
        var isAvailable: Bool { self != .avx2 || cmaxsim_has_avx2() != 0 }
    }

    /// One document's MaxSim.
    func score(_ slot: DocumentSlot, kernel choice: Kernel = .fastest) -> Float {
        let n = slot.count, d = documents.dimension
        let source = documents.base + slot.offset
        let kernel = switch choice {
        case .fastest: cmaxsim_score
        case .avx2: cmaxsim_score_avx2_kernel
        case .reference: cmaxsim_score_reference
        }
        let m = Int32(queryCount), width = Int32(d)
        switch documents.precision {
        case .float32:
            return kernel(m, width, source, CMAXSIM_FLOAT32, nil, n, scratch)
        case .float16:
            return kernel(m, width, source, CMAXSIM_FLOAT16, nil, n, scratch)
        case .int8:
            // VectorCodec layout: n float scales, then the codes.
            let scales = source.assumingMemoryBound(to: Float.self)
            return kernel(m, width, source + n * 4, CMAXSIM_INT8, scales, n, scratch)
        case .binary:
            // The float16 copy after the sign words.
            let halves = source + n * StoragePrecision.words(d) * 8
            return kernel(m, width, halves, CMAXSIM_FLOAT16, nil, n, scratch)
        }
    }

    /// Name of the kernels in use: "avx512", "avx2" or "portable" (the widest this CPU runs, or
    /// lower by MULTIEMBED_ISA).
    static var kernelName: String { String(cString: cmaxsim_kernel_name()) }
}
