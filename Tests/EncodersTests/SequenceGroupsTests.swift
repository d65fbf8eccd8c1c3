import Testing
@testable import Encoders

@Suite struct SequenceGroupsTests {
    static func packed(_ lengths: [Int]) -> [Range<Int>] {
        var start = 0
        return lengths.map { length in
            defer { start += length }
            return start ..< start + length
        }
    }

    /// A page's 17 tiles: 8 and 8 side by side, then the last on both cores, instead of 9 and 8.
    @Test func anOddTileRunsOnBothCoresAfterTheGroups() {
        let plan = SequenceGroups.plan(Self.packed(Array(repeating: 1024, count: 17)), parts: 2)
        #expect(plan.groups == [0 ..< 8, 8 ..< 16])
        #expect(plan.together == 16 ..< 17)
    }

    /// Groups that are already even keep every sequence.
    @Test func anEvenSplitLeavesNothingTogether() {
        let plan = SequenceGroups.plan(Self.packed(Array(repeating: 1024, count: 16)), parts: 2)
        #expect(plan.groups == [0 ..< 8, 8 ..< 16])
        #expect(plan.together == nil)
    }

    /// Short texts: the groups differ by a text at most, and a text is too short to split.
    @Test func shortTextsAreNeverLeftTogether() {
        let plan = SequenceGroups.plan(Self.packed((0 ..< 33).map { 20 + $0 % 7 }), parts: 2)
        #expect(plan.together == nil)
        #expect(plan.groups.first?.lowerBound == 0 && plan.groups.last?.upperBound == 33)
    }

    /// One core: one group, whatever the sequences.
    @Test func oneCoreRunsOneGroup() {
        let plan = SequenceGroups.plan(Self.packed(Array(repeating: 1024, count: 17)), parts: 1)
        #expect(plan == SequenceGroups.Plan(groups: [0 ..< 17], together: nil))
    }
}
