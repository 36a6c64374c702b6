import Raft
import Testing

@Suite("Quorum arithmetic")
struct QuorumTests {
    @Test("Quorum size and failures tolerated are the README's table for 1 to 7 voters", arguments: [
        (1, 1, 0), (2, 2, 0), (3, 2, 1), (4, 3, 1), (5, 3, 2), (6, 4, 2), (7, 4, 3),
    ])
    func table(voters: Int, quorum: Int, tolerated: Int) {
        let facts = Quorum(voters: voters)
        #expect(facts.size == quorum)
        #expect(facts.tolerance == tolerated)
        #expect(facts.size == ConfState(voters: (1...UInt64(voters)).map { $0 }).quorum)
    }

    @Test("With some voters down, the tolerance left is what is up beyond the quorum, negative once it is lost")
    func toleranceNow() {
        let five = Quorum(voters: 5)
        #expect(five.tolerance(up: 5) == 2)
        #expect(five.tolerance(up: 3) == 0)
        #expect(five.tolerance(up: 2) == -1)
    }

    @Test("Only an even number of voters gets the advice, which says what the odd size below would give")
    func evenSizeAdvice() {
        #expect(Quorum(voters: 0).evenSizeAdvice == nil)
        #expect(Quorum(voters: 3).evenSizeAdvice == nil)
        #expect(Quorum(voters: 4).evenSizeAdvice
            == "4 voting members tolerate 1 failure, as 3 would, while every write waits for 3 of them instead of 2; an odd size is cheaper for the same safety (split 2–2, neither side has a quorum)")
        #expect(Quorum(voters: 2).evenSizeAdvice?.hasPrefix("2 voting members tolerate 0 failures, as 1 would") == true)
    }
}
