@testable import Raft

/// A seeded, deterministic run of a Raft cluster: members, a network and clients in virtual time,
/// faults drawn from a `FaultMix`, and the safety checks after every step. The same mix and seed
/// always produce the same run, so any failure replays exactly.
final class Simulation {
    struct Failure: Error, CustomStringConvertible {
        var reason: String
        var time: Int
        var trace: [String]
        var description: String { "at t=\(time): \(reason)" }
    }

    /// Time units per tick; message delays and disk latency are in time units.
    static let unitsPerTick = 10

    let mix: FaultMix
    let seed: UInt64
    private var random: SplitMix64
    private var network: SimulatedNetwork
    private(set) var members: [SimulatedMember] = []
    private var clients: [SimulatedClient]
    private(set) var history: [HistoryEntry] = []
    private var checker = SafetyChecker()
    private(set) var time = 0
    private var faultsActive = true
    private var nextMemberID: NodeID

    /// With tracing on, every event is recorded (for replays); off, nothing is (for speed).
    private let tracing: Bool
    private(set) var trace: [String] = []

    init(mix: FaultMix, seed: UInt64, tracing: Bool = false) {
        self.mix = mix
        self.seed = seed
        self.tracing = tracing
        random = SplitMix64(seed: seed)
        network = SimulatedNetwork(mix: mix)
        clients = (1...mix.clients).map { SimulatedClient(id: UInt32($0)) }
        let voters = (1...mix.members).map { NodeID($0) }
        nextMemberID = NodeID(mix.members + 1)
        let (entries, hardState) = Bootstrap.initialLog(voters: voters)
        for id in voters {
            let storage = MemoryStorage()
            storage.append(entries)
            storage.setHardState(hardState)
            let member = SimulatedMember(id: id, storage: storage)
            member.start(seed: seed &+ id, maxMessageBytes: mix.maxMessageBytes)
            members.append(member)
        }
    }

    private func log(_ line: @autoclosure () -> String) {
        if tracing { trace.append("t=\(time) \(line())") }
    }

    private func member(_ id: NodeID) -> SimulatedMember? {
        members.first { $0.id == id }
    }

    // MARK: Running

    /// Runs `faultUnits` of time with faults, then heals everything and requires the cluster to
    /// elect a leader and commit within `livenessUnits`.
    func run(faultUnits: Int, livenessUnits: Int) throws(Failure) {
        defer { abandonWaitingOperations() }
        while time < faultUnits {
            try step()
        }
        heal()
        let deadline = time + livenessUnits
        var probe: LivenessProbe?
        while time < deadline {
            try step()
            if let done = livenessReached(&probe), done { return }
        }
        throw Failure(reason: "liveness: no leader committed a proposal within \(livenessUnits / Self.unitsPerTick) ticks after healing (\(statusLine()))", time: time, trace: trace)
    }

    private func fail(_ reason: String) -> Failure {
        Failure(reason: reason, time: time, trace: trace)
    }

    private func step() throws(Failure) {
        if faultsActive { injectFaults() }
        deliverMessages()
        for member in members where member.isUp && (time + Int(member.id)) % Self.unitsPerTick == 0 {
            member.node!.tick()
        }
        for member in members where member.node?.commitNoticeOwed == true && chance(0.3, &random) {
            member.node!.sendCommitNotices()
        }
        if faultsActive { clientsAct() }
        expireClientDeadlines()
        try processReadies()
        for member in members where member.isUp {
            if let violation = checker.checkLeader(member) ?? checker.checkProgress(member) {
                throw fail(violation)
            }
        }
        time += 1
    }

    private func deliverMessages() {
        let (delivered, lost) = network.takeDue(now: time, random: &random)
        for message in lost {
            reportSnapshotOutcome(message, delivered: false)
        }
        for message in delivered {
            guard let target = member(message.to), let node = target.node else {
                reportSnapshotOutcome(message, delivered: false)
                continue
            }
            log("deliver \(describe(message))")
            node.step(message)
            reportSnapshotOutcome(message, delivered: true)
        }
    }

    /// The transport tells the leader how sending a snapshot went, as a real one would.
    private func reportSnapshotOutcome(_ message: Message, delivered: Bool) {
        guard case .snapshot = message.payload, let sender = member(message.from)?.node else { return }
        sender.reportSnapshot(to: message.to, success: delivered)
    }

    private func send(_ messages: [Message]) {
        for message in messages where !network.send(message, now: time, random: &random) {
            reportSnapshotOutcome(message, delivered: false)
        }
    }

    private func processReadies() throws(Failure) {
        for member in members where member.isUp {
            if member.pending == nil, member.node!.hasReady {
                let ready = member.node!.ready()
                if let soft = ready.softState {
                    log("member \(member.id) is \(soft.role) (leader \(soft.leader))")
                    if faultsActive && soft.role == .leader && chance(mix.isolateNewLeaderRate, &random) {
                        network.split([member.id], members.map(\.id).filter { $0 != member.id })
                        log("fault: isolate new leader \(member.id)")
                    }
                }
                send(ready.messages)
                member.pending = (ready, time + random.next(below: mix.maxDiskDelay))
            }
            if let pending = member.pending, pending.persistAt <= time {
                try persistAndApply(member)
            }
        }
    }

