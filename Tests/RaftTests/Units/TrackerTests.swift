import Testing
@testable import Raft

@Suite("Progress tracking pieces")
struct TrackerTests {
    @Test("inflights: a full ring refuses more, an ack frees everything at or below it, in order")
    func inflights() {
        var inflights = Inflights(capacity: 4)
        for index: UInt64 in [3, 5, 8, 9] { inflights.add(index) }
        #expect(inflights.isFull)
        inflights.freeLE(5)
        #expect(inflights.count == 2 && !inflights.isFull)
        inflights.add(12)
        inflights.add(15)
        #expect(inflights.isFull)
        inflights.freeFirst()
        #expect(inflights.count == 3)
        inflights.freeLE(100)
        #expect(inflights.count == 0)
    }

    @Test("progress: a stale rejection changes nothing; a fresh one moves next back to the hint")
    func progressRejections() {
        var progress = Progress(next: 11, inflightCapacity: 4, isLearner: false)
        progress.match = 5
        let stale = progress.maybeDecrease(rejected: 7, hint: 6)
        #expect(!stale, "probe answers only for next - 1")
        let fresh = progress.maybeDecrease(rejected: 10, hint: 7)
        #expect(fresh)
        #expect(progress.next == 8)
        progress.becomeReplicate()
        #expect(progress.next == 6)
        let old = progress.maybeDecrease(rejected: 5, hint: 0)
        #expect(!old, "at or below match is old news")
        #expect(progress.match < progress.next)
    }

    @Test("commit index of a majority equals a naive count on random matches")
    func committedIndexAgainstNaive() {
        var random = SplitMix64(seed: 7)
        for _ in 0..<2_000 {
            let count = 1 + random.next(below: 7)
            let voters = (1...count).map { NodeID($0) }
            var tracker = ProgressTracker(config: ConfState(voters: voters), inflightCapacity: 4)
            tracker.apply(ConfState(voters: voters), nextIndex: 1)
            var matches: [NodeID: UInt64] = [:]
            for id in voters {
                let match = UInt64(random.next(below: 20))
                tracker[id]!.match = match
                matches[id] = match
            }
            var naive: UInt64 = 0
            for candidate: UInt64 in 0...20 where matches.values.filter({ $0 >= candidate }).count >= count / 2 + 1 {
                naive = candidate
            }
            #expect(tracker.committedIndex() == naive)
        }
    }

    @Test("votes: a quorum of grants wins, more rejections than the others can outweigh lose")
    func voteCounting() {
        var tracker = ProgressTracker(config: ConfState(voters: [1, 2, 3, 4, 5]), inflightCapacity: 1)
        var results: [ProgressTracker.VoteResult] = []
        results.append(tracker.recordVote(from: 1, granted: true))
        results.append(tracker.recordVote(from: 2, granted: false))
        results.append(tracker.recordVote(from: 2, granted: true))
        results.append(tracker.recordVote(from: 3, granted: false))
        results.append(tracker.recordVote(from: 4, granted: false))
        results.append(tracker.recordVote(from: 9, granted: true))
        // The first vote of a member counts; non-voters do not count.
        #expect(results == [.pending, .pending, .pending, .pending, .lost, .lost])
    }

    @Test("configuration changes round-trip through their entry encoding")
    func confChangeEncoding() {
        let change = ConfChange(operation: .addLearner, nodeID: 0xDEAD_BEEF_0102, context: [1, 2, 3])
        #expect(ConfChange(encoded: change.encoded()) == change)
        #expect(ConfChange(encoded: [9, 1, 0, 0, 0, 0, 0, 0, 0]) == nil)
        #expect(ConfChange(encoded: [1, 2]) == nil)
    }

    @Test("quorum sizes follow floor(n/2)+1")
    func quorumTable() {
        let expected = [1: 1, 2: 2, 3: 2, 4: 3, 5: 3, 6: 4, 7: 4]
        for (size, quorum) in expected {
            #expect(ConfState(voters: (1...size).map { NodeID($0) }).quorum == quorum)
        }
    }
}
