/// The plain HTTP answers served on the gRPC port, as etcd's client port serves `/health`,
/// `/version` and `/metrics` beside gRPC. Over HTTP/1.1 and over HTTP/2 alike (curl speaks
/// HTTP/2 over TLS when the server offers `h2`).
public struct HTTPEndpointResponse: Sendable, Hashable {
    public var status: Int
    public var contentType: String
    public var body: String

    public init(status: Int = 200, contentType: String, body: String) {
        self.status = status
        self.contentType = contentType
        self.body = body
    }

    static let notFound = HTTPEndpointResponse(status: 404, contentType: "text/plain; charset=utf-8", body: "404 page not found\n")
}

/// Answers a GET: the path (query string included) in, nil for "no such page" (404).
public typealias HTTPEndpointHandler = @Sendable (_ path: String) -> HTTPEndpointResponse?
