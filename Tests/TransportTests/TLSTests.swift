import Foundation
import NIOCore
import NIOPosix
import Raft
import Testing
@testable import Transport

/// Certificates made with `openssl` for one test run: a CA, a peer certificate it signed (for
/// 127.0.0.1), and a rogue CA with a peer certificate of its own.
struct TestCertificates {
    let directory: String
    var ca: String { directory + "/ca.crt" }
    var cert: String { directory + "/peer.crt" }
    var key: String { directory + "/peer.key" }
    var rogueCert: String { directory + "/rogue.crt" }
    var rogueKey: String { directory + "/rogue.key" }

    static func make() throws -> TestCertificates {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("concord-transport-tls-\(UInt32.random(in: 0...UInt32.max))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let script = """
        set -e
        cd '\(directory)'
        printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\nextendedKeyUsage=serverAuth,clientAuth\\n' > ext.cnf
        for name in ca rogue-ca; do
          openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout $name.key -out $name.crt -days 2 -subj /CN=$name 2>/dev/null
        done
        openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout peer.key -out peer.csr -subj /CN=peer 2>/dev/null
        openssl x509 -req -in peer.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out peer.crt -days 2 -extfile ext.cnf 2>/dev/null
        openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout rogue.key -out rogue.csr -subj /CN=rogue 2>/dev/null
        openssl x509 -req -in rogue.csr -CA rogue-ca.crt -CAkey rogue-ca.key -CAcreateserial -out rogue.crt -days 2 -extfile ext.cnf 2>/dev/null
        """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", script]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw CertificateError.opensslFailed(process.terminationStatus) }
        return TestCertificates(directory: directory)
    }

    enum CertificateError: Error { case opensslFailed(Int32) }

    func remove() { try? FileManager.default.removeItem(atPath: directory) }
}

@Suite("Peer TLS", .serialized)
struct TLSTests {
    @Test("peers exchange messages over TLS, with the server certificate verified against the CA and 127.0.0.1")
    func tls() async throws {
        let certs = try TestCertificates.make()
        defer { certs.remove() }
        let tls = PeerTLSConfiguration(certificateFile: certs.cert, keyFile: certs.key, trustedCAFile: certs.ca)
        let inboxA = Inbox(), inboxB = Inbox()
        let a = try await makeTransport(member: 1, inbox: inboxA, tls: tls)
        let b = try await makeTransport(member: 2, inbox: inboxB, tls: tls)
        a.addPeer(2, address: address(of: b))
        b.addPeer(1, address: address(of: a))
        for i in 0..<2000 { a.send(append(from: 1, to: 2, UInt64(i))); b.send(heartbeat(from: 2, to: 1, UInt64(i))) }
        #expect(await eventually { inboxA.messageCount == 2000 && inboxB.messageCount == 2000 })
        #expect(inboxB.messages == (0..<2000).map { append(from: 1, to: 2, UInt64($0)) })
        // A snapshot over TLS too.
        let snapshot = Message(from: 1, to: 2, term: 2, payload: .snapshot(Snapshot(metadata: SnapshotMetadata(index: 9, term: 2, confState: ConfState(voters: [1, 2])), data: [UInt8](repeating: 7, count: 3 << 20))))
        a.send(snapshot)
        #expect(await eventually { inboxA.contents.snapshotStatuses.first?.1 == .finished })
        #expect(inboxB.messages.last == snapshot)
        await a.shutdown(); await b.shutdown()
    }

    @Test("with client-cert-auth, a peer whose certificate another CA signed is refused")
    func mutualTLS() async throws {
        let certs = try TestCertificates.make()
        defer { certs.remove() }
        let inboxA = Inbox(), inboxB = Inbox(), inboxRogue = Inbox()
        let serverTLS = PeerTLSConfiguration(certificateFile: certs.cert, keyFile: certs.key, trustedCAFile: certs.ca, clientCertAuth: true)
        let b = try await makeTransport(member: 2, inbox: inboxB, tls: serverTLS)

        // A valid member gets through.
        let a = try await makeTransport(member: 1, inbox: inboxA, tls: serverTLS)
        a.addPeer(2, address: address(of: b))
        a.send(heartbeat(from: 1, to: 2, 1))
        #expect(await eventually { inboxB.messages == [heartbeat(from: 1, to: 2, 1)] })

        // A rogue member trusts our CA (so it could verify us) but presents a certificate we do not trust.
        let rogueTLS = PeerTLSConfiguration(certificateFile: certs.rogueCert, keyFile: certs.rogueKey, trustedCAFile: certs.ca)
        let rogue = try await makeTransport(member: 3, inbox: inboxRogue, tls: rogueTLS)
        rogue.addPeer(2, address: address(of: b))
        rogue.send(heartbeat(from: 3, to: 2, 1))
        #expect(await eventually { inboxRogue.contents.unreachable.contains(2) })
        try await Task.sleep(for: .milliseconds(100))
        #expect(!rogue.isConnected(to: 2))
        #expect(inboxB.messages.allSatisfy { $0.from == 1 })

        // A plain-TCP member cannot talk to a TLS listener either.
        let inboxPlain = Inbox()
        let plain = try await makeTransport(member: 4, inbox: inboxPlain)
        plain.addPeer(2, address: address(of: b))
        plain.send(heartbeat(from: 4, to: 2, 1))
        #expect(await eventually { inboxPlain.contents.unreachable.contains(2) })
        #expect(inboxB.messages.allSatisfy { $0.from == 1 })

        await a.shutdown(); await b.shutdown(); await rogue.shutdown(); await plain.shutdown()
    }

    @Test("a missing certificate file is an error at start, not at the first connection")
    func badFiles() {
        let tls = PeerTLSConfiguration(certificateFile: "/nonexistent/peer.crt", keyFile: "/nonexistent/peer.key", trustedCAFile: nil)
        #expect(throws: (any Error).self) {
            _ = try PeerTransport(configuration: PeerTransportConfiguration(clusterID: 1, memberID: 1, tls: tls),
                                  group: MultiThreadedEventLoopGroup.singleton, callbacks: Inbox().callbacks)
        }
    }
}
