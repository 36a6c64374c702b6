import EtcdAPI
import Foundation
import GRPCWire
import Raft
import Storage

/// etcd's Maintenance service: status, alarms, hashes, snapshots, leadership transfer.
enum MaintenanceService {
    /// The etcd release whose API this server speaks; clients gate features on it.
    static let etcdVersion = "3.4.0"
    /// Bytes per message of the Snapshot stream (etcd sends 32 KiB).
    static let snapshotChunkBytes = 32 * 1024

    static func methods(_ context: ServiceContext, snapshotDirectory: String) -> [GRPCServerMethod] {
        [
            .unary("/etcdserverpb.Maintenance/Status") { (_: Etcdserverpb_StatusRequest, responder: GRPCUnaryResponder<Etcdserverpb_StatusResponse>) in
                do {
                    responder.succeed(context.stamped(try status(context)))
                } catch {
                    responder.fail(EtcdError.status(error))
                }
            },
            .unary("/etcdserverpb.Maintenance/Alarm") { (request: Etcdserverpb_AlarmRequest, responder: GRPCUnaryResponder<Etcdserverpb_AlarmResponse>) in
                guard request.action != .get else {
                    do {
                        var response = Etcdserverpb_AlarmResponse()
                        response.alarms = try ClusterRecords.alarms(in: context.store)
                        responder.succeed(context.stamped(response))
                    } catch {
                        responder.fail(EtcdError.status(error))
                    }
                    return
                }
                context.propose(.alarm(request), responder)
            },
            .unary("/etcdserverpb.Maintenance/Hash") { (_: Etcdserverpb_HashRequest, responder: GRPCUnaryResponder<Etcdserverpb_HashResponse>) in
                do {
                    var response = Etcdserverpb_HashResponse()
                    let hash = try context.store.hashKV(revision: 0)
                    response.hash = hash.hash
                    response.header.revision = hash.revision
                    responder.succeed(context.stamped(response))
                } catch {
                    responder.fail(EtcdError.status(error))
                }
            },
            .unary("/etcdserverpb.Maintenance/HashKV") { (request: Etcdserverpb_HashKVRequest, responder: GRPCUnaryResponder<Etcdserverpb_HashKVResponse>) in
                do {
                    var response = Etcdserverpb_HashKVResponse()
                    let hash = try context.store.hashKV(revision: request.revision)
                    response.hash = hash.hash
                    response.compactRevision = hash.compactRevision
                    response.header.revision = (try context.store.status()).revision
                    responder.succeed(context.stamped(response))
                } catch {
                    responder.fail(EtcdError.status(error))
                }
            },
            .unary("/etcdserverpb.Maintenance/Defragment") { (_: Etcdserverpb_DefragmentRequest, responder: GRPCUnaryResponder<Etcdserverpb_DefragmentResponse>) in
                // The member's run loop rewrites the state file between two applies
                // (RaftNode.defragment, docs/storage.md "Defragment").
                context.node.defragment { result in
                    switch result {
                    case .success: responder.succeed(context.stamped(Etcdserverpb_DefragmentResponse()))
                    case .failure(let error): responder.fail(EtcdError.status(error))
                    }
                }
            },
            .unary("/etcdserverpb.Maintenance/MoveLeader") { (request: Etcdserverpb_MoveLeaderRequest, responder: GRPCUnaryResponder<Etcdserverpb_MoveLeaderResponse>) in
                moveLeader(context, to: request.targetID, responder)
            },
            .serverStreaming("/etcdserverpb.Maintenance/Snapshot") { (_: Etcdserverpb_SnapshotRequest, stream: GRPCResponseStream<Etcdserverpb_SnapshotResponse>) in
                // Copying the environment blocks: it runs on a thread of its own. The chunks then
                // go out as the client reads them, so a slow reader holds about
                // GRPCLimits.maxQueuedResponseBytesPerStream of it in memory, not the snapshot.
                Thread.detachNewThread {
                    let path = snapshotDirectory + "/stream-\(UInt64.random(in: 0...UInt64.max)).snap"
                    do {
                        try createSnapshotFile(context, at: path)
                    } catch {
                        unlink(path)
                        return stream.finish(EtcdError.status(error))
                    }
                    Task {
                        defer { unlink(path) }
                        await streamSnapshotFile(context, at: path, stream)
                    }
                }
            },
        ]
    }

