import NIOCore
import NIOSSL

/// Peer TLS, etcd's `--peer-cert-file --peer-key-file --peer-trusted-ca-file
/// --peer-client-cert-auth`. The same certificate serves as server certificate on the listener
/// and as client certificate when dialling, as in etcd.
public struct PeerTLSConfiguration: Sendable {
    public var certificateFile: String
    public var keyFile: String
    /// CA bundle that peers' certificates must chain to. Required to dial peers.
    public var trustedCAFile: String?
    /// Refuse a dialler without a certificate signed by `trustedCAFile`.
    public var clientCertAuth: Bool
    /// Check that the peer's certificate names the host (or IP) we dialled.
    public var verifyPeerHostname: Bool

    public init(certificateFile: String, keyFile: String, trustedCAFile: String?, clientCertAuth: Bool = false,
                verifyPeerHostname: Bool = true) {
        self.certificateFile = certificateFile
        self.keyFile = keyFile
        self.trustedCAFile = trustedCAFile
        self.clientCertAuth = clientCertAuth
        self.verifyPeerHostname = verifyPeerHostname
    }
}

/// The two TLS contexts a transport needs, built once at start so that a bad file is an error
/// at start, not at the first connection.
struct PeerTLSContexts: Sendable {
    let server: NIOSSLContext
    let client: NIOSSLContext

    init(_ configuration: PeerTLSConfiguration) throws {
        let chain = try NIOSSLCertificate.fromPEMFile(configuration.certificateFile).map { NIOSSLCertificateSource.certificate($0) }
        let key = NIOSSLPrivateKeySource.privateKey(try NIOSSLPrivateKey(file: configuration.keyFile, format: .pem))
        let trustRoots: NIOSSLTrustRoots? = configuration.trustedCAFile.map { .file($0) }

        var server = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: key)
        server.minimumTLSVersion = .tlsv12
        if configuration.clientCertAuth {
            guard let trustRoots else { throw PeerTLSConfigurationError.clientCertAuthWithoutCA }
            server.trustRoots = trustRoots
            server.certificateVerification = .noHostnameVerification
        } else {
            server.certificateVerification = .none
        }

        var client = TLSConfiguration.makeClientConfiguration()
        client.minimumTLSVersion = .tlsv12
        client.certificateChain = chain
        client.privateKey = key
        if let trustRoots { client.trustRoots = trustRoots }
        client.certificateVerification = configuration.verifyPeerHostname ? .fullVerification : .noHostnameVerification

        self.server = try NIOSSLContext(configuration: server)
        self.client = try NIOSSLContext(configuration: client)
    }

    /// The name to send as SNI and to verify: nil for an IP address (NIOSSL then checks the
    /// certificate against the address connected to).
    static func serverHostname(_ host: String) -> String? {
        (try? SocketAddress(ipAddress: host, port: 0)) == nil ? host : nil
    }
}

public enum PeerTLSConfigurationError: Error, CustomStringConvertible {
    case clientCertAuthWithoutCA

    public var description: String {
        switch self {
        case .clientCertAuthWithoutCA: return "--peer-client-cert-auth needs --peer-trusted-ca-file"
        }
    }
}
