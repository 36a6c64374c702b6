import NIOSSL

/// TLS for the server or the client, from PEM files: etcd's `--cert-file`, `--key-file`,
/// `--trusted-ca-file` and `--client-cert-auth` (etcdctl: `--cert --key --cacert`).
public struct GRPCTLSFiles: Sendable, Hashable {
    /// This side's certificate chain (PEM); nil for a client that presents none.
    public var certificateFile: String?
    public var keyFile: String?
    /// The CA that the peer's certificate must chain to (PEM). For a server, required with
    /// ``requireClientCertificate``; for a client, nil trusts the system's roots.
    public var trustedCAFile: String?
    /// Server only: refuse a client without a certificate from ``trustedCAFile`` (mutual TLS).
    public var requireClientCertificate: Bool

    public init(
        certificateFile: String? = nil, keyFile: String? = nil, trustedCAFile: String? = nil,
        requireClientCertificate: Bool = false
    ) {
        self.certificateFile = certificateFile
        self.keyFile = keyFile
        self.trustedCAFile = trustedCAFile
        self.requireClientCertificate = requireClientCertificate
    }

    /// ALPN: gRPC needs `h2`; `http/1.1` lets curl and Prometheus in on the same port.
    static let serverProtocols = ["h2", "http/1.1"]

    func makeServerContext() throws -> NIOSSLContext {
        guard let certificateFile, let keyFile else {
            throw GRPCTLSError("server TLS needs a certificate file and a key file")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(certificateFile).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: keyFile, format: .pem)))
        configuration.applicationProtocols = Self.serverProtocols
        if let trustedCAFile {
            configuration.trustRoots = .file(trustedCAFile)
        }
        if self.requireClientCertificate {
            guard self.trustedCAFile != nil else {
                throw GRPCTLSError("client certificate authentication needs a trusted CA file")
            }
            // Client certificates carry no host name to check: the CA's signature is the proof.
            configuration.certificateVerification = .noHostnameVerification
        }
        return try NIOSSLContext(configuration: configuration)
    }

    func makeClientContext() throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.applicationProtocols = ["h2"]
        if let trustedCAFile {
            configuration.trustRoots = .file(trustedCAFile)
        }
        if let certificateFile, let keyFile {
            configuration.certificateChain = try NIOSSLCertificate.fromPEMFile(certificateFile).map { .certificate($0) }
            configuration.privateKey = .privateKey(try NIOSSLPrivateKey(file: keyFile, format: .pem))
        } else if (self.certificateFile == nil) != (self.keyFile == nil) {
            throw GRPCTLSError("a client certificate needs both a certificate file and a key file")
        }
        return try NIOSSLContext(configuration: configuration)
    }
}

/// A TLS setting that cannot work, said in words.
public struct GRPCTLSError: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ description: String) { self.description = description }
}