    static func status(_ context: ServiceContext) throws -> Etcdserverpb_StatusResponse {
        let node = context.node.status
        var response = Etcdserverpb_StatusResponse()
        response.version = etcdVersion
        response.dbSize = Int64(context.store.sizeBytes())
        response.dbSizeInUse = Int64(try context.store.liveBytes())
        response.leader = node.leader
        response.raftIndex = node.commitIndex
        response.raftTerm = node.term
        response.raftAppliedIndex = node.appliedIndex
        response.isLearner = node.config.isLearner(context.memberID)
        response.errors = try ClusterRecords.alarms(in: context.store).map { alarm in
            "memberID:\(alarm.memberID) alarm:\(alarm.alarm == .nospace ? "NOSPACE" : "CORRUPT") "
        }
        return response
    }

    private static func moveLeader(_ context: ServiceContext, to target: UInt64, _ responder: GRPCUnaryResponder<Etcdserverpb_MoveLeaderResponse>) {
        let status = context.node.status
        guard status.role == .leader else { return responder.fail(EtcdError.notLeader) }
        guard status.config.isVoter(target) else { return responder.fail(EtcdError.badLeaderTransferee) }
        context.node.transferLeadership(to: target)
        let deadline = context.deadline(for: responder.call)
        Thread.detachNewThread {
            while ContinuousClock.now < deadline {
                if context.node.status.leader == target {
                    return responder.succeed(context.stamped(Etcdserverpb_MoveLeaderResponse()))
                }
                Thread.sleep(forTimeInterval: 0.01)
            }
            responder.fail(EtcdError.timeout)
        }
    }

    /// Writes a snapshot of the state environment to `path`: Concord's snapshot file (LZ4
    /// frames with checksums) of the members as the state records them.
    private static func createSnapshotFile(_ context: ServiceContext, at path: String) throws {
        let members = try ClusterRecords.members(in: context.store)
        let confState = ConfState(voters: members.filter { !$0.isLearner }.map(\.id), learners: members.filter(\.isLearner).map(\.id))
        try SnapshotFile.create(from: context.store, confState: confState, to: path)
    }

    /// Streams the snapshot file at `path` as `etcdctl snapshot save` expects: chunks, each with
    /// the bytes still to come, then etcd's padding and SHA-256 trailer. Each chunk waits for
    /// room in the call's response queue; a call the client ended stops the stream.
    private static func streamSnapshotFile(_ context: ServiceContext, at path: String, _ stream: GRPCResponseStream<Etcdserverpb_SnapshotResponse>) async {
        do {
            guard let file = FileHandle(forReadingAtPath: path) else { throw GRPCStatus(.internal, "cannot open \(path)") }
            defer { try? file.close() }
            let fileBytes = FileSystemSize.bytes(of: path)
            var remaining = UInt64(EtcdSnapshotTrailer.trailedLength(fileBytes))
            var hash = SHA256()
            func send(_ chunk: Data) async throws {
                remaining -= UInt64(chunk.count)
                var response = Etcdserverpb_SnapshotResponse()
                response.blob = chunk
                response.remainingBytes = remaining
                try await stream.sendWhenWritable(context.stamped(response))
            }
            while true {
                let chunk = file.readData(ofLength: snapshotChunkBytes)
                if chunk.isEmpty { break }
                hash.update(chunk)
                try await send(chunk)
            }
            let padding = [UInt8](repeating: 0, count: EtcdSnapshotTrailer.paddingBytes(after: fileBytes))
            hash.update(padding)
            try await send(Data(padding + hash.finalize()))
            precondition(remaining == 0, "the snapshot stream sent \(remaining) bytes fewer than announced")
            stream.finish()
        } catch {
            stream.finish(EtcdError.status(error))
        }
    }
}

/// A file's size in bytes (0 when it cannot be read).
enum FileSystemSize {
    static func bytes(of path: String) -> Int {
        var info = stat()
        return stat(path, &info) == 0 ? Int(info.st_size) : 0
    }
}
