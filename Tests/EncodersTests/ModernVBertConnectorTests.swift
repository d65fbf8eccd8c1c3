import Testing

@testable import Encoders

/// The connector's pixel shuffle against transformers' view/permute/reshape chain, on a 4 x 4
/// grid of 2-vectors with factor 2 (values 0..<32, each token `t` holding `2t, 2t + 1`). The
/// expected rows are what PyTorch gives for `ModernVBertConnector.pixel_shuffle` on that input.
@Suite struct ModernVBertConnectorTests {
    @Test func pixelShuffleGathersTwoByTwoBlocksRowMajor() {
        let input = (0..<32).map(Float.init)
        var output: [Float] = []
        input.withUnsafeBufferPointer { ModernVBertConnector.pixelShuffle($0.baseAddress!, grid: 4, width: 2, factor: 2, into: &output) }
        let expected: [[Float]] = [
            [0, 1, 2, 3, 8, 9, 10, 11], [4, 5, 6, 7, 12, 13, 14, 15],
            [16, 17, 18, 19, 24, 25, 26, 27], [20, 21, 22, 23, 28, 29, 30, 31],
        ]
        #expect(output == expected.flatMap { $0 })
    }
}