    private func persistAndApply(_ member: SimulatedMember) throws(Failure) {
        guard let ready = member.persistPending() else { return }
        if let violation = checker.recordWritten(ready.entries, by: member) { throw fail(violation) }
        send(ready.messagesAfterPersist)
        for entry in ready.committedEntries {
            if let violation = checker.recordApplied(entry, by: member.id) { throw fail(violation) }
            if let command = member.apply(entry) {
                completePut(command, on: member)
            }
        }
        member.readsWaiting.append(contentsOf: ready.readStates)
        member.node!.advance(ready)
        member.maybeSnapshot()
        answerReads(on: member)
    }

    // MARK: Clients

    private func clientsAct() {
        for i in clients.indices where clients[i].waiting == nil && chance(mix.clientRate, &random) {
            let up = members.filter(\.isUp)
            guard !up.isEmpty else { return }
            let target = up[random.next(below: up.count)]
            let operation = clients[i].nextOperation
            clients[i].nextOperation += 1
            let key = UInt8(random.next(below: 3))
            let kind: SimulatedClient.Kind
            do {
                if chance(0.5, &random) {
                    let value = UInt32(clients[i].id) << 20 | operation
                    kind = .put(key: key, value: value)
                    try target.node!.propose(KVCommand(client: clients[i].id, operation: operation, key: key, value: value).encoded())
                } else {
                    kind = .get(key: key)
                    try target.node!.readIndex(context: clients[i].readContext(operation))
                }
            } catch {
                // Refused at once: it certainly did not happen.
                continue
            }
            log("client \(clients[i].id) op \(operation) \(kind) via \(target.id)")
            clients[i].waiting = .init(kind: kind, operation: operation, member: target.id, call: time, deadline: time + 40 * Self.unitsPerTick)
        }
    }

    private func expireClientDeadlines(at deadline: Int? = nil) {
        for i in clients.indices {
            guard let waiting = clients[i].waiting, waiting.deadline <= deadline ?? time else { continue }
            if case .put = waiting.kind {
                history.append(HistoryEntry(client: clients[i].id, kind: waiting.kind, result: nil, call: waiting.call, returned: nil))
            }
            clients[i].waiting = nil
        }
    }

    /// The run is over: operations still waiting have an unknown outcome.
    private func abandonWaitingOperations() {
        expireClientDeadlines(at: .max)
    }

    private func completePut(_ command: KVCommand, on member: SimulatedMember) {
        guard let i = clients.firstIndex(where: { $0.id == command.client }),
              let waiting = clients[i].waiting, waiting.operation == command.operation, waiting.member == member.id else { return }
        history.append(HistoryEntry(client: command.client, kind: waiting.kind, result: nil, call: waiting.call, returned: time))
        clients[i].waiting = nil
    }

    private func answerReads(on member: SimulatedMember) {
        var still: [ReadState] = []
        for read in member.readsWaiting {
            guard read.index <= member.state.applied else {
                still.append(read)
                continue
            }
            for i in clients.indices {
                guard let waiting = clients[i].waiting, waiting.member == member.id,
                      clients[i].readContext(waiting.operation) == read.context,
                      case .get(let key) = waiting.kind else { continue }
                history.append(HistoryEntry(client: clients[i].id, kind: waiting.kind, result: member.state.values[key], call: waiting.call, returned: time))
                clients[i].waiting = nil
            }
        }
        member.readsWaiting = still
    }

    // MARK: Faults

    private var leaderMember: SimulatedMember? {
        var best: SimulatedMember?
        for member in members {
            guard let node = member.node, node.raft.role == .leader else { continue }
            if best == nil || best!.node!.raft.term < node.raft.term { best = member }
        }
        return best
    }

