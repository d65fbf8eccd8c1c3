import ImageIO
import Testing

@Suite struct PatchifyTests {
    /// 2 channels x 4 x 6 with value = c * 100 + y * 10 + x, cut into 2 x 2 patches.
    static let pixels: PixelValues = {
        var values: [Float] = []
        for c in 0..<2 {
            for y in 0..<4 {
                for x in 0..<6 { values.append(Float(c * 100 + y * 10 + x)) }
            }
        }
        return PixelValues(channels: 2, height: 4, width: 6, values: values)
    }()

    @Test func shapeAndOrder() throws {
        let (rows, cols, values) = try Patchify.patches(Self.pixels, patchSize: 2)
        #expect(rows == 2 && cols == 3)
        #expect(values.count == 6 * 2 * 2 * 2)
        // Patch (row 0, col 0), ordered (channel, y, x).
        #expect(Array(values[0..<8]) == [0, 1, 10, 11, 100, 101, 110, 111])
        // Patch (row 0, col 1) follows: patches are row-major over the grid.
        #expect(Array(values[8..<16]) == [2, 3, 12, 13, 102, 103, 112, 113])
        // Last patch (row 1, col 2).
        #expect(Array(values[40..<48]) == [24, 25, 34, 35, 124, 125, 134, 135])
    }

    /// Element (patch, c * p * p + y * p + x) is pixel (c, row * p + y, col * p + x): the layout
    /// of a Conv2d weight [out, c, p, p] flattened, so patches x weightᵀ is the convolution.
    @Test func everyElementMatchesTheConvolutionLayout() throws {
        let p = 2
        let (rows, cols, values) = try Patchify.patches(Self.pixels, patchSize: p)
        let patchLength = 2 * p * p
        for row in 0..<rows {
            for col in 0..<cols {
                for c in 0..<2 {
                    for y in 0..<p {
                        for x in 0..<p {
                            let index: Int = (row * cols + col) * patchLength + c * p * p + y * p + x
                            let expected: Float = Self.pixels[c, row * p + y, col * p + x]
                            #expect(values[index] == expected)
                        }
                    }
                }
            }
        }
    }

    @Test(arguments: [0, 3, 4, 5, 7])
    func sizesThatDoNotDivideAreRefused(patchSize: Int) {
        let error = imageError { try Patchify.patches(Self.pixels, patchSize: patchSize) }
        #expect(error == .patchSizeMismatch(height: 4, width: 6, patchSize: patchSize))
    }

    @Test func wholeImageAsOnePatch() throws {
        let square = PixelValues(channels: 1, height: 3, width: 3, values: (0..<9).map(Float.init))
        let (rows, cols, values) = try Patchify.patches(square, patchSize: 3)
        #expect(rows == 1 && cols == 1 && values == square.values)
    }
}
