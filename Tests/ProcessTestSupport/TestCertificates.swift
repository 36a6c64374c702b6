import Foundation

/// A CA, a server certificate for 127.0.0.1 / localhost and a client certificate, made with
/// openssl in a fresh temporary directory: nothing secret is committed, nothing expires.
public struct TestCertificates: Sendable {
    public let directory: String
    public var ca: String { self.directory + "/ca.pem" }
    public var serverCertificate: String { self.directory + "/server.pem" }
    public var serverKey: String { self.directory + "/server-key.pem" }
    public var clientCertificate: String { self.directory + "/client.pem" }
    public var clientKey: String { self.directory + "/client-key.pem" }
    /// A certificate from a CA the server does not trust.
    public var strangerCertificate: String { self.directory + "/stranger.pem" }
    public var strangerKey: String { self.directory + "/stranger-key.pem" }

    public static func make() async throws -> TestCertificates {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("test-certs-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let script = """
            set -e
            cd '\(directory)'
            cat > server.ext <<EOF
            subjectAltName=DNS:localhost,IP:127.0.0.1
            extendedKeyUsage=serverAuth
            EOF
            cat > client.ext <<EOF
            extendedKeyUsage=clientAuth
            EOF
            openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
              -subj /CN=concord-test-ca -keyout ca-key.pem -out ca.pem 2>/dev/null
            openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
              -subj /CN=stranger-ca -keyout stranger-ca-key.pem -out stranger-ca.pem 2>/dev/null
            for name in server client stranger; do
              openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=$name \
                -keyout $name-key.pem -out $name.csr 2>/dev/null
            done
            openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 2 \
              -extfile server.ext -out server.pem 2>/dev/null
            openssl x509 -req -in client.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 2 \
              -extfile client.ext -out client.pem 2>/dev/null
            openssl x509 -req -in stranger.csr -CA stranger-ca.pem -CAkey stranger-ca-key.pem \
              -CAcreateserial -days 2 -extfile client.ext -out stranger.pem 2>/dev/null
            """
        let result = try await ChildProcess.run("/bin/bash", ["-c", script])
        guard result.status == 0 else { throw TestFailure("openssl failed: \(result.errors)") }
        return TestCertificates(directory: directory)
    }

    public func remove() {
        try? FileManager.default.removeItem(atPath: self.directory)
    }
}