    private func injectFaults() {
        let ids = members.map(\.id)
        if chance(mix.splitRate, &random) {
            let shuffled = shuffledIDs(ids)
            let cut = 1 + random.next(below: max(1, shuffled.count - 1))
            network.split(Array(shuffled[..<cut]), Array(shuffled[cut...]))
            log("fault: split \(shuffled[..<cut]) | \(shuffled[cut...])")
        }
        if chance(mix.oneWayRate, &random), ids.count > 1 {
            let from = ids[random.next(below: ids.count)]
            let to = ids[random.next(below: ids.count)]
            if from != to {
                network.cut(from, to)
                log("fault: cut \(from)->\(to)")
            }
        }
        if chance(mix.isolateLeaderRate, &random), let leader = leaderMember {
            network.split([leader.id], ids.filter { $0 != leader.id })
            log("fault: isolate leader \(leader.id)")
        }
        if chance(mix.healRate, &random) {
            network.healAll()
            log("fault: heal all links")
        }
        if chance(mix.crashRate, &random) {
            let up = members.filter(\.isUp)
            if !up.isEmpty {
                let victim = up[random.next(below: up.count)]
                victim.crash()
                log("fault: crash \(victim.id)")
            }
        }
        if chance(mix.leaderCrashRate, &random), let leader = leaderMember {
            leader.crash()
            log("fault: crash leader \(leader.id)")
        }
        if chance(mix.tornPersistCrashRate, &random) {
            let persisting = members.filter { $0.pending != nil }
            if !persisting.isEmpty {
                let victim = persisting[random.next(below: persisting.count)]
                victim.crash()
                log("fault: crash \(victim.id) before its persist")
            }
        }
        if chance(mix.restartRate, &random) {
            let down = members.filter { !$0.isUp }
            if !down.isEmpty {
                let revived = down[random.next(below: down.count)]
                revived.start(seed: seed &+ revived.id &+ UInt64(time), maxMessageBytes: mix.maxMessageBytes)
                log("fault: restart \(revived.id)")
            }
        }
        if chance(mix.membershipRate, &random) { changeMembership() }
        if chance(mix.transferRate, &random), let leader = leaderMember {
            let voters = leader.raft!.tracker.config.voters.filter { $0 != leader.id }
            if !voters.isEmpty {
                let target = voters[random.next(below: voters.count)]
                if (try? leader.node!.transferLeadership(to: target)) != nil { log("transfer leadership \(leader.id) -> \(target)") }
            }
        }
    }

    private func shuffledIDs(_ ids: [NodeID]) -> [NodeID] {
        var ids = ids
        for i in stride(from: ids.count - 1, to: 0, by: -1) {
            ids.swapAt(i, random.next(below: i + 1))
        }
        return ids
    }

    /// Asks the leader for one membership change: add a learner, promote one, or remove a member.
    private func changeMembership() {
        guard let leader = leaderMember, let config = leader.raft?.tracker.config else { return }
        let change: ConfChange
        switch random.next(below: 3) {
        case 0 where config.members.count < 7:
            change = ConfChange(operation: .addLearner, nodeID: nextMemberID)
        case 1 where !config.learners.isEmpty:
            change = ConfChange(operation: .addVoter, nodeID: config.learners[random.next(below: config.learners.count)])
        case 2 where config.voters.count > 3 || (!config.learners.isEmpty && config.voters.count > 2):
            change = ConfChange(operation: .removeNode, nodeID: config.members[random.next(below: config.members.count)])
        default:
            return
        }
        guard (try? leader.node!.proposeConfChange(change)) != nil else { return }
        log("membership: \(change.operation) \(change.nodeID) proposed on \(leader.id)")
        if change.operation == .addLearner {
            // The new member starts empty and learns everything, membership included, from the leader.
            let member = SimulatedMember(id: nextMemberID, storage: MemoryStorage())
            member.start(seed: seed &+ nextMemberID, maxMessageBytes: mix.maxMessageBytes)
            members.append(member)
            nextMemberID += 1
        }
    }

    // MARK: Liveness

    private func heal() {
        faultsActive = false
        network.healAll()
        network.dropRate = 0
        network.duplicateRate = 0
        for member in members where !member.isUp {
            member.start(seed: seed &+ member.id &+ UInt64(time), maxMessageBytes: mix.maxMessageBytes)
        }
        log("heal: all links up, all members running")
    }

    /// A put proposed to check liveness: on which leader, in which term, at which index.
    struct LivenessProbe {
        var leader: NodeID
        var term: UInt64
        var index: UInt64
    }

    /// Proposes one put through the leader (again, whenever leadership moved since); done when
    /// every member of the leader's configuration has applied it.
    private func livenessReached(_ probe: inout LivenessProbe?) -> Bool? {
        guard let leader = leaderMember, let node = leader.node, node.raft.hasCommittedInCurrentTerm else { return nil }
        if probe?.leader != leader.id || probe?.term != node.raft.term {
            let command = KVCommand(client: 0, operation: UInt32(time), key: 200, value: 0)
            guard (try? node.propose(command.encoded())) != nil else { return nil }
            probe = LivenessProbe(leader: leader.id, term: node.raft.term, index: node.raft.log.lastIndex)
        }
        guard let index = probe?.index, leader.state.applied >= index else { return nil }
        let config = node.raft.tracker.config
        return members.filter { config.isMember($0.id) }.allSatisfy { $0.state.applied >= index }
    }

    func statusLine() -> String {
        members.map { m in
            guard let raft = m.raft else { return "\(m.id):down" }
            var line = "\(m.id):\(raft.role) t\(raft.term) c\(raft.log.committed) a\(m.state.applied) last\(raft.log.lastIndex) first\(raft.log.firstIndex)"
            if raft.role == .leader {
                line += " progress[" + raft.tracker.config.members.compactMap { id in
                    raft.tracker[id].map { "\(id):\($0.state) m\($0.match) n\($0.next) active=\($0.recentActive) paused=\($0.isPaused)" }
                }.joined(separator: ", ") + "]"
            }
            return line
        }.joined(separator: " ")
    }
}
