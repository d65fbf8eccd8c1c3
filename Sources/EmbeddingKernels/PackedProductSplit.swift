/// How a product against a weight packed in column panels (``PackedWeight``,
/// ``BF16PackedWeight``, ``Int8PackedWeight``) is shared between cores: by rows when there are
/// at least half as many rows as output columns (each core streams the whole weight over its own
/// rows), else by whole panels of columns (a short, wide output: each core reads its share of the
/// weight once). Products under a million multiply-adds stay on one core, where a thread hop
/// costs more than it saves. A row's result is the same whichever split runs: every tile sums
/// each element in one fixed order.
///
/// `body(rows, columns)` computes the block `rows x columns` of the output; `columns` starts on
/// a panel boundary.
func splitPackedProduct(
    rows: Int, inFeatures: Int, outFeatures: Int, panelWidth: Int,
    _ body: @Sendable (_ rows: Range<Int>, _ columns: Range<Int>) -> Void
) {
    guard rows > 0 else { return }
    let large = rows * outFeatures * inFeatures >= 1 << 20
    if rows >= outFeatures / 2 {
        parallelChunks(rows, minimumPerChunk: large ? 16 : rows) { part in body(part, 0 ..< outFeatures) }
    } else {
        let panelCount = (outFeatures + panelWidth - 1) / panelWidth
        parallelChunks(panelCount, minimumPerChunk: large ? 2 : panelCount) { part in
            body(0 ..< rows, part.lowerBound * panelWidth ..< min(part.upperBound * panelWidth, outFeatures))
        }
    }
}
